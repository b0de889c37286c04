//! Loader tests. Expected values were obtained from ansible-core 2.19's AnsibleLoader
//! (PyYAML 6.0.3 with libyaml) in /opt/ansible-venv, by loading `v: <text>` and, for
//! the fuzz table, with PyYAML's `Resolver` + `SafeConstructor` (see testdata/).

mod documents;
mod errors;
mod structure;

use std::sync::Arc;

use super::Value::{Bool, Float, Int, Null, Str};
use super::{Node, Value, YamlWarning, load_all, load_all_with_warnings, resolve_plain};
use crate::source::{SourceError, SourceFile};

pub(super) fn file(text: &str) -> Arc<SourceFile> {
    SourceFile::new("test.yml", text)
}

pub(super) fn load(text: &str) -> Node {
    let mut docs = load_all(file(text)).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(docs.len(), 1, "expected one document in {text:?}");
    docs.remove(0)
}

pub(super) fn load_err(text: &str) -> SourceError {
    match load_all(file(text)) {
        Ok(docs) => panic!("expected an error for {text:?}, got {docs:?}"),
        Err(e) => e,
    }
}

pub(super) fn warnings(text: &str) -> Vec<YamlWarning> {
    load_all_with_warnings(file(text))
        .unwrap_or_else(|e| panic!("{}", e.render()))
        .1
}

/// The value under `key` of a loaded mapping.
pub(super) fn get<'a>(node: &'a Node, key: &str) -> &'a Node {
    node.as_map()
        .and_then(|m| m.get(key))
        .unwrap_or_else(|| panic!("no key {key} in {node:?}"))
}

/// `v: <text>` as AnsibleLoader reads it.
#[test]
fn plain_scalars_resolve_like_ansible() {
    let cases: Vec<(&str, Value)> = vec![
        ("yes", Bool(true)),
        ("Yes", Bool(true)),
        ("YES", Bool(true)),
        ("yEs", Str("yEs".into())),
        ("no", Bool(false)),
        ("No", Bool(false)),
        ("NO", Bool(false)),
        ("on", Bool(true)),
        ("On", Bool(true)),
        ("ON", Bool(true)),
        ("off", Bool(false)),
        ("Off", Bool(false)),
        ("OFF", Bool(false)),
        ("true", Bool(true)),
        ("True", Bool(true)),
        ("TRUE", Bool(true)),
        ("false", Bool(false)),
        ("False", Bool(false)),
        ("FALSE", Bool(false)),
        ("y", Str("y".into())),
        ("Y", Str("Y".into())),
        ("n", Str("n".into())),
        ("N", Str("N".into())),
        ("tRue", Str("tRue".into())),
        ("", Null),
        ("~", Null),
        ("null", Null),
        ("Null", Null),
        ("NULL", Null),
        ("nULL", Str("nULL".into())),
        ("0644", Int(420)),
        ("0o644", Str("0o644".into())),
        ("0x1F", Int(31)),
        ("0X1F", Str("0X1F".into())),
        ("0b101", Int(5)),
        ("0_", Int(0)),
        ("22:22", Int(1342)),
        ("1:30.5", Float(90.5_f64)),
        ("+12", Int(12)),
        ("-0", Int(0)),
        ("-12", Int(-12)),
        ("1_000", Int(1000)),
        ("1e3", Str("1e3".into())),
        ("1.0e+3", Float(1000.0_f64)),
        ("1.0e3", Str("1.0e3".into())),
        (".5", Float(0.5_f64)),
        ("1.", Float(1.0_f64)),
        (".inf", Float(f64::INFINITY)),
        ("-.Inf", Float(f64::NEG_INFINITY)),
        ("+.INF", Float(f64::INFINITY)),
        (".nan", Float(f64::NAN)),
        (".NaN", Float(f64::NAN)),
        (".NAN", Float(f64::NAN)),
        ("-.nan", Str("-.nan".into())),
        (
            "2001-12-14",
            Str("2001-12-14".into()), /* PyYAML: a date */
        ),
        (
            "2001-12-14t21:59:43.10-05:00",
            Str("2001-12-14t21:59:43.10-05:00".into()), /* PyYAML: a date */
        ),
        ("0.1", Float(0.1_f64)),
        ("-1_0.5", Float(-10.5_f64)),
        ("1:2:3", Int(3723)),
        ("60:00", Int(3600)),
        ("1:60", Str("1:60".into())),
        ("0009", Str("0009".into())),
        ("08", Str("08".into())),
        ("+0x1f", Int(31)),
        ("-0b11", Int(-3)),
        ("9223372036854775807", Int(9223372036854775807)),
        ("9223372036854775808", Float(9.223372036854776e+18_f64)),
        ("-9223372036854775809", Float(-9.223372036854776e+18_f64)),
        ("1__", Int(1)),
        ("_1", Str("_1".into())),
        ("0.", Float(0.0_f64)),
        ("-.5", Str("-.5".into())),
        ("+.5", Str("+.5".into())),
        ("1e+3", Str("1e+3".into())),
        ("1:30", Int(90)),
        ("190:20:30", Int(685230)),
        ("-1:30", Int(-90)),
        ("1:30.", Float(90.0_f64)),
        ("12abc", Str("12abc".into())),
        ("0b2", Str("0b2".into())),
        ("00", Int(0)),
        ("+0", Int(0)),
        ("1,000", Str("1,000".into())),
        ("3.14.15", Str("3.14.15".into())),
        ("1.0E+3", Float(1000.0_f64)),
        ("+", Str("+".into())),
        ("0:0", Str("0:0".into())),
        ("01:30", Str("01:30".into())),
        ("0:30.5", Float(30.5_f64)),
        ("1.5e-3", Float(0.0015_f64)),
        ("0o17", Str("0o17".into())),
        ("0xFF_FF", Int(65535)),
        ("1_2:3_0", Str("1_2:3_0".into())),
        ("hello world", Str("hello world".into())),
        ("Yes please", Str("Yes please".into())),
        ("~foo", Str("~foo".into())),
        ("NULL!", Str("NULL!".into())),
        ("0.0", Float(0.0_f64)),
        ("-0.0", Float(-0.0)),
        ("1e-3.5", Str("1e-3.5".into())),
        (
            "123456789012345678901234567890",
            Float(1.2345678901234568e+29_f64),
        ),
        ("0x7fffffffffffffff", Int(9223372036854775807)),
        ("0x8000000000000000", Float(9.223372036854776e+18_f64)),
    ];
    assert!(cases.len() >= 60);
    for (text, expected) in cases {
        let doc = load(&format!("v: {text}\n"));
        let got = &get(&doc, "v").value;
        assert_eq!(got, &expected, "v: {text}");
        // The public resolver agrees with the loader.
        assert_eq!(&resolve_plain(text), &expected, "resolve_plain({text:?})");
    }
}

/// Thousands of generated strings, resolved by PyYAML (testdata/resolve_fuzz.tsv:
/// text, kind, Python value).
#[test]
fn plain_scalars_match_pyyaml_fuzz_table() {
    use super::resolve::{Plain, classify_plain};
    let table = include_str!("testdata/resolve_fuzz.tsv");
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.is_empty()) {
        let mut parts = line.split('\t');
        let (text, kind, py) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let got = classify_plain(text);
        let ok = match (kind, &got) {
            ("str", Plain::Value(Str(s))) => s == py,
            ("int", Plain::Value(Int(i))) => i.to_string() == py,
            ("float", Plain::Value(Float(f))) => {
                let want: f64 = py.parse().unwrap_or(f64::NAN);
                (want.is_nan() && f.is_nan()) || want == *f
            }
            ("bool", Plain::Value(Bool(b))) => (if *b { "True" } else { "False" }) == py,
            ("null", Plain::Value(Null)) => true,
            ("merge", Plain::Merge) | ("value", Plain::ValueKey) | ("error", Plain::BadInt) => true,
            _ => false,
        };
        assert!(ok, "{text:?}: PyYAML gives {kind} {py:?}, we give {got:?}");
        checked += 1;
    }
    assert!(checked > 5000);
}

#[test]
fn quoted_and_block_scalars_are_always_strings() {
    let doc = load("a: '12'\nb: \"yes\"\nc: |\n  12\nd: >-\n  null\ne: 'null'\n");
    assert_eq!(get(&doc, "a").value, Str("12".into()));
    assert_eq!(get(&doc, "b").value, Str("yes".into()));
    assert_eq!(get(&doc, "c").value, Str("12\n".into()));
    assert_eq!(get(&doc, "d").value, Str("null".into()));
    assert_eq!(get(&doc, "e").value, Str("null".into()));
}

#[test]
fn explicit_core_tags() {
    // AnsibleLoader: {a: 31, b: 1000.0, c: True, d: None, e: '12', f: 12.0}
    let doc = load(
        "a: !!int \"0x1F\"\nb: !!float 1e3\nc: !!bool yes\nd: !!null x\ne: !!str 12\nf: !!float \"12\"\ng: !!str\nh: !<tag:yaml.org,2002:str> 5\ni: ! 12\n",
    );
    assert_eq!(get(&doc, "a").value, Int(31));
    assert_eq!(get(&doc, "b").value, Float(1000.0));
    assert_eq!(get(&doc, "c").value, Bool(true));
    assert_eq!(get(&doc, "d").value, Null);
    assert_eq!(get(&doc, "e").value, Str("12".into()));
    assert_eq!(get(&doc, "f").value, Float(12.0));
    assert_eq!(get(&doc, "g").value, Str(String::new()));
    assert_eq!(get(&doc, "h").value, Str("5".into()));
    assert_eq!(get(&doc, "i").value, Int(12));
}

#[test]
fn explicit_collection_tags() {
    let doc = load("a: !!map {x: 1}\nb: !!seq [1]\nc: !!set {x, y}\nd: !!omap [{x: 1}, {y: 2}]\n");
    assert_eq!(get(&doc, "a").as_map().map(|m| m.len()), Some(1));
    assert_eq!(get(&doc, "b").as_seq().map(<[Node]>::len), Some(1));
    assert!(get(get(&doc, "c"), "y").is_null());
    let pairs = get(&doc, "d").as_seq().unwrap_or(&[]);
    assert_eq!(pairs.len(), 2);
    assert_eq!(
        pairs[1].as_seq().map(|p| p[0].value.clone()),
        Some(Str("y".into()))
    );
}

/// AnsibleLoader: `!unsafe` re-resolves the scalar (so `!unsafe 12` and even
/// `!unsafe "12"` are ints) and marks every string inside a tagged collection, keys too.
#[test]
fn unsafe_tag() {
    let doc = load(
        "a: !unsafe 12\nb: !unsafe \"12\"\nc: !unsafe yes\nd: !unsafe '{{ x }}'\ne: !unsafe {x: 1, y: [z, 2]}\nf: plain\ng: !unsafe\n",
    );
    assert_eq!(get(&doc, "a").value, Int(12));
    assert_eq!(get(&doc, "b").value, Int(12));
    assert_eq!(get(&doc, "c").value, Bool(true));
    assert_eq!(get(&doc, "d").value, Value::Unsafe("{{ x }}".into()));
    let e = get(&doc, "e").as_map().cloned().unwrap_or_default();
    let (k, v) = &e.entries[1];
    assert_eq!(k.value, Value::Unsafe("y".into()));
    let items = v.as_seq().unwrap_or(&[]);
    assert_eq!(items[0].value, Value::Unsafe("z".into()));
    assert_eq!(items[1].value, Int(2));
    assert_eq!(get(&doc, "f").value, Str("plain".into()));
    assert!(get(&doc, "g").is_null());
}

#[test]
fn vault_tag_keeps_the_ciphertext() {
    // AnsibleLoader: EncryptedString(ciphertext='$ANSIBLE_VAULT;1.1;AES256\n3132\n')
    let doc = load("a: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n");
    assert_eq!(
        get(&doc, "a").value,
        Value::Vault("$ANSIBLE_VAULT;1.1;AES256\n3132\n".into())
    );
}
