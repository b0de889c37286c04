//! Pure parts of the package modules, from recorded outputs (tests/fixtures/apt/: the
//! `*-fleet-*` files were recorded on the test fleet; the others follow the tools'
//! documented formats).

use indexmap::IndexMap;
use serde_json::json;

use super::apt_plan::*;
use super::facts::{apt_facts, rpm_facts};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/apt/", $name))
    };
}

fn versions(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn simulation_lines_give_name_from_to_and_origin() {
    let actions = parse_simulation(fixture!("sim-fleet-dist-upgrade.txt"));
    assert_eq!(actions.len(), 2, "Conf lines are not actions");
    assert_eq!(
        actions[0],
        SimAction {
            name: "acme-agent".into(),
            from: Some("1.0-1".into()),
            to: Some("1.1-1".into()),
            origins: vec!["Debian-Security:bookworm-security".into()],
            arch: Some("all".into()),
        }
    );
    assert!(actions[0].is_security());
    assert!(!actions[1].is_security(), "{:?}", actions[1]);
    assert_eq!(
        actions[1].to_json(),
        json!({"name": "acme-tools", "from": "1.0-1", "to": "1.1-1"})
    );
}

#[test]
fn simulation_handles_removals_new_packages_and_several_origins() {
    let actions = parse_simulation(fixture!("sim-debian-mixed.txt"));
    let names: Vec<&str> = actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "linux-image-6.1.0-10-amd64",
            "libssl3",
            "openssl",
            "tzdata",
            "linux-image-6.1.0-17-amd64",
            "libc6"
        ]
    );
    let removal = &actions[0];
    assert_eq!(
        (removal.from.as_deref(), removal.to.as_deref()),
        (Some("6.1.38-4"), None)
    );
    assert!(!removal.is_upgrade());
    assert_eq!(
        actions[2].origins,
        ["Debian:12.4/stable", "Debian-Security:12/stable-security"]
    );
    let security: Vec<&str> = actions
        .iter()
        .filter(|a| a.is_security())
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(security, ["libssl3", "openssl", "libc6"]);
    let new = &actions[4];
    assert_eq!(
        (new.from.as_deref(), new.to.as_deref()),
        (None, Some("6.1.69-1"))
    );
    assert_eq!(
        actions[5].arch.as_deref(),
        Some("amd64"),
        "trailing [] ignored"
    );
}

#[test]
fn dpkg_listing_keeps_installed_packages_only() {
    let installed = parse_dpkg_list(fixture!("dpkg-query-states.txt"));
    let names: Vec<String> = installed
        .iter()
        .map(|p| format!("{}:{}={}", p.name, p.arch, p.version))
        .collect();
    assert_eq!(
        names,
        [
            "acme-agent:all=1.0-1",
            "half:all=1.0",
            "libfoo:amd64=1.2",
            "libfoo:i386=1.2"
        ],
        "config-files and not-installed are not installed"
    );
    let map = version_map(&installed);
    assert!(map.contains_key("libfoo") && map.contains_key("libfoo:i386"));
    assert_eq!(
        parse_dpkg_list(fixture!("dpkg-query-fleet.txt"))[7].version,
        "1:2.38.1-5+deb12u3"
    );
}

#[test]
fn changes_are_what_dpkg_shows_changed() {
    let before = versions(&[("a", "1.0"), ("b", "2.0"), ("gone", "1")]);
    let after = versions(&[("a", "1.1"), ("b", "2.0"), ("new", "3")]);
    assert_eq!(
        changes(&before, &after),
        vec![
            json!({"name": "a", "from": "1.0", "to": "1.1"}),
            json!({"name": "gone", "from": "1", "to": null}),
            json!({"name": "new", "from": null, "to": "3"}),
        ]
    );
}

#[test]
fn names_match_globs_and_pins_split() {
    assert!(name_matches("acme-*", "acme-agent"));
    assert!(name_matches("lib?oo", "libfoo:i386"));
    assert!(!name_matches("acme", "acme-agent"));
    assert_eq!(split_pin("acme-agent=1.1-1"), ("acme-agent", Some("1.1-1")));
    assert_eq!(split_pin("bash"), ("bash", None));
}

#[test]
fn install_command_quotes_and_waits_for_the_lock() {
    let cmd = install_specs_command(
        &["acme-agent=1.1-1".into(), "x$(id)".into()],
        30,
        true,
        false,
    );
    assert_eq!(
        cmd,
        "DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get -y -q -o Dpkg::Options::=--force-confdef \
         -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=30 -s install --only-upgrade \
         acme-agent=1.1-1 'x$(id)'"
    );
    assert!(is_lock_error(
        "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 12 (apt-get)"
    ));
    assert_eq!(
        apt_errors("W: x\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n"),
        "E: Sub-process /usr/bin/dpkg returned an error code (1)"
    );
}

#[test]
fn package_facts_group_by_name() {
    let facts = apt_facts(fixture!("dpkg-query-states.txt"));
    assert_eq!(
        facts["acme-agent"],
        json!([{"name": "acme-agent", "version": "1.0-1", "arch": "all", "category": "admin", "source": "apt"}])
    );
    assert_eq!(facts["libfoo"].as_array().map(Vec::len), Some(2));
    assert!(!facts.contains_key("old-tool"));
    let rpm = rpm_facts("bash\t5.1.8\t6.el9\t0\tx86_64\nopenssl\t3.0.7\t24.el9\t1\tx86_64\n");
    assert_eq!(
        rpm["openssl"],
        json!([{"name": "openssl", "version": "3.0.7", "release": "24.el9", "epoch": 1, "arch": "x86_64", "source": "rpm"}])
    );
    assert_eq!(rpm["bash"][0]["epoch"], json!(null));
}

#[test]
fn security_versions_come_from_security_package_files() {
    let fleet = security_sources(fixture!("policy-fleet-global.txt"));
    assert_eq!(fleet, ["file:/srv/repo/security ./ Packages"]);
    assert_eq!(
        security_sources(fixture!("policy-debian-global.txt")),
        ["http://deb.debian.org/debian-security bookworm-security/main amd64 Packages"]
    );
    let tables = version_tables(fixture!("policy-fleet-packages.txt"));
    let agent = &tables["acme-agent"];
    assert_eq!(
        agent
            .iter()
            .map(|v| (v.version.as_str(), v.installed))
            .collect::<Vec<_>>(),
        [("1.2-1", false), ("1.1-1", false), ("1.0-1", true)]
    );
    assert_eq!(agent[2].sources.len(), 2);
    assert_eq!(
        newest_security_version(agent, &fleet).as_deref(),
        Some("1.1-1"),
        "the candidate 1.2-1 is not a security update; 1.1-1 is"
    );
    assert_eq!(
        newest_security_version(&tables["openssh-server"], &fleet),
        None
    );
}

#[test]
fn apt_diff_is_the_plan_between_the_markers() {
    let out = "Reading package lists...\nBuilding dependency tree...\nReading state information...\n\
               The following NEW packages will be installed:\n  acme-agent\n\
               0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\n\
               Inst acme-agent (1.1-1 Acme:bookworm [all])\n";
    assert_eq!(
        super::apt_args::prepared_diff(out),
        "The following NEW packages will be installed:\n  acme-agent\n\
         0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded."
    );
}

#[test]
fn patch_targets_follow_state_names_exclude_and_pins() {
    use super::patch::Patch;
    let upgrades = parse_simulation(fixture!("sim-debian-mixed.txt"));
    let installed = versions(&[
        ("libssl3", "3.0.11-1~deb12u1"),
        ("openssl", "3.0.11-1~deb12u1"),
    ]);
    let none = IndexMap::new();
    let base = Patch {
        security_only: false,
        names: Vec::new(),
        exclude: Vec::new(),
        pinned: Vec::new(),
        update_cache: false,
        autoremove: false,
        download_only: false,
        lock_timeout: 60,
    };
    // latest: every upgrade (not the new kernel nor the removal).
    assert_eq!(
        base.targets(&upgrades, &installed, &none),
        [
            "libssl3=3.0.11-1~deb12u2",
            "openssl=3.0.11-1~deb12u2",
            "tzdata=2023c-5+deb12u1",
            "libc6=2.35-0ubuntu3.5"
        ]
    );
    let security = Patch {
        security_only: true,
        exclude: vec!["libc*".into()],
        ..base.clone()
    };
    assert_eq!(
        security.targets(&upgrades, &installed, &none),
        ["libssl3=3.0.11-1~deb12u2", "openssl=3.0.11-1~deb12u2"]
    );
    let fallback: IndexMap<String, String> =
        [("tzdata".to_string(), "2023c-5+deb12u0".to_string())].into();
    assert!(
        security
            .targets(&upgrades, &installed, &fallback)
            .contains(&"tzdata=2023c-5+deb12u0".to_string())
    );
    let named = Patch {
        names: vec!["openssl".into()],
        ..base.clone()
    };
    assert_eq!(
        named.targets(&upgrades, &installed, &none),
        ["openssl=3.0.11-1~deb12u2"]
    );
    // Pins move installed packages only, and only when the version differs.
    let pinned = Patch {
        pinned: vec![
            ("libssl3".into(), "3.0.11-1~deb12u2".into()),
            ("openssl".into(), "3.0.11-1~deb12u1".into()),
            ("absent".into(), "1".into()),
        ],
        ..base
    };
    assert_eq!(
        pinned.targets(&[], &installed, &none),
        ["libssl3=3.0.11-1~deb12u2"]
    );
}

/// A controller that knows the host's `pkg_mgr` fact, as after `gather_facts`.
struct FactsController(&'static str);

impl crate::runtime::Controller for FactsController {
    fn find_file(&self, _: &str, name: &str) -> Result<std::path::PathBuf, String> {
        Err(name.into())
    }
    fn render_template(&self, _: &std::path::Path) -> Result<String, String> {
        Err("no templates".into())
    }
    fn fact(&self, name: &str) -> Option<serde_json::Value> {
        (name == "pkg_mgr").then(|| json!(self.0))
    }
}

#[test]
fn package_takes_the_manager_from_gathered_facts_without_asking_the_host() {
    use crate::files::tests::support::ShellRemote;
    use crate::runtime::{Module, TaskCx};
    let remote = ShellRemote::default();
    let cx = TaskCx {
        remote: &remote,
        controller: &FactsController("pacman"),
        check_mode: true,
        diff: false,
        host: "h1",
    };
    let args = json!({"name": "acme"});
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt
        .block_on(super::PackageModule.run(&cx, args.as_object().unwrap()))
        .unwrap();
    let msg = out.msg.unwrap_or_default();
    assert!(out.failed && msg.contains("'pacman'"), "{msg}");
    assert!(remote.commands().is_empty(), "{:?}", remote.commands());
}
