//! Host patterns as `InventoryManager.get_hosts` evaluates them: split on commas (or
//! colons), regular patterns first, then `&` intersections, then `!` exclusions; each
//! pattern matches group names first and host names when it is a glob/regex or matched
//! no group; `[i]`/`[a:b]` subscripts; `--limit` filters the result.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

use super::address::parse_address;
use super::{Inventory, LOCALHOST_NAMES};
use crate::source::SourceError;

/// The hosts a pattern selects, and the warnings Ansible prints while selecting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub hosts: Vec<String>,
    /// e.g. "Could not match supplied host pattern, ignoring: web9"
    pub warnings: Vec<String>,
}

/// `split_host_pattern`: commas split when present; otherwise a valid address
/// (IPv6, `host:port`, `web[1:3]`) stays whole and anything else splits on `:`.
pub fn split_host_pattern(pattern: &str) -> Vec<String> {
    static SPLIT: OnceLock<Regex> = OnceLock::new();
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(str::to_string).collect()
    } else if parse_address(pattern, true).is_some() {
        vec![pattern.to_string()]
    } else {
        let re = SPLIT.get_or_init(|| {
            // Invariant: a constant pattern; every test compiles it.
            Regex::new(r"(?:[^\s:\[\]]|\[[^\]]*\])+")
                .unwrap_or_else(|e| panic!("split pattern: {e}"))
        });
        re.find_iter(pattern)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn order_patterns(patterns: &[String]) -> Vec<String> {
    let mut regular = Vec::new();
    let mut intersect = Vec::new();
    let mut exclude = Vec::new();
    for p in patterns.iter().filter(|p| !p.is_empty()) {
        match p.as_bytes()[0] {
            b'!' => exclude.push(p.clone()),
            b'&' => intersect.push(p.clone()),
            _ => regular.push(p.clone()),
        }
    }
    if regular.is_empty() {
        regular.push("all".to_string());
    }
    regular
        .into_iter()
        .chain(intersect)
        .chain(exclude)
        .collect()
}

/// A subscript `[i]` or `[a:b]` (`[a:]` = to the end).
#[derive(Debug, Clone, Copy)]
enum Subscript {
    Index(i64),
    /// `[a:b]`; `true` when written with the removed `[a-b]` form.
    Range(usize, Option<usize>, bool),
}

fn split_subscript(pattern: &str) -> (&str, Option<Subscript>) {
    static SUB: OnceLock<Regex> = OnceLock::new();
    if pattern.starts_with('~') {
        return (pattern, None);
    }
    let re = SUB.get_or_init(|| {
        // Invariant: a constant pattern; every test compiles it.
        Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")
            .unwrap_or_else(|e| panic!("subscript pattern: {e}"))
    });
    let Some(c) = re.captures(pattern) else {
        return (pattern, None);
    };
    let expr = c.get(1).map_or(pattern, |m| m.as_str());
    if let Some(idx) = c.get(2).and_then(|m| m.as_str().parse().ok()) {
        return (expr, Some(Subscript::Index(idx)));
    }
    let start = c.get(3).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
    let end = c.get(5).and_then(|m| m.as_str().parse().ok());
    let dash = c.get(4).is_some_and(|m| m.as_str() == "-");
    (expr, Some(Subscript::Range(start, end, dash)))
}

/// `_apply_subscript`; `None` where Python raises IndexError.
fn apply_subscript(hosts: Vec<String>, sub: Option<Subscript>) -> Option<Vec<String>> {
    let Some(sub) = sub.filter(|_| !hosts.is_empty()) else {
        return Some(hosts);
    };
    let n = hosts.len();
    // Python: `if end:` — a missing end is -1 (to the last host); an end of 0 is falsy,
    // so `[a:0]` acts as the single index `[a]`.
    let index = match sub {
        Subscript::Index(i) => i,
        Subscript::Range(start, Some(0), _) => start as i64,
        Subscript::Range(start, end, _) => {
            let end = end.unwrap_or(n - 1);
            let stop = (end + 1).min(n);
            return Some(if start >= stop {
                Vec::new()
            } else {
                hosts[start..stop].to_vec()
            });
        }
    };
    let idx = if index < 0 { n as i64 + index } else { index };
    if idx < 0 || idx >= n as i64 {
        return None;
    }
    Some(vec![hosts[idx as usize].clone()])
}

/// `fnmatch.translate`: shell glob to an anchored regex.
fn glob_to_regex(pat: &str) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::from("(?s)^(?:");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                while i < chars.len() && chars[i] == '*' {
                    i += 1;
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                    continue;
                }
                let stuff: Vec<char> = chars[i..j].to_vec();
                i = j + 1;
                out.push_str(&char_class(&stuff));
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push_str(")$");
    out
}

fn char_class(stuff: &[char]) -> String {
    if stuff.is_empty() {
        return "[^\\s\\S]".to_string();
    }
    if stuff == ['!'] {
        return ".".to_string();
    }
    let (negate, body) = match stuff[0] {
        '!' => (true, &stuff[1..]),
        _ => (false, stuff),
    };
    let mut items = String::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            // Python drops reversed ranges such as `z-a`.
            if body[k] <= body[k + 2] {
                items.push_str(&format!(
                    "{}-{}",
                    regex::escape(&body[k].to_string()),
                    regex::escape(&body[k + 2].to_string())
                ));
            }
            k += 3;
        } else {
            items.push_str(&regex::escape(&body[k].to_string()));
            k += 1;
        }
    }
    match (negate, items.is_empty()) {
        (false, true) => "[^\\s\\S]".to_string(),
        (true, true) => ".".to_string(),
        (true, false) => format!("[^{items}]"),
        (false, false) => format!("[{items}]"),
    }
}

fn compile_pattern(pattern: &str) -> Result<Regex, SourceError> {
    let source = match pattern.strip_prefix('~') {
        Some(re) => format!("^(?:{re})"),
        None => glob_to_regex(pattern),
    };
    Regex::new(&source)
        .map_err(|_| SourceError::plain(format!("Invalid host list pattern: {pattern}")))
}

impl Inventory {
    /// The hosts `pattern` selects (after `--limit`), in Ansible's order, deduplicated.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, SourceError> {
        Ok(self.select_with_warnings(&[pattern])?.hosts)
    }

    /// Like [`Inventory::select`] for a play's `hosts:` list, with the warnings.
    /// An empty list selects nothing, but the pattern `""` selects `all` (Ansible).
    pub fn select_with_warnings(&self, patterns: &[&str]) -> Result<Selection, SourceError> {
        if patterns.is_empty() {
            return Ok(Selection::default());
        }
        let split: Vec<String> = patterns
            .iter()
            .flat_map(|p| split_host_pattern(p))
            .collect();
        let mut warnings = Vec::new();
        let mut hosts = self.evaluate(&split, &mut warnings)?;
        if let Some(subset) = &self.subset {
            let allowed: HashSet<String> =
                self.evaluate(subset, &mut warnings)?.into_iter().collect();
            hosts.retain(|h| allowed.contains(h));
        }
        let mut seen = HashSet::new();
        hosts.retain(|h| seen.insert(h.clone()));
        Ok(Selection { hosts, warnings })
    }

    /// `--limit`: patterns (comma/colon separated) and `@file` (one pattern per line,
    /// relative to `cwd`). Later `select` calls keep only hosts the limit selects.
    pub fn apply_limit(&mut self, limit: &str, cwd: &Path) -> Result<(), SourceError> {
        let mut results = Vec::new();
        for x in split_host_pattern(limit) {
            if let Some(file) = x.strip_prefix('@') {
                let path = cwd.join(file);
                if !path.exists() {
                    return Err(SourceError::plain(format!(
                        "Unable to find limit file {file}"
                    )));
                }
                if !path.is_file() {
                    return Err(SourceError::plain(format!(
                        "Limit starting with \"@\" must be a file, not a directory: {file}"
                    )));
                }
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    SourceError::plain(format!(
                        "could not read limit file '{}': {e}",
                        path.display()
                    ))
                })?;
                results.extend(text.split('\n').map(|l| l.trim().to_string()));
            } else {
                results.push(x);
            }
        }
        self.subset = Some(results);
        Ok(())
    }

    /// Removes the `--limit`.
    pub fn clear_limit(&mut self) {
        self.subset = None;
    }

    fn evaluate(
        &self,
        patterns: &[String],
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>, SourceError> {
        let mut hosts: Vec<String> = Vec::new();
        for p in order_patterns(patterns) {
            if self.hosts.contains_key(&p) {
                hosts.push(p);
                continue;
            }
            let that = self.match_one_pattern(&p, warnings)?;
            match p.as_bytes()[0] {
                b'!' => {
                    let that: HashSet<&String> = that.iter().collect();
                    hosts.retain(|h| !that.contains(h));
                }
                b'&' => {
                    let that: HashSet<&String> = that.iter().collect();
                    hosts.retain(|h| that.contains(h));
                }
                _ => {
                    let existing: HashSet<String> = hosts.iter().cloned().collect();
                    hosts.extend(that.into_iter().filter(|h| !existing.contains(h)));
                }
            }
        }
        Ok(hosts)
    }

    fn match_one_pattern(
        &self,
        pattern: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>, SourceError> {
        let bare = pattern.strip_prefix(['&', '!']).unwrap_or(pattern);
        let (expr, sub) = split_subscript(bare);
        if let Some(Subscript::Range(_, _, true)) = sub {
            warnings.push(
                "Use [x:y] inclusive subscripts instead of [x-y] which has been removed".into(),
            );
        }
        let hosts = self.enumerate_matches(expr, warnings)?;
        apply_subscript(hosts, sub).ok_or_else(|| {
            SourceError::plain(format!("No hosts matched the subscripted pattern '{bare}'"))
        })
    }

    fn enumerate_matches(
        &self,
        pattern: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<String>, SourceError> {
        let mut results = Vec::new();
        if pattern.is_empty() {
            return Ok(results);
        }
        let re = compile_pattern(pattern)?;
        let mut matched_group = false;
        for name in self.groups.keys().filter(|g| re.is_match(g)) {
            matched_group = true;
            results.extend(self.group_hosts(name));
        }
        let special = pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']);
        if !matched_group || special {
            results.extend(self.hosts.keys().filter(|h| re.is_match(h)).cloned());
        }
        if results.is_empty() && LOCALHOST_NAMES.contains(&pattern) {
            results.push(self.localhost(pattern).name.clone());
        }
        if results.is_empty() && !matched_group && pattern != "all" {
            warnings.push(format!(
                "Could not match supplied host pattern, ignoring: {pattern}"
            ));
        }
        Ok(results)
    }
}

/// A play's `order:` applied to its selected hosts (`get_hosts(order=...)`):
/// `inventory` (default), `reverse_inventory`, `sorted`, `reverse_sorted`, `shuffle`.
pub fn order_hosts(mut hosts: Vec<String>, order: Option<&str>) -> Result<Vec<String>, String> {
    match order {
        None | Some("inventory") => {}
        Some("reverse_inventory") => hosts.reverse(),
        Some("sorted") => hosts.sort(),
        Some("reverse_sorted") => {
            hosts.sort();
            hosts.reverse();
        }
        Some("shuffle") => {
            use rand::seq::SliceRandom;
            hosts.shuffle(&mut rand::rng());
        }
        Some(other) => {
            return Err(format!(
                "Invalid 'order' specified for inventory hosts: {other}"
            ));
        }
    }
    Ok(hosts)
}
