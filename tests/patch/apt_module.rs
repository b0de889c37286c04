//! `apt` and `package_facts` on a fleet host, and `patch` in a playbook over ringmaster's
//! own SSH transport.

use std::time::Instant;

use serde_json::json;

use super::harness::*;

#[test]
fn apt_states_are_idempotent_and_package_facts_lists_packages() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-tools", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    // update_cache alone: changed when the lists changed (Ansible compares the lists'
    // mtime, in seconds), then fresh within cache_valid_time: unchanged.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    repo.publish(Suite::Security, "acme-extra", "1.0-1", None);
    repo.index();
    let r = apt(&fleet, 0, json!({"update_cache": true}), false);
    assert_eq!(
        (r["changed"].clone(), r["cache_updated"].clone()),
        (json!(true), json!(true)),
        "{r}"
    );
    let r = apt(
        &fleet,
        0,
        json!({"update_cache": true, "cache_valid_time": 3600}),
        false,
    );
    assert_eq!(r["changed"], false, "{r}");

    let present = json!({"name": ["acme-agent", "acme-tools=1.0-1"], "state": "present"});
    let r = apt(&fleet, 0, present.clone(), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "",
        "check mode installed something"
    );
    let r = apt(&fleet, 0, present.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.0-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, present, false);
    assert_eq!(r["changed"], false, "{r}");

    repo.publish(Suite::Main, "acme-agent", "1.1-1", None);
    repo.index();
    let latest = json!({"name": "acme-agent,acme-tools", "state": "latest", "update_cache": true});
    let r = apt(&fleet, 0, latest.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, latest, false);
    assert_eq!(r["changed"], false, "{r}");

    let facts = run_module(&fleet, 0, &modules::PackageFactsModule, json!({}), false).to_json();
    let packages = &facts["ansible_facts"]["packages"];
    assert_eq!(
        packages["acme-agent"],
        json!([{"name": "acme-agent", "version": "1.1-1", "arch": "all", "category": "admin", "source": "apt"}])
    );
    assert!(packages["openssh-server"].is_array(), "{packages}");

    let absent = json!({"name": "acme-tools", "state": "absent", "purge": true});
    let r = apt(&fleet, 0, absent.clone(), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, absent.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.1-1\n");
    let r = apt(&fleet, 0, absent, false);
    assert_eq!(r["changed"], false, "{r}");

    // deb: a package file on the host (the repository is mounted there), once.
    let deb = json!({"deb": "/srv/repo/main/acme-tools_1.0-1_all.deb"});
    let r = apt(&fleet, 0, deb.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, deb, false);
    assert_eq!(r["changed"], false, "{r}");

    // upgrade: dist, then nothing left to upgrade.
    repo.publish(Suite::Main, "acme-tools", "1.1-1", None);
    repo.index();
    sh(&fleet, 0, "apt-get -q update >/dev/null 2>&1");
    let r = apt(&fleet, 0, json!({"upgrade": "dist"}), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, json!({"upgrade": "dist"}), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.1-1\n"
    );
    let r = apt(&fleet, 0, json!({"upgrade": "dist"}), false);
    assert_eq!(r["changed"], false, "{r}");

    // Patterns stand for every matching package apt knows.
    let r = apt(
        &fleet,
        0,
        json!({"name": "acme-a*", "state": "latest"}),
        false,
    );
    assert_eq!(r["changed"], false, "{r}");
    let r = apt(&fleet, 0, json!({"name": "acme-zz*"}), false);
    assert_eq!(
        r["msg"], "No package(s) matching 'acme-zz*' available",
        "{r}"
    );

    // A package apt does not know: Ansible's message.
    let r = apt(&fleet, 0, json!({"name": "acme-nosuch"}), false);
    assert_eq!(
        r["msg"], "No package matching 'acme-nosuch' is available",
        "{r}"
    );

    // Options ringmaster does not implement fail naming the option.
    let err = match try_module(
        &fleet,
        0,
        &modules::AptModule,
        json!({"name": "acme-agent", "policy_rc_d": 101}),
        false,
    ) {
        Ok(o) => panic!("expected an argument error, got {:?}", o.to_json()),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("policy_rc_d"), "{err}");
    eprintln!("apt_states: {:?}", t.elapsed());
}

#[test]
fn patch_playbook_over_ssh_reports_every_host() {
    let t = Instant::now();
    let (fleet, repo) = start(2);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-kernel", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-kernel >/dev/null",
    );
    sh(&fleet, 1, "apt-get install -y -q acme-agent >/dev/null");
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    repo.index();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        r#"- hosts: fleet
  gather_facts: false
  tasks:
    - name: refresh
      apt:
        update_cache: true
    - name: preview
      ringmaster.builtin.patch:
        state: security
      check_mode: true
      register: preview
    - name: apply
      patch:
        state: security
      register: applied
    - name: again
      ringmaster.builtin.patch:
        state: security
      register: again
    - package_facts:
    - debug:
        msg: "pending={{ preview.pending | map(attribute='name') | join(',') }} changed={{ applied.packages | map(attribute='name') | join(',') }} to={{ applied.packages | map(attribute='to') | join(',') }} reboot={{ applied.reboot_required }} again={{ again.changed }} facts={{ ansible_facts.packages['acme-agent'][0].version }}"
"#,
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = crate::util::ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    for expected in [
        "\"msg\": \"pending=acme-agent,acme-kernel changed=acme-agent,acme-kernel to=1.1-1,1.1-1 reboot=True again=False facts=1.1-1\"",
        "\"msg\": \"pending=acme-agent changed=acme-agent to=1.1-1 reboot=False again=False facts=1.1-1\"",
        "changed: [h001]",
        "changed: [h002]",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected} in:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
    );
    assert_eq!(acme_versions(&fleet, 1), "acme-agent 1.1-1\n");
    eprintln!("patch_playbook_over_ssh: {:?}", t.elapsed());
}
