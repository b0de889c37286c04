//! YAML 1.1 as PyYAML reads Ansible files: an ordered tree of [`Node`]s, each with the
//! [`Span`] it came from.
//!
//! Built on `saphyr-parser` events (see `load.rs`); plain scalars are resolved with
//! PyYAML's implicit resolvers (`resolve.rs`), explicit tags as Ansible's constructor
//! does (`tags.rs`), merge keys and duplicate keys as a Python dict (`mapping.rs`).
//!
//! Checked against PyYAML (CSafeLoader) on ~2,200 real YAML files found on the build
//! machine (ansible-core's own, CI configs, cloud SDK data): identical results except
//! four files using anchor names that end in `:` (see below).
//!
//! Known differences from Ansible's loader (PyYAML + libyaml):
//! - timestamps (`2001-12-14`) stay strings (PyYAML: `date`/`datetime`);
//! - integers beyond `i64` become `Value::Float` (Python ints are unbounded);
//! - saphyr is a YAML 1.2 parser: a few inputs libyaml accepts are refused (a tab right
//!   after `key:`), and a few it refuses are accepted (`-<tab>item`); anchor names may
//!   contain `:` (libyaml stops the name there). Under-indented continuation lines of
//!   quoted strings and flow collections, which libyaml accepts, are handled by a
//!   relaxed re-parse (`relax.rs`);
//! - `!unsafe` marks strings inside a tagged collection, including ones copied there
//!   through an alias (PyYAML's construction order can differ in rare anchor cases);
//! - duplicate keys inside a mapping brought in by `<<` are reported once, not again
//!   for each merge.

mod eq;
mod errors;
mod load;
mod mapping;
mod positions;
mod relax;
mod resolve;
mod tags;
#[cfg(test)]
mod tests;

pub use load::{YamlError, load_all, load_all_with_warnings, load_file, load_str};
pub use resolve::resolve_plain;

use crate::source::Span;

/// Something Ansible warns about while loading but accepts (a duplicate mapping key).
#[derive(Debug, Clone)]
pub struct YamlWarning {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

/// One YAML value with its location.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// The values PyYAML produces for Ansible files.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Mapping),
    /// `!unsafe 'text'`: a string that must never be templated.
    Unsafe(String),
    /// `!vault | $ANSIBLE_VAULT;...`: an encrypted string, kept as written.
    Vault(String),
}

/// An ordered mapping. Keys are nodes because YAML allows non-string keys; Ansible
/// files almost always use strings, which [`Mapping::get`] looks up.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub entries: Vec<(Node, Node)>,
}

impl Mapping {
    /// The value under the string key `key` (the last one if repeated, as PyYAML keeps).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The key node of `key`, for errors that point at the key rather than the value.
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Node, &Node)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts or replaces `key` (keeps the first position, like a Python dict).
    pub fn insert(&mut self, key: Node, value: Node) {
        if let Some(k) = key.key_string()
            && let Some(slot) = self
                .entries
                .iter_mut()
                .find(|(ek, _)| ek.key_string().as_deref() == Some(k.as_str()))
        {
            slot.1 = value;
            return;
        }
        self.entries.push((key, value));
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) | Value::Unsafe(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The key as Python would print it in a dict (`str(key)` for scalars).
    pub fn key_string(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) | Value::Unsafe(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
            Value::Float(f) => Some(mapping::py_float(*f)),
            Value::Null => Some("None".to_string()),
            _ => None,
        }
    }

    /// What kind of value this is, in the words a YAML user knows ("a mapping", "a list").
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) | Value::Unsafe(_) | Value::Vault(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Converts to JSON (vault and unsafe strings become plain strings).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.key_string().unwrap_or_default(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a node from JSON (for executable inventories, `-e '{...}'`, facts).
    pub fn from_json(value: &serde_json::Value, span: &Span) -> Node {
        use serde_json::Value as J;
        let v = match value {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::Seq(a.iter().map(|v| Node::from_json(v, span)).collect()),
            J::Object(o) => Value::Map(Mapping {
                entries: o
                    .iter()
                    .map(|(k, v)| {
                        (
                            Node::new(Value::Str(k.clone()), span.clone()),
                            Node::from_json(v, span),
                        )
                    })
                    .collect(),
            }),
        };
        Node::new(v, span.clone())
    }
}
