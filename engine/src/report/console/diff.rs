//! `--diff` output as Ansible's `CallbackBase._get_diff` prints a result's `diff`:
//! `difflib.unified_diff` with 3 lines of context and `before: path` headers.

use super::color::{Color, stringc};
use super::pyfmt::json_dumps;
use serde_json::{Map, Value};

/// Lines of context around each change (Ansible's `DIFF_CONTEXT`).
const CONTEXT: usize = 3;

/// The text Ansible displays for a result's `diff` (a dict or a list of dicts); empty
/// when there is nothing to show.
pub fn render_diff(diff: &Value, color: bool) -> String {
    let entries: Vec<&Map<String, Value>> = match diff {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(map) => vec![map],
        _ => Vec::new(),
    };
    let mut out = String::new();
    for entry in entries {
        render_entry(&mut out, entry, color);
    }
    out
}

fn render_entry(out: &mut String, diff: &Map<String, Value>, color: bool) {
    if diff.contains_key("dst_binary") {
        out.push_str("diff skipped: destination file appears to be binary\n");
    }
    if diff.contains_key("src_binary") {
        out.push_str("diff skipped: source file appears to be binary\n");
    }
    for (key, what) in [("dst_larger", "destination"), ("src_larger", "source")] {
        if let Some(size) = diff.get(key) {
            out.push_str(&format!(
                "diff skipped: {what} file size is greater than {}\n",
                json_dumps(size, None)
            ));
        }
    }
    if let (Some(before), Some(after)) = (diff.get("before"), diff.get("after")) {
        let before_header = match diff.get("before_header") {
            Some(h) => format!("before: {}", header_text(h)),
            None => "before".to_string(),
        };
        let after_header = match diff.get("after_header") {
            Some(h) => format!("after: {}", header_text(h)),
            None => "after".to_string(),
        };
        let before = side_text(before);
        let after = side_text(after);
        let lines = unified_diff(&before, &after, &before_header, &after_header);
        let has_diff = !lines.is_empty();
        for line in lines {
            let line_color = if line.starts_with('+') {
                Some(Color::Green)
            } else if line.starts_with('-') {
                Some(Color::Red)
            } else if line.starts_with("@@") {
                Some(Color::Cyan)
            } else {
                None
            };
            match line_color {
                Some(c) if color => out.push_str(&stringc(&line, c)),
                _ => out.push_str(&line),
            }
        }
        if has_diff {
            out.push('\n');
        }
    }
    if let Some(Value::String(prepared)) = diff.get("prepared") {
        out.push_str(prepared);
    }
}

fn header_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => super::pyfmt::py_str(other),
    }
}

/// A side of the diff: dicts are serialised as indented JSON "files", `None` is empty.
fn side_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(_) => {
            // json.dumps(diff, sort_keys=True, indent=4, separators=(',', ': ')) + '\n'
            format!("{}\n", json_dumps(v, Some(4)))
        }
        other => super::pyfmt::py_str(other),
    }
}

/// `str.splitlines(True)` plus Ansible's "No newline at end of file" marker.
fn diff_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if let Some(last) = lines.last_mut().filter(|l| !l.ends_with('\n')) {
        last.push_str("\n\\ No newline at end of file\n");
    }
    lines
}

/// The diff lines of two texts as Ansible computes them.
fn unified_diff(before: &str, after: &str, from: &str, to: &str) -> Vec<String> {
    let old = diff_lines(before);
    let new = diff_lines(after);
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    super::difflib::unified_diff(&old_refs, &new_refs, from, to, CONTEXT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 160 random pairs (150 small ones over a tiny alphabet, where alignments are
    /// ambiguous, and 10 of 400 lines, where difflib's autojunk applies) with the
    /// output of Python's `difflib.unified_diff(..., n=3)`.
    #[test]
    fn hunks_match_python_difflib() {
        let cases: Vec<Value> =
            serde_json::from_str(include_str!("fixtures/difflib_cases.json")).unwrap();
        assert_eq!(cases.len(), 160);
        for c in &cases {
            let before = c["before"].as_str().unwrap();
            let after = c["after"].as_str().unwrap();
            let got: String = unified_diff(before, after, "before", "after").concat();
            assert_eq!(got, c["diff"].as_str().unwrap(), "{before:?} -> {after:?}");
        }
    }

    #[test]
    fn binary_and_size_notes_and_prepared_text() {
        let diff = json!([{"dst_binary": 1}, {"src_larger": 100}, {"prepared": "custom\n"}]);
        assert_eq!(
            render_diff(&diff, false),
            "diff skipped: destination file appears to be binary\n\
             diff skipped: source file size is greater than 100\n\
             custom\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let diff = json!({"before": "a", "after": "b"});
        assert_eq!(
            render_diff(&diff, false),
            "--- before\n+++ after\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n\n"
        );
    }
}
