//! `--diff` output as Ansible's `CallbackBase._get_diff` prints a result's `diff`:
//! `difflib.unified_diff` with 3 lines of context and `before: path` headers.

use super::color::{Color, stringc};
use super::pyfmt::json_dumps;
use serde_json::{Map, Value};
use similar::{DiffOp, TextDiff};

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

/// `difflib.unified_diff(before, after, fromfile, tofile, '', '', n=3)` as a list of
/// lines, each ending in a newline.
fn unified_diff(before: &str, after: &str, from: &str, to: &str) -> Vec<String> {
    let old = diff_lines(before);
    let new = diff_lines(after);
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    let diff = TextDiff::from_slices(&old_refs, &new_refs);
    let groups = diff.grouped_ops(CONTEXT);
    let mut out = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        if index == 0 {
            out.push(format!("--- {from}\n"));
            out.push(format!("+++ {to}\n"));
        }
        let old_start = first.old_range().start;
        let old_end = last.old_range().end;
        let new_start = first.new_range().start;
        let new_end = last.new_range().end;
        out.push(format!(
            "@@ -{} +{} @@\n",
            hunk_range(old_start, old_end),
            hunk_range(new_start, new_end)
        ));
        for op in group {
            push_op(&mut out, op, &old, &new);
        }
    }
    out
}

fn push_op(out: &mut Vec<String>, op: &DiffOp, old: &[String], new: &[String]) {
    match *op {
        DiffOp::Equal { old_index, len, .. } => {
            for line in &old[old_index..old_index + len] {
                out.push(format!(" {line}"));
            }
        }
        DiffOp::Delete {
            old_index, old_len, ..
        } => {
            for line in &old[old_index..old_index + old_len] {
                out.push(format!("-{line}"));
            }
        }
        DiffOp::Insert {
            new_index, new_len, ..
        } => {
            for line in &new[new_index..new_index + new_len] {
                out.push(format!("+{line}"));
            }
        }
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => {
            for line in &old[old_index..old_index + old_len] {
                out.push(format!("-{line}"));
            }
            for line in &new[new_index..new_index + new_len] {
                out.push(format!("+{line}"));
            }
        }
    }
}

/// difflib's `_format_range_unified`: `start,len`, just `start` for one line, and
/// `start-1,0` for an empty range.
fn hunk_range(start: usize, end: usize) -> String {
    let len = end - start;
    let beginning = start + 1;
    match len {
        1 => format!("{beginning}"),
        0 => format!("{},0", beginning - 1),
        _ => format!("{beginning},{len}"),
    }
}
