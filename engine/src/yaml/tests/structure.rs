//! Nesting, flow style, block scalars, spans, anchors, merge keys, duplicates.

use super::super::Value::{Bool, Int, Null, Str};
use super::super::{Node, Value};
use super::{get, load, warnings};

fn strs(node: &Node) -> Vec<String> {
    node.as_seq()
        .unwrap_or(&[])
        .iter()
        .map(|n| n.as_str().unwrap_or("?").to_string())
        .collect()
}

fn keys(node: &Node) -> Vec<String> {
    node.as_map()
        .map(|m| m.iter().filter_map(|(k, _)| k.key_string()).collect())
        .unwrap_or_default()
}

fn at(node: &Node) -> (u32, u32) {
    (node.span.line, node.span.col)
}

#[test]
fn nested_block_and_flow_collections() {
    let doc = load(
        "- hosts: all\n  vars:\n    list: [a, 'b', {c: 1}]\n    map: {x: [1, 2], y: null}\n  tasks:\n    - debug:\n        msg: hi\n    - {name: t2, command: ls}\n",
    );
    let play = &doc.as_seq().unwrap_or(&[])[0];
    let vars = get(play, "vars");
    let list = get(vars, "list").as_seq().unwrap_or(&[]);
    assert_eq!(list.len(), 3);
    assert_eq!(list[1].value, Str("b".into()));
    assert_eq!(get(&list[2], "c").value, Int(1));
    assert_eq!(
        get(get(vars, "map"), "x").as_seq().map(<[Node]>::len),
        Some(2)
    );
    assert!(get(get(vars, "map"), "y").is_null());
    let tasks = get(play, "tasks").as_seq().unwrap_or(&[]);
    assert_eq!(get(get(&tasks[0], "debug"), "msg").value, Str("hi".into()));
    assert_eq!(keys(&tasks[1]), vec!["name", "command"]);
}

#[test]
fn mapping_order_and_non_string_keys() {
    // `true` would be the same key as `1`, as in a Python dict.
    let doc = load("z: 1\na: 2\n1: int\nfalse: bool\n~: null\n");
    assert_eq!(keys(&doc), vec!["z", "a", "1", "False", "None"]);
}

#[test]
fn empty_values_are_null() {
    let doc = load("a:\nb: ~\nc: []\nd: {}\n");
    assert!(get(&doc, "a").is_null());
    assert!(get(&doc, "b").is_null());
    assert_eq!(get(&doc, "c").as_seq().map(<[Node]>::len), Some(0));
    assert_eq!(get(&doc, "d").as_map().map(|m| m.len()), Some(0));
}

/// PyYAML: {'a': 'l1\n\nl2\n', 'b': 's', 'c': 'k\n\n', 'd': 'f1 f2\nf3\n more\n',
/// 'e': 'x\n\n', 'f': '  indented\n'}
#[test]
fn block_scalars_with_chomping_and_indentation() {
    let doc = load(
        "a: |\n  l1\n\n  l2\n\n\nb: |-\n  s\n\nc: |+\n  k\n\nd: >\n  f1\n  f2\n\n  f3\n   more\ne: >+\n  x\n\nf: |2\n    indented\n",
    );
    let want = [
        ("a", "l1\n\nl2\n"),
        ("b", "s"),
        ("c", "k\n\n"),
        ("d", "f1 f2\nf3\n more\n"),
        ("e", "x\n\n"),
        ("f", "  indented\n"),
    ];
    for (k, v) in want {
        assert_eq!(get(&doc, k).value, Str(v.into()), "{k}");
    }
}

#[test]
fn multi_line_plain_and_quoted_scalars_fold() {
    let doc = load("a: one\n  two\n\n  three\nb: \"x\\ty\\u00e9 \\\n  z\"\nc: 'it''s'\n");
    assert_eq!(get(&doc, "a").value, Str("one two\nthree".into()));
    assert_eq!(get(&doc, "b").value, Str("x\ty\u{e9} z".into()));
    assert_eq!(get(&doc, "c").value, Str("it's".into()));
}

/// Start marks PyYAML (CSafeLoader `compose`) reports, 1-based.
#[test]
fn spans_match_pyyaml_start_marks() {
    let text = "play:\n- hosts: all\n  vars:\n    a: |\n      x\n    b: >-  # c\n      y\n      z\n    c: \"q\"\n    \u{fc}: &an [1, {k: v}]\n  tasks:\n  - name: t\n    debug:\n      msg: hi\n  -   x\nkeep: |+\n  k\n\n...\n";
    let doc = load(text);
    assert_eq!(at(&doc), (1, 1));
    let plays = get(&doc, "play");
    assert_eq!(at(plays), (2, 1));
    let play = &plays.as_seq().unwrap_or(&[])[0];
    assert_eq!(at(play), (2, 3));
    let play_map = play.as_map().cloned().unwrap_or_default();
    assert_eq!(at(play_map.key_node("hosts").unwrap_or(play)), (2, 3));
    assert_eq!(at(get(play, "hosts")), (2, 10));
    let vars = get(play, "vars");
    assert_eq!(at(vars), (4, 5));
    assert_eq!(at(get(vars, "a")), (4, 8));
    assert_eq!(at(get(vars, "b")), (6, 8));
    assert_eq!(at(get(vars, "c")), (9, 8));
    let u = get(vars, "\u{fc}");
    assert_eq!(at(u), (10, 8));
    let items = u.as_seq().unwrap_or(&[]);
    assert_eq!(at(&items[0]), (10, 13));
    assert_eq!(at(&items[1]), (10, 16));
    assert_eq!(at(get(&items[1], "k")), (10, 20));
    let tasks = get(play, "tasks");
    assert_eq!(at(tasks), (12, 3));
    let tasks = tasks.as_seq().unwrap_or(&[]);
    assert_eq!(at(&tasks[0]), (12, 5));
    assert_eq!(at(get(&tasks[0], "name")), (12, 11));
    assert_eq!(at(get(&tasks[0], "debug")), (14, 7));
    assert_eq!(at(get(get(&tasks[0], "debug"), "msg")), (14, 12));
    assert_eq!(at(&tasks[1]), (15, 7));
    assert_eq!(at(get(&doc, "keep")), (16, 7));
    // Byte offsets point at the same text.
    let msg = get(get(&tasks[0], "debug"), "msg");
    assert!(text[msg.span.offset..].starts_with("hi"));
    assert!(text[u.span.offset..].starts_with("&an"));
}

#[test]
fn anchors_and_aliases_copy_values() {
    let doc = load("base: &b [x, y]\nscalar: &s 42\nuse: *b\nn: *s\n");
    assert_eq!(strs(get(&doc, "use")), vec!["x", "y"]);
    assert_eq!(get(&doc, "n").value, Int(42));
    // The copy keeps where the value was written.
    assert_eq!(at(get(&doc, "use")), (1, 7));
}

/// AnsibleLoader: {'y': 2, 'z': 4, 'x': 9, 'w': 0}, with "duplicate key" warnings for
/// y (from the merged maps) and x (explicit over merged).
#[test]
fn merge_key_list_precedence_and_order() {
    let text =
        "base: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nm:\n  w: 0\n  <<: [*b, *o]\n  x: 9\n";
    let doc = load(text);
    let m = get(&doc, "m");
    assert_eq!(keys(m), vec!["y", "z", "x", "w"]);
    assert_eq!(get(m, "y").value, Int(2));
    assert_eq!(get(m, "z").value, Int(4));
    assert_eq!(get(m, "x").value, Int(9));
    let w = warnings(text);
    let msgs: Vec<&str> = w.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "Found duplicate mapping key 'y'.",
            "Found duplicate mapping key 'x'."
        ]
    );
    assert_eq!((w[0].span.line, w[0].span.col), (1, 17));
    assert_eq!((w[1].span.line, w[1].span.col), (6, 3));
}

#[test]
fn merge_key_single_and_nested() {
    // AnsibleLoader: {'x': 9, 'y': 2} and {'b': 2, 'a': 1}
    let doc = load(
        "base: &b {x: 1, y: 2}\nm:\n  x: 9\n  <<: *b\nn:\n  <<: {a: 1, <<: {b: 2, a: 3}}\nq:\n  \"<<\": {a: 1}\n",
    );
    assert_eq!(keys(get(&doc, "m")), vec!["x", "y"]);
    assert_eq!(get(get(&doc, "m"), "x").value, Int(9));
    assert_eq!(keys(get(&doc, "n")), vec!["b", "a"]);
    assert_eq!(get(get(&doc, "n"), "a").value, Int(1));
    // A quoted '<<' is an ordinary key.
    assert_eq!(keys(get(&doc, "q")), vec!["<<"]);
}

#[test]
fn equals_sign_is_a_string_key() {
    let doc = load("m:\n  =: 5\n");
    assert_eq!(get(get(&doc, "m"), "=").value, Int(5));
}

/// AnsibleLoader keeps the last value at the first key's position and warns.
#[test]
fn duplicate_keys_keep_last_value_and_warn() {
    let text = "m:\n  x: 9\n  x: 10\n  y: 1\n1: a\ntrue: b\n1.0: c\n";
    let doc = load(text);
    assert_eq!(keys(get(&doc, "m")), vec!["x", "y"]);
    assert_eq!(get(get(&doc, "m"), "x").value, Int(10));
    let top = doc.as_map().cloned().unwrap_or_default();
    assert_eq!(top.len(), 2);
    assert_eq!(top.entries[1].0.value, Int(1));
    assert_eq!(top.entries[1].1.value, Str("c".into()));
    let w = warnings(text);
    assert_eq!(w.len(), 3);
    assert_eq!(w[0].message, "Found duplicate mapping key 'x'.");
    assert_eq!((w[0].span.line, w[0].span.col), (3, 3));
    assert_eq!(w[0].help.as_deref(), Some("Using last defined value only."));
    assert_eq!(w[1].message, "Found duplicate mapping key True.");
    assert_eq!(w[2].message, "Found duplicate mapping key 1.0.");
}

#[test]
fn many_aliases_within_budget_are_fine() {
    let mut text = String::from("base: &b {a: 1, b: [1, 2, 3]}\nlist:\n");
    for _ in 0..2000 {
        text.push_str("  - *b\n");
    }
    let doc = load(&text);
    assert_eq!(get(&doc, "list").as_seq().map(<[Node]>::len), Some(2000));
}

#[test]
fn large_documents_load() {
    let mut text = String::from("- hosts: all\n  tasks:\n");
    for i in 0..5000 {
        text.push_str(&format!(
            "    - name: task {i}\n      command: echo {i} \u{e9}\n      when: x == {i}\n"
        ));
    }
    let doc = load(&text);
    let tasks = get(&doc.as_seq().unwrap_or(&[])[0], "tasks");
    let tasks = tasks.as_seq().unwrap_or(&[]);
    assert_eq!(tasks.len(), 5000);
    assert_eq!(at(get(&tasks[4999], "command")), (3 + 3 * 4999 + 1, 16));
    assert_eq!(get(&tasks[10], "when").value, Str("x == 10".into()));
    let _ = (Bool(true), Null, Value::Null);
}

/// PyYAML keeps no final line break the file does not have: {'a': 'x'} for `a: |+\n  x`.
#[test]
fn block_scalar_at_end_of_file_without_newline() {
    assert_eq!(get(&load("a: |+\n  x"), "a").value, Str("x".into()));
    assert_eq!(get(&load("a: >\n  x\n  y"), "a").value, Str("x y".into()));
    // PyYAML: 'x\n y' and '{{ a |\n   b }}' (strip chomping, nothing to remove).
    assert_eq!(
        get(&load("a: |2-\n    x\n   y"), "a").value,
        Str("  x\n y".into())
    );
    assert_eq!(
        get(&load("a: >-\n  {{ a |\n     b }}"), "a").value,
        Str("{{ a |\n   b }}".into())
    );
    let seq = load("- |\n  x");
    assert_eq!(
        seq.as_seq().map(|s| s[0].value.clone()),
        Some(Str("x".into()))
    );
}

/// PyYAML start marks: `- |` item at 2:3, `--- >` document at 1:5, flow keys 1:2 / 1:5.
#[test]
fn spans_of_block_scalars_in_lists_and_flow_keys() {
    let doc = load("list:\n- |\n  a\n- >-\n  # not a comment\n");
    let items = get(&doc, "list").as_seq().unwrap_or(&[]).to_vec();
    assert_eq!(at(&items[0]), (2, 3));
    assert_eq!(at(&items[1]), (4, 3));
    assert_eq!(items[1].value, Str("# not a comment".into()));
    let doc = load("--- >\n  folded\n");
    assert_eq!(at(&doc), (1, 5));
    let doc = load("{a: 1, b: [x]}\n");
    let m = doc.as_map().cloned().unwrap_or_default();
    assert_eq!(at(&m.entries[0].0), (1, 2));
    assert_eq!(at(&m.entries[1].0), (1, 8));
    assert_eq!(at(&m.entries[1].1), (1, 11));
}

/// Python's `str()` of float keys: {1.5: a, 1e20 via 1.0e+20, 0.00001 via 1.0e-5, .inf}.
#[test]
fn float_keys_print_like_python() {
    let doc = load("1.5: a\n1.0e+20: b\n1.0e-5: c\n.inf: d\n2.0: e\n");
    assert_eq!(keys(&doc), vec!["1.5", "1e+20", "1e-05", "inf", "2.0"]);
}

/// libyaml ignores indentation inside quoted scalars and flow collections; AnsibleLoader:
/// {'x': {'foo': ['a'], 'bar': 'a b', 'baz': {'a': 1}, 'q': "it's here", 'after': 1}}
#[test]
fn under_indented_flow_content_is_accepted_like_libyaml() {
    let text = "x:\n  foo: [\n  a\n  ]\n  bar: \"a\n  b\"\n  baz: {\n a: 1\n }\n  q: 'it''s\n  here'\n  after: 1\n";
    let doc = load(text);
    let x = get(&doc, "x");
    assert_eq!(strs(get(x, "foo")), vec!["a"]);
    assert_eq!(get(x, "bar").value, Str("a b".into()));
    assert_eq!(get(get(x, "baz"), "a").value, Int(1));
    assert_eq!(get(x, "q").value, Str("it's here".into()));
    // Positions still point into the original text.
    let after = get(x, "after");
    assert_eq!(at(after), (12, 10));
    assert!(text[after.span.offset..].starts_with('1'));
    let a = &get(x, "foo").as_seq().unwrap_or(&[])[0];
    assert_eq!(at(a), (3, 3));
    assert!(text[a.span.offset..].starts_with('a'));
    let baz_a = get(get(x, "baz"), "a");
    assert_eq!(at(baz_a), (8, 5));
    // A real error after a relaxed part is still reported at its place.
    let e = super::load_err("x:\n  foo: [\n  a\n  ]\n  bar: [1, 2\n");
    assert_eq!(e.span.map(|s| (s.line, s.col)), Some((6, 1)));
}
