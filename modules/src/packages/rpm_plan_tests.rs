//! Fixtures `*-fleet.txt`, `dnf-updateinfo-*`, `zypper-list-patches-*`, `zypper-info-*`,
//! `zypper-unneeded.txt`: real outputs of dnf 4.14 / zypper 1.14 on the test fleet's RPM
//! hosts. `*-el9.txt`, `*-sle.txt`, `rpm-qa.txt`: the same formats with distribution
//! package names (epochs, obsoletes, a second arch).

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/rpm/", $name))
    };
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn dnf_check_update_lists_updates_before_obsoletes() {
    assert_eq!(
        parse_check_update(fixture!("dnf-check-update-el9.txt")),
        pairs(&[
            ("bash", "5.1.8-9.el9"),
            ("kernel", "5.14.0-427.13.1.el9_4"),
            ("openssl-libs", "1:3.0.7-27.el9"),
            ("python3-dnf", "4.14.0-9.el9"),
        ])
    );
    // dnf 4.14's real listing starts with an empty line.
    assert_eq!(
        parse_check_update(fixture!("dnf-check-update-fleet.txt")),
        pairs(&[
            ("acme-agent", "1.2-1"),
            ("acme-kernel", "1.1-1"),
            ("acme-pre", "1.1-1")
        ])
    );
    assert_eq!(
        list_updates_command(RpmTool::Dnf, false),
        "LC_ALL=C dnf -y --setopt=exit_on_lock=True -q check-update"
    );
    assert!(list_updates_ok(RpmTool::Dnf, 100));
    assert!(!list_updates_ok(RpmTool::Dnf, 1));
    assert_eq!(
        install_command(
            RpmTool::Dnf,
            &pairs(&[("openssl-libs", "1:3.0.7-27.el9")]),
            false
        ),
        "LC_ALL=C dnf -y --setopt=exit_on_lock=True upgrade openssl-libs-1:3.0.7-27.el9"
    );
    assert_eq!(
        autoremove_command(RpmTool::Yum),
        "LC_ALL=C yum -y --setopt=exit_on_lock=True autoremove"
    );
}

/// `check-update --security` names acme-agent 1.2-1 (the newest version of a package
/// with an advisory); the advisory itself fixes it in 1.1-1, which `patch` takes.
#[test]
fn dnf_security_takes_the_advisorys_version() {
    assert_eq!(
        list_updates_command(RpmTool::Dnf, true),
        "LC_ALL=C dnf -y --setopt=exit_on_lock=True -q updateinfo list --security --updates"
    );
    let fixed = parse_updateinfo_list(fixture!("dnf-updateinfo-security.txt"));
    assert_eq!(
        fixed,
        pairs(&[("acme-agent", "1.1-1"), ("acme-kernel", "1.1-1")])
    );
    let installed: IndexMap<String, String> = [("acme-agent", "1.0-1"), ("acme-kernel", "1.1-1")]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        newest_fixes(&fixed, &installed),
        pairs(&[("acme-agent", "1.1-1")])
    );
    // Two advisories for one package: the newest fix; epochs kept.
    let more = pairs(&[
        ("openssl-libs", "1:3.0.7-25.el9"),
        ("openssl-libs", "1:3.0.7-27.el9"),
        ("openssl-libs", "1:3.0.7-26.el9"),
    ]);
    let installed: IndexMap<String, String> =
        [("openssl-libs".to_string(), "1:3.0.7-24.el9".to_string())].into();
    assert_eq!(
        newest_fixes(&more, &installed),
        pairs(&[("openssl-libs", "1:3.0.7-27.el9")])
    );
    assert_eq!(
        split_nevra("openssl-libs-1:3.0.7-27.el9.x86_64"),
        Some(("openssl-libs".into(), "1:3.0.7-27.el9".into()))
    );
}

#[test]
fn zypper_updates_patches_and_their_fixed_versions() {
    assert_eq!(
        parse_zypper_list_updates(fixture!("zypper-list-updates-sle.txt")),
        pairs(&[
            ("curl", "8.0.1-150400.5.23"),
            ("libopenssl3", "3.0.8-150500.5.8")
        ])
    );
    assert_eq!(
        parse_zypper_list_updates(fixture!("zypper-list-updates-fleet.txt")),
        pairs(&[
            ("acme-agent", "1.2-1"),
            ("acme-kernel", "1.1-1"),
            ("acme-pre", "1.1-1")
        ])
    );
    assert_eq!(
        parse_zypper_needed_patches(fixture!("zypper-list-patches-security.txt")),
        ["ACME-2026:0001"]
    );
    assert_eq!(
        zypper_patch_info_command(&["ACME-2026:0001".into()]),
        "LC_ALL=C zypper --non-interactive --no-refresh info -t patch ACME-2026:0001"
    );
    assert_eq!(
        parse_zypper_patch_conflicts(fixture!("zypper-info-patch.txt")),
        pairs(&[("acme-agent", "1.1-1"), ("acme-kernel", "1.1-1")])
    );
    assert_eq!(
        parse_zypper_patch_conflicts(
            "Conflicts   : [1]\n    libcurl4.x86_64 < 8.0.1-150400.5.23\n"
        ),
        pairs(&[("libcurl4", "8.0.1-150400.5.23")])
    );
    assert_eq!(
        install_command(
            RpmTool::Zypper,
            &pairs(&[("curl", "8.0.1-150400.5.23")]),
            true
        ),
        "LC_ALL=C zypper --non-interactive --no-refresh install --no-recommends --oldpackage \
         --download-only curl=8.0.1-150400.5.23"
    );
    assert_eq!(
        list_updates_command(RpmTool::Zypper, true),
        "LC_ALL=C zypper --non-interactive --no-refresh list-patches --category security"
    );
}

#[test]
fn refresh_is_its_own_step() {
    assert_eq!(
        refresh_command(RpmTool::Dnf),
        "LC_ALL=C dnf -y --setopt=exit_on_lock=True -q makecache --refresh"
    );
    assert_eq!(
        refresh_command(RpmTool::Zypper),
        "LC_ALL=C zypper --non-interactive refresh"
    );
}

#[test]
fn zypper_unneeded_packages() {
    assert_eq!(
        parse_zypper_unneeded(fixture!("zypper-unneeded.txt")),
        ["acme-dep"]
    );
    assert_eq!(
        zypper_remove_command(&["acme-dep".into()]),
        "LC_ALL=C zypper --non-interactive --no-refresh remove acme-dep"
    );
}

#[test]
fn lock_errors_of_every_tool() {
    assert!(is_lock_error("RPMDB already locked by 43"));
    assert!(is_lock_error(
        "System management is locked by the application with pid 54 (sleep)."
    ));
    assert!(!is_lock_error("Error: Transaction failed"));
    assert_eq!(
        errors(
            "rpm: RPM should not be used directly install RPM packages, use Alien instead!\nrpm: However assuming you know what you are doing...\n\nerror: %prein(acme-pre-1.1-1.noarch) scriptlet failed, exit status 1\n"
        ),
        "error: %prein(acme-pre-1.1-1.noarch) scriptlet failed, exit status 1"
    );
}

#[test]
fn failures_name_what_dnf_printed_on_stdout() {
    assert_eq!(
        failure_detail(
            "fleet    3.4 MB/s | 3.5 kB     00:00\nNo match for argument: acme-agent-7.0-1\n",
            "Error: No packages marked for upgrade.\n"
        ),
        "No match for argument: acme-agent-7.0-1\nError: No packages marked for upgrade."
    );
}

#[test]
fn rpm_versions_compare_as_rpm_does() {
    use std::cmp::Ordering::*;
    for (a, b, want) in [
        ("1.0", "1.0", Equal),
        ("1.0", "1.1", Less),
        ("1.10", "1.9", Greater),
        ("1.0a", "1.0", Greater),
        ("1.0~rc1", "1.0", Less),
        ("1.0^git1", "1.0", Greater),
        ("1.0^git1", "1.0.1", Less),
        ("2.0", "10", Less),
        ("1.a", "1.1", Less),
        ("001", "1", Equal),
    ] {
        assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
    }
    assert_eq!(evr_cmp("1:1.0-1", "2.0-1"), Greater);
    assert_eq!(evr_cmp("1.1-1", "1.1-2.el9"), Less);
    assert_eq!(evr_cmp("1.2-1", "1.1-1"), Greater);
}

#[test]
fn rpm_listing_skips_gpg_keys_and_keys_second_arch() {
    let map = parse_rpm_list(fixture!("rpm-qa.txt"));
    assert_eq!(
        map.keys().collect::<Vec<_>>(),
        ["bash", "openssl-libs", "glibc", "glibc.i686"]
    );
    assert_eq!(map["openssl-libs"], "1:3.0.7-24.el9");
}

#[test]
fn reboot_checks_per_tool() {
    let dnf = reboot_required_command(RpmTool::Dnf);
    assert!(dnf.contains("dnf -q needs-restarting -r"), "{dnf}");
    assert!(dnf.contains("/var/run/reboot-required"), "{dnf}");
    assert!(reboot_required_command(RpmTool::Zypper).contains("needs-rebooting"));
}
