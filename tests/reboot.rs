//! `reboot` on real fleet hosts over ringmaster's SSH transport: hosts really go down
//! (connections drop, then are refused) and come back with a new boot id; only the hosts
//! that need it reboot with `only_if_required`; a host that never comes back fails with
//! Ansible's timeout message while the others go on.

use crate::fleet::Fleet;
use crate::util::{ringmaster, run_playbook};

#[test]
fn only_hosts_that_need_it_reboot_and_come_back_with_a_new_boot_id() {
    let fleet = Fleet::start(3).expect("fleet");
    let before: Vec<String> = (0..3).map(|i| fleet.boot_id(i)).collect();
    // h001 and h003 had a package flag a reboot, as Debian's update-notifier does.
    for i in [0, 2] {
        let out = fleet.exec_ssh(
            i,
            "echo '*** System restart required ***' > /var/run/reboot-required && echo acme-agent > /var/run/reboot-required.pkgs",
        );
        assert!(out.status.success());
    }
    let dir = tempfile::tempdir().unwrap();
    let run = run_playbook(
        dir.path(),
        &fleet.inventory_ini(),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - reboot: {only_if_required: true, reboot_timeout: 60}\n      register: r\n    - validate:\n        checks:\n          - reboot_pending: false\n          - process: sshd\n    - debug: msg=\"rebooted={{ r.rebooted }}\"\n",
        &[],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    let after: Vec<String> = (0..3).map(|i| fleet.boot_id(i)).collect();
    assert_ne!(after[0], before[0], "h001 rebooted");
    assert_eq!(after[1], before[1], "h002 did not need a reboot");
    assert_ne!(after[2], before[2], "h003 rebooted");
    for (host, rebooted) in [("h001", "True"), ("h002", "False"), ("h003", "True")] {
        assert!(
            run.stdout.contains(&format!(
                "ok: [{host}] => {{\n    \"msg\": \"rebooted={rebooted}\""
            )),
            "{host}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_host_that_stays_down_times_out_and_the_others_finish() {
    let fleet = Fleet::start(2).expect("fleet");
    let before = fleet.boot_id(1);
    // h001's shutdown powers it off instead: it never comes back.
    let out = fleet.exec_ssh(
        0,
        "printf '#!/bin/sh\\nexec /usr/sbin/poweroff\\n' > /usr/local/sbin/shutdown && chmod +x /usr/local/sbin/shutdown",
    );
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let run = run_playbook(
        dir.path(),
        &fleet.inventory_ini(),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - reboot:\n        reboot_timeout: 8\n        search_paths: [/usr/local/sbin, /sbin, /usr/sbin]\n",
        &[],
    );
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Timed out waiting for last boot time check (timeout=8)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("changed: [h002]"), "{}", run.stdout);
    assert_ne!(fleet.boot_id(1), before);
    assert!(!fleet.accepts_connections(0));
}

/// `wait_for_connection` on a host that is down when the task starts: it waits (no
/// UNREACHABLE) until the host is booted, then succeeds; a host that stays down fails
/// with Ansible's timeout message.
#[test]
fn wait_for_connection_waits_for_a_host_that_comes_back() {
    let fleet = Fleet::start(2).expect("fleet");
    fleet.power_off(0);
    fleet.power_off(1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - wait_for_connection: {timeout: 6, sleep: 1}\n    - command: hostname\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml"].map(String::from).to_vec();
    let boot_later = std::thread::scope(|s| {
        let booter = s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_secs(2));
            fleet.boot(0);
        });
        let run = ringmaster(dir.path(), &args, home.path());
        booter.join().unwrap();
        run
    });
    let run = boot_later;
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("ok: [h001]"), "{}", run.stdout);
    assert!(run.stdout.contains("changed: [h001]"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("timed out waiting for ping module test: "),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("UNREACHABLE"), "{}", run.stdout);
}

/// The fire-and-forget reboot of patch playbooks: `shutdown` started with `async: 1,
/// poll: 0` (the task returns at once; the job runs in the controller and just ends
/// when the host goes down), then `wait_for_connection` until the host is back.
#[test]
fn fire_and_forget_reboot_with_async_then_wait_for_connection() {
    let fleet = Fleet::start(1).expect("fleet");
    let before = fleet.boot_id(0);
    let dir = tempfile::tempdir().unwrap();
    let run = run_playbook(
        dir.path(),
        &fleet.inventory_ini(),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - name: reboot in the background\n      shell: sleep 1 && shutdown -r now\n      async: 1\n      poll: 0\n      register: job\n    - wait_for_connection: {delay: 3, timeout: 60}\n    - command: cat /proc/sys/kernel/random/boot_id\n      register: boot\n    - debug: msg=\"finished={{ job.finished }} started={{ job.started }}\"\n",
        &[],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("changed: [h001]"),
        "the async task reports changed: {}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\"msg\": \"finished=False started=True\""),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("UNREACHABLE"), "{}", run.stdout);
    assert_ne!(fleet.boot_id(0), before, "h001 rebooted");
}
