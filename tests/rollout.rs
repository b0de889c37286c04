//! The security rollout playbook (`playbooks/security-rollout.yml`) on real fleet hosts
//! with real apt: three rings as plays with `serial` and failure budgets. A security
//! update is published into the fleet's repository; every host gets it, exactly the
//! hosts whose update flags a reboot are rebooted (boot ids), every changed package is
//! reported. With one host's upgrade broken, the rollout stops where Ansible's rules say
//! and no host of a later ring is touched.

use crate::fleet::Fleet;
use crate::patch::harness::{FLAG_REBOOT, Repo, Suite, acme_versions, sh, use_repo};
use crate::util::{repo_root, ringmaster};

/// Six hosts: ring0 = h001, ring1 = h002 h003, ring2 = h004 h005, ring3 = h006. All run
/// acme-agent 1.0; h001, h003 and h005 also acme-kernel 1.0 (whose update flags a
/// reboot).
fn setup() -> (Fleet, Repo, tempfile::TempDir) {
    let fleet = Fleet::start(6).expect("fleet");
    let repo = Repo::new(&fleet);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-kernel", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    for i in 0..6 {
        let extra = if i % 2 == 0 { " acme-kernel" } else { "" };
        sh(
            &fleet,
            i,
            &format!("apt-get install -y -q acme-agent{extra} >/dev/null"),
        );
    }
    // The security update: both packages; a host with /etc/acme-broken fails to
    // configure the new agent.
    repo.publish(
        Suite::Security,
        "acme-agent",
        "1.1-1",
        Some("if [ -e /etc/acme-broken ]; then echo 'acme-agent: configuration failed' >&2; exit 1; fi"),
    );
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    // A newer non-security agent must not be taken by `state: security`.
    repo.publish(Suite::Main, "acme-agent", "1.2-1", None);
    repo.index();
    let dir = tempfile::tempdir().unwrap();
    let mut ini = fleet.inventory_ini();
    for (ring, hosts) in [
        ("ring0", "h001"),
        ("ring1", "h002\nh003"),
        ("ring2", "h004\nh005"),
        ("ring3", "h006"),
    ] {
        ini.push_str(&format!("\n[{ring}]\n{hosts}\n"));
    }
    std::fs::write(dir.path().join("hosts.ini"), ini).unwrap();
    (fleet, repo, dir)
}

fn run_rollout(dir: &std::path::Path) -> crate::util::Run {
    run_rollout_with(dir, &[])
}

/// Runs `playbooks/security-rollout.yml` with `dir/hosts.ini` (soak 1 s, reboot timeout
/// 60 s; later `-e` in `extra` win).
pub(crate) fn run_rollout_with(dir: &std::path::Path, extra: &[&str]) -> crate::util::Run {
    let playbook = repo_root().join("playbooks/security-rollout.yml");
    let home = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "-i",
        "hosts.ini",
        playbook.to_str().unwrap(),
        "-e",
        "soak_seconds=1",
        "-e",
        "reboot_timeout=60",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    ringmaster(dir, &args, home.path())
}

/// `acme_versions` of every host, in order.
fn all_versions(fleet: &Fleet) -> Vec<String> {
    (0..fleet.hosts().len())
        .map(|i| acme_versions(fleet, i))
        .collect()
}

#[test]
fn the_rollout_patches_every_ring_and_reboots_exactly_the_hosts_that_need_it() {
    let (fleet, _repo, dir) = setup();
    let before: Vec<String> = (0..6).map(|i| fleet.boot_id(i)).collect();
    let run = run_rollout(dir.path());
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    for (i, boot_before) in before.iter().enumerate() {
        let want = if i % 2 == 0 {
            "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
        } else {
            "acme-agent 1.1-1\n"
        };
        assert_eq!(acme_versions(&fleet, i), want, "h00{}", i + 1);
        let rebooted = &fleet.boot_id(i) != boot_before;
        assert_eq!(rebooted, i % 2 == 0, "h00{} rebooted: {rebooted}", i + 1);
    }
    // Every changed package is reported, per host.
    assert!(
        run.stdout.contains("ok: [h001] => {\n    \"msg\": [\n        \"acme-agent=1.1-1\",\n        \"acme-kernel=1.1-1\"\n    ]\n}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ok: [h002] => {\n    \"msg\": [\n        \"acme-agent=1.1-1\"\n    ]\n}"),
        "{}",
        run.stdout
    );
    for host in ["h001", "h002", "h003", "h004", "h005", "h006"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(host) && l.contains("failed=0")),
            "{host}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_broken_upgrade_in_ring1_stops_the_rollout_before_ring2() {
    let (fleet, _repo, dir) = setup();
    sh(&fleet, 2, "touch /etc/acme-broken");
    let run = run_rollout(dir.path());
    if std::env::var_os("ROLLOUT_SHOW").is_some() {
        eprintln!("{}", run.stdout);
    }
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    // h003 failed in ring1's only batch (budget 0%): ring2 never starts.
    assert!(run.stdout.contains("fatal: [h003]"), "{}", run.stdout);
    assert!(!run.stdout.contains("PLAY [Ring 2"), "{}", run.stdout);
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
    );
    assert_eq!(acme_versions(&fleet, 1), "acme-agent 1.1-1\n");
    for i in 3..6 {
        let want = if i % 2 == 0 {
            "acme-agent 1.0-1\nacme-kernel 1.0-1\n"
        } else {
            "acme-agent 1.0-1\n"
        };
        assert_eq!(
            acme_versions(&fleet, i),
            want,
            "ring2 host h00{} was touched",
            i + 1
        );
    }
}

/// Hosts whose root lives on btrfs (`/.rootfs/root`): the rollout snapshots each host
/// first; h002's upgrade breaks, so its rescue reverts the snapshot and reboots — its
/// packages, dpkg state and files are back to before — and the rollout stops there.
#[test]
fn a_failed_host_is_rolled_back_to_its_snapshot() {
    let fleet = Fleet::start_btrfs_root(3).expect("fleet");
    let repo = Repo::new(&fleet);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    for i in 0..3 {
        sh(
            &fleet,
            i,
            "apt-get install -y -q acme-agent >/dev/null && echo v1 > /etc/acme.conf",
        );
    }
    repo.publish(
        Suite::Security,
        "acme-agent",
        "1.1-1",
        Some("echo v2 > /etc/acme.conf; if [ -e /etc/acme-broken ]; then exit 1; fi"),
    );
    repo.index();
    sh(&fleet, 1, "touch /etc/acme-broken");
    let dir = tempfile::tempdir().unwrap();
    let ini =
        fleet.inventory_ini() + "\n[ring0]\nh001\n\n[ring1]\nh002\n\n[ring2]\nh003\n\n[ring3]\n";
    std::fs::write(dir.path().join("hosts.ini"), ini).unwrap();
    let playbook = repo_root().join("playbooks/security-rollout.yml");
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = [
        "-i",
        "hosts.ini",
        playbook.to_str().unwrap(),
        "-e",
        "soak_seconds=0",
        "-e",
        "reboot_timeout=60",
        "-e",
        "snapshot_path=/.rootfs/root",
    ]
    .map(String::from)
    .to_vec();
    let before = fleet.boot_id(1);
    let run = ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("h002: 'Apply security updates' failed (rolled back to pre-patch-rollout)"),
        "{}",
        run.stdout
    );
    // h001 patched (and keeps its snapshot); h002 rolled back and rebooted; h003 untouched.
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.1-1\n");
    assert_eq!(sh(&fleet, 0, "cat /etc/acme.conf"), "v2\n");
    assert_ne!(
        fleet.boot_id(1),
        before,
        "h002 booted the rolled-back system"
    );
    assert_eq!(acme_versions(&fleet, 1), "acme-agent 1.0-1\n");
    assert_eq!(sh(&fleet, 1, "cat /etc/acme.conf"), "v1\n");
    assert_eq!(sh(&fleet, 1, "dpkg --audit"), "");
    assert_eq!(acme_versions(&fleet, 2), "acme-agent 1.0-1\n");
    assert!(!run.stdout.contains("PLAY [Ring 2"), "{}", run.stdout);
}

#[test]
fn check_mode_reports_pending_updates_and_changes_nothing() {
    let (fleet, _repo, dir) = setup();
    // Check mode does not refresh the package lists (as Ansible's apt): fresh ones here.
    for i in 0..6 {
        sh(&fleet, i, "apt-get -q update >/dev/null 2>&1");
    }
    let versions = all_versions(&fleet);
    let boots: Vec<String> = (0..6).map(|i| fleet.boot_id(i)).collect();
    let run = run_rollout_with(dir.path(), &["--check"]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    // Five batches: ring0, ring1 (2 hosts), ring2 (50%: 1 + 1), ring3.
    assert_eq!(
        run.stdout.matches("TASK [Apply security updates]").count(),
        5,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("changed: [h006]"), "{}", run.stdout);
    assert_eq!(
        all_versions(&fleet),
        versions,
        "check mode installed something"
    );
    let after: Vec<String> = (0..6).map(|i| fleet.boot_id(i)).collect();
    assert_eq!(after, boots, "check mode rebooted a host");
}

/// h005 (ring2) powers off instead of rebooting: its reboot times out, it fails, ring2's
/// budget is breached and ring3 (h006) is never touched.
#[test]
fn a_host_lost_during_its_reboot_stops_the_rollout_before_the_next_ring() {
    let (fleet, _repo, dir) = setup();
    sh(
        &fleet,
        4,
        "printf '#!/bin/sh\\nexec /usr/sbin/poweroff\\n' > /usr/sbin/shutdown.new && chmod +x /usr/sbin/shutdown.new && mv /usr/sbin/shutdown.new /usr/sbin/shutdown",
    );
    let run = run_rollout_with(dir.path(), &["-e", "reboot_timeout=8"]);
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("h005: 'Reboot if an update asks for it' failed"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("PLAY [Ring 3"), "{}", run.stdout);
    assert_eq!(acme_versions(&fleet, 3), "acme-agent 1.1-1\n");
    assert_eq!(
        acme_versions(&fleet, 5),
        "acme-agent 1.0-1\n",
        "ring3 was touched"
    );
}

/// A validation that fails on the lab host (ring0, any_errors_fatal) stops everything.
#[test]
fn a_failed_validation_in_ring0_stops_every_later_ring() {
    let (fleet, _repo, dir) = setup();
    sh(&fleet, 0, "touch /etc/acme-unhealthy");
    let run = run_rollout_with(
        dir.path(),
        &[
            "-e",
            r#"{"extra_checks": [{"file": "/etc/acme-unhealthy", "state": "absent"}]}"#,
        ],
    );
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("file /etc/acme-unhealthy: /etc/acme-unhealthy exists (expected absent)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("PLAY [Ring 1"), "{}", run.stdout);
    for i in 1..6 {
        assert!(
            acme_versions(&fleet, i).starts_with("acme-agent 1.0-1"),
            "h00{} was touched",
            i + 1
        );
    }
}

/// `pin_to_ring0`: ring0 (h001, without acme-kernel here) tests only the agent update,
/// so later rings get exactly that version of the agent and not the kernel update that
/// ring0 never ran — hence no reboots after ring0.
#[test]
fn pinned_rings_get_exactly_what_ring0_applied() {
    let (fleet, _repo, dir) = setup();
    sh(&fleet, 0, "apt-get remove -y -q acme-kernel >/dev/null");
    let before: Vec<String> = (0..6).map(|i| fleet.boot_id(i)).collect();
    let run = run_rollout_with(dir.path(), &["-e", "pin_to_ring0=true"]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.1-1\n");
    for (i, boot_before) in before.iter().enumerate().skip(1) {
        let want = if i % 2 == 0 {
            "acme-agent 1.1-1\nacme-kernel 1.0-1\n"
        } else {
            "acme-agent 1.1-1\n"
        };
        assert_eq!(acme_versions(&fleet, i), want, "h00{}", i + 1);
        assert_eq!(&fleet.boot_id(i), boot_before, "h00{} rebooted", i + 1);
    }
    assert!(
        run.stdout
            .contains("ok: [h003] => {\n    \"msg\": [\n        \"acme-agent=1.1-1\"\n    ]\n}"),
        "{}",
        run.stdout
    );
}
