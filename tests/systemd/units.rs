//! daemon_reload, an init script on systemd, units of other shapes, validate's service
//! check.

use super::{
    check_run, fatal_lines, install_unit, observe, play, recap, recording, shared_host,
    shared_host_alone, summary,
};

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
    if recording() {
        return; // ringmaster's own module: nothing to record from ansible
    }
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
