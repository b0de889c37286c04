//! The fleet itself, checked with the OpenSSH client (independent of ringmaster).
//! These tests need root; without it they fail with the reason.

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::fleet::{self, Fleet, ProcId, RpmFlavor, USER_NAME, USER_PASSWORD};

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// stdout of a command that must succeed.
fn run(fleet: &Fleet, i: usize, cmd: &str) -> String {
    let out = fleet.exec_ssh(i, cmd);
    assert!(out.status.success(), "`{cmd}` on host {i}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn accepts_tcp(fleet: &Fleet, i: usize) -> bool {
    fleet.accepts_connections(i)
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn openssh_runs_commands_on_fleet_hosts_with_strict_host_key_checking() {
    let fleet = Fleet::shared();
    assert_eq!(fleet.hosts().len(), 6);
    for (i, host) in fleet.hosts().iter().enumerate() {
        let out = run(
            fleet,
            i,
            "hostname; id -u; cat /etc/debian_version; python3 -c 'print(42)'",
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], host.name);
        assert_eq!(lines[1], "0");
        assert!(lines[2].starts_with("12."), "{out}");
        assert_eq!(lines[3], "42");
    }
    let known_hosts = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    assert_eq!(known_hosts.lines().count(), 6);
    let first = &fleet.hosts()[0];
    assert!(
        known_hosts.starts_with(&format!("{} ssh-ed25519 ", first.addr)),
        "{known_hosts}"
    );
    // Every host has its own key: h002's key offered for h001's address is refused.
    let keys: Vec<&str> = known_hosts
        .lines()
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = keys.iter().collect();
    assert_eq!(
        unique.len(),
        keys.len(),
        "host keys are shared: {known_hosts}"
    );
    let wrong = fleet.dir().join("known_hosts.wrong");
    std::fs::write(&wrong, format!("{} ssh-ed25519 {}\n", first.addr, keys[1])).unwrap();
    let out = fleet
        .ssh_command(0)
        .args(["-o", "ControlPath=none", "-o", "LogLevel=INFO"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", wrong.display()))
        .arg("true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{}",
        text(&out)
    );
}

#[test]
fn fleet_hosts_are_isolated_from_each_other_and_from_the_machine() {
    let fleet = Fleet::shared();
    run(fleet, 2, "echo written-on-h003 > /root/isolation-check");
    assert_eq!(
        run(fleet, 2, "cat /root/isolation-check"),
        "written-on-h003\n"
    );
    let out = fleet.exec_ssh(3, "cat /root/isolation-check");
    assert!(
        !out.status.success(),
        "h004 sees h003's file: {}",
        text(&out)
    );
    assert!(fleet.host_root(2).join("root/isolation-check").is_file());
    assert!(!fleet.host_root(3).join("root/isolation-check").exists());
    // Deleting a file of the base hides it on that host only.
    run(fleet, 2, "rm /etc/issue.net; test ! -e /etc/issue.net");
    run(fleet, 3, "test -f /etc/issue.net");
    // Each host is PID 1 of its own namespace, with its own hostname and mounts.
    assert_eq!(run(fleet, 3, "cat /proc/1/comm"), "sshd\n");
    assert_eq!(run(fleet, 3, "hostname"), "h004\n");
    assert!(!std::path::Path::new("/root/isolation-check").exists());
}

#[test]
fn fleet_user_logs_in_by_password_and_sudo_asks_for_it() {
    let fleet = Fleet::shared();
    let askpass = fleet.dir().join("askpass.sh");
    std::fs::write(&askpass, format!("#!/bin/sh\necho '{USER_PASSWORD}'\n")).unwrap();
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = fleet
        .ssh_command(4)
        .args(["-o", "ControlPath=none", "-o", "BatchMode=no"])
        .args([
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PreferredAuthentications=password",
        ])
        .args(["-l", USER_NAME])
        .env("SSH_ASKPASS", &askpass)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("DISPLAY", "none")
        .arg(format!(
            "id -un; echo '{USER_PASSWORD}' | sudo -S -p '' id -u"
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{USER_NAME}\n0\n")
    );
}

#[test]
fn fleet_hosts_use_the_fleet_apt_repository() {
    let fleet = Fleet::shared();
    assert!(fleet.repo_dir().join("Packages").is_file());
    let sources = run(
        fleet,
        1,
        "cat /etc/apt/sources.list; ls /etc/apt/sources.list.d | wc -l",
    );
    assert_eq!(sources, "deb [trusted=yes] file:/srv/repo ./\n0\n");
    run(fleet, 1, "apt-get update -qq");
    let out = fleet.exec_ssh(1, "touch /srv/repo/x");
    assert!(!out.status.success(), "the repo is writable from a host");
}

#[test]
fn the_inventory_names_every_host_with_its_connection_variables() {
    let fleet = Fleet::shared();
    let ini = fleet.inventory_ini();
    let host = &fleet.hosts()[0];
    let first = ini.lines().nth(1).unwrap();
    assert_eq!(ini.lines().next(), Some("[fleet]"));
    assert!(
        first.starts_with(&format!(
            "h001 ansible_host={} ansible_port={} ansible_user=root ansible_ssh_private_key_file={}",
            host.addr,
            host.port,
            fleet.client_key().display()
        )),
        "{first}"
    );
    assert!(first.contains("-o StrictHostKeyChecking=yes'"), "{first}");
    assert_eq!(ini.lines().count(), 7);
}

#[test]
fn shutdown_r_inside_a_host_reboots_it_with_a_new_boot_id() {
    let fleet = Fleet::start(2).unwrap();
    let before = run(&fleet, 0, "cat /proc/sys/kernel/random/boot_id");
    assert_eq!(before.trim(), fleet.boot_id(0));
    let other = fleet.boot_id(1);
    run(&fleet, 0, "echo kept > /root/survives; touch /run/vanishes");
    // As Ansible's reboot module calls it; returns at once, like systemd's shutdown.
    let asked = Instant::now();
    run(&fleet, 0, "shutdown -r 0 'Reboot initiated by Ansible'");
    wait_for("h001 is down", Duration::from_secs(10), || {
        !accepts_tcp(&fleet, 0)
    });
    assert!(
        asked.elapsed() >= Duration::from_millis(900),
        "{:?}",
        asked.elapsed()
    );
    let down = Instant::now();
    wait_for("h001 is back", Duration::from_secs(20), || {
        accepts_tcp(&fleet, 0)
    });
    assert!(
        down.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        down.elapsed()
    );
    let after = run(&fleet, 0, "cat /proc/sys/kernel/random/boot_id");
    assert_ne!(after, before);
    assert_eq!(after.trim(), fleet.boot_id(0));
    assert_eq!(
        run(
            &fleet,
            0,
            "cat /root/survives; ls /run/vanishes 2>&1 || true"
        )
        .lines()
        .next(),
        Some("kept")
    );
    assert!(!run(&fleet, 0, "ls /run").contains("vanishes"));
    assert_eq!(fleet.boot_id(1), other, "h002 was rebooted too");
    // `reboot` works as well.
    run(&fleet, 0, "reboot");
    wait_for("h001 is down", Duration::from_secs(10), || {
        !accepts_tcp(&fleet, 0)
    });
    wait_for("h001 is back", Duration::from_secs(20), || {
        accepts_tcp(&fleet, 0)
    });
    assert_ne!(run(&fleet, 0, "cat /proc/sys/kernel/random/boot_id"), after);
}

#[test]
fn a_crashed_host_refuses_connections_until_booted() {
    let fleet = Fleet::start(2).unwrap();
    let before = fleet.boot_id(1);
    run(&fleet, 1, "true");
    fleet.crash(1);
    assert!(!accepts_tcp(&fleet, 1));
    let out = fleet.exec_ssh(1, "true");
    assert_eq!(out.status.code(), Some(255), "{}", text(&out));
    assert!(accepts_tcp(&fleet, 0), "h001 went down with h002");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !accepts_tcp(&fleet, 1),
        "a crashed host came back by itself"
    );
    fleet.boot(1);
    assert_ne!(fleet.boot_id(1), before);
    assert_eq!(
        run(&fleet, 1, "cat /proc/sys/kernel/random/boot_id").trim(),
        fleet.boot_id(1)
    );
    // `shutdown -h` powers a host off for good.
    run(&fleet, 1, "shutdown -h now");
    wait_for("h002 is off", Duration::from_secs(10), || {
        !accepts_tcp(&fleet, 1)
    });
    std::thread::sleep(Duration::from_secs(3));
    assert!(!accepts_tcp(&fleet, 1), "a powered-off host came back");
    fleet.boot(1);
    run(&fleet, 1, "true");
    // Waiting for a host that is off fails at once; so does a boot whose sshd cannot start,
    // with sshd's complaint.
    fleet.power_off(1);
    let err = fleet.wait_until_up(1).unwrap_err();
    assert!(err.contains("h002") && err.contains("is off"), "{err}");
    let config = fleet.host_root(1).join("etc/ssh/sshd_config");
    std::fs::write(&config, "NoSuchOption yes\n").unwrap();
    let started = Instant::now();
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fleet.boot(1)));
    let message = failed.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("NoSuchOption"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Processes whose root directory lies in `dir` (the hosts' chroots).
fn processes_rooted_in(dir: &std::path::Path) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/root")).is_ok_and(|root| root.starts_with(dir))
        })
        .collect()
}

#[test]
fn dropping_a_fleet_ends_every_host_process() {
    let fleet = Fleet::start(3).unwrap();
    let dir = fleet.dir().to_path_buf();
    for i in 0..3 {
        run(&fleet, i, "nohup sleep 1000 >/dev/null 2>&1 & echo started");
    }
    let recorded: Vec<ProcId> = fleet.recorded_pids();
    assert_eq!(recorded.len(), 6, "unshare + PID 1 per host: {recorded:?}");
    assert!(recorded.iter().all(ProcId::is_alive));
    let inside = processes_rooted_in(&dir);
    assert!(inside.len() >= 6, "sshd and sleep of 3 hosts: {inside:?}");
    let addrs: Vec<_> = fleet.hosts().iter().map(|h| (h.addr, h.port)).collect();
    drop(fleet);
    let alive: Vec<&ProcId> = recorded.iter().filter(|p| p.is_alive()).collect();
    assert!(alive.is_empty(), "left running: {alive:?}");
    wait_for("host processes are gone", Duration::from_secs(5), || {
        processes_rooted_in(&dir).is_empty()
    });
    for addr in addrs {
        assert!(TcpStream::connect_timeout(&addr.into(), Duration::from_millis(300)).is_err());
    }
    assert!(!dir.exists(), "the fleet directory is left behind");
}

#[test]
fn concurrent_fleets_get_distinct_addresses() {
    let a = Fleet::start(1).unwrap();
    let b = Fleet::start(1).unwrap();
    assert_ne!(a.hosts()[0].addr, b.hosts()[0].addr);
    assert_ne!(a.dir(), b.dir());
    assert_eq!(run(&a, 0, "hostname"), "h001\n");
    assert_eq!(run(&b, 0, "hostname"), "h001\n");
}

/// Proportional memory (PSS, kB) of the given processes.
fn pss_kb(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|text| {
            let line = text.lines().find(|l| l.starts_with("Pss:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}

#[test]
fn fifty_hosts_start_in_seconds_and_idle_cheaply() {
    fleet::ensure_base().unwrap(); // a first build is not part of the start-up time
    let started = Instant::now();
    let fleet = Fleet::start(50).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(fleet.hosts().len(), 50);
    assert!(
        elapsed < Duration::from_secs(15),
        "50 hosts took {elapsed:?}"
    );
    let last = &fleet.hosts()[49];
    assert_eq!(last.name, "h050");
    assert_eq!(run(&fleet, 49, "hostname"), "h050\n");
    assert!((0..50).all(|i| accepts_tcp(&fleet, i)));
    let inside = processes_rooted_in(fleet.dir());
    let kb = pss_kb(&inside);
    fleet::progress(&format!(
        "50 hosts started in {:.2} s; {} processes, {} kB PSS in all, {} kB per idle host",
        elapsed.as_secs_f64(),
        inside.len(),
        kb,
        kb / 50
    ));
    assert!(kb / 50 < 20_000, "an idle host costs {} kB", kb / 50);
}

/// Not a check: keeps a fleet up for manual experiments, e.g.
/// `FLEET_HOSTS=3 cargo test -p ringmaster --test tests fleet_tests::hold -- --ignored --nocapture`;
/// writes `inventory.ini` into the fleet's directory and ends when a file `stop` appears
/// there (or after FLEET_HOLD_SECS, default 600).
#[test]
#[ignore = "manual use only"]
fn hold_a_fleet_for_manual_use() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let hosts = usize::try_from(env("FLEET_HOSTS", 3)).unwrap();
    let fleet = Fleet::start(hosts).unwrap();
    std::fs::write(fleet.dir().join("inventory.ini"), fleet.inventory_ini()).unwrap();
    fleet::progress(&format!(
        "holding {hosts} hosts: {0}/inventory.ini, ssh -F {0}/ssh_config h001; touch {0}/stop to end",
        fleet.dir().display()
    ));
    let deadline = Instant::now() + Duration::from_secs(env("FLEET_HOLD_SECS", 600));
    while Instant::now() < deadline && !fleet.dir().join("stop").exists() {
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_new_fleet_ends_the_hosts_of_a_killed_test_process() {
    // A fleet directory as a killed test process leaves it (owner gone, a host process
    // still recorded); a process standing in for the host.
    let mut stand_in = std::process::Command::new("sleep")
        .arg("1000")
        .spawn()
        .unwrap();
    let recorded = ProcId::of(stand_in.id()).unwrap();
    let stale = fleet::fleets_dir().join("f250");
    std::fs::create_dir_all(stale.join("hosts/h001")).unwrap();
    let dead_owner = ProcId {
        pid: std::process::id(),
        start_time: 1,
    };
    std::fs::write(stale.join("owner"), dead_owner.to_record()).unwrap();
    // A record whose PID now names another process is not signalled.
    let impostor = ProcId {
        pid: std::process::id(),
        start_time: 1,
    };
    std::fs::write(
        stale.join("hosts/h001/pids"),
        format!("{}\n{}\n", recorded.to_record(), impostor.to_record()),
    )
    .unwrap();
    let fleet = Fleet::start(1).unwrap();
    let status = stand_in.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    assert!(!stale.exists());
    assert_eq!(run(&fleet, 0, "hostname"), "h001\n");
}

#[test]
fn fleet_hosts_allocate_pseudo_terminals() {
    let fleet = Fleet::shared();
    let out = fleet.ssh_command(5).arg("-tt").arg("tty").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("/dev/pts/"),
        "{}",
        text(&out)
    );
}

#[test]
fn hosts_die_with_a_killed_test_process() {
    // This test binary, running only the holding test, killed once its fleet is up.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "fleet_tests::hold_a_fleet_for_manual_use",
            "--exact",
            "--ignored",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env("FLEET_HOSTS", "2")
        .env("FLEET_HOLD_SECS", "60")
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
            let rest = line.strip_prefix("fleet: holding 2 hosts: ")?;
            Some(std::path::PathBuf::from(
                rest.split("/inventory.ini").next()?,
            ))
        })
        .unwrap_or_else(|| panic!("the holding fleet did not start: {seen:#?}"));
    let recorded = fleet::recorded_pids_in(&dir);
    assert_eq!(recorded.len(), 4, "{recorded:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for(
        "the killed process's hosts are gone",
        Duration::from_secs(5),
        || recorded.iter().all(|p| !p.is_alive()) && processes_rooted_in(&dir).is_empty(),
    );
}

/// RPM hosts: the rpm database holds only fleet-release, apt is gone, the distribution
/// files say Rocky Linux 9.3 / openSUSE Leap 15.5, and each tool reads the fleet's rpm
/// repository (dnf detects its releasever) and sees no reboot needed.
#[test]
fn rpm_hosts_look_like_rocky_linux_and_opensuse() {
    let fleet = Fleet::start(2).expect("fleet");
    fleet.make_rpm_host(0, RpmFlavor::Dnf).unwrap();
    fleet.make_rpm_host(1, RpmFlavor::Zypper).unwrap();
    let out = std::process::Command::new("createrepo_c")
        .arg("-q")
        .arg(fleet.rpm_repo_dir())
        .output()
        .expect("createrepo_c (package createrepo-c) runs");
    assert!(out.status.success(), "{}", text(&out));
    for i in 0..2 {
        assert_eq!(run(&fleet, i, "rpm -qa"), "fleet-release-9-1.noarch\n");
        assert!(!fleet.exec_ssh(i, "command -v apt-get").status.success());
        assert_eq!(
            run(&fleet, i, "needs-restarting -r >/dev/null; echo $?"),
            "0\n"
        );
    }
    assert_eq!(
        run(
            &fleet,
            0,
            ". /etc/os-release; echo $ID $VERSION_ID; cat /etc/redhat-release; \
             command -v dnf yum needs-restarting; command -v zypper || true"
        ),
        "rocky 9.3\nRocky Linux release 9.3 (Blue Onyx)\n/usr/bin/dnf\n/usr/bin/yum\n\
         /usr/bin/needs-restarting\n"
    );
    let makecache = run(&fleet, 0, "LC_ALL=C dnf makecache 2>&1");
    assert!(makecache.contains("Metadata cache created."), "{makecache}");
    assert!(!makecache.contains("releasever"), "{makecache}");
    assert_eq!(
        run(
            &fleet,
            1,
            ". /etc/os-release; echo $ID $VERSION_ID; command -v zypper needs-restarting; \
             command -v dnf || true"
        ),
        "opensuse-leap 15.5\n/usr/bin/zypper\n/usr/bin/needs-restarting\n"
    );
    let refresh = run(&fleet, 1, "LC_ALL=C zypper -n refresh 2>&1");
    assert!(
        refresh.contains("All repositories have been refreshed."),
        "{refresh}"
    );
}
