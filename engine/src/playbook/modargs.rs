//! Finding a task's action and arguments, as Ansible's `parsing/mod_args.py`:
//! `module: {args}`, `module: k=v`, `action: module k=v`, `local_action:`, `args:`.

use super::keywords::TASK;
use super::modspec;
use super::splitter::{parse_kv, split_args};
use crate::source::{SourceError, Span};
use crate::yaml::{Mapping, Node, Value};

/// The action of a task and its arguments in dict form.
#[derive(Debug, Clone)]
pub struct ParsedAction {
    /// As written (`debug`, `ansible.builtin.debug`).
    pub written: String,
    /// Canonical FQCN.
    pub fqcn: String,
    pub span: Span,
    pub args: Mapping,
    /// `localhost` for `local_action:`.
    pub delegate_to: Option<Node>,
    /// The task key that named the module (None for `action:`/`local_action:`).
    pub module_key: Option<String>,
}

fn str_node(text: impl Into<String>, span: &Span) -> Node {
    Node::new(Value::Str(text.into()), span.clone())
}

fn kv_mapping(text: &str, check_raw: bool, span: &Span) -> Mapping {
    let mut m = Mapping::default();
    let locate = TokenLocator::new(text, span);
    let mut from = 0;
    for (k, v) in parse_kv(text, check_raw) {
        let (key_span, value_span) = match locate.find(&format!("{k}="), from) {
            Some((at, key_span)) => {
                from = at + k.len() + 1;
                (
                    key_span,
                    locate.span_at(from).unwrap_or_else(|| span.clone()),
                )
            }
            None => (span.clone(), span.clone()),
        };
        m.insert(str_node(k, &key_span), str_node(v, &value_span));
    }
    m
}

/// Spans of pieces of a one-line `k=v` string, when the string appears verbatim in the
/// source at its node's span (plain or simply quoted); otherwise the node's span.
struct TokenLocator<'a> {
    text: &'a str,
    span: &'a Span,
    /// Bytes between the span's offset and the string's first character (a quote).
    lead: Option<usize>,
}

impl<'a> TokenLocator<'a> {
    fn new(text: &'a str, span: &'a Span) -> Self {
        let src = span.file.text.get(span.offset..).unwrap_or("");
        let lead = if text.contains('\n') || span.is_synthetic() {
            None
        } else if src.starts_with(text) {
            Some(0)
        } else if (src.starts_with('"') || src.starts_with('\'')) && src[1..].starts_with(text) {
            Some(1)
        } else {
            None
        };
        TokenLocator { text, span, lead }
    }

    /// The byte index of `needle` in the text at or after `from`, and its span.
    fn find(&self, needle: &str, from: usize) -> Option<(usize, Span)> {
        let at = from + self.text.get(from..)?.find(needle)?;
        Some((at, self.span_at(at)?))
    }

    fn span_at(&self, at: usize) -> Option<Span> {
        let lead = self.lead?;
        let chars = self.text.get(..at)?.chars().count() as u32;
        let mut s = self.span.clone();
        s.offset += lead + at;
        s.col += lead as u32 + chars;
        Some(s)
    }
}

/// Splits `"copy src=a dest=b"` into the module name and its argument text.
fn split_module_string(text: &str) -> (String, String) {
    let tokens = split_args(text);
    let mut it = tokens.into_iter();
    let first = it.next().unwrap_or_default();
    (first.trim().to_string(), it.collect::<Vec<_>>().join(" "))
}

/// Whether a task key is a keyword rather than a module name.
fn is_task_keyword(key: &str) -> bool {
    TASK.contains(&key) || key == "static" || key.starts_with("with_")
}

/// The args of `action:`/`local_action:` (old style: the module name is inside).
fn old_style(thing: &Node) -> Result<(String, Mapping), SourceError> {
    match &thing.value {
        Value::Str(s) | Value::Unsafe(s) => {
            let (action, rest) = split_module_string(s);
            let check_raw = modspec::is_free_form(&action);
            Ok((action, kv_mapping(&rest, check_raw, &thing.span)))
        }
        Value::Map(m) => {
            let Some(module) = m.get("module").and_then(Node::as_str) else {
                return Err(SourceError::new(
                    &thing.span,
                    "no module/action detected in task.",
                ));
            };
            let (action, rest) = split_module_string(module);
            let mut args = Mapping::default();
            for (k, v) in m.iter() {
                if k.as_str() != Some("module") {
                    args.insert(k.clone(), v.clone());
                }
            }
            for (k, v) in kv_mapping(&rest, modspec::is_free_form(&action), &thing.span).entries {
                args.insert(k, v);
            }
            Ok((action, args))
        }
        _ => Err(SourceError::new(
            &thing.span,
            format!("unexpected parameter type in action: {}", thing.kind_name()),
        )),
    }
}

/// The args of `module: thing` (new style).
fn new_style(action: &str, thing: &Node) -> Result<Mapping, SourceError> {
    match &thing.value {
        Value::Map(m) => Ok(m.clone()),
        Value::Str(s) | Value::Unsafe(s) => {
            Ok(kv_mapping(s, modspec::is_free_form(action), &thing.span))
        }
        Value::Vault(_) => {
            let mut m = Mapping::default();
            m.insert(str_node("_raw_params", &thing.span), thing.clone());
            Ok(m)
        }
        Value::Null => Ok(Mapping::default()),
        _ => Err(SourceError::new(
            &thing.span,
            format!("unexpected parameter type in action: {}", thing.kind_name()),
        )),
    }
}

/// `args:` as the base of the final arguments.
fn additional_args(task: &Mapping) -> Result<Mapping, SourceError> {
    let Some(args) = task.get("args") else {
        return Ok(Mapping::default());
    };
    match &args.value {
        Value::Map(m) => Ok(m.clone()),
        Value::Null => Ok(Mapping::default()),
        Value::Str(s) if s.trim_start().starts_with("{{") && s.trim_end().ends_with("}}") => {
            let mut m = Mapping::default();
            m.insert(str_node("_variable_params", &args.span), args.clone());
            Ok(m)
        }
        _ => Err(SourceError::new(
            &args.span,
            "The value of the task `args` keyword is invalid.",
        )
        .with_help("A mapping or template which resolves to a mapping is required.")),
    }
}

fn merged(mut base: Mapping, args: Mapping) -> Mapping {
    for (k, v) in args.entries {
        base.insert(k, v);
    }
    base
}

fn resolve_or_err(written: &str, span: &Span) -> Result<String, SourceError> {
    let short = written
        .strip_prefix("ansible.builtin.")
        .or_else(|| written.strip_prefix("ansible.legacy."))
        .unwrap_or(written);
    if short == "include" {
        return Err(SourceError::new(
            span,
            "The 'ansible.builtin.include' action plugin has been removed. Use include_tasks \
             or import_tasks instead. This feature was removed from ansible-core in a release \
             after 2023-05-16.",
        ));
    }
    modspec::resolve(written).ok_or_else(|| unknown_action(written, span))
}

fn unknown_action(name: &str, span: &Span) -> SourceError {
    let err = SourceError::new(
        span,
        format!(
            "couldn't resolve module/action '{name}'. This often indicates a misspelling, \
             missing collection, or incorrect module path."
        ),
    );
    // A misspelled keyword (`whenn`) or module (`debg`): suggest whichever is closer.
    let module = modspec::suggest(name);
    let keyword = super::keywords::closest(name, TASK.iter().copied());
    let score = |s: Option<&str>| s.map_or(0.0, |s| strsim::jaro_winkler(name, s));
    let hint = if score(keyword) > score(module) {
        keyword
    } else {
        module
    };
    match hint {
        Some(h) => err.with_help(format!("did you mean '{h}'?")),
        None => err,
    }
}

/// Finds the action of the task mapping `task` (located at `span`).
pub fn parse_action(task: &Mapping, span: &Span) -> Result<ParsedAction, SourceError> {
    let base = additional_args(task)?;
    let mut found: Option<ParsedAction> = None;
    if let Some(thing) = task.get("action") {
        let (written, args) = old_style(thing)?;
        let fqcn = resolve_or_err(&written, &thing.span)?;
        found = Some(ParsedAction {
            written,
            fqcn,
            span: thing.span.clone(),
            args: merged(base.clone(), args),
            delegate_to: None,
            module_key: None,
        });
    }
    if let Some(thing) = task.get("local_action") {
        if found.is_some() {
            return Err(SourceError::new(
                span,
                "action and local_action are mutually exclusive",
            ));
        }
        let (written, args) = old_style(thing)?;
        let fqcn = resolve_or_err(&written, &thing.span)?;
        found = Some(ParsedAction {
            written,
            fqcn,
            span: thing.span.clone(),
            args: merged(base.clone(), args),
            delegate_to: Some(str_node("localhost", &thing.span)),
            module_key: None,
        });
    }
    // Every non-keyword key is a candidate action; two of them conflict before any is
    // resolved (Ansible parses once without validating names first).
    let candidates: Vec<(&Node, &Node, String)> = task
        .iter()
        .filter_map(|(k, v)| k.key_string().map(|s| (k, v, s)))
        .filter(|(_, _, s)| !is_task_keyword(s))
        .collect();
    let first_written = found.as_ref().map(|f| f.written.clone());
    let mut previous = first_written;
    for (key_node, _, key) in &candidates {
        if let Some(prev) = &previous {
            return Err(SourceError::new(
                &key_node.span,
                format!("conflicting action statements: {prev}, {key}"),
            ));
        }
        previous = Some(key.clone());
    }
    if let Some((key_node, value, key)) = candidates.into_iter().next() {
        let fqcn = resolve_or_err(&key, &key_node.span)?;
        let args = new_style(&key, value)?;
        found = Some(ParsedAction {
            written: key.clone(),
            fqcn,
            span: key_node.span.clone(),
            args: merged(base, args),
            delegate_to: None,
            module_key: Some(key),
        });
    }
    let Some(parsed) = found else {
        return Err(SourceError::new(span, "no module/action detected in task."));
    };
    if !modspec::is_free_form(&parsed.fqcn) {
        for (k, _) in parsed.args.iter() {
            if let Some(name) = k.as_str().filter(|n| n.starts_with("_ansible_")) {
                return Err(SourceError::new(
                    &k.span,
                    format!(
                        "Invalid parameter specified beginning with keyword '_ansible_' for \
                         action '{}': '{}'. The prefix '_ansible_' is reserved for internal \
                         use only.",
                        parsed.written, name
                    ),
                ));
            }
        }
    }
    Ok(parsed)
}
