//! Host patterns against testdata/patterns.ini. Every expectation was recorded with
//! `ansible -i testdata/patterns.ini --list-hosts PATTERN` (ansible-core 2.19).

use std::path::{Path, PathBuf};

use super::*;

pub(super) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/inventory/testdata")
}

pub(super) fn fixture(name: &str) -> Inventory {
    load(&[name.to_string()], &testdata()).unwrap()
}

const W1: &str = "web01.example.com";
const W2: &str = "web02.example.com";
const W3: &str = "web03.example.com";
const W4: &str = "web04.example.com";
const W5: &str = "web05.example.com";

fn sel(inv: &Inventory, pattern: &str) -> Vec<String> {
    inv.select(pattern).unwrap()
}

#[test]
fn all_follows_ansible_group_walk_order() {
    let inv = fixture("patterns.ini");
    let all = [
        "solo", W1, "db1", "fe80::1", "::2", "10.0.0.1", "10.0.0.2", "10.0.0.3", W2, W3, W4, W5,
        "db2",
    ];
    assert_eq!(sel(&inv, "all"), all);
    assert_eq!(sel(&inv, "*"), all);
    assert_eq!(sel(&inv, "all:!ungrouped"), all[1..]);
    // InventoryManager.get_hosts: [] selects nothing; "" evaluates to `all`.
    assert!(inv.select_with_warnings(&[]).unwrap().hosts.is_empty());
    assert_eq!(sel(&inv, ""), all);
}

#[test]
fn groups_unions_intersections_exclusions() {
    let inv = fixture("patterns.ini");
    let web = [W1, W2, W3, W4, W5];
    assert_eq!(sel(&inv, "web"), web);
    assert_eq!(sel(&inv, "db"), ["db1", "db2", W3]);
    assert_eq!(sel(&inv, "web:db"), [W1, W2, W3, W4, W5, "db1", "db2"]);
    assert_eq!(sel(&inv, "web,db"), [W1, W2, W3, W4, W5, "db1", "db2"]);
    assert_eq!(sel(&inv, "db:web"), ["db1", "db2", W3, W1, W2, W4, W5]);
    assert_eq!(sel(&inv, "web:&staging"), [W1]);
    assert_eq!(sel(&inv, "web:!staging"), [W2, W3, W4, W5]);
    // Regular patterns first, then `&`, then `!`, whatever the written order.
    assert_eq!(sel(&inv, "prod:!web:&staging"), ["db1"]);
    assert_eq!(sel(&inv, "web:db:&staging:!db1"), [W1]);
    assert_eq!(
        sel(&inv, "!web"),
        [
            "solo", "db1", "fe80::1", "::2", "10.0.0.1", "10.0.0.2", "10.0.0.3", "db2"
        ]
    );
    assert_eq!(sel(&inv, "&web"), web);
    assert_eq!(sel(&inv, "*:!web:!v6"), ["solo", "db1", "db2"]);
    assert_eq!(sel(&inv, "ungrouped"), ["solo"]);
}

#[test]
fn globs_and_regexes() {
    let inv = fixture("patterns.ini");
    let web = [W1, W2, W3, W4, W5];
    assert_eq!(sel(&inv, "web*"), web);
    assert_eq!(sel(&inv, "web0?.example.com"), web);
    assert_eq!(sel(&inv, "*.example.com"), web);
    assert_eq!(sel(&inv, "w?b"), web);
    assert_eq!(sel(&inv, "~web0[12]"), [W1, W2]);
    assert_eq!(sel(&inv, "~db"), ["db1", "db2", W3]);
    assert_eq!(sel(&inv, "~(web|db)0?1"), [W1, "db1"]);
    assert_eq!(sel(&inv, "web01*,db"), [W1, "db1", "db2", W3]);
    assert_eq!(sel(&inv, "10.0.0.*"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
}

#[test]
fn subscripts() {
    let inv = fixture("patterns.ini");
    assert_eq!(sel(&inv, "web[0]"), [W1]);
    assert_eq!(sel(&inv, "web[-1]"), [W5]);
    assert_eq!(sel(&inv, "web[1:3]"), [W2, W3, W4]);
    assert_eq!(sel(&inv, "web[3:]"), [W4, W5]);
    assert_eq!(sel(&inv, "web[0:0]"), [W1]);
    assert_eq!(sel(&inv, "all[0]"), ["solo"]);
    assert_eq!(sel(&inv, "prod[-1]"), ["db2"]);
    // `w*` matches the group and, being a glob, its hosts again: index 1 is web02.
    assert_eq!(sel(&inv, "w*[1]"), [W2]);
    assert_eq!(sel(&inv, "db[1:2],solo"), ["db2", W3, "solo"]);
    assert_eq!(sel(&inv, "db,web[1:2]"), ["db1", "db2", W3, W2]);
    let dashed = inv.select_with_warnings(&["web[1-2]"]).unwrap();
    assert_eq!(dashed.hosts, [W2, W3]);
    assert_eq!(
        dashed.warnings,
        ["Use [x:y] inclusive subscripts instead of [x-y] which has been removed"]
    );
    // ansible-playbook: "[ERROR]: No hosts matched the subscripted pattern 'web[9]'"
    let err = inv.select("web[9]").unwrap_err();
    assert_eq!(
        err.message,
        "No hosts matched the subscripted pattern 'web[9]'"
    );
}

#[test]
fn hosts_addresses_and_unmatched_patterns() {
    let inv = fixture("patterns.ini");
    assert_eq!(sel(&inv, W1), [W1]);
    assert_eq!(sel(&inv, "fe80::1"), ["fe80::1"]);
    assert_eq!(sel(&inv, "::2"), ["::2"]);
    assert_eq!(sel(&inv, "10.0.0.2"), ["10.0.0.2"]);
    assert_eq!(
        sel(&inv, "v6"),
        ["fe80::1", "::2", "10.0.0.1", "10.0.0.2", "10.0.0.3"]
    );
    assert_eq!(inv.hosts["::2"].vars["ansible_port"].to_json(), 2222);
    // inventory_hostname_short: up to the first dot, except for IP addresses.
    assert_eq!(inv.hosts[W1].short_name(), "web01");
    assert_eq!(inv.hosts["10.0.0.1"].short_name(), "10.0.0.1");
    assert_eq!(inv.hosts["fe80::1"].short_name(), "fe80::1");

    let none = inv.select_with_warnings(&["nothere"]).unwrap();
    assert!(none.hosts.is_empty());
    assert_eq!(
        none.warnings,
        ["Could not match supplied host pattern, ignoring: nothere"]
    );
    let some = inv.select_with_warnings(&["nothere:db"]).unwrap();
    assert_eq!(some.hosts, ["db1", "db2", W3]);
    assert_eq!(some.warnings.len(), 1);
    // A valid address with a port, or a range, stays one pattern and matches nothing.
    assert!(sel(&inv, "solo:2222").is_empty());
    assert!(sel(&inv, "web[01:02].example.com").is_empty());
}

#[test]
fn implicit_localhost_is_selectable_but_not_in_all() {
    let inv = fixture("patterns.ini");
    assert_eq!(sel(&inv, "localhost"), ["localhost"]);
    let host = inv.get_host("localhost").unwrap();
    assert!(host.implicit);
    assert_eq!(host.vars["ansible_connection"].to_json(), "local");
    assert!(host.vars.contains_key("ansible_python_interpreter"));
    assert!(!sel(&inv, "all").contains(&"localhost".to_string()));
    assert!(!inv.groups_map()["all"].contains(&"localhost".to_string()));
    assert_eq!(inv.group_names("localhost"), Vec::<String>::new());
}

#[test]
fn limit_filters_selection() {
    let mut inv = fixture("patterns.ini");
    inv.apply_limit("web:!web01*", &testdata()).unwrap();
    assert_eq!(sel(&inv, "all"), [W2, W3, W4, W5]);
    inv.apply_limit("@limit.retry", &testdata()).unwrap();
    assert_eq!(sel(&inv, "all"), ["db1", W2]);
    inv.apply_limit("!db", &testdata()).unwrap();
    assert_eq!(
        sel(&inv, "all"),
        [
            "solo", W1, "fe80::1", "::2", "10.0.0.1", "10.0.0.2", "10.0.0.3", W2, W4, W5
        ]
    );
    inv.apply_limit("staging", &testdata()).unwrap();
    assert_eq!(sel(&inv, "all"), [W1, "db1"]);
    inv.apply_limit("localhost", &testdata()).unwrap();
    assert!(sel(&inv, "all").is_empty());
    assert_eq!(sel(&inv, "localhost"), ["localhost"]);
    let err = inv.apply_limit("@missing.retry", &testdata()).unwrap_err();
    assert_eq!(err.message, "Unable to find limit file missing.retry");
    inv.clear_limit();
    assert_eq!(sel(&inv, "all").len(), 13);
}

#[test]
fn split_host_pattern_like_ansible() {
    assert_eq!(
        split_host_pattern("a,b[1], c[2:3] , d"),
        ["a", "b[1]", "c[2:3]", "d"]
    );
    assert_eq!(split_host_pattern("a:b:&c:!d"), ["a", "b", "&c", "!d"]);
    assert_eq!(split_host_pattern("web[1:3]"), ["web[1:3]"]);
    assert_eq!(split_host_pattern("db:g[1:]"), ["db", "g[1:]"]);
    assert_eq!(split_host_pattern("fe80::1"), ["fe80::1"]);
    assert_eq!(split_host_pattern("web1:22"), ["web1:22"]);
    assert_eq!(split_host_pattern(" "), Vec::<String>::new());
}

#[test]
fn select_is_not_quadratic_on_large_inventories() {
    let mut text = String::from("[big]\n");
    for i in 0..10_000 {
        text.push_str(&format!("host{i:05}\n"));
    }
    text.push_str("[half]\n");
    for i in (0..10_000).step_by(2) {
        text.push_str(&format!("host{i:05}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.ini"), text).unwrap();
    let start = std::time::Instant::now();
    let inv = load(&["big.ini".to_string()], dir.path()).unwrap();
    assert_eq!(sel(&inv, "big:&half").len(), 5_000);
    assert_eq!(sel(&inv, "big:!half").len(), 5_000);
    assert_eq!(sel(&inv, "all,big,half").len(), 10_000);
    assert_eq!(sel(&inv, "host0*").len(), 10_000);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}

#[test]
fn play_order() {
    let hosts: Vec<String> = ["b", "c", "a"].map(String::from).to_vec();
    assert_eq!(order_hosts(hosts.clone(), None).unwrap(), ["b", "c", "a"]);
    assert_eq!(
        order_hosts(hosts.clone(), Some("sorted")).unwrap(),
        ["a", "b", "c"]
    );
    assert_eq!(
        order_hosts(hosts.clone(), Some("reverse_sorted")).unwrap(),
        ["c", "b", "a"]
    );
    assert_eq!(
        order_hosts(hosts.clone(), Some("reverse_inventory")).unwrap(),
        ["a", "c", "b"]
    );
    assert_eq!(
        order_hosts(hosts.clone(), Some("shuffle")).unwrap().len(),
        3
    );
    assert_eq!(
        order_hosts(hosts, Some("random")).unwrap_err(),
        "Invalid 'order' specified for inventory hosts: random"
    );
}
