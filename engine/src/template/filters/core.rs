//! Value filters: default, mandatory, bool, string, ternary, type_debug, hashes,
//! encodings, shell quoting.

use std::sync::Arc;

use base64::Engine as _;
use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, State, Value};

use super::{fail, require_defined};
use crate::template::TemplarConfig;
use crate::template::convert::{py_str, py_type_name};

pub(super) fn register(env: &mut Environment<'static>, _config: &Arc<TemplarConfig>) {
    add_filter!(env, "default", default);
    add_filter!(env, "d", default);
    add_filter!(env, "mandatory", mandatory);
    add_filter!(env, "bool", to_bool);
    add_filter!(env, "string", |v: &Value| -> Result<Value, Error> {
        require_defined(v)?;
        Ok(Value::from(py_str(v)))
    });
    add_filter!(env, "join", join);
    add_filter!(env, "int", to_int);
    register_strict_string_filters(env);
    add_filter!(env, "float", to_float);
    add_filter!(env, "ternary", ternary);
    add_filter!(env, "type_debug", |v: &Value| Value::from(py_type_name(v)));
    add_filter!(env, "b64encode", |s: &str| {
        Value::from(base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))
    });
    add_filter!(env, "b64decode", |s: &str| -> Result<Value, Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.trim().as_bytes())
            .map_err(|e| fail("b64decode", e))?;
        Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
    });
    add_filter!(env, "hash", |v: &Value,
                              algo: Option<&str>|
     -> Result<Value, Error> {
        let algo = algo.unwrap_or("sha1");
        digest(algo, py_str(v).as_bytes())
            .map(Value::from)
            .ok_or_else(|| fail("hash", format!("unsupported hash type {algo}")))
    });
    add_filter!(env, "checksum", |v: &Value| {
        Value::from(digest("sha1", py_str(v).as_bytes()).unwrap_or_default())
    });
    add_filter!(env, "sha1", |v: &Value| {
        Value::from(digest("sha1", py_str(v).as_bytes()).unwrap_or_default())
    });
    add_filter!(env, "md5", |v: &Value| {
        Value::from(digest("md5", py_str(v).as_bytes()).unwrap_or_default())
    });
    add_filter!(env, "to_uuid", |v: &Value,
                                 ns: Option<&str>|
     -> Result<Value, Error> {
        let ns = ns.unwrap_or("361E6D51-FAEC-444A-9079-341386DA8E2E");
        uuid5(ns, &py_str(v))
            .map(Value::from)
            .ok_or_else(|| fail("to_uuid", format!("invalid namespace '{ns}'")))
    });
    add_filter!(env, "quote", |v: &Value| Value::from(shell_quote(&py_str(
        v
    ))));
}

/// `default(value, default='', boolean=False)`; `None` is a value, not a default case.
/// `default(default_value='', boolean=False)`. The arguments are taken as values (not
/// `Option`s) because `default(None)` must give `None`, not the empty string.
fn default(
    value: &Value,
    args: minijinja::value::Rest<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let other = match kwargs.get::<Option<Value>>("default_value")? {
        Some(v) => v,
        None => args.first().cloned().unwrap_or_else(|| Value::from("")),
    };
    let boolean = match kwargs.get::<Option<bool>>("boolean")? {
        Some(b) => b,
        None => args.get(1).is_some_and(Value::is_true),
    };
    kwargs.assert_all_used()?;
    let use_default = value.is_undefined() || (boolean && !value.is_true());
    Ok(if use_default { other } else { value.clone() })
}

thread_local! {
    /// Set when `mandatory` fails, so the error mapping can word the message with the
    /// variable's name (known only to the engine): the custom message, if any.
    pub(in crate::template) static MANDATORY_FAILED: std::cell::RefCell<Option<Option<String>>> =
        const { std::cell::RefCell::new(None) };
}

fn mandatory(value: &Value, msg: Option<String>) -> Result<Value, Error> {
    if value.is_undefined() {
        MANDATORY_FAILED.with(|m| *m.borrow_mut() = Some(msg));
        return Err(super::undefined_error(value));
    }
    Ok(value.clone())
}

/// Ansible's `bool`: `yes/on/1/true` (any case) are true, everything else false.
pub(in crate::template) fn to_bool(v: &Value) -> Result<Value, Error> {
    require_defined(v)?;
    Ok(Value::from(truthy_word(v)))
}

pub(in crate::template) fn truthy_word(v: &Value) -> bool {
    match v.kind() {
        ValueKind::Bool => v.is_true(),
        ValueKind::None => false,
        ValueKind::Number => f64::try_from(v.clone()).is_ok_and(|f| f == 1.0),
        ValueKind::String => matches!(
            v.as_str()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
                .as_str(),
            "yes" | "on" | "1" | "true" | "y"
        ),
        _ => false,
    }
}

/// `join` with Python's `str()` of each item (`True`, not `true`).
fn join(state: &State, v: &Value, sep: Option<&str>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(v)?;
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    if let Some(s) = v.as_str() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        return Ok(Value::from(chars.join(sep.unwrap_or(""))));
    }
    let _ = state;
    let mut parts = Vec::new();
    for item in v.try_iter()? {
        let item = match &attribute {
            Some(a) => item.get_attr(a)?,
            None => item,
        };
        parts.push(py_str(&item));
    }
    Ok(Value::from(parts.join(sep.unwrap_or(""))))
}

/// `ternary(true_val, false_val, none_val=None)`.
fn ternary(v: &Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(n) if v.is_none() => n,
        _ if v.is_true() => yes,
        _ => no,
    }
}

/// Hex digest of `data` with the named algorithm (Python hashlib names).
pub(in crate::template) fn digest(algo: &str, data: &[u8]) -> Option<String> {
    use sha1::Digest as _;
    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
    Some(match algo {
        "sha1" => hex(&sha1::Sha1::digest(data)),
        "md5" => hex(&md5::Md5::digest(data)),
        "sha224" => hex(&sha2::Sha224::digest(data)),
        "sha256" => hex(&sha2::Sha256::digest(data)),
        "sha384" => hex(&sha2::Sha384::digest(data)),
        "sha512" => hex(&sha2::Sha512::digest(data)),
        _ => return None,
    })
}

/// Python's `uuid.uuid5(namespace, name)`.
fn uuid5(namespace: &str, name: &str) -> Option<String> {
    use sha1::Digest as _;
    let hexdigits: String = namespace.chars().filter(|c| *c != '-').collect();
    if hexdigits.len() != 32 {
        return None;
    }
    let mut ns = [0u8; 16];
    for (i, byte) in ns.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hexdigits.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    let mut h = sha1::Sha1::new();
    h.update(ns);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hx: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hx[0..8],
        &hx[8..12],
        &hx[12..16],
        &hx[16..20],
        &hx[20..32]
    ))
}

/// Python's `shlex.quote`.
pub(in crate::template) fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_string();
    }
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\"'\"'"))
    }
}

/// Jinja's `int(value, default=0, base=10)`: unparsable values give the default.
fn to_int(v: &Value, default: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(v)?;
    let base: Option<u32> = kwargs.get("base")?;
    let default_kw: Option<Value> = kwargs.get("default")?;
    kwargs.assert_all_used()?;
    let default = default.or(default_kw).unwrap_or(Value::from(0));
    let base = base.unwrap_or(10);
    Ok(match v.kind() {
        ValueKind::Bool => Value::from(i64::from(v.is_true())),
        ValueKind::Number if v.is_integer() => v.clone(),
        ValueKind::Number => f64::try_from(v.clone())
            .map(|f| Value::from(f.trunc() as i64))
            .unwrap_or(default),
        ValueKind::String => {
            let s = v.as_str().unwrap_or_default().trim().replace('_', "");
            let digits = match base {
                16 => s.trim_start_matches("0x").trim_start_matches("0X"),
                8 => s.trim_start_matches("0o").trim_start_matches("0O"),
                2 => s.trim_start_matches("0b").trim_start_matches("0B"),
                _ => s.as_str(),
            };
            match i64::from_str_radix(digits, base) {
                Ok(i) => Value::from(i),
                Err(_) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && base == 10)
                    .map(|f| Value::from(f.trunc() as i64))
                    .unwrap_or(default),
            }
        }
        _ => default,
    })
}

/// Jinja's `float(value, default=0.0)`.
fn to_float(v: &Value, default: Option<Value>) -> Result<Value, Error> {
    require_defined(v)?;
    let default = default.unwrap_or(Value::from(0.0));
    Ok(match v.kind() {
        ValueKind::Bool => Value::from(if v.is_true() { 1.0 } else { 0.0 }),
        ValueKind::Number => f64::try_from(v.clone()).map(Value::from).unwrap_or(default),
        ValueKind::String => v
            .as_str()
            .unwrap_or_default()
            .trim()
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(default),
        _ => default,
    })
}

/// Jinja's common string filters, failing on undefined input as Ansible does (minijinja's
/// own turn an undefined into "" in chainable mode).
fn register_strict_string_filters(env: &mut Environment<'static>) {
    fn text(v: &Value) -> Result<String, Error> {
        require_defined(v)?;
        Ok(py_str(v))
    }
    env.add_filter("upper", |v: &Value| text(v).map(|s| s.to_uppercase()));
    env.add_filter("lower", |v: &Value| text(v).map(|s| s.to_lowercase()));
    env.add_filter("capitalize", |v: &Value| {
        text(v).map(|s| {
            let mut chars = s.chars();
            match chars.next() {
                Some(c) => c
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
    });
    env.add_filter("trim", |v: &Value, chars: Option<String>| {
        text(v).map(|s| match chars {
            Some(c) => s.trim_matches(|x| c.contains(x)).to_string(),
            None => s.trim().to_string(),
        })
    });
    env.add_filter(
        "replace",
        |v: &Value, old: String, new: String, count: Option<usize>| {
            text(v).map(|s| match count {
                Some(n) => s.replacen(&old, &new, n),
                None => s.replace(&old, &new),
            })
        },
    );
    env.add_filter("length", |v: &Value| -> Result<Value, Error> {
        require_defined(v)?;
        match v.as_str() {
            Some(s) => Ok(Value::from(s.chars().count())),
            None => v.len().map(Value::from).ok_or_else(|| {
                Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("object of type '{}' has no len()", py_type_name(v)),
                )
            }),
        }
    });
    env.add_filter("count", |v: &Value| -> Result<Value, Error> {
        require_defined(v)?;
        match v.as_str() {
            Some(s) => Ok(Value::from(s.chars().count())),
            None => Ok(Value::from(v.len().unwrap_or(0))),
        }
    });
}
