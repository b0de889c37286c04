//! `reboot` against a real systemd reboot: `shutdown -r` makes the host's systemd stop
//! every service and reboot; the host comes back with a new boot id, its enabled
//! services running again, /run and /tmp empty, and the previous boot's journal saying
//! why it went down. Each test has a host of its own (the shared one must not reboot
//! under the other tests). The results users read are compared with ansible-playbook
//! 2.19's on the same kind of host (recorded with `RINGMASTER_RECORD_ANSIBLE=1`, which
//! runs /opt/ansible-venv/bin/ansible-playbook instead, with pipelining: see `play`;
//! `only_if_required` is ringmaster's own and is not recorded). Not compared: the command
//! output inside failure messages (ansible's OpenSSH runs these commands on a pty).

use std::process::Command;

use super::{install_unit, recap, recording};
use crate::fleet::SystemdHost;
use crate::util::{Run, ringmaster};

/// Runs `tasks` on the host (ringmaster, or ansible-playbook when recording) followed by
/// a debug task printing `SUMMARY` and, per registered result of `results`,
/// `changed|failed|rebooted|msg|sorted keys`, and `ELAPSED` with their `elapsed`.
fn play(host: &SystemdHost, tasks: &str, results: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let list = results.join(", ");
    let summary = format!(
        "    - debug:\n        msg: \"SUMMARY {{% for r in [{list}] %}}{{{{ r.changed }}}}|{{{{ r.failed | default('-') }}}}|\
         {{{{ r.rebooted | default('-') }}}}|{{{{ r.msg | default('-') }}}}|{{{{ r.keys() | list | sort | join(',') }}}};{{% endfor %}}\"\n\
         \x20   - debug:\n        msg: \"ELAPSED {{% for r in [{list}] %}}{{{{ r.elapsed | default('-') }}}};{{% endfor %}}\"\n"
    );
    let mut inventory = host.inventory_ini();
    if recording() {
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
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml"].map(String::from).to_vec();
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
        // Without pipelining ansible's modules (setup, find) leave a remote tmp dir that
        // the action removes at its end: on a host that stays down that fails, and the
        // host is reported UNREACHABLE ("Connection refused") instead of the timeout.
        // ringmaster's modules leave nothing on the host, as ansible with pipelining.
        .env("ANSIBLE_PIPELINING", "1")
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        rc: out.status.code().unwrap_or(-1),
    }
}

/// The entries of the play's `PREFIX ...` debug line (`;`-terminated).
fn entries(run: &Run, prefix: &str) -> Vec<String> {
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("\"msg\": \"{prefix} ")))
        .unwrap_or_else(|| panic!("no {prefix} line:\n{}\n{}", run.stdout, run.stderr));
    let line = line.strip_suffix('"').unwrap_or(line);
    line.split_terminator(';').map(str::to_string).collect()
}

/// The `elapsed` of each result, in seconds.
fn elapsed(run: &Run) -> Vec<u64> {
    entries(run, "ELAPSED")
        .iter()
        .map(|e| {
            e.parse()
                .unwrap_or_else(|_| panic!("elapsed '{e}' is not a number:\n{}", run.stdout))
        })
        .collect()
}

/// The console's lines for the host's tasks (`changed: [sd001]`, `fatal: ...`), with a
/// number after `"elapsed": ` replaced by `N` (it differs from run to run).
fn task_lines(run: &Run) -> Vec<String> {
    let elapsed = regex::Regex::new(r#""elapsed": \d+"#).unwrap();
    run.stdout
        .lines()
        .filter(|l| {
            [
                "ok: [sd001]",
                "changed: [sd001]",
                "fatal: [sd001]",
                "skipping: [sd001]",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(|l| elapsed.replace_all(l, "\"elapsed\": N").into_owned())
        .collect()
}

fn sh(host: &SystemdHost, cmd: &str) -> String {
    let out = host.exec_ssh(cmd);
    assert!(out.status.success(), "{cmd}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A real reboot: the boot id changes, an enabled service runs again (started once, by
/// the new boot), /run and /tmp are empty, the previous boot's journal has the reboot
/// message; `test_command` and `post_reboot_delay` are obeyed; the results users read
/// are ansible's.
#[test]
fn reboot_really_reboots_a_systemd_host() {
    let host = SystemdHost::start().expect("systemd host");
    install_unit(&host, "rmt-boot", "/etc/systemd/system");
    sh(
        &host,
        "systemctl enable --now rmt-boot && echo 1 > /run/rmt-marker && echo 1 > /tmp/rmt-marker",
    );
    let before = host.boot_id();
    let run = play(
        &host,
        "    - reboot: {}\n      check_mode: true\n      register: c\n\
         \x20   - reboot:\n        msg: ringmaster reboot test\n        test_command: systemctl is-active rmt-boot\n        post_reboot_delay: 2\n      register: r\n",
        &["c", "r"],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        entries(&run, "SUMMARY"),
        [
            "True|False|True|-|changed,elapsed,failed,rebooted",
            "True|False|True|-|changed,elapsed,failed,rebooted"
        ],
        "{}",
        run.stdout
    );
    assert_eq!(
        task_lines(&run)[..2],
        ["changed: [sd001]", "changed: [sd001]"],
        "{}",
        run.stdout
    );
    assert_eq!(
        recap(&run),
        "ok=4 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    // Check mode: 0. Then at least the post-reboot delay; the reboot takes ~1 s here.
    let secs = elapsed(&run);
    assert_eq!(secs[0], 0);
    assert!((2..=30).contains(&secs[1]), "elapsed {secs:?}");

    host.wait_until_up().unwrap();
    assert_eq!(host.boots(), 2, "exactly one reboot (none in check mode)");
    assert_ne!(host.boot_id(), before, "a new boot id");
    let after = sh(
        &host,
        "systemctl is-active rmt-boot; systemctl is-enabled rmt-boot; cat /run/rmt-boot.log; \
         ls /run/rmt-marker /tmp/rmt-marker 2>&1; journalctl -b -1 --no-pager -q -u systemd-logind | grep -o 'System is rebooting.*'; \
         journalctl --list-boots --no-pager -q | wc -l; true",
    );
    assert_eq!(
        after,
        "active\nenabled\nstart\n\
         ls: cannot access '/run/rmt-marker': No such file or directory\n\
         ls: cannot access '/tmp/rmt-marker': No such file or directory\n\
         System is rebooting (ringmaster reboot test).\n2\n"
    );
}

/// A host that goes down and does not come back: ansible's timeout failure after
/// `reboot_timeout`, `rebooted: true`; booted by hand afterwards, it is fine.
#[test]
fn reboot_times_out_when_the_systemd_host_does_not_come_back() {
    let host = SystemdHost::start().expect("systemd host");
    let before = host.boot_id();
    host.hold_next_reboot().unwrap();
    let run = play(
        &host,
        "    - reboot: {reboot_timeout: 2}\n      register: r\n      ignore_errors: true\n",
        &["r"],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        entries(&run, "SUMMARY"),
        [
            "False|True|True|Timed out waiting for last boot time check (timeout=2)|changed,elapsed,exception,failed,msg,rebooted"
        ],
        "{}",
        run.stdout
    );
    assert_eq!(
        task_lines(&run)[0],
        "fatal: [sd001]: FAILED! => {\"changed\": false, \"elapsed\": N, \"msg\": \"Timed out waiting for last boot time check (timeout=2)\", \"rebooted\": true}",
        "{}",
        run.stdout
    );
    let console = format!("{}{}", run.stdout, run.stderr);
    assert!(
        console.contains(
            "[ERROR]: Task failed: Action failed: Timed out waiting for last boot time check (timeout=2)\n"
        ),
        "{console}"
    );
    assert!(run.stdout.contains("...ignoring\n"), "{}", run.stdout);
    assert_eq!(
        recap(&run),
        "ok=3 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1"
    );
    let secs = elapsed(&run)[0];
    assert!((2..=20).contains(&secs), "elapsed {secs}");
    assert!(!host.accepts_connections(), "the host stayed down");
    assert!(!host.is_running());
    host.boot().unwrap();
    assert_ne!(host.boot_id(), before);
    assert_eq!(host.boots(), 2);
}

/// `only_if_required` (ringmaster's): no /var/run/reboot-required, no reboot; with it,
/// a reboot — after which the file (in /run) is gone, so the next run does nothing.
#[test]
fn reboot_only_if_required_on_a_systemd_host() {
    if recording() {
        return;
    }
    let host = SystemdHost::start().expect("systemd host");
    let first = host.boot_id();
    let tasks = "    - reboot: {only_if_required: true}\n      register: r\n";
    let run = play(&host, tasks, &["r"]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        entries(&run, "SUMMARY"),
        ["False|False|False|no reboot required|changed,elapsed,failed,msg,rebooted"],
        "{}",
        run.stdout
    );
    assert_eq!(host.boot_id(), first);

    sh(
        &host,
        "echo '*** System restart required ***' > /var/run/reboot-required",
    );
    let run = play(&host, tasks, &["r"]);
    assert_eq!(
        entries(&run, "SUMMARY"),
        ["True|False|True|-|changed,elapsed,failed,rebooted"],
        "{}",
        run.stdout
    );
    host.wait_until_up().unwrap();
    let second = host.boot_id();
    assert_ne!(second, first);
    assert_eq!(
        sh(&host, "ls /var/run/reboot-required 2>&1; true"),
        "ls: cannot access '/var/run/reboot-required': No such file or directory\n"
    );

    let run = play(&host, tasks, &["r"]);
    assert_eq!(
        entries(&run, "SUMMARY"),
        ["False|False|False|no reboot required|changed,elapsed,failed,msg,rebooted"],
        "{}",
        run.stdout
    );
    assert_eq!(host.boot_id(), second);
    assert_eq!(host.boots(), 2);
}

/// `reboot_command` (found in `search_paths` as ansible's `find` does) reboots; a
/// `test_command` that never succeeds fails the task after `reboot_timeout`. (The
/// post-reboot delay lets the boot check succeed at once even on a loaded machine.)
#[test]
fn reboot_fails_when_the_test_command_never_succeeds() {
    let host = SystemdHost::start().expect("systemd host");
    let before = host.boot_id();
    let run = play(
        &host,
        "    - reboot:\n        reboot_command: systemctl reboot\n        test_command: test -e /run/rmt-never\n        post_reboot_delay: 3\n        reboot_timeout: 3\n      register: r\n      ignore_errors: true\n",
        &["r"],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    let msg = "Timed out waiting for post-reboot test command (timeout=3)";
    assert_eq!(
        entries(&run, "SUMMARY"),
        [format!(
            "False|True|True|{msg}|changed,elapsed,exception,failed,msg,rebooted"
        )],
        "{}",
        run.stdout
    );
    assert_eq!(
        task_lines(&run)[0],
        format!(
            "fatal: [sd001]: FAILED! => {{\"changed\": false, \"elapsed\": N, \"msg\": \"{msg}\", \"rebooted\": true}}"
        ),
        "{}",
        run.stdout
    );
    let console = format!("{}{}", run.stdout, run.stderr);
    assert!(
        console.contains(&format!("[ERROR]: Task failed: Action failed: {msg}\n")),
        "{console}"
    );
    let secs = elapsed(&run)[0];
    assert!(
        (6..=30).contains(&secs),
        "elapsed {secs}: the delay, then 3 s or more of tests"
    );
    assert_ne!(host.boot_id(), before, "it did reboot");
    assert_eq!(host.boots(), 2);
}

/// The failures before any reboot (none of these reboots: the shared host serves), as
/// users read them. The command output inside the messages is not compared: ansible's
/// OpenSSH runs these commands on a pty (stderr joins stdout with `\r\n`, and its
/// control master adds `Shared connection to ADDR closed.` on stderr).
#[test]
fn reboot_failures_before_the_reboot_match_ansible() {
    let (_shared, host) = super::shared_host();
    let run = play(
        host,
        "    - reboot: {reboot_command: rmt-nosuchcmd}\n      register: a\n      ignore_errors: true\n\
         \x20   - reboot: {reboot_command: \"false now\"}\n      register: b\n      ignore_errors: true\n\
         \x20   - reboot: {boot_time_command: \"cat /rmt-nonexistent\"}\n      register: c\n      ignore_errors: true\n",
        &["a", "b", "c"],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    let summary = entries(&run, "SUMMARY");
    let not_found = "Task failed: Unable to find command \"rmt-nosuchcmd\" in search paths: \
                     ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin']";
    assert_eq!(
        summary[0],
        format!(
            "False|True|-|{}|changed,exception,failed,msg",
            not_found.replace('"', "\\\"")
        ),
        "{}",
        run.stdout
    );
    let (msg, keys) = summary[1].rsplit_once('|').unwrap();
    assert!(
        msg.starts_with("False|True|False|Reboot command failed. Error was: '"),
        "{msg}"
    );
    assert_eq!(keys, "changed,elapsed,exception,failed,msg,rebooted,start");
    let (msg, keys) = summary[2].rsplit_once('|').unwrap();
    assert!(
        msg.starts_with("False|True|-|reboot: failed to get host boot time info, rc: 1, stdout: "),
        "{msg}"
    );
    assert!(
        msg.contains("cat: /rmt-nonexistent: No such file or directory"),
        "{msg}"
    );
    assert_eq!(keys, "changed,exception,failed,msg,reboot");
    let lines = task_lines(&run);
    assert_eq!(
        lines[0],
        format!(
            "fatal: [sd001]: FAILED! => {{\"changed\": false, \"msg\": {}}}",
            serde_json::to_string(not_found).unwrap()
        )
    );
    let start =
        regex::Regex::new(r#""start": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00"\}$"#)
            .unwrap();
    assert!(start.is_match(&lines[1]), "{}", lines[1]);
    let console = format!("{}{}", run.stdout, run.stderr);
    for error in [
        format!("[ERROR]: {not_found}\n"),
        "[ERROR]: Task failed: Action failed: Reboot command failed. Error was: '".into(),
        "[ERROR]: Task failed: Action failed: reboot: failed to get host boot time info, rc: 1, stdout: ".into(),
    ] {
        assert!(console.contains(&error), "{error}\n{console}");
    }
    assert_eq!(
        recap(&run),
        "ok=5 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=3"
    );
}
