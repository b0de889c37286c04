//! Bad input: every error names the place and what was expected; nothing panics.
//! Line/column values were compared with ansible-core 2.19 (`from_yaml` /
//! `ansible-playbook --syntax-check`); where saphyr stops elsewhere it is noted.

use proptest::prelude::*;

use super::super::load_all;
use super::{file, load_err};

/// (input, line, column, words the message must contain)
const CASES: &[(&str, u32, u32, &str)] = &[
    // Ansible: 4:6 "did not find expected '-' indicator"
    (
        "- hosts: all\n  tasks:\n    - debug: msg=a\n     - debug: msg=b\n",
        4,
        6,
        "expected a '- ' list item",
    ),
    // Ansible: 3:1 "Tabs are usually invalid in YAML."
    ("- hosts: all\n  tasks:\n\t- debug: msg=a\n", 3, 1, "Tabs"),
    // Ansible: 2:1 (tab in a plain scalar's continuation)
    ("key: value\n\tother: 1\n", 2, 1, "Tabs"),
    // Ansible: 2:1
    ("a: [1, 2\n", 2, 1, "expected ',' or ']'"),
    ("a: {x: 1\n", 2, 1, "expected ',' or '}'"),
    // Ansible: 1:4 "Found undefined alias."
    ("a: *nope\n", 1, 4, "undefined alias '*nope'"),
    ("a: [*nope]\n", 1, 5, "undefined alias '*nope'"),
    // Ansible: 1:5 "Colons in unquoted values must be followed by a non-space character."
    ("a: b: c\n", 1, 5, "Colons in unquoted values"),
    ("msg: echo name: x\n", 1, 15, "Colons in unquoted values"),
    // Ansible: 1:4 "This may be an issue with missing quotes around a template block."
    ("a: {{ foo }}\n", 1, 4, "missing quotes around a template"),
    // Ansible: 3:3
    ("a:\n  - b\n  c: d\n", 3, 3, "expected a '- ' list item"),
    // Ansible: 2:3
    ("a: 1\n b: 2\n", 2, 3, "mapping values are not allowed here"),
    // Ansible: 1:4 "Values starting with a quote must end with the same quote."
    ("a: \"x\" y\n", 1, 4, "must end with the same quote"),
    ("a: 'it's'\n", 1, 4, "not contain that quote"),
    ("a: \"unclosed\nb: 1\n", 1, 4, "quote"),
    ("a: 'never closed\n", 1, 4, "never closed"),
    // Ansible: 1:4 "found character that cannot start any token"
    ("a: @foo\n", 1, 4, "found character '@'"),
    // Ansible: 1:4 "Could not determine a constructor for the tag '!foo'."
    ("a: !foo bar\n", 1, 4, "tag '!foo'"),
    ("a: !!foo bar\n", 1, 4, "tag '!!foo'"),
    ("a: !foo [1]\n", 1, 4, "tag '!foo'"),
    // Ansible: 1:4 "The '!vault' tag requires a string value."
    ("a: !vault 12\n", 1, 4, "'!vault' tag requires a string"),
    ("a: !vault [x]\n", 1, 4, "'!vault' tag requires a string"),
    // Ansible: "invalid literal for int() with base 10: 'abc'" (no location)
    ("a: !!int abc\n", 1, 4, "!!int"),
    ("a: !!bool maybe\n", 1, 4, "!!bool"),
    // Ansible: 1:4 "Expected a mapping node, but found sequence."
    (
        "a: !!map [1]\n",
        1,
        4,
        "expected a mapping node, but found sequence",
    ),
    (
        "a: !!seq {x: 1}\n",
        1,
        4,
        "expected a sequence node, but found mapping",
    ),
    (
        "a: !!str [1]\n",
        1,
        4,
        "expected a scalar node, but found sequence",
    ),
    // Ansible: 1:4 "Could not determine a constructor for the tag 'tag:yaml.org,2002:value'."
    ("a: =\n", 1, 4, "'='"),
    ("a: <<\n", 1, 4, "'<<'"),
    // Ansible: 2:7 / 2:8
    (
        "m:\n  <<: 5\n",
        2,
        7,
        "mapping or list of mappings for merging",
    ),
    ("m:\n  <<: [5]\n", 2, 8, "expected a mapping for merging"),
    // Ansible: 1:3 "found unhashable key"
    ("? [1, 2]\n: x\n", 1, 3, "unhashable key"),
    // Ansible: "invalid literal for int() with base 16: ''"
    ("a: 0x_\n", 1, 4, "no digits"),
    // Ansible: 1:5 "found unknown escape character" (saphyr: at the string)
    ("a: \"\\q\"\n", 1, 4, "unknown escape"),
    // Ansible: 2:1
    ("a: 1\n- b\n", 2, 1, "expected a 'key: value' entry"),
    ("a:\n  b: 1\n  - c\n", 3, 3, "expected a 'key: value' entry"),
    ("- a\nb: 1\n", 2, 1, "expected a '- ' list item"),
    ("a: 1\n...\nb\n", 3, 1, ""),
];

#[test]
fn errors_name_line_column_and_expectation() {
    for &(text, line, col, words) in CASES {
        let e = load_err(text);
        let span = e
            .span
            .as_ref()
            .unwrap_or_else(|| panic!("no location for {text:?}"));
        let full = format!("{} {}", e.message, e.help.as_deref().unwrap_or(""));
        assert_eq!((span.line, span.col), (line, col), "{text:?}: {full}");
        assert!(full.contains(words), "{text:?}: {full}");
        assert!(
            e.message.starts_with("YAML parsing failed: "),
            "{}",
            e.message
        );
        assert!(
            !full.contains("ScanError") && !full.contains("Marker"),
            "{full}"
        );
        assert_eq!(span.path().to_str(), Some("test.yml"));
    }
}

#[test]
fn rendered_error_shows_the_line_and_a_caret() {
    let e = load_err("a: 1\nb: [1, 2\n");
    let out = e.render();
    assert!(out.contains("Origin: test.yml:3:1"), "{out}");
}

#[test]
fn alias_bomb_is_stopped_with_a_location() {
    // "Billion laughs": each level doubles ten times.
    let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let e = load_err(&text);
    assert!(e.message.contains("alias bomb"), "{}", e.message);
    assert!(e.span.is_some_and(|s| s.line >= 5));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = "[".repeat(5000);
    let e = load_err(&text);
    assert!(e.span.is_some(), "{}", e.message);
    let text = format!("{}1{}", "[".repeat(1500), "]".repeat(1500));
    assert!(load_all(file(&text)).is_err());
    let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert!(load_all(file(&text)).is_ok());
}

/// PyYAML: "found duplicate anchor; first occurrence ... line 1, column 4 ... second
/// occurrence ... line 2, column 4".
#[test]
fn duplicate_anchor_names_are_refused() {
    let e = load_err("a: &x 1\nb: &x 2\nc: *x\n");
    assert_eq!(e.span.as_ref().map(|s| (s.line, s.col)), Some((2, 4)));
    assert!(e.message.contains("duplicate anchor '&x'") && e.message.contains("line 1, column 4"));
    let e = load_err("a: !!str &y 1\nb: &y [1]\n");
    assert!(e.message.contains("duplicate anchor '&y'"), "{}", e.message);
    // The same name in another document is fine.
    assert!(load_all(file("a: &x 1\n---\nb: &x 2\n")).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_random_text(s in "\\PC{0,80}") {
        let _ = load_all(file(&s));
    }

    #[test]
    fn never_panics_on_yamlish_text(s in "[-:?,\\[\\]{}#&*!|>'\"%@` \\t\\n\\r a-z0-9.<=~\u{feff}\u{e9}]{0,120}") {
        if let Err(e) = load_all(file(&s)) {
            let _ = e.render();
            prop_assert!(e.span.is_some());
        }
    }

    #[test]
    fn never_panics_on_mutated_playbooks(cut in 0usize..200, insert in "[-:\\[\\]{}'\"\\t\\n &*!|>#]{0,4}") {
        let base = "- hosts: all\n  vars:\n    a: &x {k: [1, 2]}\n    b: *x\n    c: |\n      text\n  tasks:\n    - name: t\n      debug: msg=\"{{ a }}\"\n      <<: *x\n";
        let at = cut.min(base.len());
        let mut s = base[..at].to_string();
        s.push_str(&insert);
        s.push_str(&base[at..]);
        let _ = load_all(file(&s));
    }
}
