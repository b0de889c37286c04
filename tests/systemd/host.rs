//! The systemd host itself: held for experiments, and what it leaves behind.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::fleet::{self, ProcId, SystemdHost};

/// Keeps a systemd host up for experiments (and for the test below): prints
/// `fleet: systemd host sd001 up in ... (ADDR:PORT, DIR)` on stderr and writes
/// DIR/inventory.ini; `touch DIR/stop` ends it (or SYSTEMD_HOLD_SECS, default 600).
#[test]
#[ignore = "manual use only"]
fn hold_a_systemd_host() {
    let host = SystemdHost::start().expect("systemd host");
    std::fs::write(host.dir().join("inventory.ini"), host.inventory_ini()).unwrap();
    let secs = std::env::var("SYSTEMD_HOLD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline && !host.dir().join("stop").exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every process descending from `root` (the host's `unshare`: nspawn, the container's
/// systemd and all it runs), with their start times.
fn descendants(root: ProcId) -> Vec<ProcId> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let ppid = stat[stat.rfind(')')? + 1..]
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root.pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.into_iter().skip(1).filter_map(ProcId::of).collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Dropping a systemd host halts it: no process, cgroup, mount or directory remains; nor
/// when its test process is killed.
#[test]
fn systemd_hosts_leave_nothing_behind_when_dropped_or_killed() {
    let host = SystemdHost::start().unwrap();
    let dir = host.dir().to_path_buf();
    let out = host.exec_ssh("systemd-run --unit rmt-sleeper sleep 1000 && cat /proc/1/comm");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "systemd\n", "{out:?}");
    let recorded = host.recorded_pids();
    assert_eq!(recorded.len(), 3, "watcher, unshare, nspawn: {recorded:?}");
    let inside = descendants(recorded[0]);
    assert!(
        inside.len() >= 6,
        "nspawn, systemd, journald, sshd, sleep...: {inside:?}"
    );
    let cgroups: Vec<_> = host
        .cgroup_dirs()
        .into_iter()
        .filter(|d| d.is_dir())
        .collect();
    assert!(!cgroups.is_empty(), "the host runs in a cgroup of its own");
    let addr = (host.addr, host.port);
    drop(host);
    assert!(recorded.iter().all(|p| !p.is_alive()), "{recorded:?}");
    wait_until("the container's processes are gone", || {
        inside.iter().all(|p| !p.is_alive())
    });
    assert!(
        std::net::TcpStream::connect_timeout(&addr.into(), Duration::from_millis(300)).is_err()
    );
    assert!(
        cgroups.iter().all(|d| !d.exists()),
        "cgroups left: {cgroups:?}"
    );
    assert!(!dir.exists(), "the host's directory is left behind");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*dir.to_string_lossy()), "{mounts}");

    // This test binary, running only the holding test, killed once its host is up.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["systemd::host::hold_a_systemd_host", "--exact", "--ignored"])
        .args(["--nocapture", "--test-threads=1"])
        .env("SYSTEMD_HOLD_SECS", "60")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let dir = std::io::BufRead::lines(stderr)
        .map_while(Result::ok)
        .inspect(|line| seen.push(line.clone()))
        .find_map(|line| {
            let rest = line.strip_prefix("fleet: systemd host sd001 up in ")?;
            let dir = rest.rsplit(", ").next()?.strip_suffix(')')?;
            Some(std::path::PathBuf::from(dir))
        })
        .unwrap_or_else(|| panic!("the holding host did not start: {seen:#?}"));
    let recorded: Vec<ProcId> = fleet::recorded_pids_in(&dir);
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    let inside = descendants(recorded[0]);
    assert!(inside.len() >= 6, "{inside:?}");
    let cgroups = SystemdHost::cgroup_dirs_in(&dir);
    assert!(cgroups.iter().all(|d| d.is_dir()), "{cgroups:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until("the killed process's host and all it left are gone", || {
        recorded.iter().chain(&inside).all(|p| !p.is_alive())
            && cgroups.iter().all(|d| !d.exists())
            && !dir.exists()
    });
}

/// Power as on a real machine: `systemctl reboot` inside comes back on its own (a new
/// boot id, /run empty), `systemctl poweroff` inside and `power_off` stay down until
/// `boot`; a host dropped in the middle of a reboot leaves nothing either.
#[test]
fn systemd_hosts_reboot_power_off_and_boot() {
    let host = SystemdHost::start().unwrap();
    let first = host.boot_id();
    host.exec_ssh("touch /run/rmt-before; systemctl reboot");
    wait_until("the host went down", || !host.accepts_connections());
    host.wait_until_up().unwrap();
    let second = host.boot_id();
    assert_ne!(second, first);
    let out = host.exec_ssh("ls /run/rmt-before 2>&1; systemctl is-system-running");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ls: cannot access '/run/rmt-before': No such file or directory\nrunning\n"
    );

    host.exec_ssh("systemctl poweroff");
    wait_until("the host powered off", || !host.is_running());
    assert!(!host.accepts_connections());
    // It stays down: waiting for it gives up (after 2 s without the host).
    assert!(host.wait_until_up().is_err());
    host.boot().unwrap();
    let third = host.boot_id();
    assert_ne!(third, second);

    host.power_off().unwrap();
    assert!(!host.accepts_connections());
    assert_eq!(host.boots(), 3);
    let console = host.console();
    assert!(console.contains("fleet: down (exit status 0)"), "{console}");

    // Dropped in the middle of a reboot: nothing remains either.
    host.boot().unwrap();
    let dir = host.dir().to_path_buf();
    let watcher = host.recorded_pids()[0];
    host.exec_ssh("systemctl reboot");
    wait_until("the host went down", || !host.accepts_connections());
    drop(host);
    assert!(!watcher.is_alive());
    assert!(!dir.exists(), "the host's directory is left behind");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&*dir.to_string_lossy()), "{mounts}");
}
