//! Ansible's Jinja tests (`is defined`, `is succeeded`, `is version`, `is match`, ...).

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Value};

use super::convert::{is_mapping, py_str};
use super::filters::regex_test;
use super::version;

fn test_error(name: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("The test plugin 'ansible.builtin.{name}' failed: {msg}"),
    )
}

fn result_field(v: &Value, key: &str) -> Option<Value> {
    v.get_item(&Value::from(key))
        .ok()
        .filter(|x| !x.is_undefined())
}

/// Registered task results must be dicts.
fn require_result(name: &str, v: &Value) -> Result<(), Error> {
    if is_mapping(v) {
        Ok(())
    } else {
        Err(test_error(
            name,
            format!("The '{name}' test expects a dictionary"),
        ))
    }
}

fn failed(v: &Value) -> Result<bool, Error> {
    require_result("failed", v)?;
    Ok(result_field(v, "failed").is_some_and(|f| f.is_true()))
}

pub(super) fn register(env: &mut Environment<'static>) {
    add_test!(env, "defined", |v: &Value| !v.is_undefined());
    add_test!(env, "undefined", |v: &Value| v.is_undefined());
    for name in ["failed", "failure"] {
        add_test!(env, name, |v: &Value| failed(v));
    }
    for name in ["succeeded", "success", "successful"] {
        add_test!(env, name, |v: &Value| -> Result<bool, Error> {
            require_result("succeeded", v)?;
            Ok(!failed(v)?)
        });
    }
    for name in ["changed", "change"] {
        add_test!(env, name, |v: &Value| -> Result<bool, Error> {
            require_result("changed", v)?;
            Ok(result_field(v, "changed").is_some_and(|f| f.is_true()))
        });
    }
    for name in ["skipped", "skip"] {
        add_test!(env, name, |v: &Value| -> Result<bool, Error> {
            require_result("skipped", v)?;
            Ok(result_field(v, "skipped").is_some_and(|f| f.is_true()))
        });
    }
    add_test!(env, "unreachable", |v: &Value| -> Result<bool, Error> {
        require_result("unreachable", v)?;
        Ok(result_field(v, "unreachable").is_some_and(|f| f.is_true()))
    });
    add_test!(env, "reachable", |v: &Value| -> Result<bool, Error> {
        require_result("reachable", v)?;
        Ok(!result_field(v, "unreachable").is_some_and(|f| f.is_true()))
    });
    add_test!(env, "finished", |v: &Value| -> Result<bool, Error> {
        require_result("finished", v)?;
        Ok(result_field(v, "finished").is_none_or(|f| f.is_true() || f.as_i64() == Some(1)))
    });
    add_test!(env, "started", |v: &Value| -> Result<bool, Error> {
        require_result("started", v)?;
        Ok(result_field(v, "started").is_none_or(|f| f.is_true() || f.as_i64() == Some(1)))
    });
    add_test!(env, "match", |v: &Value,
                             p: &str,
                             kwargs: Kwargs|
     -> Result<bool, Error> {
        let r = regex_test(v, p, true, &kwargs)?;
        kwargs.assert_all_used()?;
        Ok(r)
    });
    add_test!(env, "search", |v: &Value,
                              p: &str,
                              kwargs: Kwargs|
     -> Result<bool, Error> {
        let r = regex_test(v, p, false, &kwargs)?;
        kwargs.assert_all_used()?;
        Ok(r)
    });
    add_test!(env, "regex", |v: &Value,
                             p: &str,
                             kwargs: Kwargs|
     -> Result<bool, Error> {
        let match_type: Option<String> = kwargs.get("match_type")?;
        let r = regex_test(v, p, match_type.as_deref() == Some("match"), &kwargs)?;
        kwargs.assert_all_used()?;
        Ok(r)
    });
    for name in ["version", "version_compare"] {
        add_test!(env, name, version_test);
    }
    add_test!(env, "subset", |a: Value, b: Value| -> Result<bool, Error> {
        let b: Vec<Value> = b.try_iter()?.collect();
        Ok(a.try_iter()?.all(|x| b.contains(&x)))
    });
    add_test!(env, "superset", |a: Value,
                                b: Value|
     -> Result<bool, Error> {
        let a: Vec<Value> = a.try_iter()?.collect();
        Ok(b.try_iter()?.all(|x| a.contains(&x)))
    });
    add_test!(env, "contains", |seq: Value,
                                item: Value|
     -> Result<bool, Error> {
        Ok(seq.try_iter()?.any(|x| x == item))
    });
    add_test!(env, "truthy", |v: &Value| v.is_true());
    add_test!(env, "all", |v: Value| -> Result<bool, Error> {
        Ok(v.try_iter()?.all(|x| x.is_true()))
    });
    add_test!(env, "any", |v: Value| -> Result<bool, Error> {
        Ok(v.try_iter()?.any(|x| x.is_true()))
    });
    add_test!(env, "nan", |v: &Value| f64::try_from(v.clone())
        .is_ok_and(f64::is_nan));
    add_test!(env, "isnan", |v: &Value| f64::try_from(v.clone())
        .is_ok_and(f64::is_nan));
    add_test!(env, "issubset", |a: Value,
                                b: Value|
     -> Result<bool, Error> {
        let b: Vec<Value> = b.try_iter()?.collect();
        Ok(a.try_iter()?.all(|x| b.contains(&x)))
    });
    add_test!(env, "issuperset", |a: Value,
                                  b: Value|
     -> Result<bool, Error> {
        let a: Vec<Value> = a.try_iter()?.collect();
        Ok(b.try_iter()?.all(|x| a.contains(&x)))
    });
    add_test!(env, "timedout", |v: &Value| -> Result<bool, Error> {
        require_result("timedout", v)?;
        Ok(result_field(v, "timedout")
            .and_then(|t| t.get_item(&Value::from("period")).ok())
            .is_some_and(|p| p.is_true()))
    });
    // True only for vault-encrypted values, which are not supported yet; plain strings
    // that look like vault text are false (recorded).
    add_test!(env, "vault_encrypted", |_v: &Value| false);
    add_test!(env, "url", |v: &Value| is_url(&py_str(v), UrlKind::Url));
    add_test!(env, "uri", |v: &Value| is_url(&py_str(v), UrlKind::Uri));
    add_test!(env, "urn", |v: &Value| is_url(&py_str(v), UrlKind::Urn));
    add_test!(env, "falsy", |v: &Value| !v.is_true());
    add_test!(env, "boolean", |v: &Value| v.kind() == ValueKind::Bool);
    add_test!(env, "float", |v: &Value| v.kind() == ValueKind::Number
        && !v.is_integer());
    add_test!(env, "integer", |v: &Value| v.kind() == ValueKind::Number
        && v.is_integer());
    add_test!(env, "number", |v: &Value| v.kind() == ValueKind::Number);
    add_test!(env, "string", |v: &Value| v.kind() == ValueKind::String);
    add_test!(env, "mapping", |v: &Value| is_mapping(v));
    add_test!(env, "sequence", |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::Iterable | ValueKind::String | ValueKind::Map
        )
    });
    add_test!(env, "iterable", |v: &Value| {
        matches!(
            v.kind(),
            ValueKind::Seq | ValueKind::Iterable | ValueKind::String | ValueKind::Map
        )
    });
    for name in ["abs", "is_abs"] {
        add_test!(env, name, |v: &Value| py_str(v).starts_with('/'));
    }
    add_test!(env, "exists", |v: &Value| path_of(v).exists());
    add_test!(env, "link_exists", |v: &Value| {
        std::fs::symlink_metadata(py_str(v)).is_ok()
    });
    for name in ["file", "is_file"] {
        add_test!(env, name, |v: &Value| path_of(v).is_file());
    }
    for name in ["directory", "is_dir"] {
        add_test!(env, name, |v: &Value| path_of(v).is_dir());
    }
    for name in ["link", "is_link"] {
        add_test!(env, name, |v: &Value| path_of(v).is_symlink());
    }
    add_test!(env, "is_same_file", |a: &Value, b: &Value| {
        match (
            std::fs::canonicalize(py_str(a)),
            std::fs::canonicalize(py_str(b)),
        ) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    });
    add_test!(env, "same_file", |a: &Value, b: &Value| {
        match (
            std::fs::canonicalize(py_str(a)),
            std::fs::canonicalize(py_str(b)),
        ) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    });
    for name in ["mount", "is_mount"] {
        add_test!(env, name, |v: &Value| {
            let p = py_str(v);
            std::fs::read_to_string("/proc/mounts")
                .is_ok_and(|m| m.lines().any(|l| l.split(' ').nth(1) == Some(p.as_str())))
        });
    }
}

fn path_of(v: &Value) -> std::path::PathBuf {
    std::path::PathBuf::from(py_str(v))
}

#[derive(PartialEq)]
enum UrlKind {
    Url,
    Uri,
    Urn,
}

/// Ansible's `url` / `uri` / `urn` tests (urlparse-based: a scheme, and for URLs a
/// network location).
fn is_url(s: &str, kind: UrlKind) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    match kind {
        UrlKind::Uri => scheme_ok,
        UrlKind::Urn => scheme_ok && scheme.eq_ignore_ascii_case("urn"),
        UrlKind::Url => {
            scheme_ok
                && rest
                    .strip_prefix("//")
                    .is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        }
    }
}

/// `version(other, operator='eq', strict=False, version_type=None)`.
fn version_test(v: &Value, other: &Value, op: Option<&str>, kwargs: Kwargs) -> Result<bool, Error> {
    let op_kw: Option<String> = kwargs.get("operator")?;
    let strict: Option<bool> = kwargs.get("strict")?;
    let vtype: Option<String> = kwargs.get("version_type")?;
    kwargs.assert_all_used()?;
    let op = op
        .map(str::to_string)
        .or(op_kw)
        .unwrap_or_else(|| "eq".into());
    version::compare(
        &py_str(v),
        &py_str(other),
        &op,
        strict.unwrap_or(false),
        vtype.as_deref(),
    )
    .map_err(|e| test_error("version", e))
}
