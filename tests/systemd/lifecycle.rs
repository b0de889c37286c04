//! A unit's whole life on real systemd, compared with ansible step by step.

use super::{check_run, fatal_lines, install_unit, observe, play, shared_host, wait_for_log};

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
