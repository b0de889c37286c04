//! A small YAML emitter producing PyYAML's `safe_dump` text (sorted keys, indentless
//! sequences in mappings, `'quoted'` strings that would otherwise read as other types),
//! for `to_yaml` / `to_nice_yaml`.

use std::sync::LazyLock;

use minijinja::Value;
use minijinja::value::ValueKind;
use regex::Regex;

use super::convert::{is_mapping, py_float};

pub struct YamlStyle {
    pub indent: usize,
    /// `default_flow_style=None` (to_yaml): collections of scalars only are written
    /// `[1, 2]`; `false` (to_nice_yaml): always block style.
    pub flow_leaves: bool,
    pub sort_keys: bool,
    pub width: usize,
}

pub fn dump(v: &Value, style: &YamlStyle) -> String {
    let mut e = Emitter {
        out: String::new(),
        style,
    };
    if is_collection(v) && !is_empty_collection(v) && !(style.flow_leaves && all_scalars(v)) {
        e.block(v, 0);
    } else {
        let text = if is_collection(v) {
            e.flow(v, style.indent)
        } else {
            e.scalar(v, false, 0)
        };
        // PyYAML ends a plain top-level scalar with `...`; Ansible's to_yaml drops it
        // (recorded: `'a' | to_yaml` is "a\n").
        e.out.push_str(&text);
        e.out.push('\n');
    }
    e.out
}

struct Emitter<'a> {
    out: String,
    style: &'a YamlStyle,
}

fn is_collection(v: &Value) -> bool {
    matches!(
        v.kind(),
        ValueKind::Map | ValueKind::Seq | ValueKind::Iterable
    )
}

fn is_empty_collection(v: &Value) -> bool {
    is_collection(v) && v.try_iter().map(|mut i| i.next().is_none()).unwrap_or(true)
}

fn all_scalars(v: &Value) -> bool {
    entries(v).iter().all(|(_, x)| !is_collection(x))
}

/// (key, value) pairs of a mapping, or (None, item) of a sequence.
fn entries(v: &Value) -> Vec<(Option<Value>, Value)> {
    let Ok(iter) = v.try_iter() else {
        return Vec::new();
    };
    if is_mapping(v) {
        iter.map(|k| {
            let val = v.get_item(&k).unwrap_or_default();
            (Some(k), val)
        })
        .collect()
    } else {
        iter.map(|x| (None, x)).collect()
    }
}

impl Emitter<'_> {
    fn sorted(&self, v: &Value) -> Vec<(Option<Value>, Value)> {
        let mut e = entries(v);
        if self.style.sort_keys && is_mapping(v) {
            e.sort_by(|a, b| a.0.cmp(&b.0));
        }
        e
    }

    /// Whether `v` is written inline after `key:` / `- `.
    fn inline(&self, v: &Value) -> bool {
        !is_collection(v) || is_empty_collection(v) || (self.style.flow_leaves && all_scalars(v))
    }

    fn inline_text(&self, v: &Value, indent: usize) -> String {
        if is_collection(v) {
            self.flow(v, indent)
        } else {
            self.scalar(v, false, indent)
        }
    }

    /// Writes a non-empty block collection whose first line starts at the current
    /// position (after `- ` or at column `indent` on a fresh line).
    fn block(&mut self, v: &Value, indent: usize) {
        let pad = " ".repeat(indent);
        let step = self.style.indent;
        let is_map = is_mapping(v);
        for (i, (k, val)) in self.sorted(v).into_iter().enumerate() {
            if i > 0 {
                self.out.push_str(&pad);
            }
            if is_map {
                let key = self.scalar(&k.unwrap_or_default(), false, indent);
                self.out.push_str(&key);
                self.out.push(':');
                if self.inline(&val) {
                    let text = self.inline_text(&val, indent + step);
                    self.out.push(' ');
                    self.out.push_str(&text);
                    self.out.push('\n');
                } else if is_mapping(&val) {
                    self.out.push('\n');
                    self.out.push_str(&" ".repeat(indent + step));
                    self.block(&val, indent + step);
                } else {
                    // PyYAML writes sequences in mappings without extra indentation.
                    self.out.push('\n');
                    self.out.push_str(&pad);
                    self.block(&val, indent);
                }
            } else {
                self.out.push('-');
                if self.inline(&val) {
                    let text = self.inline_text(&val, indent + step);
                    self.out.push(' ');
                    self.out.push_str(&text);
                    self.out.push('\n');
                } else {
                    self.out
                        .push_str(&" ".repeat(step.saturating_sub(1).max(1)));
                    self.block(&val, indent + step.max(2));
                }
            }
        }
    }

    /// Flow text starting at the current output column, continued on new lines at
    /// `indent` once past the width (as PyYAML does after a `,`).
    fn flow(&self, v: &Value, indent: usize) -> String {
        let line_start = self.out.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let mut col = self.out[line_start..].chars().count() + 1;
        let mut text = String::new();
        self.flow_into(v, indent, &mut col, &mut text);
        text
    }

    fn flow_into(&self, v: &Value, indent: usize, col: &mut usize, text: &mut String) {
        let put = |s: &str, col: &mut usize, text: &mut String| {
            text.push_str(s);
            match s.rfind('\n') {
                Some(i) => *col = s[i + 1..].chars().count(),
                None => *col += s.chars().count(),
            }
        };
        let is_map = is_mapping(v);
        put(if is_map { "{" } else { "[" }, col, text);
        for (i, (k, val)) in self.sorted(v).into_iter().enumerate() {
            if i > 0 {
                put(",", col, text);
                if *col > self.style.width {
                    put(&format!("\n{}", " ".repeat(indent)), col, text);
                } else {
                    put(" ", col, text);
                }
            }
            if let Some(k) = k {
                put(&self.scalar(&k, true, indent), col, text);
                put(": ", col, text);
            }
            if is_collection(&val) {
                self.flow_into(&val, indent + self.style.indent, col, text);
            } else {
                put(
                    &self.scalar(&val, true, indent + self.style.indent),
                    col,
                    text,
                );
            }
        }
        put(if is_map { "}" } else { "]" }, col, text);
    }

    fn scalar(&self, v: &Value, in_flow: bool, indent: usize) -> String {
        match v.kind() {
            ValueKind::None | ValueKind::Undefined => "null".into(),
            ValueKind::Bool => if v.is_true() { "true" } else { "false" }.into(),
            ValueKind::Number if v.is_integer() => v.to_string(),
            ValueKind::Number => yaml_float(f64::try_from(v.clone()).unwrap_or(f64::NAN)),
            _ => {
                let s = match v.as_str() {
                    Some(s) => s.to_string(),
                    None => v.to_string(),
                };
                self.string(&s, in_flow, indent)
            }
        }
    }

    fn string(&self, s: &str, in_flow: bool, indent: usize) -> String {
        if plain_ok(s, in_flow) {
            return self.fold_plain(s, indent);
        }
        if s.chars().all(|c| c == '\n' || !c.is_control()) {
            let cont = " ".repeat(indent);
            let body = s.replace('\'', "''").replace('\n', &format!("\n\n{cont}"));
            return format!("'{body}'");
        }
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\0' => out.push_str("\\0"),
                c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// PyYAML breaks long plain scalars at a space once past the line width.
    fn fold_plain(&self, s: &str, indent: usize) -> String {
        let start_col = self.out.len() - self.out.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let mut col = start_col + 1;
        let mut out = String::new();
        let mut words = s.split(' ').peekable();
        while let Some(w) = words.next() {
            out.push_str(w);
            col += w.chars().count();
            if words.peek().is_some() {
                if col > self.style.width && !w.is_empty() {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                    col = indent;
                } else {
                    out.push(' ');
                    col += 1;
                }
            }
        }
        out
    }
}

/// PyYAML's float: `1.5`, `1.0e+20`, `.inf`, `.nan`.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let s = py_float(f);
    match s.split_once('e') {
        Some((m, e)) if !m.contains('.') => format!("{m}.0e{e}"),
        _ => s,
    }
}

static SPECIAL_WORD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        r"|~|null|Null|NULL|=|<<",
        r"|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
        r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$"
    ))
    .ok()
});

/// Whether PyYAML would write `s` unquoted.
fn plain_ok(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if SPECIAL_WORD.as_ref().is_none_or(|re| re.is_match(s)) {
        return false;
    }
    if s.starts_with(' ')
        || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
    {
        return false;
    }
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    if matches!(first, '-' | '?' | ':') && s.chars().nth(1).is_none_or(|c| c == ' ') {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}', ':', '?']) {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    s.chars().all(|c| !c.is_control() && c != '\u{feff}')
}
