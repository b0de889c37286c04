//! The security rollout playbook (`playbooks/security-rollout.yml`) on a mixed fleet:
//! ring0 a Debian host (apt), ring1 a Rocky Linux host (dnf), ring2 an openSUSE host
//! (zypper). Every host is patched by its own backend, chosen on the host; exactly the
//! hosts whose update needs a reboot are rebooted (boot ids), every changed package is
//! reported. Gathered facts name each host's package manager as Ansible does.

use crate::fleet::{Fleet, RpmFlavor};
use crate::util::run_playbook;

use super::harness::{FLAG_REBOOT, Repo, Suite, acme_versions, sh, use_repo};
use super::rpm_harness::*;

#[test]
fn the_security_rollout_patches_apt_dnf_and_zypper_hosts_each_with_its_backend() {
    let t = std::time::Instant::now();
    let fleet = Fleet::start(3).unwrap_or_else(|e| panic!("fleet: {e}"));
    // h001: Debian with apt, agent + kernel (its postinst flags a reboot).
    let debs = Repo::new(&fleet);
    debs.publish(Suite::Main, "acme-agent", "1.0-1", None);
    debs.publish(Suite::Main, "acme-kernel", "1.0-1", None);
    debs.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-kernel >/dev/null",
    );
    debs.publish(Suite::Security, "acme-agent", "1.1-1", None);
    debs.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    debs.publish(Suite::Main, "acme-agent", "1.2-1", None);
    debs.index();
    // h002: dnf, agent + kernel (needs-restarting.d names it); h003: zypper, agent.
    let rpms = RpmRepo::new(&fleet);
    fleet.make_rpm_host(1, RpmFlavor::Dnf).unwrap();
    fleet.make_rpm_host(2, RpmFlavor::Zypper).unwrap();
    rpms.publish("acme-agent", "1.0-1", Scripts::default());
    rpms.publish("acme-kernel", "1.0-1", Scripts::default());
    rpms.index();
    rpm_install(&fleet, 1, RpmFlavor::Dnf, "acme-agent acme-kernel");
    rpm_install(&fleet, 2, RpmFlavor::Zypper, "acme-agent");
    needs_reboot_after(&fleet, 1, RpmFlavor::Dnf, "acme-kernel");
    needs_reboot_after(&fleet, 2, RpmFlavor::Zypper, "acme-kernel");
    restart(&fleet, 1);
    restart(&fleet, 2);
    for name in ["acme-agent", "acme-kernel"] {
        rpms.publish(name, "1.1-1", Scripts::default());
    }
    rpms.advisory(
        "ACME-2026:0001",
        &[("acme-agent", "1.1-1"), ("acme-kernel", "1.1-1")],
    );
    rpms.publish("acme-agent", "1.2-1", Scripts::default());
    rpms.index();

    let dir = tempfile::tempdir().unwrap();
    let ini =
        fleet.inventory_ini() + "\n[ring0]\nh001\n\n[ring1]\nh002\n\n[ring2]\nh003\n\n[ring3]\n";

    // Facts: each host's distribution and package manager, as Ansible 2.19 names them;
    // `patch` takes its backend from them.
    let facts = run_playbook(
        dir.path(),
        &ini,
        "- hosts: fleet\n  tasks:\n    - patch: {state: security}\n      check_mode: true\n      register: plan\n    - debug: msg=\"{{ ansible_distribution }} {{ ansible_os_family }} {{ ansible_pkg_mgr }} {{ plan.backend }}\"\n",
        &[],
    );
    assert_eq!(facts.rc, 0, "{}{}", facts.stdout, facts.stderr);
    for (host, want) in [
        ("h001", "Debian Debian apt apt"),
        ("h002", "Rocky RedHat dnf dnf"),
        ("h003", "openSUSE Leap Suse zypper zypper"),
    ] {
        assert!(
            facts
                .stdout
                .contains(&format!("ok: [{host}] => {{\n    \"msg\": \"{want}\"\n}}")),
            "{host}: {}",
            facts.stdout
        );
    }

    let boots: Vec<String> = (0..3).map(|i| fleet.boot_id(i)).collect();
    let run = crate::rollout::run_rollout_with(dir.path(), &["-e", "soak_seconds=0"]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    // The security versions only (not the newer normal acme-agent 1.2), per backend.
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
    );
    assert_eq!(
        rpm_versions(&fleet, 1),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
    );
    assert_eq!(rpm_versions(&fleet, 2), "acme-agent 1.1-1\n");
    for (host, packages) in [
        ("h001", &["acme-agent=1.1-1", "acme-kernel=1.1-1"][..]),
        ("h002", &["acme-agent=1.1-1", "acme-kernel=1.1-1"][..]),
        ("h003", &["acme-agent=1.1-1"][..]),
    ] {
        let items: Vec<String> = packages
            .iter()
            .map(|p| format!("        \"{p}\""))
            .collect();
        let shown = format!(
            "ok: [{host}] => {{\n    \"msg\": [\n{}\n    ]\n}}",
            items.join(",\n")
        );
        assert!(run.stdout.contains(&shown), "{host}: {}", run.stdout);
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(host) && l.contains("failed=0")),
            "{host}: {}",
            run.stdout
        );
    }
    // Rebooted exactly where an update asked for it: apt's reboot-required, dnf's
    // needs-restarting; the zypper host (no kernel update) kept running.
    let rebooted: Vec<bool> = (0..3).map(|i| fleet.boot_id(i) != boots[i]).collect();
    assert_eq!(rebooted, [true, true, false], "{}", run.stdout);
    eprintln!("mixed rollout: {:?}", t.elapsed());
}
