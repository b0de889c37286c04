//! `service` and `systemd` on real fleet hosts (sshd is PID 1, no systemd) over
//! ringmaster's SSH transport: a real SysV init script (tests/fixtures/service/acme-agent,
//! a background `sleep` with a pidfile) is started, enabled (update-rc.d's rc?.d links),
//! restarted, stopped and disabled; check mode changes nothing; a second run changes
//! nothing; an unknown service and `daemon_reload` without systemd fail clearly. The
//! systemd path runs against real systemd in tests/systemd.rs.

use std::path::Path;

use crate::fleet::Fleet;
use crate::util::{Run, repo_root, ringmaster};

const HOST: usize = 0;

fn play(dir: &Path, tasks: &str, extra: &[&str]) -> Run {
    std::fs::write(
        dir.join("site.yml"),
        format!("- hosts: fleet\n  gather_facts: false\n  tasks:\n{tasks}"),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = ["-i", "hosts.ini", "site.yml"].map(String::from).to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    ringmaster(dir, &args, home.path())
}

/// The host's view: `running`/`stopped` from the script's status, the daemon's pid,
/// and the rc?.d links of the service.
fn observe(fleet: &Fleet) -> (String, String, String) {
    let out = fleet.exec_ssh(
        HOST,
        "if /etc/init.d/acme-agent status >/dev/null; then echo running; else echo stopped; fi; \
         cat /run/acme-agent.pid 2>/dev/null || echo none; ls /etc/rc2.d /etc/rc0.d | grep acme-agent | tr '\\n' ' '",
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines().map(str::to_string);
    (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default().trim().to_string(),
    )
}

fn recap_changed(run: &Run) -> String {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("h001") && l.contains("ok="))
        .unwrap_or_else(|| panic!("no recap: {}", run.stdout));
    line.split_whitespace()
        .find(|w| w.starts_with("changed="))
        .unwrap_or_default()
        .to_string()
}

/// Installs tests/fixtures/service/acme-agent as /etc/init.d/acme-agent.
fn install_init_script(fleet: &Fleet) {
    let script =
        std::fs::read_to_string(repo_root().join("tests/fixtures/service/acme-agent")).unwrap();
    let install = fleet.exec_ssh(
        HOST,
        &format!(
            "cat > /etc/init.d/acme-agent <<'SCRIPT_END'\n{script}SCRIPT_END\nchmod 755 /etc/init.d/acme-agent"
        ),
    );
    assert!(install.status.success(), "{install:?}");
}

#[test]
fn a_sysv_service_is_started_enabled_restarted_stopped_and_disabled() {
    let fleet = Fleet::start(1).expect("fleet");
    install_init_script(&fleet);
    assert_eq!(
        observe(&fleet),
        ("stopped".into(), "none".into(), String::new())
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    let start = "    - service: {name: acme-agent, state: started, enabled: true}\n      register: r\n    - debug: var=r\n";

    // Check mode reports the change and changes nothing.
    let run = play(dir.path(), start, &["--check"]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(recap_changed(&run), "changed=1", "{}", run.stdout);
    assert!(
        run.stdout.contains("\"msg\": \"service state changed\""),
        "{}",
        run.stdout
    );
    assert_eq!(
        observe(&fleet),
        ("stopped".into(), "none".into(), String::new())
    );

    // Started and enabled: the daemon runs, update-rc.d made the S and K links.
    let run = play(dir.path(), start, &[]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(recap_changed(&run), "changed=1", "{}", run.stdout);
    for expected in [
        "\"name\": \"acme-agent\"",
        "\"state\": \"started\"",
        "\"enabled\": true",
        "\"changed\": true",
    ] {
        assert!(run.stdout.contains(expected), "{expected}: {}", run.stdout);
    }
    let (state, pid, links) = observe(&fleet);
    assert_eq!(state, "running");
    assert_ne!(pid, "none");
    assert_eq!(
        links, "K01acme-agent S01acme-agent",
        "rc0.d K link, rc2.d S link"
    );

    // The same again changes nothing (and does not start a second daemon).
    let run = play(dir.path(), start, &[]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(recap_changed(&run), "changed=0", "{}", run.stdout);
    assert_eq!(observe(&fleet).1, pid);

    // Restarted: a new daemon.
    let run = play(
        dir.path(),
        "    - service: {name: acme-agent, state: restarted}\n",
        &[],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(recap_changed(&run), "changed=1", "{}", run.stdout);
    let (state, new_pid, _) = observe(&fleet);
    assert_eq!(state, "running");
    assert_ne!(new_pid, pid, "restart runs a new daemon");

    // Stopped and disabled, in check mode first (nothing changes), then for real.
    let stop = "    - service: {name: acme-agent, state: stopped, enabled: false}\n";
    let run = play(dir.path(), stop, &["--check"]);
    assert_eq!(recap_changed(&run), "changed=1", "{}", run.stdout);
    assert_eq!(observe(&fleet).0, "running");
    let run = play(dir.path(), stop, &[]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(recap_changed(&run), "changed=1", "{}", run.stdout);
    let (state, pid, links) = observe(&fleet);
    assert_eq!((state.as_str(), pid.as_str()), ("stopped", "none"));
    assert_eq!(
        links, "K01acme-agent K01acme-agent",
        "update-rc.d disable turns S into K"
    );
    let ps = fleet.exec_ssh(HOST, "ps -eo args | grep -c '^sleep 100000' || true");
    assert_eq!(
        String::from_utf8_lossy(&ps.stdout).trim(),
        "0",
        "the daemon is gone"
    );
    let run = play(dir.path(), stop, &[]);
    assert_eq!(recap_changed(&run), "changed=0", "{}", run.stdout);

    // The action log shows exactly the host commands the runs made.
    let log = fleet.exec_ssh(HOST, "cat /var/log/acme-agent.log");
    assert_eq!(
        String::from_utf8_lossy(&log.stdout),
        "start\nstop\nstart\nstop\n",
        "start, restart (stop + start), stop"
    );
}

#[test]
fn unknown_services_and_systemd_without_systemd_fail_clearly() {
    let fleet = Fleet::start(1).expect("fleet");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    let run = play(
        dir.path(),
        "    - service: {name: acme-nothere, state: started}\n      ignore_errors: true\n    - systemd: {daemon_reload: true}\n",
        &[],
    );
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Could not find the requested service acme-nothere: host"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "[ERROR]: Task failed: Module failed: Failed to find required executable \"systemctl\" in paths: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin (this host does not run systemd: PID 1 is 'sshd')"
        ),
        "{}",
        run.stdout
    );
}

/// Registered results as ansible-playbook 2.19 returned them for the same tasks on a
/// fleet host with the same init script (its interpreter-discovery keys left out), and
/// the same actions on the host.
#[test]
fn results_match_ansible_for_restart_check_mode_disable_reload_and_pattern() {
    let fleet = Fleet::start(1).expect("fleet");
    install_init_script(&fleet);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    let run = play(
        dir.path(),
        r#"    - service: {name: acme-agent, state: restarted, enabled: true}
      register: r1
    - service: {name: acme-agent, state: stopped, enabled: false}
      check_mode: true
      register: r2
    - service: {name: acme-agent, state: stopped, enabled: false}
      register: r3
    - service: {name: acme-agent, enabled: false}
      register: r4
    - service: {name: acme-agent, state: reloaded}
      register: r5
    - service: {name: acme-agent, state: started, pattern: "sleep 100000"}
      register: r6
    - debug: msg="{{ [r1, r2, r3, r4, r5, r6] | to_json }}"
"#,
        &[],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    let recorded = r#"[{\"name\": \"acme-agent\", \"enabled\": true, \"state\": \"started\", \"changed\": true, \"failed\": false}, {\"changed\": true, \"msg\": \"service state changed\", \"failed\": false}, {\"name\": \"acme-agent\", \"enabled\": false, \"state\": \"stopped\", \"changed\": true, \"failed\": false}, {\"name\": \"acme-agent\", \"enabled\": false, \"changed\": false, \"failed\": false}, {\"name\": \"acme-agent\", \"state\": \"started\", \"changed\": true, \"failed\": false}, {\"name\": \"acme-agent\", \"state\": \"started\", \"changed\": false, \"failed\": false}]"#;
    assert!(run.stdout.contains(recorded), "{}", run.stdout);
    assert_eq!(recap_changed(&run), "changed=4", "{}", run.stdout);
    let log = fleet.exec_ssh(HOST, "cat /var/log/acme-agent.log");
    assert_eq!(
        String::from_utf8_lossy(&log.stdout),
        "stop\nstart\nstop\nstart\n"
    );
    let (state, _, links) = observe(&fleet);
    assert_eq!(state, "running");
    assert_eq!(links, "K01acme-agent K01acme-agent");
}
