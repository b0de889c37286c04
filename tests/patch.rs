//! `patch`, `apt` and `package_facts` on real hosts of the test fleet with real apt: tiny
//! `.deb`s built here with `dpkg-deb`, published into the fleet's apt repository (a
//! normal suite `main/` and a security suite `security/` whose Release says
//! `Label: Debian-Security`, `Suite: bookworm-security`), installed and upgraded on the
//! hosts. Every claim is checked independently with the OpenSSH client and dpkg-query.
//! The RPM side (`rpm`, `rpm_rollout`): the same on the fleet's dnf and zypper hosts with
//! `.rpm`s built by `rpmbuild`, checked in the hosts' rpm databases.
//! Modules run through a test `Remote` over the OpenSSH client ([`harness`]); one
//! playbook test runs the `ringmaster` binary with its own SSH transport.

#[path = "patch/apt_module.rs"]
mod apt_module;
#[path = "patch/dnf_module.rs"]
mod dnf_module;
#[path = "patch/harness.rs"]
pub(crate) mod harness;
#[path = "patch/rpm.rs"]
mod rpm;
#[path = "patch/rpm_harness.rs"]
pub(crate) mod rpm_harness;
#[path = "patch/rpm_rollout.rs"]
mod rpm_rollout;

use std::time::Instant;

use serde_json::json;

use crate::fleet::Fleet;
use harness::*;

#[test]
fn patch_plans_applies_exactly_and_is_idempotent() {
    let t = Instant::now();
    let (fleet, repo) = start(2);
    for name in ["acme-agent", "acme-tools", "acme-kernel"] {
        repo.publish(Suite::Main, name, "1.0-1", None);
    }
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-tools acme-kernel >/dev/null",
    );
    sh(
        &fleet,
        1,
        "apt-get install -y -q acme-agent acme-tools >/dev/null",
    );
    // New versions: two security updates (one flags a reboot) and a normal one.
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    repo.publish(Suite::Main, "acme-tools", "1.1-1", None);
    repo.index();

    // Check mode: the exact pending plan, nothing changes (the lists are refreshed
    // first: check mode, like Ansible's apt, does not update them).
    sh(&fleet, 0, "apt-get -q update >/dev/null 2>&1");
    let before = acme_versions(&fleet, 0);
    let r = patch(&fleet, 0, json!({"state": "latest"}), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        names(&r["pending"]),
        [
            "acme-agent \"1.0-1\"->\"1.1-1\"",
            "acme-kernel \"1.0-1\"->\"1.1-1\"",
            "acme-tools \"1.0-1\"->\"1.1-1\""
        ]
    );
    assert_eq!(names(&r["packages"]), Vec::<String>::new());
    assert_eq!(
        acme_versions(&fleet, 0),
        before,
        "check mode changed the host"
    );

    // Security only, on host 1: the normal update of acme-tools stays pending.
    let r = patch(
        &fleet,
        1,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(names(&r["packages"]), ["acme-agent \"1.0-1\"->\"1.1-1\""]);
    assert_eq!(r["reboot_required"], false);
    assert_eq!(
        acme_versions(&fleet, 1),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );

    // Everything on host 0: exactly the new versions, with a reboot flagged.
    let r = patch(
        &fleet,
        0,
        json!({"state": "latest", "update_cache": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(r["backend"], "apt");
    assert_eq!(
        names(&r["packages"]),
        [
            "acme-agent \"1.0-1\"->\"1.1-1\"",
            "acme-kernel \"1.0-1\"->\"1.1-1\"",
            "acme-tools \"1.0-1\"->\"1.1-1\""
        ]
    );
    assert_eq!(r["reboot_required"], true);
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\nacme-tools 1.1-1\n"
    );
    assert_eq!(
        sh(&fleet, 0, "cat /var/run/reboot-required.pkgs"),
        "acme-kernel\n"
    );

    // Again: nothing to do.
    let r = patch(&fleet, 0, json!({"state": "latest"}), false);
    assert_eq!(
        (r["changed"].clone(), r["packages"].clone()),
        (json!(false), json!([])),
        "{r}"
    );
    assert_eq!(
        r["reboot_required"], true,
        "the flag stays until the reboot"
    );

    // Host 1: exclude leaves acme-tools alone, name picks it.
    let r = patch(
        &fleet,
        1,
        json!({"state": "latest", "exclude": ["acme-t*"]}),
        false,
    );
    assert_eq!(r["changed"], false, "{r}");
    let r = patch(
        &fleet,
        1,
        json!({"name": ["acme-tools", "acme-kernel"]}),
        false,
    );
    assert_eq!(names(&r["packages"]), ["acme-tools \"1.0-1\"->\"1.1-1\""]);
    assert_eq!(r["reboot_required"], false, "acme-kernel is not on host 1");
    assert!(
        fleet
            .exec_ssh(1, "test -e /var/run/reboot-required")
            .status
            .code()
            == Some(1)
    );
    eprintln!(
        "patch_plans_applies_exactly_and_is_idempotent: {:?}",
        t.elapsed()
    );
}

#[test]
fn patch_pinned_installs_the_given_versions_only() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-tools", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-tools >/dev/null",
    );
    for v in ["1.1-1", "1.2-1"] {
        repo.publish(Suite::Main, "acme-agent", v, None);
        repo.publish(Suite::Main, "acme-tools", v, None);
    }
    repo.index();
    // Ring 0 got acme-agent 1.1-1; this ring gets the same, not the newer 1.2-1, and a
    // pin for a package the host lacks installs nothing.
    let pins = json!({"pinned": ["acme-agent=1.1-1", "acme-absent=9.9"], "update_cache": true});
    let r = patch(&fleet, 0, pins.clone(), true);
    assert_eq!(
        names(&r["pending"]),
        ["acme-agent \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    let r = patch(&fleet, 0, pins.clone(), false);
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = patch(&fleet, 0, pins, false);
    assert_eq!(r["changed"], false, "{r}");
    // Security only, when a newer normal update is the candidate: the security version.
    repo.publish(Suite::Main, "acme-lib", "1.0-1", None);
    repo.index();
    sh(
        &fleet,
        0,
        "apt-get -q update >/dev/null 2>&1 && apt-get install -y -q acme-lib >/dev/null",
    );
    repo.publish(Suite::Security, "acme-lib", "1.1-1", None);
    repo.publish(Suite::Main, "acme-lib", "1.2-1", None);
    repo.index();
    let r = patch(
        &fleet,
        0,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-lib \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    // A pinned version the repository does not have fails with apt's message.
    let r = patch(&fleet, 0, json!({"pinned": ["acme-tools=7.0-1"]}), false);
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("Version '7.0-1' for 'acme-tools' was not found"),
        "{r}"
    );
    eprintln!(
        "patch_pinned_installs_the_given_versions_only: {:?}",
        t.elapsed()
    );
}

#[test]
fn patch_broken_package_fails_with_apt_error_and_reports_dpkg_state() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-broken", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-broken >/dev/null",
    );
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(
        Suite::Security,
        "acme-broken",
        "1.1-1",
        Some("echo 'acme-broken: cannot migrate its data' >&2; exit 1"),
    );
    repo.index();
    let r = patch(
        &fleet,
        0,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(r["failed"], true, "{r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(msg.starts_with("apt-get install failed: "), "{msg}");
    assert!(msg.contains("acme-broken"), "{msg}");
    assert!(
        msg.contains("E: Sub-process /usr/bin/dpkg returned an error code (1)"),
        "{msg}"
    );
    // Reported consistently: dpkg's own audit names the half-configured package, and the
    // result lists what did change.
    let audit = sh(&fleet, 0, "dpkg --audit || true");
    assert!(audit.contains("acme-broken"), "{audit}");
    assert!(msg.contains("dpkg --audit reports"), "{msg}");
    assert_eq!(r["dpkg_audit"].as_str().unwrap().trim(), audit.trim());
    let changed = names(&r["packages"]);
    assert!(
        changed.contains(&"acme-agent \"1.0-1\"->\"1.1-1\"".to_string()),
        "{r}"
    );
    eprintln!("patch_broken_package: {:?}", t.elapsed());
}

/// Holds dpkg's frontend lock on host `i` for `secs` seconds, as a running apt would.
fn hold_dpkg_lock(fleet: &Fleet, i: usize, secs: u32) {
    sh(
        fleet,
        i,
        &format!(
            "nohup python3 -c 'import fcntl,time; f=open(\"/var/lib/dpkg/lock-frontend\",\"w\"); \
             fcntl.lockf(f, fcntl.LOCK_EX); open(\"/tmp/locked\",\"w\").close(); time.sleep({secs})' \
             >/dev/null 2>&1 & while [ ! -e /tmp/locked ]; do sleep 0.05; done; rm /tmp/locked"
        ),
    );
}

#[test]
fn patch_waits_for_the_package_lock_then_fails_naming_it() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(&fleet, 0, "apt-get install -y -q acme-agent >/dev/null");
    repo.publish(Suite::Main, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Main, "acme-agent", "1.2-1", None);
    repo.index();
    sh(&fleet, 0, "apt-get -q update >/dev/null 2>&1");
    // Held longer than lock_timeout: fails with apt's message naming the lock.
    hold_dpkg_lock(&fleet, 0, 3);
    let started = Instant::now();
    let r = patch(
        &fleet,
        0,
        json!({"pinned": ["acme-agent=1.1-1"], "lock_timeout": 1}),
        false,
    );
    assert!(started.elapsed().as_secs_f64() >= 1.0, "did not wait");
    assert_eq!(r["failed"], true, "{r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(msg.contains("lock_timeout"), "{msg}");
    assert!(msg.contains("/var/lib/dpkg/lock-frontend"), "{msg}");
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.0-1\n");
    // Released within lock_timeout: waits, then patches. (The new holder gets the lock
    // once the first one has let it go.)
    hold_dpkg_lock(&fleet, 0, 1);
    let started = Instant::now();
    let r = patch(
        &fleet,
        0,
        json!({"state": "latest", "lock_timeout": 20}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.0-1\"->\"1.2-1\""],
        "{r}"
    );
    assert!(
        started.elapsed().as_secs_f64() >= 1.0,
        "did not wait for the lock"
    );
    eprintln!("patch_waits_for_the_package_lock: {:?}", t.elapsed());
}

#[test]
fn patch_download_only_and_autoremove() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-dep", "1.0-1", None);
    repo.publish_depending(Suite::Main, "acme-app", "1.0-1", None, Some("acme-dep"));
    repo.index();
    use_repo(&fleet);
    sh(&fleet, 0, "apt-get install -y -q acme-app >/dev/null");
    assert_eq!(acme_versions(&fleet, 0), "acme-app 1.0-1\nacme-dep 1.0-1\n");
    // 1.1 no longer needs acme-dep (installed automatically for 1.0).
    repo.publish(Suite::Main, "acme-app", "1.1-1", None);
    repo.index();
    let r = patch(
        &fleet,
        0,
        json!({"update_cache": true, "download_only": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(names(&r["downloaded"]), ["acme-app \"1.0-1\"->\"1.1-1\""]);
    assert_eq!(names(&r["packages"]), Vec::<String>::new());
    assert_eq!(acme_versions(&fleet, 0), "acme-app 1.0-1\nacme-dep 1.0-1\n");
    let r = patch(&fleet, 0, json!({"autoremove": true}), false);
    assert_eq!(
        names(&r["packages"]),
        ["acme-app \"1.0-1\"->\"1.1-1\"", "acme-dep \"1.0-1\"->null"],
        "{r}"
    );
    assert_eq!(acme_versions(&fleet, 0), "acme-app 1.1-1\n");
    eprintln!("patch_download_only_and_autoremove: {:?}", t.elapsed());
}

/// `package` hands the task to the host's package manager module (apt here): installs,
/// is idempotent, removes; a manager ringmaster has no module for fails clearly.
#[test]
fn package_uses_the_hosts_package_manager() {
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    let dir = tempfile::tempdir().unwrap();
    let run = crate::util::run_playbook(
        dir.path(),
        &fleet.inventory_ini(),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - package: {name: acme-agent, state: present}\n      register: first\n    - package: {name: acme-agent, state: present}\n      register: second\n    - debug: msg=\"first={{ first.changed }} second={{ second.changed }}\"\n    - package: {name: acme-agent, state: absent}\n    - package: {name: acme-agent, use: zypper}\n",
        &[],
    );
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("first=True second=False"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("package: ringmaster has no native 'zypper' module yet"),
        "{}",
        run.stdout
    );
    assert_eq!(acme_versions(&fleet, 0), "");
}

/// `apt_repository` adds a source (ansible's file name), is idempotent, refreshes the
/// lists so its packages install, and removes the source (the emptied file goes).
#[test]
fn apt_repository_adds_and_removes_a_source() {
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.index();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    let line = "deb [trusted=yes] file:/srv/repo/main ./";
    std::fs::write(
        dir.path().join("site.yml"),
        format!(
            "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - apt_repository: {{repo: '{line}'}}\n      register: added\n    - apt_repository: {{repo: '{line}'}}\n      register: again\n    - apt: {{name: acme-agent}}\n    - debug: msg=\"{{{{ added.changed }}}} {{{{ added.sources_added }}}} {{{{ again.changed }}}}\"\n    - apt_repository: {{repo: '{line}', state: absent}}\n      register: removed\n    - debug: msg=\"removed={{{{ removed.sources_removed }}}}\"\n"
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml"].map(String::from).to_vec();
    let run = crate::util::ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("True ['/etc/apt/sources.list.d/file_srv_repo_main.list'] False"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("removed=['/etc/apt/sources.list.d/file_srv_repo_main.list']"),
        "{}",
        run.stdout
    );
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.0-1\n");
    assert_eq!(
        sh(
            &fleet,
            0,
            "ls /etc/apt/sources.list.d/ | grep -c file_srv || true"
        )
        .trim(),
        "0"
    );
}
