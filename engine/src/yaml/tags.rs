//! Explicit tags (`!!int`, `!unsafe`, `!vault`, ...) and scalar construction, as
//! Ansible's `AnsibleConstructor` (a PyYAML `SafeConstructor`) does it.

use saphyr_parser::{ScalarStyle, Tag};

use super::Value;
use super::resolve::{
    Plain, classify_plain, construct_bool, construct_float, construct_int, is_timestamp,
};

const CORE: &str = "tag:yaml.org,2002:";

/// What an explicit tag asks for.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TagKind {
    /// No tag, or the non-specific `!`: resolve as usual.
    Default,
    Str,
    Int,
    Float,
    Bool,
    Null,
    Timestamp,
    Binary,
    Merge,
    ValueKey,
    Map,
    Set,
    Seq,
    /// `!!omap` / `!!pairs`: a list of single-entry mappings, read as `[key, value]` pairs.
    Pairs,
    /// `!unsafe`: strings inside must never be templated.
    Unsafe,
    /// `!vault` / `!vault-encrypted`: an encrypted string.
    Vault,
    /// A tag no constructor exists for; the text is how the user may write it.
    Unknown(String),
}

impl TagKind {
    pub(super) fn of(tag: Option<&Tag>) -> TagKind {
        let Some(tag) = tag else {
            return TagKind::Default;
        };
        if tag.handle == CORE {
            return match tag.suffix.as_str() {
                "str" | "python/unicode" => TagKind::Str,
                "int" => TagKind::Int,
                "float" => TagKind::Float,
                "bool" => TagKind::Bool,
                "null" => TagKind::Null,
                "timestamp" => TagKind::Timestamp,
                "binary" => TagKind::Binary,
                "merge" => TagKind::Merge,
                "value" => TagKind::ValueKey,
                "map" | "python/dict" => TagKind::Map,
                "set" => TagKind::Set,
                "seq" => TagKind::Seq,
                "omap" | "pairs" => TagKind::Pairs,
                other => TagKind::Unknown(format!("!!{other}")),
            };
        }
        let full = format!("{}{}", tag.handle, tag.suffix);
        match full.as_str() {
            "!" => TagKind::Default,
            "!unsafe" => TagKind::Unsafe,
            "!vault" | "!vault-encrypted" => TagKind::Vault,
            _ => match full.strip_prefix(CORE) {
                // `!<tag:yaml.org,2002:str>` spelled verbatim.
                Some(suffix) => TagKind::of(Some(&Tag {
                    handle: CORE.to_string(),
                    suffix: suffix.to_string(),
                })),
                None => TagKind::Unknown(full),
            },
        }
    }

    /// The node kind the tag requires, for "expected a mapping node" errors.
    pub(super) fn required_kind(&self) -> Option<&'static str> {
        match self {
            TagKind::Map | TagKind::Set => Some("mapping"),
            TagKind::Seq | TagKind::Pairs => Some("sequence"),
            TagKind::Default | TagKind::Unsafe | TagKind::Vault | TagKind::Unknown(_) => None,
            _ => Some("scalar"),
        }
    }
}

/// The unknown-tag message, in PyYAML's words (Ansible prints them).
pub(super) fn unknown_tag_message(name: &str) -> String {
    format!(
        "could not determine a constructor for the tag '{name}' (Ansible knows !unsafe, !vault and the standard !! tags)"
    )
}

/// A constructed scalar: a value, or the merge key `<<`.
pub(super) enum Scalar {
    Value(Value),
    Merge,
}

/// Constructs a scalar node. `is_key`: the scalar is a mapping key (where `<<` merges and
/// `=` is a string). `unsafe_ctx`: inside an `!unsafe` collection.
pub(super) fn construct_scalar(
    kind: &TagKind,
    text: &str,
    style: ScalarStyle,
    is_key: bool,
    unsafe_ctx: bool,
) -> Result<Scalar, String> {
    let string = |s: &str| {
        if unsafe_ctx {
            Value::Unsafe(s.to_string())
        } else {
            Value::Str(s.to_string())
        }
    };
    let value = match kind {
        TagKind::Default if style != ScalarStyle::Plain => string(text),
        TagKind::Default => return implicit(text, is_key, unsafe_ctx),
        TagKind::Str => string(text),
        // PyYAML builds a date or datetime; it stays text here (see resolve.rs).
        TagKind::Timestamp if is_timestamp(text) => string(text),
        TagKind::Timestamp => {
            return Err(format!("invalid value for the !!timestamp tag: {text:?}"));
        }
        TagKind::Int => construct_int(text).ok_or_else(|| {
            format!("invalid value for the !!int tag: {text:?} is not an integer")
        })?,
        TagKind::Float => Value::Float(construct_float(text).ok_or_else(|| {
            format!("invalid value for the !!float tag: {text:?} is not a number")
        })?),
        TagKind::Bool => Value::Bool(construct_bool(text).ok_or_else(|| {
            format!(
                "invalid value for the !!bool tag: {text:?} (expected yes/no, true/false or on/off)"
            )
        })?),
        TagKind::Null => Value::Null,
        TagKind::Binary => binary(text)?,
        TagKind::Merge if is_key => return Ok(Scalar::Merge),
        TagKind::ValueKey if is_key => string(text),
        TagKind::Merge | TagKind::ValueKey => {
            return Err(format!(
                "the tag '!!{}' is only valid on a mapping key",
                if *kind == TagKind::Merge {
                    "merge"
                } else {
                    "value"
                }
            ));
        }
        TagKind::Unsafe => match implicit(text, is_key, true)? {
            Scalar::Value(Value::Str(s)) => Value::Unsafe(s),
            other => return Ok(other),
        },
        TagKind::Vault => match implicit(text, false, false)? {
            Scalar::Value(Value::Str(s) | Value::Unsafe(s)) => Value::Vault(s),
            _ => return Err("the '!vault' tag requires a string value".to_string()),
        },
        TagKind::Map | TagKind::Set | TagKind::Seq | TagKind::Pairs => {
            return Err(format!(
                "expected a {} node, but found scalar",
                kind.required_kind().unwrap_or("mapping")
            ));
        }
        TagKind::Unknown(name) => return Err(unknown_tag_message(name)),
    };
    Ok(Scalar::Value(value))
}

/// Implicit resolution of a plain scalar, with the key-only forms `<<` and `=`.
fn implicit(text: &str, is_key: bool, unsafe_ctx: bool) -> Result<Scalar, String> {
    match classify_plain(text) {
        Plain::Value(Value::Str(s)) if unsafe_ctx => Ok(Scalar::Value(Value::Unsafe(s))),
        Plain::Value(v) => Ok(Scalar::Value(v)),
        Plain::Merge if is_key => Ok(Scalar::Merge),
        Plain::ValueKey if is_key => Ok(Scalar::Value(if unsafe_ctx {
            Value::Unsafe(text.to_string())
        } else {
            Value::Str(text.to_string())
        })),
        Plain::Merge => Err(
            "a plain '<<' is only valid as a merge key ('<<: *anchor'); quote it to use the text '<<'"
                .to_string(),
        ),
        Plain::ValueKey => Err(
            "a plain '=' is not a valid value in YAML 1.1 (it is reserved); quote it: '='"
                .to_string(),
        ),
        Plain::BadInt => Err(format!(
            "{text:?} looks like an integer but has no digits; quote it if it is meant as text"
        )),
    }
}

/// `!!binary`: base64 text. Ansible gets bytes; here the bytes must be UTF-8 text.
fn binary(text: &str) -> Result<Value, String> {
    use base64::Engine as _;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("invalid base64 data for the !!binary tag: {e}"))?;
    String::from_utf8(bytes)
        .map(Value::Str)
        .map_err(|_| "!!binary data that is not UTF-8 text is not supported".to_string())
}
