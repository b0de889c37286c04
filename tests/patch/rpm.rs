//! `patch` on the fleet's RPM hosts with real dnf 4.14 and zypper 1.14 (see
//! fleet/rpm.rs): the same scenario for each tool, every claim checked in the host's rpm
//! database with OpenSSH. One test per tool, two hosts each.

use std::time::Instant;

use serde_json::{Value, json};

use crate::fleet::{Fleet, RpmFlavor};

use super::harness::{names, patch, sh};
use super::rpm_harness::*;

fn flags(flavor: RpmFlavor) -> &'static str {
    match flavor {
        RpmFlavor::Dnf => "dnf",
        RpmFlavor::Zypper => "zypper",
    }
}

fn msg(r: &Value) -> &str {
    r["msg"].as_str().unwrap_or_else(|| panic!("no msg: {r}"))
}

/// What some packages' scriptlets do on RPM hosts too (an upgrade: `$1` is 2).
const FLAG_REBOOT_ON_UPGRADE: &str = "if [ \"$1\" -ge 2 ]; then touch /var/run/reboot-required; fi";

/// h001: acme-agent, acme-kernel (its update needs a reboot), acme-tools, acme-app
/// (which pulls in acme-dep). h002: acme-agent, acme-tools, acme-broken. Both restarted
/// after the installs (needs-restarting compares install times with the boot).
fn setup(flavor: RpmFlavor) -> (Fleet, RpmRepo) {
    let (fleet, repo) = start_rpm(2, flavor);
    for name in [
        "acme-agent",
        "acme-kernel",
        "acme-tools",
        "acme-broken",
        "acme-dep",
    ] {
        repo.publish(name, "1.0-1", Scripts::default());
    }
    repo.publish(
        "acme-app",
        "1.0-1",
        Scripts {
            requires: Some("acme-dep"),
            ..Scripts::default()
        },
    );
    repo.index();
    rpm_install(
        &fleet,
        0,
        flavor,
        "acme-agent acme-kernel acme-tools acme-app",
    );
    rpm_install(&fleet, 1, flavor, "acme-agent acme-tools acme-broken");
    for i in 0..2 {
        needs_reboot_after(&fleet, i, flavor, "acme-kernel");
        restart(&fleet, i);
    }
    // Security erratum ACME-2026:0001 (acme-agent 1.1, acme-kernel 1.1), then normal
    // updates: acme-agent 1.2, acme-tools 1.1 (its %post flags /var/run/reboot-required);
    // acme-app 1.1 no longer needs acme-dep.
    repo.publish("acme-agent", "1.1-1", Scripts::default());
    repo.publish("acme-kernel", "1.1-1", Scripts::default());
    repo.advisory(
        "ACME-2026:0001",
        &[("acme-agent", "1.1-1"), ("acme-kernel", "1.1-1")],
    );
    repo.publish("acme-agent", "1.2-1", Scripts::default());
    repo.publish(
        "acme-tools",
        "1.1-1",
        Scripts {
            post: Some(FLAG_REBOOT_ON_UPGRADE),
            ..Scripts::default()
        },
    );
    repo.publish("acme-app", "1.1-1", Scripts::default());
    repo.index();
    (fleet, repo)
}

fn patch_end_to_end(flavor: RpmFlavor) {
    let t = Instant::now();
    let (fleet, repo) = setup(flavor);
    let tool = flags(flavor);

    // Check mode: the exact pending plan, nothing changes.
    rpm_refresh(&fleet, 0, flavor);
    let before = rpm_versions(&fleet, 0);
    let r = patch(&fleet, 0, json!({"state": "latest"}), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(r["backend"], tool, "{r}");
    assert_eq!(
        names(&r["pending"]),
        [
            "acme-agent \"1.0-1\"->\"1.2-1\"",
            "acme-app \"1.0-1\"->\"1.1-1\"",
            "acme-kernel \"1.0-1\"->\"1.1-1\"",
            "acme-tools \"1.0-1\"->\"1.1-1\""
        ],
        "{r}"
    );
    assert_eq!(names(&r["packages"]), Vec::<String>::new());
    assert_eq!(r["reboot_required"], false, "{r}");
    assert_eq!(
        rpm_versions(&fleet, 0),
        before,
        "check mode changed the host"
    );
    if flavor == RpmFlavor::Dnf {
        // `yum` on RHEL 8/9 is a link to dnf (so on these hosts): the same plan.
        let y = patch(&fleet, 0, json!({"backend": "yum"}), true);
        assert_eq!(
            (&y["backend"], &y["pending"]),
            (&json!("yum"), &r["pending"]),
            "{y}"
        );
    }

    // Security only on h002: the erratum's version of acme-agent (not the newer 1.2),
    // acme-tools' normal update stays pending, no reboot (no acme-kernel there).
    let r = patch(
        &fleet,
        1,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    assert_eq!(r["reboot_required"], false, "{r}");
    assert_eq!(
        rpm_versions(&fleet, 1),
        "acme-agent 1.1-1\nacme-broken 1.0-1\nacme-tools 1.0-1\n"
    );

    // Security on h001 (exclude keeps acme-app out of the later run): the erratum,
    // and the kernel's update asks for a reboot the distribution's way.
    let r = patch(&fleet, 0, json!({"state": "security"}), false);
    assert_eq!(
        names(&r["packages"]),
        [
            "acme-agent \"1.0-1\"->\"1.1-1\"",
            "acme-kernel \"1.0-1\"->\"1.1-1\""
        ],
        "{r}"
    );
    assert_eq!(r["reboot_required"], true, "{r}");
    let r = patch(
        &fleet,
        0,
        json!({"state": "latest", "exclude": ["acme-ap*"]}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        [
            "acme-agent \"1.1-1\"->\"1.2-1\"",
            "acme-tools \"1.0-1\"->\"1.1-1\""
        ],
        "{r}"
    );
    assert_eq!(
        r["reboot_required"], true,
        "the flag stays until the reboot"
    );
    restart(&fleet, 0);
    let r = patch(&fleet, 0, json!({"exclude": "acme-app"}), false);
    assert_eq!(
        (r["changed"].clone(), r["packages"].clone()),
        (json!(false), json!([])),
        "{r}"
    );
    assert_eq!(r["reboot_required"], false, "rebooted: {r}");

    // download_only fetches, changes nothing; then autoremove takes acme-dep away.
    let r = patch(
        &fleet,
        0,
        json!({"name": "acme-app", "download_only": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        names(&r["downloaded"]),
        ["acme-app \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    assert_eq!(names(&r["packages"]), Vec::<String>::new());
    let r = patch(
        &fleet,
        0,
        json!({"name": "acme-app", "autoremove": true}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-app \"1.0-1\"->\"1.1-1\"", "acme-dep \"1.0-1\"->null"],
        "{r}"
    );
    assert_eq!(
        rpm_versions(&fleet, 0),
        "acme-agent 1.2-1\nacme-app 1.1-1\nacme-kernel 1.1-1\nacme-tools 1.1-1\n"
    );

    // Pinned on h002: exactly the given version; an absent package installs nothing;
    // a version the repository lacks fails with the tool's message.
    let pins = json!({"pinned": ["acme-tools=1.1-1", "acme-absent=9.9-1"]});
    let r = patch(&fleet, 1, pins.clone(), true);
    assert_eq!(
        names(&r["pending"]),
        ["acme-tools \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    let r = patch(&fleet, 1, pins.clone(), false);
    assert_eq!(
        names(&r["packages"]),
        ["acme-tools \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    assert_eq!(r["reboot_required"], true, "its %post flagged it: {r}");
    assert_eq!(patch(&fleet, 1, pins, false)["changed"], false);
    let r = patch(&fleet, 1, json!({"pinned": ["acme-agent=7.0-1"]}), false);
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("acme-agent"), "{r}");
    assert_eq!(
        rpm_versions(&fleet, 1),
        "acme-agent 1.1-1\nacme-broken 1.0-1\nacme-tools 1.1-1\n"
    );

    // The package manager's lock: held past lock_timeout fails naming the holder;
    // released in time, patch waits and goes on.
    let holder_pid = hold_rpm_lock(&fleet, 1, flavor, 30);
    let started = Instant::now();
    let r = patch(
        &fleet,
        1,
        json!({"pinned": ["acme-agent=1.2-1"], "lock_timeout": 1}),
        false,
    );
    assert!(started.elapsed().as_secs_f64() >= 1.0, "did not wait: {r}");
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).contains("lock_timeout"), "{r}");
    let holder = match flavor {
        RpmFlavor::Dnf => "RPMDB already locked by",
        RpmFlavor::Zypper => "System management is locked by the application with pid",
    };
    assert!(msg(&r).contains(holder), "{r}");
    sh(&fleet, 1, &format!("kill {holder_pid}"));
    hold_rpm_lock(&fleet, 1, flavor, 2);
    let started = Instant::now();
    let r = patch(
        &fleet,
        1,
        json!({"pinned": ["acme-agent=1.2-1"], "lock_timeout": 20}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.1-1\"->\"1.2-1\""],
        "{r}"
    );
    assert!(started.elapsed().as_secs_f64() >= 1.0, "did not wait: {r}");

    // A broken update (its %pre fails): the task fails with the tool's error and
    // reports what did change.
    repo.publish(
        "acme-broken",
        "1.1-1",
        Scripts {
            pre: Some("echo 'acme-broken: cannot migrate its data' >&2; exit 1"),
            ..Scripts::default()
        },
    );
    repo.publish("acme-agent", "1.3-1", Scripts::default());
    repo.index();
    let r = patch(
        &fleet,
        1,
        json!({"state": "latest", "update_cache": true}),
        false,
    );
    assert_eq!(r["failed"], true, "{r}");
    assert!(msg(&r).starts_with(&format!("{tool} failed: ")), "{r}");
    assert!(
        msg(&r).contains("%prein(acme-broken-1.1-1.noarch) scriptlet failed")
            || msg(&r).contains("Error in PREIN scriptlet in rpm package acme-broken"),
        "{r}"
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.2-1\"->\"1.3-1\""],
        "{r}"
    );
    assert_eq!(
        rpm_versions(&fleet, 1),
        "acme-agent 1.3-1\nacme-broken 1.0-1\nacme-tools 1.1-1\n"
    );
    eprintln!("patch on {tool} hosts: {:?}", t.elapsed());
}

#[test]
fn patch_on_dnf_hosts() {
    patch_end_to_end(RpmFlavor::Dnf);
}

#[test]
fn patch_on_zypper_hosts() {
    patch_end_to_end(RpmFlavor::Zypper);
}
