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
    v.get_item(&Value::from(key)).ok().filter(|x| !x.is_undefined())
}

/// Registered task results must be dicts.
fn require_result(name: &str, v: &Value) -> Result<(), Error> {
    if is_mapping(v) {
        Ok(())
    } else {
        Err(test_error(
            name,
            format!("The '{name}' test expects a dictionary, not '{}'.", super::py_type_name(v)),
        ))
    }
}

fn failed(v: &Value) -> Result<bool, Error> {
    require_result("failed", v)?;
    Ok(result_field(v, "failed").is_some_and(|f| f.is_true()))
}

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_test("defined", |v: &Value| !v.is_undefined());
    env.add_test("undefined", |v: &Value| v.is_undefined());
    for name in ["failed", "failure"] {
        env.add_test(name, |v: &Value| failed(v));
    }
    for name in ["succeeded", "success", "successful"] {
        env.add_test(name, |v: &Value| -> Result<bool, Error> {
            require_result("succeeded", v)?;
            Ok(!failed(v)?)
        });
    }
    for name in ["changed", "change"] {
        env.add_test(name, |v: &Value| -> Result<bool, Error> {
            require_result("changed", v)?;
            Ok(result_field(v, "changed").is_some_and(|f| f.is_true()))
        });
    }
    for name in ["skipped", "skip"] {
        env.add_test(name, |v: &Value| -> Result<bool, Error> {
            require_result("skipped", v)?;
            Ok(result_field(v, "skipped").is_some_and(|f| f.is_true()))
        });
    }
    env.add_test("unreachable", |v: &Value| -> Result<bool, Error> {
        require_result("unreachable", v)?;
        Ok(result_field(v, "unreachable").is_some_and(|f| f.is_true()))
    });
    env.add_test("reachable", |v: &Value| -> Result<bool, Error> {
        require_result("reachable", v)?;
        Ok(!result_field(v, "unreachable").is_some_and(|f| f.is_true()))
    });
    env.add_test("finished", |v: &Value| -> Result<bool, Error> {
        require_result("finished", v)?;
        Ok(result_field(v, "finished").is_none_or(|f| f.is_true() || f.as_i64() == Some(1)))
    });
    env.add_test("started", |v: &Value| -> Result<bool, Error> {
        require_result("started", v)?;
        Ok(result_field(v, "started").is_none_or(|f| f.is_true() || f.as_i64() == Some(1)))
    });
    env.add_test("match", |v: &Value, p: &str, kwargs: Kwargs| -> Result<bool, Error> {
        let r = regex_test(v, p, true, &kwargs)?;
        kwargs.assert_all_used()?;
        Ok(r)
    });
    env.add_test("search", |v: &Value, p: &str, kwargs: Kwargs| -> Result<bool, Error> {
        let r = regex_test(v, p, false, &kwargs)?;
        kwargs.assert_all_used()?;
        Ok(r)
    });
    env.add_test("regex", |v: &Value, p: &str, kwargs: Kwargs| -> Result<bool, Error> {
        let match_type: Option<String> = kwargs.get("match_type")?;
        let r = regex_test(v, p, match_type.as_deref() == Some("match"), &kwargs)?;
        kwargs.assert_all_used()?;
        Ok(r)
    });
    for name in ["version", "version_compare"] {
        env.add_test(name, version_test);
        env.add_filter(name, version_test);
    }
    env.add_test("subset", |a: Value, b: Value| -> Result<bool, Error> {
        let b: Vec<Value> = b.try_iter()?.collect();
        Ok(a.try_iter()?.all(|x| b.contains(&x)))
    });
    env.add_test("superset", |a: Value, b: Value| -> Result<bool, Error> {
        let a: Vec<Value> = a.try_iter()?.collect();
        Ok(b.try_iter()?.all(|x| a.contains(&x)))
    });
    env.add_test("contains", |seq: Value, item: Value| -> Result<bool, Error> {
        Ok(seq.try_iter()?.any(|x| x == item))
    });
    env.add_test("truthy", |v: &Value| v.is_true());
    env.add_test("falsy", |v: &Value| !v.is_true());
    env.add_test("boolean", |v: &Value| v.kind() == ValueKind::Bool);
    env.add_test("float", |v: &Value| v.kind() == ValueKind::Number && !v.is_integer());
    env.add_test("integer", |v: &Value| v.kind() == ValueKind::Number && v.is_integer());
    env.add_test("number", |v: &Value| v.kind() == ValueKind::Number);
    env.add_test("string", |v: &Value| v.kind() == ValueKind::String);
    env.add_test("mapping", |v: &Value| is_mapping(v));
    env.add_test("sequence", |v: &Value| {
        matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable | ValueKind::String | ValueKind::Map)
    });
    env.add_test("iterable", |v: &Value| {
        matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable | ValueKind::String | ValueKind::Map)
    });
    env.add_test("abs", |v: &Value| py_str(v).starts_with('/'));
    env.add_test("exists", |v: &Value| std::path::Path::new(&py_str(v)).exists());
    env.add_test("file", |v: &Value| std::path::Path::new(&py_str(v)).is_file());
    env.add_test("directory", |v: &Value| std::path::Path::new(&py_str(v)).is_dir());
    env.add_test("link", |v: &Value| std::path::Path::new(&py_str(v)).is_symlink());
    env.add_test("same_file", |a: &Value, b: &Value| {
        match (std::fs::canonicalize(py_str(a)), std::fs::canonicalize(py_str(b))) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    });
    env.add_test("mount", |v: &Value| {
        let p = py_str(v);
        std::fs::read_to_string("/proc/mounts")
            .is_ok_and(|m| m.lines().any(|l| l.split(' ').nth(1) == Some(p.as_str())))
    });
}

/// `version(other, operator='eq', strict=False, version_type=None)`.
fn version_test(v: &Value, other: &Value, op: Option<&str>, kwargs: Kwargs) -> Result<bool, Error> {
    let op_kw: Option<String> = kwargs.get("operator")?;
    let strict: Option<bool> = kwargs.get("strict")?;
    let vtype: Option<String> = kwargs.get("version_type")?;
    kwargs.assert_all_used()?;
    let op = op.map(str::to_string).or(op_kw).unwrap_or_else(|| "eq".into());
    version::compare(&py_str(v), &py_str(other), &op, strict.unwrap_or(false), vtype.as_deref())
        .map_err(|e| test_error("version", e))
}
