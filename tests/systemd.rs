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

use crate::fleet::{self, ProcId, SystemdHost};
use crate::util::{Run, ringmaster};

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

/// The unit's whole life through `systemd`, `systemd_service` and `service`, step by step,
/// with the host checked after each step.
#[test]
fn unit_lifecycle_matches_ansible_on_real_systemd() {
    let (_shared, host) = shared_host();
    install_unit(host, "rmt-a", "/usr/lib/systemd/system");
    install_unit(host, "rmt-e", "/etc/systemd/system");
    let start = "{name: rmt-a, state: started, enabled: true, daemon_reload: true}";

    // Check mode: reported as a change, nothing changes.
    let run = play(
        host,
        &format!("    - systemd: {start}\n      register: r1\n"),
        &["r1"],
        &["--check"],
    );
    check_run(
        &run,
        &["True|False|rmt-a|started|True|inactive|disabled|-"],
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    let view = observe(host, "rmt-a");
    assert_eq!(
        (view.active.as_str(), view.enabled.as_str(), view.wanted),
        ("inactive", "disabled", false)
    );

    // Started and enabled; the same again changes nothing. `status` is systemctl show
    // from before the change, as ansible returns it.
    let run = play(
        host,
        &format!(
            "    - systemd: {start}\n      register: r2\n    - systemd: {{name: rmt-a, state: started, enabled: true}}\n      register: r3\n    - debug: msg=\"KEYS {{{{ r2.keys() | list | join(',') }}}}\"\n"
        ),
        &["r2", "r3"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|rmt-a|started|True|inactive|disabled|-",
            "False|False|rmt-a|started|True|active|enabled|-",
        ],
        "ok=4 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    assert!(
        run.stdout
            .contains("\"msg\": \"KEYS name,changed,status,enabled,state,failed\""),
        "{}",
        run.stdout
    );
    let started = observe(host, "rmt-a");
    assert_eq!(
        (
            started.active.as_str(),
            started.enabled.as_str(),
            started.wanted,
            started.log.as_str()
        ),
        ("active", "enabled", true, "start")
    );

    // Restarted (a new main process), reloaded (the unit's ExecReload: SIGHUP).
    let run = play(
        host,
        "    - systemd: {name: rmt-a, state: restarted}\n      register: r4\n    - systemd: {name: rmt-a, state: reloaded}\n      register: r5\n",
        &["r4", "r5"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|rmt-a|started|-|active|enabled|-",
            "True|False|rmt-a|started|-|active|enabled|-",
        ],
        "ok=3 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    let view = wait_for_log(host, "rmt-a", "start start reload");
    assert_eq!(view.log, "start start reload");
    assert_ne!(
        view.main_pid, started.main_pid,
        "restart runs a new process"
    );

    // Disabled through `systemd_service` with the full unit name; stopped; both again.
    let run = play(
        host,
        "    - systemd_service: {name: rmt-a.service, enabled: false}\n      register: r6\n    - systemd: {name: rmt-a, state: stopped}\n      register: r7\n    - systemd: {name: rmt-a, state: stopped, enabled: false}\n      register: r8\n",
        &["r6", "r7", "r8"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|rmt-a.service|-|False|active|enabled|-",
            "True|False|rmt-a|stopped|-|active|disabled|-",
            "False|False|rmt-a|stopped|False|inactive|disabled|-",
        ],
        "ok=4 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    let view = observe(host, "rmt-a");
    assert_eq!(
        (view.active.as_str(), view.enabled.as_str(), view.wanted),
        ("inactive", "disabled", false)
    );

    // Masked (its unit name links to /dev/null), again, and a start of the masked unit.
    let run = play(
        host,
        "    - systemd: {name: rmt-a, masked: true}\n      register: r9\n    - systemd: {name: rmt-a, masked: true}\n      register: r10\n    - systemd: {name: rmt-a, state: started}\n      register: r11\n      ignore_errors: true\n",
        &["r9", "r10", "r11"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|rmt-a|-|-|inactive|disabled|-",
            "False|False|rmt-a|-|-|inactive|masked|-",
            "False|True|-|-|-|-|-|Unable to start service rmt-a: Failed to start rmt-a.service: Unit rmt-a.service is masked.\\n",
        ],
        "ok=4 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1",
    );
    assert_eq!(
        fatal_lines(&run),
        [
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Unable to start service rmt-a: Failed to start rmt-a.service: Unit rmt-a.service is masked.\n"}"#
        ]
    );
    let view = observe(host, "rmt-a");
    assert_eq!(
        (
            view.active.as_str(),
            view.enabled.as_str(),
            view.link.as_str()
        ),
        ("inactive", "masked", "/dev/null")
    );

    // Unmasked, enabled and started in one task.
    let run = play(
        host,
        "    - systemd: {name: rmt-a, masked: false, enabled: true, state: started}\n      register: r12\n",
        &["r12"],
        &[],
    );
    check_run(
        &run,
        &["True|False|rmt-a|started|True|inactive|masked|-"],
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    let view = observe(host, "rmt-a");
    assert_eq!(
        (
            view.active.as_str(),
            view.enabled.as_str(),
            view.wanted,
            view.link.as_str()
        ),
        ("active", "enabled", true, "no-link")
    );

    // `service` picks systemd on this host (its result has systemd's `status`).
    let run = play(
        host,
        "    - service: {name: rmt-a, state: stopped, enabled: false}\n      register: r13\n    - service: {name: rmt-a, state: started}\n      check_mode: true\n      register: r14\n",
        &["r13", "r14"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|rmt-a|stopped|False|active|enabled|-",
            "True|False|rmt-a|started|-|inactive|disabled|-",
        ],
        "ok=3 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    let view = observe(host, "rmt-a");
    assert_eq!(
        (view.active.as_str(), view.enabled.as_str(), view.wanted),
        ("inactive", "disabled", false)
    );
    assert_eq!(view.log, "start start reload start", "one start since");

    // Failures: masking a unit whose file is in /etc/systemd/system, missing units.
    let run = play(
        host,
        "    - systemd: {name: rmt-e, masked: true}\n      register: r19\n      ignore_errors: true\n    - systemd: {name: rmt-nothere, state: started}\n      register: r15\n      ignore_errors: true\n    - systemd: {name: rmt-nothere, enabled: true}\n      register: r16\n      ignore_errors: true\n    - service: {name: rmt-nothere, state: started}\n      register: r17\n      ignore_errors: true\n    - systemd: {daemon_reload: true}\n      register: r18\n",
        &["r19", "r15", "r16", "r17", "r18"],
        &[],
    );
    check_run(
        &run,
        &[
            "False|True|-|-|-|-|-|Failed to mask the service (rmt-e): Failed to mask unit: File /etc/systemd/system/rmt-e.service already exists.",
            "False|True|-|-|-|-|-|Could not find the requested service rmt-nothere: host",
            "False|True|-|-|-|-|-|Could not find the requested service rmt-nothere: host",
            "False|True|-|-|-|-|-|Could not find the requested service rmt-nothere: host",
            "False|False||-|-|-|-|-",
        ],
        "ok=6 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=4",
    );
    assert_eq!(
        fatal_lines(&run),
        [
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Failed to mask the service (rmt-e): Failed to mask unit: File /etc/systemd/system/rmt-e.service already exists."}"#,
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Could not find the requested service rmt-nothere: host"}"#,
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Could not find the requested service rmt-nothere: host"}"#,
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Could not find the requested service rmt-nothere: host"}"#,
        ]
    );
    assert_eq!(observe(host, "rmt-e").enabled, "disabled");
}

/// `daemon_reload` makes systemd read a changed unit file (its `NeedDaemonReload` goes
/// back to `no`), check mode does not; `service` warns about options systemd ignores.
#[test]
fn daemon_reload_reads_changed_unit_files_and_check_mode_does_not() {
    let (_alone, host) = shared_host_alone();
    install_unit(host, "rmt-d", "/usr/lib/systemd/system");
    let out = host.exec_ssh(
        "systemctl start rmt-d && sed -i 's/^Description=.*/Description=changed/' /usr/lib/systemd/system/rmt-d.service",
    );
    assert!(out.status.success(), "{out:?}");
    let unit_props = || {
        let out = host.exec_ssh("systemctl show -p NeedDaemonReload -p Description --value rmt-d");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(unit_props(), "ringmaster test loop rmt-d yes");
    let task =
        "    - systemd: {name: rmt-d, state: started, daemon_reload: true}\n      register: r\n";

    let run = play(host, task, &["r"], &["--check"]);
    check_run(
        &run,
        &["False|False|rmt-d|started|-|active|disabled|-"],
        "ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    assert_eq!(unit_props(), "ringmaster test loop rmt-d yes", "no reload");

    let run = play(host, task, &["r"], &[]);
    check_run(
        &run,
        &["False|False|rmt-d|started|-|active|disabled|-"],
        "ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    assert_eq!(unit_props(), "changed no", "reloaded");

    let run = play(
        host,
        "    - service: {name: rmt-d, state: restarted, sleep: 1, pattern: loop}\n      register: r\n",
        &["r"],
        &[],
    );
    check_run(
        &run,
        &["True|False|rmt-d|started|-|active|disabled|-"],
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    for warning in [
        "[WARNING]: Ignoring \"pattern\" as it is not used in \"systemd\"",
        "[WARNING]: Ignoring \"sleep\" as it is not used in \"systemd\"",
    ] {
        assert!(run.stderr.contains(warning), "{warning}: {}", run.stderr);
    }
    assert_eq!(observe(host, "rmt-d").log, "start start");
}

/// A SysV init script (tests/fixtures/service/acme-agent) on a systemd host: `service`
/// and `systemd` drive it through systemctl (systemd's sysv generator makes a unit of it,
/// enabling goes through systemd-sysv-install to update-rc.d), with ansible's warning.
#[test]
fn a_sysv_script_on_a_systemd_host_is_driven_through_systemctl() {
    let (_alone, host) = shared_host_alone();
    let script =
        std::fs::read_to_string(crate::util::repo_root().join("tests/fixtures/service/acme-agent"))
            .unwrap();
    let out = host.exec_ssh(&format!(
        "cat > /etc/init.d/acme-agent <<'SCRIPT_END'\n{script}SCRIPT_END\nchmod 755 /etc/init.d/acme-agent"
    ));
    assert!(out.status.success(), "{out:?}");
    let observe = || {
        let out = host.exec_ssh(
            "systemctl is-active acme-agent; \
             echo \"links: $(ls /etc/rc2.d /etc/rc0.d | grep acme-agent | tr '\\n' ' ')\"; \
             echo \"log: $(cat /var/log/acme-agent.log 2>/dev/null | tr '\\n' ' ')\"",
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let start = "{name: acme-agent, state: started, enabled: true}";
    let run = play(
        host,
        &format!("    - service: {start}\n      register: r1\n"),
        &["r1"],
        &["--check"],
    );
    check_run(
        &run,
        &["True|False|acme-agent|started|True|inactive|-|-"],
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    assert!(
        run.stderr.contains(
            "[WARNING]: The service (acme-agent) is actually an init script but the system is managed by systemd"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(observe(), "inactive / links: / log:");

    let run = play(
        host,
        &format!(
            "    - service: {start}\n      register: r2\n    - service: {start}\n      register: r3\n    - systemd: {{name: acme-agent, state: restarted}}\n      register: r4\n"
        ),
        &["r2", "r3", "r4"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|acme-agent|started|True|inactive|-|-",
            "False|False|acme-agent|started|True|active|generated|-",
            "True|False|acme-agent|started|-|active|generated|-",
        ],
        "ok=4 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    assert_eq!(
        observe(),
        "active / links: K01acme-agent S01acme-agent / log: start stop start"
    );

    let stop = "{name: acme-agent, state: stopped, enabled: false}";
    let run = play(
        host,
        &format!(
            "    - service: {stop}\n      register: r5\n    - service: {stop}\n      register: r6\n"
        ),
        &["r5", "r6"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|acme-agent|stopped|False|active|generated|-",
            "False|False|acme-agent|stopped|False|inactive|generated|-",
        ],
        "ok=3 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
    );
    assert_eq!(
        observe(),
        "inactive / links: K01acme-agent K01acme-agent / log: start stop start stop"
    );
}

/// Units of other shapes: a static one (no `[Install]`: is-enabled says `static`), one
/// whose start fails, a template's instance; a reload systemd refuses.
#[test]
fn static_failing_and_template_units_match_ansible() {
    let (_shared, host) = shared_host();
    let out = host.exec_ssh(
        "printf '[Service]\\nExecStart=/bin/sleep 100000\\n' > /usr/lib/systemd/system/rmt-s.service && \
         printf '[Service]\\nType=oneshot\\nExecStart=/bin/false\\n' > /usr/lib/systemd/system/rmt-f.service && \
         printf '[Service]\\nExecStart=/bin/sh -c \"echo %%i > /run/rmt-t-%%i; exec sleep 100000\"\\n[Install]\\nWantedBy=multi-user.target\\n' > /usr/lib/systemd/system/rmt-t@.service && \
         systemctl daemon-reload",
    );
    assert!(out.status.success(), "{out:?}");
    let run = play(
        host,
        r#"    - systemd: {name: rmt-s, enabled: true, state: started}
      register: q1
    - systemd: {name: rmt-s, state: reloaded}
      register: q2
      ignore_errors: true
    - systemd: {name: rmt-f, state: started}
      register: q3
      ignore_errors: true
    - systemd: {name: rmt-f, state: stopped}
      register: q4
    - systemd: {name: rmt-t@one, state: started, enabled: true}
      register: q5
    - systemd: {name: rmt-t@one, state: started, enabled: true}
      register: q6
    - systemd: {name: rmt-s, state: started, no_block: true}
      register: q7
"#,
        &["q1", "q2", "q3", "q4", "q5", "q6", "q7"],
        &[],
    );
    check_run(
        &run,
        &[
            "True|False|rmt-s|started|True|inactive|static|-",
            "False|True|-|-|-|-|-|Unable to reload service rmt-s: Failed to reload rmt-s.service: Job type reload is not applicable for unit rmt-s.service.\\n",
            "False|True|-|-|-|-|-|Unable to start service rmt-f: Job for rmt-f.service failed because the control process exited with error code.\\nSee \\\"systemctl status rmt-f.service\\\" and \\\"journalctl -xeu rmt-f.service\\\" for details.\\n",
            "False|False|rmt-f|stopped|-|failed|static|-",
            "True|False|rmt-t@one|started|True|inactive|disabled|-",
            "False|False|rmt-t@one|started|True|active|enabled|-",
            "False|False|rmt-s|started|-|active|static|-",
        ],
        "ok=8 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=2",
    );
    assert_eq!(
        fatal_lines(&run),
        [
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Unable to reload service rmt-s: Failed to reload rmt-s.service: Job type reload is not applicable for unit rmt-s.service.\n"}"#,
            r#"fatal: [sd001]: FAILED! => {"changed": false, "msg": "Unable to start service rmt-f: Job for rmt-f.service failed because the control process exited with error code.\nSee \"systemctl status rmt-f.service\" and \"journalctl -xeu rmt-f.service\" for details.\n"}"#,
        ]
    );
    let out = host.exec_ssh(
        "systemctl is-active rmt-s rmt-f rmt-t@one; systemctl is-enabled rmt-s rmt-t@one; cat /run/rmt-t-one",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "active\nfailed\nactive\nstatic\nenabled\none\n"
    );
}

/// `validate`'s `service` check asks the real systemd (is-active, is-enabled).
#[test]
fn validate_checks_services_on_real_systemd() {
    let (_shared, host) = shared_host();
    install_unit(host, "rmt-v", "/usr/lib/systemd/system");
    install_unit(host, "rmt-w", "/usr/lib/systemd/system");
    let out = host.exec_ssh("systemctl enable --now rmt-v && systemctl start rmt-w");
    assert!(out.status.success(), "{out:?}");
    let run = play(
        host,
        "    - validate:\n        checks:\n          - service: rmt-v\n            enabled: true\n          - service: rmt-w\n            state: stopped\n      register: r\n      ignore_errors: true\n    - validate:\n        checks:\n          - service: rmt-v\n          - service: rmt-w\n            enabled: false\n      register: ok\n",
        &["r", "ok"],
        &[],
    );
    assert_eq!(
        recap(&run),
        "ok=3 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1",
        "{}",
        run.stdout
    );
    assert_eq!(
        summary(&run),
        [
            "False|True|-|-|-|-|-|1 of 2 checks failed: service rmt-w: service rmt-w is active (expected inactive)",
            "False|False|-|-|-|-|-|all 2 checks passed"
        ]
    );
}

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
        .args(["systemd::hold_a_systemd_host", "--exact", "--ignored"])
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
