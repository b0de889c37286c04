//! Building one mapping: merge keys (`<<`) with PyYAML's precedence, and duplicate keys
//! kept as a Python dict keeps them (first position, last value), each one reported.

use std::collections::HashMap;

use super::errors::syntax_error;
use super::{Mapping, Node, Value, YamlWarning};
use crate::source::SourceError;

/// The entries of a mapping being read, in document order.
#[derive(Default)]
pub(super) struct MapBuilder {
    /// Entries written in this mapping (merge keys removed).
    explicit: Vec<(Node, Node)>,
    /// Entries brought in by `<<`, already in PyYAML's order.
    merged: Vec<(Node, Node)>,
    /// A key waiting for its value; `true` when it is the merge key.
    pending: Option<(Node, bool)>,
}

impl MapBuilder {
    pub(super) fn expects_key(&self) -> bool {
        self.pending.is_none()
    }

    pub(super) fn key(&mut self, key: Node, is_merge: bool) -> Result<(), SourceError> {
        if matches!(key.value, Value::Seq(_) | Value::Map(_)) {
            return Err(syntax_error(
                key.span.clone(),
                &format!(
                    "found unhashable key: a mapping key must be a plain value, but found {}",
                    key.kind_name()
                ),
            ));
        }
        self.pending = Some((key, is_merge));
        Ok(())
    }

    /// Adds the value of the pending key (folding in a merge key's mappings).
    pub(super) fn value(&mut self, value: Node) -> Result<(), SourceError> {
        let Some((key, is_merge)) = self.pending.take() else {
            return Ok(());
        };
        if !is_merge {
            self.explicit.push((key, value));
            return Ok(());
        }
        match value.value {
            Value::Map(m) => self.merged.extend(m.entries),
            Value::Seq(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for item in items {
                    match item.value {
                        Value::Map(m) => maps.push(m),
                        _ => {
                            return Err(SourceError::new(
                                &item.span,
                                format!(
                                    "YAML parsing failed: expected a mapping for merging, but found {}.",
                                    item.kind_name()
                                ),
                            )
                            .with_help("Each entry of a '<<: [...]' list must be an alias of a mapping, e.g. <<: [*defaults, *extra]"));
                        }
                    }
                }
                // PyYAML: earlier mappings in the list win, so later ones go first.
                for m in maps.into_iter().rev() {
                    self.merged.extend(m.entries);
                }
            }
            _ => {
                return Err(SourceError::new(
                    &value.span,
                    format!(
                        "YAML parsing failed: expected a mapping or list of mappings for merging, but found {}.",
                        value.kind_name()
                    ),
                )
                .with_help("A merge key takes an alias of a mapping: '<<: *defaults'"));
            }
        }
        Ok(())
    }

    /// The finished mapping: merged entries first, then explicit ones, duplicates folded
    /// (and reported, as Ansible 2.19 warns about each).
    pub(super) fn finish(self, warnings: &mut Vec<YamlWarning>) -> Mapping {
        let mut entries: Vec<(Node, Node)> =
            Vec::with_capacity(self.merged.len() + self.explicit.len());
        let mut index: HashMap<KeyId, usize> = HashMap::new();
        for (key, value) in self.merged.into_iter().chain(self.explicit) {
            let Some(id) = KeyId::of(&key.value) else {
                entries.push((key, value));
                continue;
            };
            match index.get(&id) {
                Some(&at) => {
                    warnings.push(YamlWarning {
                        message: format!("Found duplicate mapping key {}.", py_repr(&key.value)),
                        span: key.span.clone(),
                        help: Some("Using last defined value only.".to_string()),
                    });
                    entries[at].1 = value;
                }
                None => {
                    index.insert(id, entries.len());
                    entries.push((key, value));
                }
            }
        }
        Mapping { entries }
    }
}

/// A key's identity as a Python dict sees it: `1`, `1.0` and `true` are the same key.
#[derive(PartialEq, Eq, Hash)]
enum KeyId {
    Null,
    Int(i64),
    FloatBits(u64),
    Str(String),
}

impl KeyId {
    /// `None` for keys never equal to another (NaN) or not hashable.
    fn of(v: &Value) -> Option<KeyId> {
        Some(match v {
            Value::Null => KeyId::Null,
            Value::Bool(b) => KeyId::Int(i64::from(*b)),
            Value::Int(i) => KeyId::Int(*i),
            Value::Float(f) if f.is_nan() => return None,
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => KeyId::Int(*f as i64),
            Value::Float(f) => KeyId::FloatBits(f.to_bits()),
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => KeyId::Str(s.clone()),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }
}

/// How Python's `repr` shows a key in Ansible's warning.
fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => py_float(*f),
        Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::with_capacity(s.len() + 2);
            out.push(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// Python's `repr(float)`: shortest digits, exponent form below 1e-4 and from 1e16.
pub(crate) fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let fixed = format!("{f}");
        if fixed.contains('.') {
            fixed
        } else {
            format!("{fixed}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}
