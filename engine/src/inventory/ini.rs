//! The INI inventory format, following ansible-core 2.19's `ini` plugin line by line:
//! `[group]`, `[group:vars]`, `[group:children]`, hosts before any section in
//! `ungrouped`, `host k=v` (split like `shlex`), values read as Python literals.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use regex::Regex;

use super::Inventory;
use super::address::expand_hostpattern;
use super::pyliteral::ini_value;
use super::shlex;
use crate::source::{SourceError, SourceFile, Span};

#[derive(Clone, Copy, PartialEq)]
enum State {
    Hosts,
    Vars,
    Children,
}

/// A group named by `[g:vars]` or `[p:children]` before its own section.
struct Pending {
    span: Span,
    state: State,
    parents: Vec<String>,
}

struct Line<'a> {
    file: &'a Arc<SourceFile>,
    /// Byte offset of the trimmed line in the file.
    offset: usize,
    number: u32,
    text: &'a str,
}

impl Line<'_> {
    /// The span of byte `at` of the trimmed line.
    fn span(&self, at: usize) -> Span {
        let text = &self.file.text;
        let line_start = text[..self.offset].rfind('\n').map_or(0, |i| i + 1);
        let mut end = (self.offset + at).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text[line_start..end].chars().count() as u32 + 1;
        Span::new(self.file.clone(), end, self.number, col)
    }

    fn error(&self, at: usize, message: impl Into<String>) -> SourceError {
        SourceError::new(&self.span(at), message)
    }
}

fn section_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        // Invariant: a constant pattern; every test compiles it.
        Regex::new(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
            .unwrap_or_else(|e| panic!("section pattern: {e}"))
    })
}

fn groupname_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        // Invariant: a constant pattern; every test compiles it.
        Regex::new(r"^([^:\]\s]+)\s*(?:#.*)?$").unwrap_or_else(|e| panic!("group pattern: {e}"))
    })
}

/// Reads the INI inventory `file` into `inv`.
pub fn parse(
    inv: &mut Inventory,
    file: &Arc<SourceFile>,
    source: &Path,
) -> Result<(), SourceError> {
    let mut pending: IndexMap<String, Pending> = IndexMap::new();
    let mut group = "ungrouped".to_string();
    let mut state = State::Hosts;
    let mut line_start = 0;
    for (index, raw) in file.text.split('\n').enumerate() {
        let start = line_start;
        line_start += raw.len() + 1;
        let text = raw.trim();
        if text.is_empty() || text.starts_with(['#', ';']) {
            continue;
        }
        let lead = raw.len() - raw.trim_start().len();
        let line = Line {
            file,
            offset: start + lead,
            number: index as u32 + 1,
            text,
        };
        if let Some(c) = section_re().captures(text) {
            let name = c[1].to_string();
            let tag = c.get(2).map(|m| m.as_str());
            state = match tag {
                None | Some("hosts") => State::Hosts,
                Some("vars") => State::Vars,
                Some("children") => State::Children,
                Some(other) => {
                    return Err(line
                        .error(
                            1 + name.len() + 1,
                            format!("Section [{name}:{other}] has unknown type: {other}"),
                        )
                        .with_help("a section is [group], [group:vars] or [group:children]"));
                }
            };
            if !inv.groups.contains_key(&name) {
                if state == State::Vars && !pending.contains_key(&name) {
                    let p = Pending {
                        span: line.span(0),
                        state,
                        parents: Vec::new(),
                    };
                    pending.insert(name.clone(), p);
                }
                inv.add_group(&name, &line.span(1))?;
            }
            if state != State::Vars
                && let Some(p) = pending.get(&name)
            {
                if p.state == State::Children {
                    add_pending_children(inv, &name, &mut pending)?;
                } else {
                    pending.shift_remove(&name);
                }
            }
            group = name;
            continue;
        }
        if text.starts_with('[') && text.ends_with(']') {
            return Err(line.error(
                0,
                format!(
                    "Invalid section entry: '{text}'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters"
                ),
            ));
        }
        match state {
            State::Hosts => parse_host_line(inv, &line, &group, source)?,
            State::Vars => {
                let Some((k, v)) = text.split_once('=') else {
                    return Err(line.error(0, format!("Expected key=value, got: {text}")));
                };
                let value_at = k.len() + 1 + (v.len() - v.trim_start().len());
                let value = ini_value(v.trim(), &line.span(value_at))
                    .map_err(|e| line.error(value_at, e))?;
                inv.set_group_var(&group, k.trim(), value)?;
            }
            State::Children => {
                let Some(c) = groupname_re().captures(text) else {
                    return Err(line.error(0, format!("Expected group name, got: {text}")));
                };
                let child = c[1].to_string();
                if inv.groups.contains_key(&child) {
                    inv.add_child(&group, &child, &line.span(0))?;
                } else if let Some(p) = pending.get_mut(&child) {
                    p.parents.push(group.clone());
                } else {
                    let p = Pending {
                        span: line.span(0),
                        state,
                        parents: vec![group.clone()],
                    };
                    pending.insert(child, p);
                }
            }
        }
    }
    if let Some((name, p)) = pending.first() {
        let message = match p.state {
            State::Vars => format!("Section [{name}:vars] not valid for undefined group '{name}'."),
            _ => format!(
                "Section [{}:children] includes undefined group '{name}'.",
                p.parents.last().map_or("", String::as_str)
            ),
        };
        return Err(SourceError::new(&p.span, message).with_help(format!(
            "define the group with a [{name}] or [{name}:children] section"
        )));
    }
    Ok(())
}

fn add_pending_children(
    inv: &mut Inventory,
    group: &str,
    pending: &mut IndexMap<String, Pending>,
) -> Result<(), SourceError> {
    let Some(p) = pending.get(group) else {
        return Ok(());
    };
    let (parents, span) = (p.parents.clone(), p.span.clone());
    for parent in &parents {
        inv.add_child(parent, group, &span)?;
        if pending
            .get(parent)
            .is_some_and(|pp| pp.state == State::Children)
        {
            add_pending_children(inv, parent, pending)?;
        }
    }
    pending.shift_remove(group);
    Ok(())
}

fn parse_host_line(
    inv: &mut Inventory,
    line: &Line,
    group: &str,
    source: &Path,
) -> Result<(), SourceError> {
    let tokens = shlex::split(line.text).map_err(|e| {
        line.error(
            0,
            format!("Error parsing host definition '{}': {e}", line.text),
        )
    })?;
    let Some(first) = tokens.first() else {
        return Err(line.error(0, "Expected a host name"));
    };
    let pattern = &first.text;
    // A bad range is reported at its opening bracket, where the user must look.
    let (names, port) = expand_hostpattern(pattern)
        .map_err(|e| line.error(first.offset + pattern.find('[').unwrap_or(0), e))?;
    if pattern.trim().ends_with(':') && port.is_none() {
        return Err(line.error(
            first.offset,
            format!(
                "Invalid host pattern '{pattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port."
            ),
        ));
    }
    if names.iter().any(|n| n.trim() == "---") {
        return Err(line.error(
            first.offset,
            format!("Invalid host pattern '{pattern}' supplied, '---' is normally a sign this is a YAML file."),
        ));
    }
    let mut vars = Vec::new();
    for t in &tokens[1..] {
        let Some((k, v)) = t.text.split_once('=') else {
            return Err(line
                .error(
                    t.offset,
                    format!(
                        "Expected key=value host variable assignment, got: {}",
                        t.text
                    ),
                )
                .with_help(
                    "host variables are written name=value; quote values that contain spaces",
                ));
        };
        // The value's position: the token's start plus the key and `=` (quotes in
        // the key would shift it, which INI keys do not have in practice).
        let span = line.span((t.offset + k.len() + 1).min(line.text.len()));
        let value = ini_value(v, &span).map_err(|e| SourceError::new(&span, e))?;
        vars.push((k.to_string(), value));
    }
    let span = line.span(first.offset);
    for name in &names {
        inv.add_host(name, Some(group), port, &span, Some(source))?;
        for (k, v) in &vars {
            inv.set_host_var(name, k, v.clone())?;
        }
    }
    Ok(())
}
