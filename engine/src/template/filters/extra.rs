//! Less common Ansible filters: math (`log`, `pow`, `root`), paths (`normpath`,
//! `relpath`, `commonpath`, `expandvars`, `fileglob`, `win_*`), `urldecode`,
//! `rekey_on_member`.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};

use super::collections::list;
use super::fail;
use crate::template::convert::{is_mapping, map_value, py_str};

pub(super) fn register(env: &mut Environment<'static>) {
    add_filter!(env, "log", |x: f64,
                             base: Option<f64>|
     -> Result<Value, Error> {
        if x <= 0.0 {
            return Err(fail("log", "math domain error"));
        }
        Ok(Value::from(match base {
            Some(b) => x.ln() / b.ln(),
            None => x.ln(),
        }))
    });
    add_filter!(env, "pow", |x: f64, y: f64| Value::from(x.powf(y)));
    add_filter!(env, "root", |x: f64,
                              base: Option<f64>|
     -> Result<Value, Error> {
        let b = base.unwrap_or(2.0);
        if b == 2.0 {
            return Ok(Value::from(x.sqrt()));
        }
        Ok(Value::from(x.powf(1.0 / b)))
    });
    add_filter!(env, "normpath", |p: &str| Value::from(normpath(p)));
    add_filter!(env, "relpath", |p: &str, start: Option<&str>| {
        let base = match start {
            Some(s) => s.to_string(),
            None => std::env::current_dir()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "/".into()),
        };
        Value::from(relpath(p, &base))
    });
    add_filter!(env, "commonpath", |paths: Value| -> Result<Value, Error> {
        let paths: Vec<String> = list(&paths)?.iter().map(py_str).collect();
        let split: Vec<Vec<&str>> = paths
            .iter()
            .map(|p| {
                p.split('/')
                    .filter(|c| !c.is_empty() && *c != ".")
                    .collect()
            })
            .collect();
        let Some(first) = split.first() else {
            return Err(fail("commonpath", "commonpath() arg is an empty sequence"));
        };
        let n = (0..first.len())
            .take_while(|&i| split.iter().all(|s| s.get(i) == first.get(i)))
            .count();
        let prefix = if paths[0].starts_with('/') { "/" } else { "" };
        Ok(Value::from(format!("{prefix}{}", first[..n].join("/"))))
    });
    add_filter!(env, "expandvars", |p: &str| Value::from(expandvars(p)));
    add_filter!(env, "fileglob", |pattern: &str| -> Value {
        let found: Vec<Value> = glob::glob(pattern)
            .map(|paths| {
                paths
                    .flatten()
                    .filter(|p| p.is_file())
                    .map(|p| Value::from(p.to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Value::from(found)
    });
    add_filter!(env, "win_basename", |p: &str| {
        Value::from(p.rsplit(['\\', '/']).next().unwrap_or(""))
    });
    add_filter!(env, "win_dirname", |p: &str| {
        Value::from(p.rfind(['\\', '/']).map(|i| &p[..i]).unwrap_or(""))
    });
    add_filter!(env, "win_splitdrive", |p: &str| {
        let (drive, rest) = if p.len() >= 2 && p.as_bytes()[1] == b':' {
            p.split_at(2)
        } else {
            ("", p)
        };
        Value::from(vec![Value::from(drive), Value::from(rest)])
    });
    add_filter!(env, "urldecode", |s: &str| Value::from(urldecode(s)));
    add_filter!(env, "rekey_on_member", rekey_on_member);
}

/// Python's `os.path.normpath`.
fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            c => parts.push(c),
        }
    }
    let body = parts.join("/");
    match (absolute, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Python's `os.path.relpath`.
fn relpath(p: &str, start: &str) -> String {
    let p = normpath(p);
    let start = normpath(start);
    let a: Vec<&str> = p.split('/').filter(|c| !c.is_empty()).collect();
    let b: Vec<&str> = start.split('/').filter(|c| !c.is_empty()).collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; b.len() - common];
    parts.extend(&a[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Python's `os.path.expandvars` (`$VAR`, `${VAR}`; unknown ones are kept).
fn expandvars(p: &str) -> String {
    let mut out = String::new();
    let mut rest = p;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match std::env::var(name).ok().filter(|_| !name.is_empty()) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[i..i + 1 + consumed]),
        }
        rest = &rest[i + 1 + consumed..];
    }
    out.push_str(rest);
    out
}

fn urldecode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `rekey_on_member(key, duplicates='error')`: a list of dicts as a dict by `key`.
fn rekey_on_member(data: &Value, key: &str, kwargs: Kwargs) -> Result<Value, Error> {
    let duplicates: Option<String> = kwargs.get("duplicates")?;
    kwargs.assert_all_used()?;
    let keep_last = duplicates.as_deref() == Some("overwrite");
    let items: Vec<Value> = if is_mapping(data) {
        data.try_iter()?
            .map(|k| data.get_item(&k))
            .collect::<Result<_, _>>()?
    } else {
        list(data)?
    };
    let mut out: indexmap::IndexMap<Value, Value> = indexmap::IndexMap::new();
    for item in items {
        let k = item.get_item(&Value::from(key))?;
        if k.is_undefined() {
            return Err(fail("rekey_on_member", format!("Key {key} was not found")));
        }
        if out.contains_key(&k) && !keep_last {
            return Err(fail(
                "rekey_on_member",
                format!(
                    "Key {} is not unique, cannot correctly turn into dict",
                    py_str(&k)
                ),
            ));
        }
        out.insert(k, item);
    }
    Ok(map_value(out))
}
