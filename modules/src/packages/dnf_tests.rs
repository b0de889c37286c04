//! The dnf module's pure parts, from output captured from Debian's dnf 4.14 and rpm
//! (tests/fixtures/dnf/output).

use std::cmp::Ordering;

use serde_json::json;

use super::dnf_args::{DnfArgs, listify};
use super::dnf_errors::*;
use super::dnf_plan::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/dnf/output/", $name))
    };
}

fn rpm(name: &str, evr: &str) -> Rpm {
    let (epoch, vr) = evr
        .split_once(':')
        .map_or((0, evr), |(e, vr)| (e.parse().unwrap(), vr));
    let (version, release) = vr.rsplit_once('-').unwrap();
    Rpm {
        name: name.into(),
        epoch,
        version: version.into(),
        release: release.into(),
        arch: "noarch".into(),
    }
}

fn args(v: serde_json::Value) -> DnfArgs {
    serde_json::from_value(v).unwrap()
}

#[test]
fn rpmvercmp_orders_as_rpm() {
    for (a, b, want) in [
        ("1.0", "1.0", Ordering::Equal),
        ("1.0", "1.1", Ordering::Less),
        ("1.10", "1.9", Ordering::Greater),
        ("1.0a", "1.0", Ordering::Greater),
        ("1.0", "1.0a", Ordering::Less),
        ("2.0", "2_0", Ordering::Equal),
        ("1.0~rc1", "1.0", Ordering::Less),
        ("1.0~rc1", "1.0~rc2", Ordering::Less),
        ("1.0^git1", "1.0", Ordering::Greater),
        ("1.0^git1", "1.0.1", Ordering::Less),
        ("a", "1", Ordering::Less),
        ("010", "10", Ordering::Equal),
        ("1.el9_3", "1.el9", Ordering::Greater),
    ] {
        assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
    }
}

#[test]
fn installed_packages_are_read_from_rpm_qa() {
    let installed = parse_installed(fixture!("rpm_qa.txt"));
    assert_eq!(installed.len(), 5);
    assert_eq!(installed[1], rpm("acme-tool", "1.0-1"));
    assert_eq!(installed[1].nevra(), "acme-tool-1.0-1.noarch");
    assert_eq!(rpm("x", "2:1.0-1").nevra(), "x-2:1.0-1.noarch");
}

#[test]
fn specs_are_read_as_dnf_reads_them() {
    let installed = vec![rpm("acme-tool", "1.1-1"), rpm("acme-lib", "2:2.0-1")];
    for spec in [
        "acme-tool",
        "acme-tool.noarch",
        "acme-tool-1.1",
        "acme-tool-1.1-1",
        "acme-tool-1.1-1.noarch",
        "acme-t*",
        "acme-lib-2:2.0-1",
        "acme-lib >= 2.0",
        "acme-lib > 1:3",
    ] {
        assert!(is_installed(spec, &installed), "{spec}");
    }
    for spec in [
        "acme-tool-1.0",
        "acme-tool.x86_64",
        "acme-nosuch",
        "acme-lib < 2:1.0",
        "acme-tool-1.1-2",
    ] {
        assert!(!is_installed(spec, &installed), "{spec}");
    }
    assert!(newer_installed("acme-tool-1.0", &installed));
    assert!(newer_installed("acme-tool-1.0-1.noarch", &installed));
    assert!(!newer_installed("acme-tool-1.1", &installed));
    assert!(!newer_installed("acme-tool-1.2", &installed));
    assert!(!newer_installed("acme-tool", &installed));
    assert!(!newer_installed("acme-lib >= 1.0", &installed));
    // Epoch 2 beats any version without one.
    assert!(newer_installed("acme-lib-9.0", &installed));
    assert!(is_glob("acme-*") && is_glob("acme-?") && !is_glob("acme"));
}

#[test]
fn transaction_tables_become_ansible_results() {
    let installed = parse_installed(fixture!("rpm_qa.txt"));
    let tx = parse_transaction(fixture!("install_deps.txt"), &installed);
    assert_eq!(
        tx.results(false),
        [
            "Installed: acme-app-1.0-1.noarch",
            "Installed: acme-extra-1.0-1.noarch"
        ]
    );
    // Upgrades also remove the installed version.
    let tx = parse_transaction(fixture!("upgrade_all.txt"), &installed);
    assert_eq!(
        tx.results(false),
        [
            "Installed: acme-lib-2.0-1.noarch",
            "Installed: acme-tool-1.1-1.noarch",
            "Removed: acme-lib-1.0-1.noarch",
            "Removed: acme-tool-1.0-1.noarch"
        ]
    );
    assert_eq!(
        tx.results(true)[0],
        "Downloaded: acme-lib-2.0-1.noarch",
        "download_only"
    );
    let tx = parse_transaction(fixture!("remove_no_match.txt"), &installed);
    assert_eq!(
        tx.results(false),
        [
            "Removed: acme-app-1.0-1.noarch",
            "Removed: acme-extra-1.0-1.noarch"
        ]
    );
    assert_eq!(
        unmatched(fixture!("remove_no_match.txt"))[0].spec,
        "acme-nosuch"
    );
    let tx = parse_transaction(fixture!("install_wrapped.txt"), &installed);
    assert_eq!(
        tx.results(false),
        ["Installed: acme-a-really-long-package-name-for-wrapping-tests-2:3.14.159-2.el9_3.noarch"]
    );
    // A name too long for its column continues on the next line.
    let wrapped = "Installing:\n acme-a-package-name-longer-than-the-whole-column-of-names-is\n\
                   \x20                       noarch   1.0-1   acme   5.9 k\n \
                   acme-b   noarch   1.0-1   acme   5.9 k\n";
    assert_eq!(
        parse_transaction(wrapped, &[]).results(false),
        [
            "Installed: acme-a-package-name-longer-than-the-whole-column-of-names-is-1.0-1.noarch",
            "Installed: acme-b-1.0-1.noarch"
        ]
    );
    // Obsoletes remove what they replace.
    let obsoleting = "Installing:\n acme-new   noarch   2.0-1   acme   5.9 k\n     \
                      replacing  acme-old.noarch 1.0-1\n";
    assert_eq!(
        parse_transaction(obsoleting, &[]).results(false),
        [
            "Installed: acme-new-2.0-1.noarch",
            "Removed: acme-old-1.0-1.noarch"
        ]
    );
    for nothing in ["install_already.txt", "install_no_match.txt"] {
        let out = match nothing {
            "install_already.txt" => fixture!("install_already.txt"),
            _ => fixture!("install_no_match.txt"),
        };
        assert!(parse_transaction(out, &installed).is_empty(), "{nothing}");
    }
}

#[test]
fn failures_are_read_from_dnf_output() {
    let out = fixture!("install_no_match.txt");
    let missing = unmatched(out);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].spec, "acme-nosuch");
    assert_eq!(missing[0].failure(), "No package acme-nosuch available.");
    let excluded = unmatched(
        "All matches were filtered out by exclude filtering for argument: acme-tool\n\
         Error: Unable to find a match: acme-tool\n",
    );
    assert_eq!(
        excluded[0].failure(),
        "acme-tool All matches were filtered out by exclude filtering for argument: acme-tool"
    );
    assert_eq!(dnf_error(out), "Unable to find a match: acme-nosuch");
    let depsolve = fixture!("depsolve.txt");
    assert!(is_depsolve_error(depsolve));
    assert_eq!(
        depsolve_message(depsolve),
        "\n Problem: conflicting requests\n  - nothing provides acme-missing needed by \
         acme-needy-1.0-1.noarch"
    );
    assert_eq!(
        transaction_output(fixture!("scriptlet_failed.stdout.txt")),
        [
            "acme-broken refuses to install",
            "error: %prein(acme-broken-1.0-1.noarch) scriptlet failed, exit status 1"
        ]
    );
    assert!(transaction_output(fixture!("install_deps.txt")).is_empty());
    assert!(!is_depsolve_error(out));
    assert_eq!(
        gpg_failure(fixture!("gpg_unsigned.txt")),
        Some((
            "acme-tool-1.1-1.noarch".to_string(),
            "Package acme-tool-1.1-1.noarch.rpm is not signed".to_string()
        ))
    );
    assert_eq!(gpg_failure(out), None);
    assert!(no_enabled_repos(
        "Error: There are no enabled repositories in \"/etc/yum.repos.d\", \"/etc/yum/repos.d\", \"/etc/distro.repos.d\"."
    ));
}

#[test]
fn listings_become_ansible_package_dicts() {
    let list = parse_repoquery(fixture!("repoquery.txt"));
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[0],
        json!({"name": "acme-tool", "arch": "noarch", "epoch": "0", "release": "1",
               "version": "1.0", "repo": "@System", "envra": "0:acme-tool-1.0-1.noarch",
               "nevra": "0:acme-tool-1.0-1.noarch", "yumstate": "installed"})
    );
    assert_eq!(list[2]["yumstate"], "available");
    assert_eq!(parse_repolist(fixture!("repolist.txt")), ["acme"]);
}

#[test]
fn arguments_resolve_as_yumdnf() {
    assert_eq!(
        listify(vec!["a,b".into(), "c".into()]),
        ["c", "a", "b"],
        "comma elements move to the end"
    );
    assert!(listify(vec![String::new()]).is_empty());
    let t = args(json!({"name": "acme-tool, acme-lib-1.0"}))
        .resolve()
        .unwrap();
    assert_eq!(
        (t.names, t.state.as_str()),
        (vec!["acme-tool".into(), "acme-lib-1.0".into()], "present")
    );
    let t = args(json!({"autoremove": true})).resolve().unwrap();
    assert_eq!(t.state, "absent");
    let r = args(json!({"name": "a", "autoremove": true, "state": "present"}))
        .resolve()
        .unwrap_err();
    assert_eq!(
        r.msg,
        "Autoremove should be used alone or with state=absent"
    );
    let r = args(json!({"name": "a b"})).resolve().unwrap_err();
    assert!(
        r.msg
            .starts_with("It appears that a space separated string")
    );
    assert!(args(json!({"name": "a >= 1.0"})).resolve().is_ok());
}

#[test]
fn options_follow_ansibles_dnf_configuration() {
    assert_eq!(
        args(json!({"name": "x"})).options(),
        "--setopt=localpkg_gpgcheck=True --setopt=install_weak_deps=True \
         --setopt=clean_requirements_on_remove=False"
    );
    assert_eq!(
        args(json!({
            "name": "x", "enablerepo": "a,b", "disablerepo": ["*"], "exclude": ["k*"],
            "disable_gpg_check": true, "install_weak_deps": false, "autoremove": true,
            "security": true, "bugfix": true, "download_only": true, "download_dir": "/tmp/d",
            "releasever": "9", "skip_broken": true, "nobest": true, "cacheonly": true,
            "allowerasing": true, "installroot": "/mnt", "conf_file": "/etc/x.conf",
            "disable_excludes": "all", "sslverify": false
        }))
        .options(),
        "--config=/etc/x.conf --installroot=/mnt --releasever=9 --disablerepo='*' \
         --enablerepo=a --enablerepo=b --exclude='k*' --disableexcludes=all --nogpgcheck \
         --setopt=sslverify=False --setopt=strict=False --nobest --cacheonly --downloadonly \
         --destdir=/tmp/d --allowerasing --setopt=install_weak_deps=False \
         --setopt=clean_requirements_on_remove=True --security --bugfix"
    );
    assert_eq!(
        args(json!({"list": "updates", "enablerepo": "x"})).repo_options(),
        "--enablerepo=x"
    );
}
