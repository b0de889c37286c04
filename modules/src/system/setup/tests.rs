use serde_json::{Value, json};

use super::hardware::{date_time, local_facts, mounts, pkg_mgr, service_mgr, virtualization};
use super::{filter_facts, parse};

/// The script's output on a Debian 12 container (environment replaced by a small
/// synthetic one), and ansible 2.19's `setup` facts recorded on the same machine.
const RAW: &str = include_str!("fixtures/debian12-container.raw");
const ANSIBLE: &str = include_str!("fixtures/debian12-container.ansible.json");

#[test]
fn parsed_facts_match_ansibles_on_the_same_machine() {
    let facts = parse(RAW);
    let expected: serde_json::Map<String, Value> = serde_json::from_str(ANSIBLE).unwrap();
    let mut wrong = Vec::new();
    for (key, want) in &expected {
        let got = facts.get(key).unwrap_or(&Value::Null);
        if got != want {
            wrong.push(format!("{key}: got {got}, ansible {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn volatile_facts_are_parsed_from_the_recording() {
    let facts = parse(RAW);
    assert_eq!(facts["ansible_memfree_mb"], json!(8537));
    assert_eq!(
        facts["ansible_memory_mb"]["nocache"]["free"],
        json!(8537 + 70 + 14006)
    );
    assert!(facts["ansible_uptime_seconds"].as_i64().unwrap() > 0);
    assert_eq!(facts["ansible_env"]["HOME"], "/root");
    assert_eq!(facts["ansible_env"]["MULTI"], "a\nb");
    assert_eq!(facts["ansible_date_time"]["tz"], "UTC");
    // Keys come out sorted, as Ansible's JSON output is.
    let keys: Vec<&String> = facts.keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn date_time_matches_python_strftime() {
    // python3: time.localtime(1795358835) with TZ=Europe/Berlin; time.tzname.
    let dt = date_time("1795358835 296399123 +0100 CET\n+0100 CET\n+0200 CEST\n").unwrap();
    assert_eq!(
        dt,
        json!({
            "date": "2026-11-22", "day": "22", "epoch": "1795358835", "epoch_int": "1795358835",
            "hour": "15", "iso8601": "2026-11-22T14:47:15Z",
            "iso8601_basic": "20261122T154715296399", "iso8601_basic_short": "20261122T154715",
            "iso8601_micro": "2026-11-22T14:47:15.296399Z", "minute": "47", "month": "11",
            "second": "15", "time": "15:47:15", "tz": "CET", "tz_dst": "CEST",
            "tz_offset": "+0100", "weekday": "Sunday", "weekday_number": "0",
            "weeknumber": "46", "year": "2026"
        })
    );
    let dt = date_time("1719792000 0 +0200 CEST\n").unwrap();
    assert_eq!(
        (dt["weekday"].as_str(), dt["weeknumber"].as_str()),
        (Some("Monday"), Some("27"))
    );
    let dt = date_time("1704067200 0 +0100 CET\n").unwrap();
    assert_eq!(dt["weeknumber"], "01");
    assert_eq!(date_time(""), None);
}

#[test]
fn managers_and_virtualization_are_chosen_as_ansible_does() {
    assert_eq!(pkg_mgr(&["apt-get"], "Debian"), "apt");
    assert_eq!(pkg_mgr(&["dnf", "yum"], "RedHat"), "dnf");
    assert_eq!(pkg_mgr(&["apk"], "Alpine"), "apk");
    assert_eq!(pkg_mgr(&[], "Debian"), "unknown");
    assert_eq!(service_mgr(&["systemd", "systemd-booted"]), "systemd");
    assert_eq!(service_mgr(&["init", "systemd-booted"]), "systemd");
    assert_eq!(service_mgr(&["bash", "initd"]), "sysvinit");
    assert_eq!(service_mgr(&["runit-init"]), "runit");
    assert_eq!(service_mgr(&[""]), "service");
    let (t, role, guest) = virtualization(&["dockerenv", "product=", "vendor="]);
    assert_eq!((t.as_str(), role.as_str()), ("docker", "guest"));
    assert_eq!(guest, ["docker", "container"]);
    let (t, role, _) = virtualization(&["product=KVM", "vendor=QEMU"]);
    assert_eq!((t.as_str(), role.as_str()), ("kvm", "guest"));
    assert_eq!(virtualization(&[]).0, "NA");
}

#[test]
fn other_distributions_parse_from_their_release_files() {
    let raw = "\n@@uname\nLinux\n5.14\n#1\nx86_64\nweb1.example.com\n\
               \n@@os_release\nNAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n\
               \n@@release_files\n/etc/redhat-release=Rocky Linux release 9.3 (Blue Onyx)\n\
               \n@@fqdn\n10.0.0.5 web1.example.com web1\n\
               \n@@pkg\ndnf\nyum\n";
    let f = parse(raw);
    assert_eq!(f["ansible_distribution"], "Rocky");
    assert_eq!(f["ansible_os_family"], "RedHat");
    assert_eq!(f["ansible_distribution_version"], "9.3");
    assert_eq!(f["ansible_distribution_major_version"], "9");
    assert_eq!(f["ansible_distribution_release"], "Blue Onyx");
    assert_eq!(f["ansible_hostname"], "web1");
    assert_eq!(f["ansible_fqdn"], "web1.example.com");
    assert_eq!(f["ansible_domain"], "example.com");
    assert_eq!(f["ansible_pkg_mgr"], "dnf");
    assert_eq!(f["ansible_default_ipv4"], json!({}));
}

#[test]
fn filter_keeps_matching_facts() {
    let facts = parse(RAW);
    let kept = filter_facts(facts.clone(), &["ansible_distribution*".to_string()]);
    assert!(kept.keys().all(|k| k.starts_with("ansible_distribution")));
    assert!(kept.len() >= 4);
    let kept = filter_facts(facts, &["os_family".to_string()]);
    assert_eq!(kept.keys().collect::<Vec<_>>(), ["ansible_os_family"]);
}

#[test]
fn local_facts_read_json_and_ini() {
    let section = "%%fact%%app|/f/app.fact\n{\"version\": \"1.2\"}\n\
                   %%fact%%ini|/f/ini.fact\n[general]\nName = web\nport: 80\n\
                   %%fact%%bad|/f/bad.fact\nnot facts at all\n";
    assert_eq!(
        local_facts(section),
        json!({
            "app": {"version": "1.2"},
            "ini": {"general": {"name": "web", "port": "80"}},
            "bad": "error loading facts as JSON or ini - please check content: /f/bad.fact"
        })
    );
    assert_eq!(local_facts(""), json!({}));
}

#[test]
fn mounts_match_ansibles_statvfs_arithmetic() {
    // statvfs of / from the recording; ansible 2.19 reported these numbers for it
    // (inode_available uses f_favail there; `stat -f` gives f_ffree, equal for ext4).
    let line =
        "/dev/vda|/|ext4|rw,relatime|0|0|4096 4096 66053021 56458516 15373180 16777216 16323187|\n";
    assert_eq!(
        mounts(line),
        json!([{
            "block_available": 15373180, "block_size": 4096, "block_total": 66053021,
            "block_used": 50679841, "device": "/dev/vda", "dump": 0, "fstype": "ext4",
            "inode_available": 16323187, "inode_total": 16777216, "inode_used": 454029,
            "mount": "/", "options": "rw,relatime", "passno": 0,
            "size_available": 62968545280u64, "size_total": 270553174016u64, "uuid": "N/A"
        }])
    );
}
