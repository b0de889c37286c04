//! minijinja errors as Ansible words them, located at the template's node.

use std::sync::Arc;

use minijinja::{Error, ErrorKind, Value};

use super::Templar;
use super::convert::py_type_name;
use super::render::TemplateMeta;
use super::scope::{Scope, take_nested_error};
use crate::source::{SourceError, Span};

/// Prefixes of messages our own filters, tests and lookups produce, shown as they are.
const OWN_PREFIXES: &[&str] = &[
    "The filter plugin",
    "The test plugin",
    "The lookup plugin",
    "Recursive loop",
    "Mandatory variable",
    "No variable named",
    "'",
];

/// Adds the offending template text as help.
pub(super) fn with_template(err: SourceError, text: &str) -> SourceError {
    let shown: String = if text.chars().count() > 200 {
        text.chars().take(200).chain("...".chars()).collect()
    } else {
        text.to_string()
    };
    err.with_help(format!("The template was: {shown}"))
}

pub(super) fn to_source_error(
    templar: &Templar,
    err: Error,
    text: &str,
    span: &Span,
    col_shift: u32,
    ctx: Option<(&Arc<Scope>, &TemplateMeta)>,
) -> SourceError {
    let detail = err.detail().unwrap_or_default().to_string();
    // A variable that failed to template inside this one: report it whole (its own
    // file and line), if this error is that failure.
    let printed_undefined_var = detail == "value of type undefined is not callable";
    if let Some(nested) =
        take_nested_error().filter(|n| printed_undefined_var || detail.starts_with(&n.message))
    {
        return nested;
    }
    let undefined_expr = detail
        .split('`')
        .nth(1)
        .filter(|_| detail.contains("` is undefined"));
    let mandatory = super::filters::take_mandatory_failure();
    let message = match err.kind() {
        _ if mandatory.is_some() => {
            let root = undefined_expr.map(|e| split_path(e).into_iter().next().unwrap_or_default());
            let msg = mandatory.flatten().unwrap_or_else(|| {
                format!(
                    "Mandatory variable '{}' not defined.",
                    root.unwrap_or_default()
                )
            });
            format!("The filter plugin 'ansible.builtin.mandatory' failed: {msg}")
        }
        ErrorKind::SyntaxError => format!("Syntax error in template: {detail}"),
        ErrorKind::InvalidOperation if OWN_PREFIXES.iter().any(|p| detail.starts_with(p)) => {
            // Our own errors may carry minijinja's note about an undefined value.
            detail.split(" (`").next().unwrap_or(&detail).to_string()
        }
        kind if kind == ErrorKind::UndefinedError || undefined_expr.is_some() => match ctx {
            Some((scope, meta)) => describe_undefined(templar, &detail, scope, meta),
            None => "undefined variable".to_string(),
        },
        ErrorKind::UnknownFilter => format!(
            "Syntax error in template: No filter named '{}'.",
            name_in(&detail)
        ),
        ErrorKind::UnknownTest => format!(
            "Syntax error in template: No test named '{}'.",
            name_in(&detail)
        ),
        _ if detail.is_empty() => format!("Error rendering template: {}", err.kind()),
        _ => format!("Error rendering template: {detail}"),
    };
    let mut at = span.clone();
    let mut message = message;
    if let Some(line) = err.line().filter(|l| *l > 1) {
        match block_scalar_line(span, line as u32) {
            Some((l, c)) => {
                at.line = l;
                at.col = c;
            }
            None => message.push_str(&format!(" (line {line} of the template)")),
        }
    } else if let Some(col) = err
        .range()
        .filter(|_| col_shift == 0 && err.kind() == ErrorKind::SyntaxError)
        .and_then(|r| inline_column(span, text, r.start))
    {
        at.col = col;
    }
    with_template(SourceError::new(&at, message), text)
}

/// For a template written on one line (plain or quoted scalar), the file column of byte
/// `offset` of the template — only when the file holds the template text verbatim up to
/// there (no escapes), so the column is exact.
fn inline_column(span: &Span, text: &str, offset: usize) -> Option<u32> {
    let head = text.get(..offset)?;
    let src = span.file.text.get(span.offset..)?;
    let skip = usize::from(src.starts_with('"') || src.starts_with('\''));
    let written = src.get(skip..skip + head.len())?;
    (written == head && !head.contains('\n'))
        .then(|| span.col + skip as u32 + head.chars().count() as u32)
}

/// The name in minijinja's "filter NAME is unknown".
fn name_in(detail: &str) -> &str {
    detail.split(' ').nth(1).unwrap_or(detail)
}

/// For a template written as a YAML block scalar (`|` / `>`), the file position of the
/// template's `line`.
fn block_scalar_line(span: &Span, line: u32) -> Option<(u32, u32)> {
    let text = &span.file.text;
    let rest = text.get(span.offset..)?;
    if !(rest.starts_with('|') || rest.starts_with('>')) {
        return None;
    }
    let file_line = span.line + line;
    let content = span.file.line_text(file_line)?;
    let indent = content.len() - content.trim_start().len();
    Some((file_line, indent as u32 + 1))
}

/// Ansible's message for an undefined value: `'foo' is undefined` for a missing variable,
/// `object of type 'dict' has no attribute 'x'` for a missing key.
fn describe_undefined(
    templar: &Templar,
    detail: &str,
    scope: &Arc<Scope>,
    meta: &TemplateMeta,
) -> String {
    // minijinja names the expression in its detail: "`foo.bar` is undefined".
    let mut candidates: Vec<String> = Vec::new();
    if let Some(expr) = detail.split('`').nth(1) {
        candidates.push(expr.to_string());
    }
    candidates.extend(meta.paths.iter().cloned());
    for path in candidates {
        if let Some(msg) = explain_path(templar, &path, scope) {
            return msg;
        }
    }
    "undefined variable".to_string()
}

/// Walks `root.a.b["c"]` and describes the first missing step, if any.
fn explain_path(templar: &Templar, path: &str, scope: &Arc<Scope>) -> Option<String> {
    let mut parts = split_path(path).into_iter();
    let root = parts.next()?;
    if templar.inner.global_names.contains(root.as_str()) && !scope.contains(&root) {
        return None;
    }
    let mut value = match scope.resolve(&root, templar) {
        Ok(Some(v)) => v,
        Ok(None) => return Some(format!("'{root}' is undefined")),
        Err(e) => return Some(e.message),
    };
    for part in parts {
        let next = value
            .get_item(&Value::from(part.as_str()))
            .ok()
            .filter(|v| !v.is_undefined())
            .or_else(|| {
                part.parse::<i64>()
                    .ok()
                    .and_then(|i| value.get_item(&Value::from(i)).ok())
                    .filter(|v| !v.is_undefined())
            });
        match next {
            Some(v) => value = v,
            None => {
                let is_index =
                    part.parse::<i64>().is_ok() && value.kind() == minijinja::value::ValueKind::Seq;
                let shown = if is_index { part } else { format!("'{part}'") };
                return Some(format!(
                    "object of type '{}' has no attribute {shown}",
                    py_type_name(&value)
                ));
            }
        }
    }
    None
}

fn split_path(path: &str) -> Vec<String> {
    path.split(['.', '[', ']'])
        .map(|p| p.trim_matches(|c| c == '"' || c == '\''))
        .filter(|p| !p.is_empty() && *p != "...")
        .map(str::to_string)
        .collect()
}
