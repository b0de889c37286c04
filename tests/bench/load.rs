//! Load benchmark: a 5,000-task playbook with 200 roles and a 10,000-host inventory with
//! group_vars/host_vars, read and listed (`--list-hosts --list-tasks`) in-process.
//! Reports wall time per phase and peak memory (VmHWM). Run:
//! `cargo bench -p ringmaster --bench load`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod inputs;

use std::time::Instant;

use clap::Parser as _;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let dir = tempfile::tempdir().expect("temp dir");
    inputs::write_inputs(dir.path()).expect("write benchmark inputs");
    let base_rss = peak_rss_mb();

    let args = engine::cli::Args::parse_from([
        "ringmaster",
        "-i",
        "hosts.ini",
        "site.yml",
        "--list-hosts",
        "--list-tasks",
    ]);
    let runs = 5;
    let mut load_ms = Vec::new();
    let mut list_ms = Vec::new();
    let mut output_len = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let loaded = match engine::cli::load(&args, dir.path()) {
            Ok(l) => l,
            Err(f) => panic!("benchmark input failed to load:\n{}", f.error.render()),
        };
        let t1 = Instant::now();
        let mut out = Vec::new();
        let rc = engine::cli::run_listing(&args, &loaded, &mut out);
        assert_eq!(rc, 0, "listing failed");
        let t2 = Instant::now();
        output_len = out.len();
        load_ms.push((t1 - t0).as_secs_f64() * 1000.0);
        list_ms.push((t2 - t1).as_secs_f64() * 1000.0);
    }
    load_ms.sort_by(f64::total_cmp);
    list_ms.sort_by(f64::total_cmp);
    let (load, list) = (load_ms[runs / 2], list_ms[runs / 2]);
    println!(
        "load benchmark: {} tasks ({} roles), {} hosts, {} groups",
        5_000,
        inputs::ROLES,
        inputs::HOSTS,
        inputs::GROUPS
    );
    println!("| phase | median ms (of {runs}) |");
    println!("| --- | --- |");
    println!("| load (config, inventory + vars dirs, playbook + roles) | {load:.1} |");
    println!("| list hosts + tasks ({output_len} bytes of output) | {list:.1} |");
    println!("| total | {:.1} |", load + list);
    println!(
        "peak memory (VmHWM): {:.1} MB (process before loading: {base_rss:.1} MB)",
        peak_rss_mb()
    );
}
