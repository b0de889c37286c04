//! YAML inventories, inventory directories, scripts, host lists and vars directories.
//! Expectations recorded with ansible-core 2.19 (`ansible-inventory --list`,
//! `ansible --list-hosts all`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;

use super::tests_pattern::{fixture, testdata};
use super::*;

fn vars_json(vars: &IndexMap<String, Node>) -> serde_json::Value {
    serde_json::Value::Object(vars.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

fn write_script(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn yaml_inventory() {
    let inv = fixture("hosts.yml");
    assert_eq!(
        inv.select("all").unwrap(),
        [
            "direct1", "direct2", "web1", "web2", "web3", "web9", "db1", "o1", "b1"
        ]
    );
    assert_eq!(
        inv.groups["all"].children,
        ["ungrouped", "web", "db", "empty", "other", "bad_key_group"]
    );
    assert_eq!(inv.groups["ungrouped"].hosts, ["direct1", "direct2"]);
    assert_eq!(inv.groups["web"].hosts, ["web1", "web2", "web3", "web9"]);
    assert_eq!(inv.groups["web"].children, ["nginx"]);
    assert_eq!(inv.groups["other"].children, ["web"]);
    assert_eq!(inv.groups["db"].hosts, ["db1"]);
    assert!(!inv.groups.contains_key("notagroup"));
    assert_eq!(vars_json(&inv.hosts["direct1"].vars), json!({"a": 1}));
    assert_eq!(vars_json(&inv.hosts["web2"].vars), json!({"http_port": 80}));
    assert_eq!(
        vars_json(&inv.hosts["web9"].vars),
        json!({"ansible_port": 2222})
    );
    assert_eq!(vars_json(&inv.hosts["o1"].vars), json!({"x": [1, 2]}));
    assert_eq!(vars_json(&inv.groups["all"].vars), json!({"top": true}));
    assert_eq!(vars_json(&inv.groups["web"].vars), json!({"role": "web"}));
    let port = &inv.hosts["web1"].vars["http_port"];
    assert_eq!((port.span.line, port.span.col), (12, 22));
    assert_eq!(
        inv.warnings,
        [
            "Skipping key (foo) in group (bad_key_group) as it is not a mapping, it is a <class 'str'>",
            "Skipping 'notagroup' as this is not a valid group definition",
        ]
    );
    assert_eq!(inv.group_names("web1"), ["nginx", "other", "web"]);
    assert_eq!(inv.group_names("direct1"), ["ungrouped"]);
}

#[test]
fn yaml_inventory_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yml"), "g:\n  hosts: [h1]\n").unwrap();
    let e = load(&["a.yml".into()], dir.path()).unwrap_err();
    assert_eq!(
        e.message,
        "Invalid \"hosts\" entry for \"g\" group, requires a dictionary, found \"<class 'list'>\" instead."
    );
    assert_eq!(e.span.as_ref().map(|s| s.line), Some(2));
    std::fs::write(dir.path().join("b.yml"), "g:\n  hosts:\n    web[01:5]:\n").unwrap();
    let e = load(&["b.yml".into()], dir.path()).unwrap_err();
    assert_eq!(
        e.message,
        "host range must specify equal-length begin and end formats"
    );
    assert_eq!(e.span.as_ref().map(|s| (s.line, s.col)), Some((3, 5)));
    // A YAML syntax error in a .yml inventory is reported as such (not as INI).
    std::fs::write(dir.path().join("s.yml"), "g:\n  hosts: {h1\n").unwrap();
    let e = load(&["s.yml".into()], dir.path()).unwrap_err();
    assert!(
        e.span.as_ref().is_some_and(|s| s.path().ends_with("s.yml")),
        "{e:?}"
    );
    assert!(!e.message.contains("key=value"), "{}", e.message);
    std::fs::write(dir.path().join("c.yml"), "g:\n  hosts:\n    42:\n").unwrap();
    let e = load(&["c.yml".into()], dir.path()).unwrap_err();
    assert_eq!(
        e.message,
        "Host pattern 42 must be a string. Enclose integers/floats in quotation marks."
    );
}

#[test]
fn extensionless_files_try_yaml_then_ini() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts"), "[web]\nw1 a=1\n").unwrap();
    std::fs::write(dir.path().join("yhosts"), "web:\n  hosts:\n    w2:\n").unwrap();
    let inv = load(&["hosts".into(), "yhosts".into()], dir.path()).unwrap();
    assert_eq!(inv.groups["web"].hosts, ["w1", "w2"]);
}

#[test]
fn directory_source() {
    let inv = fixture("dirinv");
    // .bak, .md and .cfg files are ignored; .ini is not.
    assert_eq!(inv.select("all").unwrap(), ["h1", "h2", "h3", "inihost"]);
    assert_eq!(
        inv.groups["all"].children,
        ["ungrouped", "web", "db", "ini"]
    );
    assert_eq!(inv.groups["db"].hosts, ["h3", "h1"]);
    // group_vars/all/ is a directory: 10.yml then 20.yaml; .txt, hidden, ~ skipped.
    assert_eq!(
        vars_json(&inv.groups["all"].dir_vars),
        json!({"from_all_10": 10, "shared": "twenty"})
    );
    // group_vars/web/ (recursive) wins over group_vars/web.yml.
    assert_eq!(
        vars_json(&inv.groups["web"].dir_vars),
        json!({"webvar": "from_dir", "websub": "deep"})
    );
    // host_vars/h1 (no extension) is found before host_vars/h1.yml.
    assert_eq!(
        vars_json(&inv.hosts["h1"].dir_vars),
        json!({"h1var": "plain"})
    );
    assert_eq!(
        vars_json(&inv.hosts["h2"].dir_vars),
        json!({"h2var": "json"})
    );
    assert!(inv.hosts["h3"].dir_vars.is_empty());
    assert!(inv.hosts["h1"].vars.is_empty());
}

#[test]
fn vars_dir_next_to_a_playbook() {
    let vd = load_vars_dir(&testdata().join("dirinv")).unwrap();
    let groups: Vec<&str> = vd.groups.keys().map(String::as_str).collect();
    assert_eq!(groups, ["all", "web"]);
    assert_eq!(
        vars_json(&vd.groups["all"]),
        json!({"from_all_10": 10, "shared": "twenty"})
    );
    assert_eq!(vars_json(&vd.hosts["h1"]), json!({"h1var": "plain"}));
    assert_eq!(vars_json(&vd.hosts["h3"]), json!({}));
    assert!(
        load_vars_dir(Path::new("/nonexistent"))
            .unwrap()
            .groups
            .is_empty()
    );
}

#[test]
fn host_lists_and_missing_paths() {
    let cwd = testdata();
    let inv = load(&["web1,web2:2222,[::1]:22,".into()], &cwd).unwrap();
    assert_eq!(inv.select("all").unwrap(), ["web1", "web2", "::1"]);
    assert_eq!(inv.groups["ungrouped"].hosts, ["web1", "web2", "::1"]);
    assert_eq!(inv.hosts["web2"].vars["ansible_port"].to_json(), 2222);
    let inv = load(&["localhost,".into()], &cwd).unwrap();
    let host = inv.get_host("localhost").unwrap();
    assert!(!host.implicit);
    assert_eq!(inv.select("all").unwrap(), ["localhost"]);
    // `ansible-inventory -i nope.ini --list`:
    let inv = load(&["nope.ini".into()], &cwd).unwrap();
    assert_eq!(
        inv.warnings,
        [
            format!(
                "Unable to parse {} as an inventory source",
                cwd.join("nope.ini").display()
            ),
            "No inventory was parsed, only implicit localhost is available".to_string(),
        ]
    );
    assert!(inv.select("all").unwrap().is_empty());
    assert_eq!(inv.select("localhost").unwrap(), ["localhost"]);
}

#[test]
fn executable_inventory_with_meta() {
    let dir = tempfile::tempdir().unwrap();
    write_script(
        dir.path(),
        "inv.sh",
        r#"#!/bin/sh
if [ "$1" = "--list" ]; then
cat <<'J'
{"web": {"hosts": ["w1", "w2"], "vars": {"http_port": 80}, "children": ["edge"]},
 "edge": ["e1"],
 "odd": {"k": "v"},
 "_meta": {"hostvars": {"w1": {"ansible_host": "10.0.0.1", "n": 1.5}}}}
J
fi
"#,
    );
    let inv = load(&["inv.sh".into()], dir.path()).unwrap();
    assert_eq!(inv.groups["all"].children, ["ungrouped", "web", "odd"]);
    assert_eq!(inv.groups["web"].children, ["edge"]);
    assert_eq!(inv.groups["edge"].hosts, ["e1"]);
    assert_eq!(inv.groups["odd"].hosts, ["odd"]);
    assert_eq!(vars_json(&inv.groups["odd"].vars), json!({"k": "v"}));
    assert_eq!(
        vars_json(&inv.hosts["w1"].vars),
        json!({"ansible_host": "10.0.0.1", "n": 1.5})
    );
    assert_eq!(
        inv.warnings,
        ["Found both group and host with same name: odd"]
    );
}

#[test]
fn executable_inventory_without_meta_asks_per_host() {
    let dir = tempfile::tempdir().unwrap();
    write_script(
        dir.path(),
        "nometa.sh",
        r#"#!/bin/sh
if [ "$1" = "--list" ]; then echo '{"g": {"hosts": ["a", "b"]}}'; fi
if [ "$1" = "--host" ]; then
  if [ "$2" = "a" ]; then echo '{"from_host": "a"}'; else echo ''; fi
fi
"#,
    );
    let inv = load(&["nometa.sh".into()], dir.path()).unwrap();
    assert_eq!(vars_json(&inv.hosts["a"].vars), json!({"from_host": "a"}));
    assert!(inv.hosts["b"].vars.is_empty());
}

#[test]
fn executable_inventory_failures_name_the_script() {
    let dir = tempfile::tempdir().unwrap();
    write_script(dir.path(), "fail.sh", "#!/bin/sh\necho oops >&2\nexit 3\n");
    let e = load(&["fail.sh".into()], dir.path()).unwrap_err();
    assert!(
        e.message.contains("fail.sh' returned non-zero exit code 3"),
        "{}",
        e.message
    );
    assert_eq!(
        e.help.as_deref(),
        Some("Standard error from inventory script:\noops\n")
    );

    write_script(dir.path(), "bad.sh", "#!/bin/sh\necho '{bad'\n");
    let e = load(&["bad.sh".into()], dir.path()).unwrap_err();
    assert!(
        e.message
            .contains("bad.sh' result could not be parsed as JSON"),
        "{}",
        e.message
    );
    assert_eq!(e.span.as_ref().map(|s| (s.line, s.col)), Some((1, 2)));

    // An executable INI file (common on some mounts) still reads as INI.
    write_script(dir.path(), "hosts.ini", "[web]\nw1\n");
    let inv = load(&["hosts.ini".into()], dir.path()).unwrap();
    assert_eq!(inv.groups["web"].hosts, ["w1"]);
}

/// Differential checking against ansible-inventory: with RINGMASTER_INV_DUMP=path,
/// writes the hosts' and groups' own variables as JSON to path.json.
#[test]
#[ignore]
fn dump_for_differential_check() {
    let Ok(paths) = std::env::var("RINGMASTER_INV_DUMP") else {
        return;
    };
    for path in paths.split(':') {
        dump_one(path);
    }
}

fn dump_one(path: &str) {
    let inv = match load(&[path.to_string()], Path::new("/")) {
        Ok(inv) => inv,
        Err(e) => {
            let out = json!({"error": e.message});
            std::fs::write(format!("{path}.json"), out.to_string()).unwrap();
            return;
        }
    };
    let hosts: serde_json::Map<String, serde_json::Value> = inv
        .hosts
        .values()
        .map(|h| (h.name.clone(), vars_json(&h.vars)))
        .collect();
    let groups: serde_json::Map<String, serde_json::Value> = inv
        .groups
        .values()
        .map(|g| (g.name.clone(), vars_json(&g.vars)))
        .collect();
    let names: serde_json::Map<String, serde_json::Value> = inv
        .hosts
        .keys()
        .map(|h| (h.clone(), json!(inv.group_names(h))))
        .collect();
    let mut patterns = serde_json::Map::new();
    if let Ok(list) = std::env::var("RINGMASTER_INV_PATTERNS") {
        for p in std::fs::read_to_string(list).unwrap().lines() {
            let r = match inv.select_with_warnings(&[p]) {
                Ok(sel) => json!(sel.hosts),
                Err(e) => json!(format!("ERROR {}", e.message)),
            };
            patterns.insert(p.to_string(), r);
        }
    }
    let out = json!({
        "patterns": patterns,
        "hosts": hosts, "groups": groups, "all": inv.select("all").unwrap(),
        "groups_map": inv.groups_map(), "group_names": names,
        "order": inv.groups.keys().collect::<Vec<_>>(),
    });
    std::fs::write(format!("{path}.json"), out.to_string()).unwrap();
}

#[test]
fn several_sources_merge_in_order() {
    // `ansible-inventory -i a.ini -i b.ini -i sub --list`: h1 leaves ungrouped once it
    // joins g; h2's later `v=3` wins; sub/deeper/ is read recursively.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
    std::fs::write(d.join("a.ini"), "h1\nh2 v=1\n").unwrap();
    std::fs::write(d.join("b.ini"), "[g]\nh1\n[g:vars]\nx=2\n").unwrap();
    std::fs::write(d.join("sub/deeper/c.ini"), "[deep]\nh9\n").unwrap();
    std::fs::write(d.join("sub/d.ini"), "h2 v=3\n").unwrap();
    let inv = load(&["a.ini".into(), "b.ini".into(), "sub".into()], d).unwrap();
    assert_eq!(inv.groups["all"].children, ["ungrouped", "g", "deep"]);
    assert_eq!(inv.groups["ungrouped"].hosts, ["h2"]);
    assert_eq!(inv.groups["g"].hosts, ["h1"]);
    assert_eq!(inv.groups["deep"].hosts, ["h9"]);
    assert_eq!(vars_json(&inv.hosts["h2"].vars), json!({"v": 3}));
    assert_eq!(inv.hosts["h1"].groups, ["g"]);
    assert!(
        inv.hosts["h9"]
            .inventory_file
            .as_ref()
            .unwrap()
            .ends_with("sub/deeper/c.ini")
    );
}
