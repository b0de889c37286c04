//! The pure edits against every case recorded from ansible-core 2.19
//! (`fixtures/*.json`, made by `fixtures/rec2.py`).

use serde_json::Value;

use crate::files::blockinfile::{BlockParams, edit_block};
use crate::files::lineinfile::{LineParams, edit};

fn cases(text: &str) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(text).unwrap()
}

fn s(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_string)
}

fn b(args: &Value, key: &str) -> bool {
    args.get(key).and_then(Value::as_bool).unwrap_or(false)
}

#[test]
fn lineinfile_matches_recorded_ansible() {
    let mut checked = 0;
    for case in cases(include_str!("../fixtures/lineinfile.json")) {
        let name = case["name"].as_str().unwrap();
        let (Some(before), Some(after)) = (case["before"].as_str(), case["after"].as_str()) else {
            continue; // missing files: covered by the module tests
        };
        let args = &case["args"];
        let mut p = LineParams {
            present: s(args, "state").as_deref() != Some("absent"),
            regexp: s(args, "regexp"),
            search_string: s(args, "search_string"),
            line: s(args, "line"),
            insertafter: s(args, "insertafter"),
            insertbefore: s(args, "insertbefore"),
            backrefs: b(args, "backrefs"),
            firstmatch: b(args, "firstmatch"),
        };
        if p.insertafter.is_none() && p.insertbefore.is_none() {
            p.insertafter = Some("EOF".into());
        }
        match edit(before.as_bytes(), &p) {
            Ok(e) => {
                assert!(!case["failed"].as_bool().unwrap(), "{name}: should fail");
                assert_eq!(String::from_utf8(e.content).unwrap(), after, "{name}");
                assert_eq!(e.msg, case["msg"].as_str().unwrap(), "{name}");
                assert_eq!(e.changed, case["changed"].as_bool().unwrap(), "{name}");
            }
            Err(msg) => {
                assert!(case["failed"].as_bool().unwrap(), "{name}: {msg}");
                assert_eq!(msg, case["msg"].as_str().unwrap(), "{name}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 45, "only {checked} cases");
}

#[test]
fn blockinfile_matches_recorded_ansible() {
    let mut checked = 0;
    for case in cases(include_str!("../fixtures/blockinfile.json")) {
        let name = case["name"].as_str().unwrap();
        if case["failed"].as_bool().unwrap() {
            continue; // missing files: covered by the module tests
        }
        let args = &case["args"];
        let d = BlockParams::default();
        let p = BlockParams {
            present: s(args, "state").as_deref() != Some("absent"),
            block: s(args, "block").unwrap_or_default(),
            marker: s(args, "marker").unwrap_or(d.marker),
            marker_begin: s(args, "marker_begin").unwrap_or(d.marker_begin),
            marker_end: s(args, "marker_end").unwrap_or(d.marker_end),
            insertafter: s(args, "insertafter"),
            insertbefore: s(args, "insertbefore"),
            append_newline: b(args, "append_newline"),
            prepend_newline: b(args, "prepend_newline"),
        };
        let before = case["before"].as_str().map(str::as_bytes);
        let (content, msg, changed) = edit_block(before, &p).unwrap();
        assert_eq!(
            String::from_utf8(content).unwrap(),
            case["after"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(msg, case["msg"].as_str().unwrap(), "{name}");
        assert_eq!(changed, case["changed"].as_bool().unwrap(), "{name}");
        checked += 1;
    }
    assert!(checked >= 31, "only {checked} cases");
}
