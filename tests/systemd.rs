//! `systemd`/`systemd_service` and `service` against real systemd: PID 1 of a fleet host
//! booted by systemd-nspawn (tests/fleet/systemd_host.rs, one host shared by the tests
//! here; each test has units of its own), over ringmaster's SSH transport. Every result is
//! checked against the host's own view (`systemctl is-active`/`is-enabled`, the unit's
//! symlinks, its log) and compared with what ansible-playbook 2.19 returned for the same
//! tasks on the same kind of host: the expected lines below were recorded by running this
//! very test with `RINGMASTER_RECORD_ANSIBLE=1` (which runs
//! /opt/ansible-venv/bin/ansible-playbook instead of ringmaster; the host has python3).

use std::process::Command;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::fleet::SystemdHost;
use crate::util::{Run, ringmaster};

mod host;
mod lifecycle;
mod reboot;
mod rollout;
mod units;

/// Tests whose results depend on systemd not reloading its unit files meanwhile (an init
/// script's generated unit appears, a changed unit file's `NeedDaemonReload` clears at
/// any `daemon-reload`, also the one `systemctl enable` makes) run alone on the shared
/// host; the others, each with units of its own, run side by side.
static SHARED_HOST: RwLock<()> = RwLock::new(());

fn shared_host() -> (RwLockReadGuard<'static, ()>, &'static SystemdHost) {
    let guard = SHARED_HOST.read().unwrap_or_else(PoisonError::into_inner);
    (guard, SystemdHost::shared())
}

fn shared_host_alone() -> (RwLockWriteGuard<'static, ()>, &'static SystemdHost) {
    let guard = SHARED_HOST.write().unwrap_or_else(PoisonError::into_inner);
    (guard, SystemdHost::shared())
}

/// A unit like a package ships it (/usr/lib/systemd/system; `masked` works on it): a
/// shell loop that logs its start and each reload (SIGHUP) to /run/UNIT.log.
fn install_unit(host: &SystemdHost, unit: &str, dir: &str) {
    let script = format!(
        "cat > {dir}/{unit}.service <<'UNIT'\n\
         [Unit]\nDescription=ringmaster test loop {unit}\n\n\
         [Service]\n\
         ExecStart=/bin/sh -c 'trap \"echo reload >> /run/{unit}.log\" HUP; echo start >> /run/{unit}.log; while :; do sleep 1 & wait $!; done'\n\
         ExecReload=/bin/kill -HUP $MAINPID\n\n\
         [Install]\nWantedBy=multi-user.target\nUNIT\n"
    );
    let out = host.exec_ssh(&script);
    assert!(out.status.success(), "{out:?}");
}

/// Whether this run records ansible-playbook's behaviour instead of testing ringmaster's.
fn recording() -> bool {
    std::env::var_os("RINGMASTER_RECORD_ANSIBLE").is_some()
}

/// Runs one play of `tasks` on the host (ringmaster, or ansible-playbook when recording).
/// The play ends with a debug task printing `SUMMARY` and, per registered result
/// `results`, `changed|failed|name|state|enabled|status.ActiveState|status.UnitFileState|msg`.
fn play(host: &SystemdHost, tasks: &str, results: &[&str], extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let summary = format!(
        "    - debug:\n        msg: \"SUMMARY {{% for r in [{}] %}}{{{{ r.changed }}}}|{{{{ r.failed | default('-') }}}}|\
         {{{{ r.name | default('-') }}}}|{{{{ r.state | default('-') }}}}|{{{{ r.enabled | default('-') }}}}|\
         {{{{ r.status.ActiveState | default('-') }}}}|{{{{ r.status.UnitFileState | default('-') }}}}|\
         {{{{ r.msg | default('-') }}}};{{% endfor %}}\"\n",
        results.join(", ")
    );
    let mut inventory = host.inventory_ini();
    if recording() {
        // No interpreter discovery (its facts and warning would join the first result).
        inventory = inventory.replace('\n', " ansible_python_interpreter=/usr/bin/python3\n");
        inventory = inventory.replacen(" ansible_python_interpreter=/usr/bin/python3", "", 1);
    }
    std::fs::write(dir.path().join("hosts.ini"), inventory).unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        format!("- hosts: systemd\n  gather_facts: false\n  tasks:\n{tasks}{summary}"),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = ["-i", "hosts.ini", "site.yml"].map(String::from).to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    if !recording() {
        return ringmaster(dir.path(), &args, home.path());
    }
    let out = Command::new("/opt/ansible-venv/bin/ansible-playbook")
        .args(&args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/opt/ansible-venv/bin:/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home.path())
        .env("LANG", "C.UTF-8")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        rc: out.status.code().unwrap_or(-1),
    }
}

/// The `SUMMARY ...` text of the play's last task, one `;`-terminated entry per result.
fn summary(run: &Run) -> Vec<String> {
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"msg\": \"SUMMARY "))
        .unwrap_or_else(|| panic!("no summary:\n{}\n{}", run.stdout, run.stderr));
    let line = line.strip_suffix('"').unwrap_or(line);
    line.split_terminator(';').map(str::to_string).collect()
}

/// The console's `fatal: ...` lines.
fn fatal_lines(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("fatal: "))
        .collect()
}

/// The recap counters of the host (`ok=.. changed=.. ...`).
fn recap(run: &Run) -> String {
    run.stdout
        .lines()
        .find(|l| l.starts_with("sd001 ") && l.contains("ok="))
        .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| panic!("no recap:\n{}\n{}", run.stdout, run.stderr))
}

/// The host's view of `unit`: is-active, is-enabled, its wants symlink, where its unit
/// file name points (`/dev/null` when masked), its main PID and its log.
fn observe(host: &SystemdHost, unit: &str) -> UnitView {
    let out = host.exec_ssh(&format!(
        "systemctl is-active {unit}; systemctl is-enabled {unit}; \
         if [ -L /etc/systemd/system/multi-user.target.wants/{unit}.service ]; then echo wanted; else echo not-wanted; fi; \
         readlink /etc/systemd/system/{unit}.service || echo no-link; \
         systemctl show -p MainPID --value {unit}; \
         cat /run/{unit}.log 2>/dev/null | tr '\\n' ' '; echo"
    ));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    let get = |i: usize| lines.get(i).cloned().unwrap_or_default();
    UnitView {
        active: get(0),
        enabled: get(1),
        wanted: get(2) == "wanted",
        link: get(3),
        main_pid: get(4),
        log: get(5),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct UnitView {
    active: String,
    enabled: String,
    wanted: bool,
    link: String,
    main_pid: String,
    log: String,
}

fn wait_for_log(host: &SystemdHost, unit: &str, log: &str) -> UnitView {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let view = observe(host, unit);
        if view.log == log || Instant::now() > deadline {
            return view;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn check_run(run: &Run, expected: &[&str], recap_expected: &str) {
    assert_eq!(
        summary(run),
        expected,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(recap(run), recap_expected, "{}", run.stdout);
}
