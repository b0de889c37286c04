//! INI inventories. Expectations were recorded with ansible-core 2.19:
//! `ansible-inventory -i FILE --list/--graph`, `ansible -i FILE HOST -m debug -a var=...`.

use serde_json::json;

use super::tests_pattern::fixture;
use super::*;

fn host_vars_json(inv: &Inventory, host: &str) -> serde_json::Value {
    let h = &inv.hosts[host];
    serde_json::Value::Object(
        h.vars
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    )
}

fn group_vars_json(inv: &Inventory, group: &str) -> serde_json::Value {
    let g = &inv.groups[group];
    serde_json::Value::Object(
        g.vars
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    )
}

fn ini_error(text: &str) -> SourceError {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("inv.ini"), text).unwrap();
    load(&["inv.ini".to_string()], dir.path()).unwrap_err()
}

#[test]
fn inline_host_vars_are_python_literals() {
    let inv = fixture("basic.ini");
    // ansible-inventory --list, hostvars of top1 (minus the `x` from [all:vars]).
    assert_eq!(
        host_vars_json(&inv, "top1"),
        json!({
            "a": 1, "b": "quoted v", "c": "yes", "d": "0644", "e": true, "f": [1, 2],
            "g": "{x:1}", "h": 1.5, "i": null, "j": 31, "k": 1000.0, "l": "s", "m": -3,
            "n": [1, 2], "o": "...", "p": "1j", "q": 15, "r": 1000, "s": "#notcomment"
        })
    );
    assert_eq!(host_vars_json(&inv, "top2"), json!({"ansible_port": 2222}));
    let b = &inv.hosts["top1"].vars["b"];
    assert_eq!((b.span.line, b.span.col), (3, 12));
}

#[test]
fn group_vars_sections_are_python_literals_in_2_19() {
    let inv = fixture("basic.ini");
    assert_eq!(
        group_vars_json(&inv, "web"),
        json!({
            "count": 3, "flag": false, "yesv": "yes", "str": "hello world", "octal": "0644",
            "quoted": "q", "lst": [1, "a"], "eq": "a=b", "sp": "spaced  # comment?"
        })
    );
    assert_eq!(group_vars_json(&inv, "all"), json!({"x": 1}));
    let count = &inv.groups["web"].vars["count"];
    assert_eq!((count.span.line, count.span.col), (11, 7));
}

#[test]
fn sections_ranges_and_graph() {
    let inv = fixture("basic.ini");
    let groups: Vec<&str> = inv.groups.keys().map(String::as_str).collect();
    assert_eq!(groups, ["all", "ungrouped", "web", "db", "later"]);
    assert_eq!(inv.groups["all"].children, ["ungrouped", "db"]);
    assert_eq!(inv.groups["db"].children, ["web", "later"]);
    assert_eq!(
        inv.groups["web"].hosts,
        [
            "web01", "web02", "web03", "wa-x", "wb-x", "wc-x", "s1", "s5", "s9", "m1a", "m1b",
            "m2a", "m2b"
        ]
    );
    let map = inv.groups_map();
    assert_eq!(map["ungrouped"], ["top1", "top2"]);
    assert_eq!(map["later"], ["l1"]);
    assert_eq!(map["all"].len(), 16);
    assert_eq!(&map["all"][..3], ["top1", "top2", "web01"]);
    assert_eq!(map["all"].last().unwrap(), "l1");
    assert_eq!(map["db"].len(), 14);
    assert_eq!(inv.group_names("top1"), ["ungrouped"]);
    assert_eq!(inv.group_names("l1"), ["db", "later"]);
    let host = &inv.hosts["web02"];
    assert_eq!(host.groups, ["web"]);
    assert_eq!(host.span.line, 6);
    assert!(host.inventory_file.as_ref().unwrap().ends_with("basic.ini"));
    assert!(host.inventory_dir().unwrap().ends_with("testdata"));
    assert_eq!(host.short_name(), "web02");
}

#[test]
fn nested_children_priority_and_group_names() {
    let inv = fixture("nested.ini");
    let map = inv.groups_map();
    assert_eq!(map["all"], ["lb1", "web1", "web2", "db1", "db2"]);
    assert_eq!(map["prod"], ["lb1", "web1", "web2", "db1", "db2"]);
    assert_eq!(map["app"], ["web1", "web2", "db1", "db2"]);
    assert!(map["ungrouped"].is_empty());
    assert_eq!(inv.group_names("web1"), ["app", "prod", "web"]);
    assert_eq!(inv.groups["prod"].priority, 5);
    assert_eq!(inv.groups["web"].priority, 7);
    assert!(
        !inv.groups["prod"]
            .vars
            .contains_key("ansible_group_priority")
    );
    let order: Vec<&str> = inv
        .host_groups_sorted("web1")
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(order, ["all", "prod", "app", "web"]);
    assert_eq!(inv.groups["web"].depth, 3);
}

#[test]
fn priority_orders_groups_of_equal_depth() {
    // `ansible h1 -m debug -a var=x` printed "from_a": a_first (priority 10) merges last.
    let inv = fixture("priority.ini");
    let order: Vec<&str> = inv
        .host_groups_sorted("h1")
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(order, ["all", "b_second", "c_third", "a_first"]);
}

#[test]
fn errors_name_line_and_column() {
    // Messages are Ansible's ("Failed to parse inventory: <message>").
    let e = ini_error("[g]\nweb[01:5]\n");
    assert_eq!(
        e.message,
        "host range must specify equal-length begin and end formats"
    );
    // At the range's opening bracket.
    assert_eq!(e.span.as_ref().map(|s| (s.line, s.col)), Some((2, 4)));

    let e = ini_error("[g]\nh1   novalue\n");
    assert_eq!(
        e.message,
        "Expected key=value host variable assignment, got: novalue"
    );
    assert_eq!(e.span.as_ref().map(|s| (s.line, s.col)), Some((2, 6)));

    let e = ini_error("[g:vars]\nx=1\n");
    assert_eq!(
        e.message,
        "Section [g:vars] not valid for undefined group 'g'."
    );
    assert_eq!(e.span.as_ref().map(|s| s.line), Some(1));

    // 2.19 does not create a group that is only named in [x:children].
    let e = ini_error("[g:children]\n  zz\n");
    assert_eq!(
        e.message,
        "Section [g:children] includes undefined group 'zz'."
    );
    assert_eq!(e.span.as_ref().map(|s| (s.line, s.col)), Some((2, 3)));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("w.ini"),
        "[g]\nh1\n[g:vars]\n spaced key = v\n",
    )
    .unwrap();
    let inv = load(&["w.ini".to_string()], dir.path()).unwrap();
    assert_eq!(inv.groups["g"].vars["spaced key"].to_json(), "v");
    assert_eq!(
        inv.warnings,
        [
            "Accepting inventory variable with invalid name 'spaced key'. This feature will be removed from ansible-core version 2.23."
        ]
    );

    let e = ini_error("[g:foo]\nzz\n");
    assert_eq!(e.message, "Section [g:foo] has unknown type: foo");

    let e = ini_error("[g]\nh1 a=\"unterminated\n");
    assert_eq!(
        e.message,
        "Error parsing host definition 'h1 a=\"unterminated': No closing quotation"
    );

    let e = ini_error("[web servers]\nh1\n");
    assert!(
        e.message
            .starts_with("Invalid section entry: '[web servers]'")
    );

    let e = ini_error("[g]\nh1:\n");
    assert!(e.message.contains("ending in ':' is not allowed"));

    let e = ini_error("[g]\nweb[1]\n");
    assert_eq!(e.message, "host range must be begin:end or begin:end:step");

    let e = ini_error("[g:children]\na b\n");
    assert_eq!(e.message, "Expected group name, got: a b");

    let e = ini_error("[g:vars]\n[g]\n[g:vars]\nnovalue\n");
    assert_eq!(e.message, "Expected key=value, got: novalue");
    assert_eq!(e.span.as_ref().map(|s| s.line), Some(4));

    let e = ini_error("[a:children]\nb\n[b:children]\na\n");
    assert!(
        e.message.contains("recursive dependency loop"),
        "{}",
        e.message
    );
}

#[test]
fn children_may_be_declared_before_their_group() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nh1\n[mid:vars]\nv=1\n";
    std::fs::write(dir.path().join("inv.ini"), text).unwrap();
    let inv = load(&["inv.ini".to_string()], dir.path()).unwrap();
    assert_eq!(inv.groups["top"].children, ["mid"]);
    assert_eq!(inv.groups["mid"].children, ["leaf"]);
    assert_eq!(inv.group_names("h1"), ["leaf", "mid", "top"]);
    assert_eq!(inv.groups["all"].children, ["ungrouped", "top"]);
}

#[test]
fn odd_group_names_warn_and_group_vars_priority_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("group_vars")).unwrap();
    let text = "[a_first]\nh1\n[b_second]\nh1\n[web-servers]\nh2\n[a_first:vars]\nx=from_a\n";
    std::fs::write(dir.path().join("inv.ini"), text).unwrap();
    std::fs::write(
        dir.path().join("group_vars/a_first.yml"),
        "ansible_group_priority: 10\n",
    )
    .unwrap();
    let inv = load(&["inv.ini".to_string()], dir.path()).unwrap();
    assert_eq!(
        inv.warnings,
        ["Invalid characters were found in group names but not replaced, use -vvvv to see details"]
    );
    // `ansible h1 -m debug -a var=x` with b_second:vars x=from_b printed "from_b": a
    // priority in group_vars/ is an ordinary variable, not the group's priority.
    assert_eq!(inv.groups["a_first"].priority, 1);
    assert!(
        inv.groups["a_first"]
            .dir_vars
            .contains_key("ansible_group_priority")
    );
    let order: Vec<&str> = inv
        .host_groups_sorted("h1")
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(order, ["all", "a_first", "b_second"]);
}
