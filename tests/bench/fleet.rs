//! The speed race on the project's own fleet of real sshd hosts: ringmaster vs
//! ansible-playbook (best configuration: pipelining, ControlPersist, forks = hosts) vs the
//! floor, raw `ssh host true` over an OpenSSH ControlMaster socket — same hosts, same run.
//! Prints a table of wall time, ms per task-host, controller CPU and peak memory.
//!
//! Run (as root): `cargo bench -p ringmaster --bench fleet`.
//! `RM_BENCH_SCALE=500` also runs a 5-task playbook over that many hosts with forks = hosts
//! and reports ringmaster's memory per host (`RM_BENCH_WORKLOADS=0`: only that).
//! `RM_BENCH_SKIP_ANSIBLE=1` times only ringmaster and ssh. The security rollout
//! (`tests/bench/rollout.rs`: apt, reboots, four rings) runs unless `RM_BENCH_ROLLOUT=0`. ansible-core comes from `ANSIBLE_VENV` (default
//! `/opt/ansible-venv`), installed from PyPI there when missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fleet/mod.rs"]
mod fleet;
#[path = "../patch/harness.rs"]
#[allow(dead_code)]
mod harness;
mod rollout;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;

use workloads::{WORKLOADS, Workload, write_playbook};

/// What `/usr/bin/time` measured for one run (CPU includes every child process).
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    wall_s: f64,
    cpu_s: f64,
    peak_mb: f64,
}

/// Runs `cmd` under GNU time; panics with its output when it fails (a benchmark of a
/// failing run would be meaningless).
pub fn measure(cmd: &mut Command, out_dir: &Path, label: &str) -> Measure {
    let time_file = out_dir.join(format!("{label}.time"));
    let log = out_dir.join(format!("{label}.log"));
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%e %U %S %M")
        .arg("-o")
        .arg(&time_file)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let output = timed.output().expect("run /usr/bin/time");
    std::fs::write(&log, [&output.stdout[..], &output.stderr[..]].concat()).unwrap();
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stdout);
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        panic!(
            "{label} failed ({}); log {}:\n{}",
            output.status,
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let t = std::fs::read_to_string(&time_file).unwrap();
    let f: Vec<f64> = t
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(f64::NAN))
        .collect();
    Measure {
        wall_s: f[0],
        cpu_s: f[1] + f[2],
        peak_mb: f[3] / 1024.0,
    }
}

fn ensure_tools() {
    if !Path::new("/usr/bin/time").exists() {
        let ok = Command::new("apt-get")
            .args(["install", "-y", "-qq", "time"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "GNU time is needed: apt-get install time");
    }
}

/// ansible-playbook from the venv, installed from PyPI when missing.
fn ansible_playbook() -> PathBuf {
    let venv = PathBuf::from(
        std::env::var("ANSIBLE_VENV").unwrap_or_else(|_| "/opt/ansible-venv".to_string()),
    );
    let bin = venv.join("bin/ansible-playbook");
    if !bin.exists() {
        eprintln!("installing ansible-core 2.19 into {}", venv.display());
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "ansible-core>=2.19,<2.20"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(ok, "could not install ansible-core into {}", venv.display());
    }
    bin
}

fn inventory(fleet: &fleet::Fleet, n: usize) -> String {
    // The fleet's inventory lists every host; keep the first `n` in group `bench`.
    let full = fleet.inventory_ini();
    let names: Vec<&str> = fleet.hosts()[..n].iter().map(|h| h.name.as_str()).collect();
    let mut out = String::from("[bench]\n");
    for line in full.lines() {
        if let Some(first) = line.split_whitespace().next()
            && names.contains(&first)
        {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

struct Row {
    workload: String,
    engine: &'static str,
    m: Measure,
    task_hosts: usize,
}

fn run_workload(
    fleet: &fleet::Fleet,
    w: &Workload,
    dir: &Path,
    ansible: Option<&Path>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let task_hosts = w.hosts * w.tasks;
    let inv = dir.join("hosts.ini");
    std::fs::write(&inv, inventory(fleet, w.hosts)).unwrap();
    let label = w.name.replace([' ', ','], "_").replace("__", "_");

    let rm_dir = dir.join(format!("{label}-ringmaster"));
    write_playbook(&rm_dir, w, "ringmaster").unwrap();
    let mut rm = Command::new(env!("CARGO_BIN_EXE_ringmaster"));
    rm.current_dir(&rm_dir)
        .args(["-i", inv.to_str().unwrap(), "site.yml", "-f"])
        .arg(w.hosts.to_string())
        .env("NO_COLOR", "1");
    let m = measure(&mut rm, dir, &format!("{label}-ringmaster"));
    rows.push(Row {
        workload: w.name.to_string(),
        engine: "ringmaster",
        m,
        task_hosts,
    });

    if let Some(ap) = ansible {
        let an_dir = dir.join(format!("{label}-ansible"));
        write_playbook(&an_dir, w, "ansible").unwrap();
        let cp = an_dir.join("cp");
        std::fs::create_dir_all(&cp).unwrap();
        std::fs::write(
            an_dir.join("ansible.cfg"),
            format!(
                "[defaults]\nforks = {}\ninterpreter_python = /usr/bin/python3\n\
                 [ssh_connection]\npipelining = True\n\
                 ssh_args = -o ControlMaster=auto -o ControlPersist=60s\n\
                 control_path_dir = {}\n",
                w.hosts,
                cp.display()
            ),
        )
        .unwrap();
        let mut an = Command::new(ap);
        an.current_dir(&an_dir)
            .args(["-i", inv.to_str().unwrap(), "site.yml"])
            .env("ANSIBLE_CONFIG", an_dir.join("ansible.cfg"))
            .env("NO_COLOR", "1");
        let m = measure(&mut an, dir, &format!("{label}-ansible"));
        rows.push(Row {
            workload: w.name.to_string(),
            engine: "ansible-playbook",
            m,
            task_hosts,
        });
    }

    // The floor: every task a `ssh host true` over an already open ControlMaster socket,
    // hosts in parallel, tasks one after another per host.
    let names: Vec<String> = fleet.hosts()[..w.hosts]
        .iter()
        .map(|h| h.name.clone())
        .collect();
    let cfg = fleet.ssh_config().display().to_string();
    let warm = format!(
        "for h in {}; do ssh -F {cfg} $h true & done; wait",
        names.join(" ")
    );
    assert!(
        Command::new("bash")
            .args(["-c", &warm])
            .status()
            .unwrap()
            .success()
    );
    let floor = format!(
        "for h in {}; do (for i in $(seq {}); do ssh -F {cfg} $h true || exit 1; done) & done; wait",
        names.join(" "),
        w.tasks
    );
    let mut raw = Command::new("bash");
    raw.args(["-c", &floor]);
    let m = measure(&mut raw, dir, &format!("{label}-ssh"));
    rows.push(Row {
        workload: w.name.to_string(),
        engine: "raw ssh (ControlMaster)",
        m,
        task_hosts,
    });
    rows
}

fn print_table(rows: &[Row]) {
    println!("\n| workload | engine | wall s | ms per task-host | controller CPU s | peak MB |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.0} |",
            r.workload,
            r.engine,
            r.m.wall_s,
            r.m.wall_s * 1000.0 / r.task_hosts as f64,
            r.m.cpu_s,
            r.m.peak_mb
        );
    }
    println!();
    let mut workloads: Vec<&str> = rows.iter().map(|r| r.workload.as_str()).collect();
    workloads.dedup();
    for w in workloads {
        let get = |e: &str| {
            rows.iter()
                .find(|r| r.workload == w && r.engine.starts_with(e))
                .map(|r| r.m.wall_s)
        };
        let rm = get("ringmaster").unwrap_or(f64::NAN);
        let mut line = format!("{w}:");
        if let Some(an) = get("ansible") {
            line.push_str(&format!(
                " ringmaster {:.1}x faster than ansible-playbook;",
                an / rm
            ));
        }
        if let Some(ssh) = get("raw ssh") {
            line.push_str(&format!(" {:.2}x the raw ssh floor", rm / ssh));
        }
        println!("{line}");
    }
}

/// Many hosts, forks = hosts: does the run complete, and how much memory per host.
fn scale(n: usize, dir: &Path) {
    eprintln!("starting {n} fleet hosts");
    let start = std::time::Instant::now();
    let fleet = fleet::Fleet::start(n).expect("start the scale fleet");
    eprintln!("{n} hosts up in {:.1} s", start.elapsed().as_secs_f64());
    let w = Workload {
        name: "scale",
        hosts: n,
        tasks: 5,
        facts: false,
        mixed: false,
    };
    let inv = dir.join("scale.ini");
    std::fs::write(&inv, inventory(&fleet, n)).unwrap();
    let pb = dir.join("scale");
    write_playbook(&pb, &w, "ringmaster").unwrap();
    let mut rm = Command::new(env!("CARGO_BIN_EXE_ringmaster"));
    rm.current_dir(&pb)
        .args(["-i", inv.to_str().unwrap(), "site.yml", "-f"])
        .arg(n.to_string())
        .env("NO_COLOR", "1");
    let m = measure(&mut rm, dir, "scale-ringmaster");
    println!(
        "\nscale: {n} hosts x 5 tasks, forks {n}: {:.2} s wall, {:.2} ms per task-host, \
         controller CPU {:.2} s, peak {:.0} MB = {:.2} MB per host",
        m.wall_s,
        m.wall_s * 1000.0 / (n * 5) as f64,
        m.cpu_s,
        m.peak_mb,
        m.peak_mb / n as f64
    );
}

fn main() {
    ensure_tools();
    let dir = tempfile::tempdir().expect("temp dir");
    let ansible = (std::env::var_os("RM_BENCH_SKIP_ANSIBLE").is_none()).then(ansible_playbook);
    if std::env::var("RM_BENCH_WORKLOADS").as_deref() != Ok("0") {
        let max_hosts = WORKLOADS.iter().map(|w| w.hosts).max().unwrap_or(1);
        let fleet = fleet::Fleet::start(max_hosts).expect("start the fleet");
        let mut rows = Vec::new();
        for w in WORKLOADS {
            eprintln!("workload: {}", w.name);
            rows.extend(run_workload(&fleet, w, dir.path(), ansible.as_deref()));
        }
        print_table(&rows);
    }
    if std::env::var("RM_BENCH_ROLLOUT").as_deref() != Ok("0") {
        eprintln!("workload: security rollout, 6 hosts in 4 rings");
        let rows = rollout::run(dir.path(), ansible.as_deref());
        println!(
            "\n| security rollout, 6 hosts, 4 rings (apt, reboots) | wall s | controller CPU s |"
        );
        println!("| --- | ---: | ---: |");
        for (engine, m) in &rows {
            println!("| {engine} | {:.2} | {:.2} |", m.wall_s, m.cpu_s);
        }
        if let [(_, rm), (_, an)] = rows.as_slice() {
            println!(
                "security rollout: ringmaster {:.1}x faster than ansible-playbook",
                an.wall_s / rm.wall_s
            );
        }
    }
    if let Some(n) = std::env::var("RM_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        scale(n, dir.path());
    }
}
