//! Path, size, URL, comment and time filters.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};

use super::fail;
use crate::template::convert::map_value;

pub(super) fn register(env: &mut Environment<'static>) {
    add_filter!(env, "basename", |p: &str| Value::from(
        p.rsplit('/').next().unwrap_or("")
    ));
    add_filter!(env, "dirname", |p: &str| Value::from(dirname(p)));
    add_filter!(env, "expanduser", |p: &str| Value::from(expanduser(p)));
    add_filter!(env, "realpath", |p: &str| {
        Value::from(
            std::fs::canonicalize(p)
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_else(|_| p.to_string()),
        )
    });
    add_filter!(env, "splitext", |p: &str| {
        let base_start = p.rfind('/').map(|i| i + 1).unwrap_or(0);
        let base = &p[base_start..];
        let dot = base
            .rfind('.')
            .filter(|&i| base[..i].chars().any(|c| c != '.'));
        let (root, ext) = match dot {
            Some(i) => (&p[..base_start + i], &p[base_start + i..]),
            None => (p, ""),
        };
        Value::from(vec![Value::from(root), Value::from(ext)])
    });
    add_filter!(env, "path_join", |parts: Value| -> Result<Value, Error> {
        let mut out = String::new();
        for p in parts.try_iter()? {
            let p = crate::template::py_str(&p);
            if p.starts_with('/') {
                out = p;
            } else if out.is_empty() || out.ends_with('/') {
                out.push_str(&p);
            } else {
                out.push('/');
                out.push_str(&p);
            }
        }
        Ok(Value::from(out))
    });
    add_filter!(env, "comment", comment);
    add_filter!(env, "urlencode", urlencode);
    env.add_filter("wordcount", |s: &str| {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .count()
    });
    env.add_filter("center", |s: &str, width: Option<usize>| {
        let width = width.unwrap_or(80);
        let len = s.chars().count();
        let total = width.saturating_sub(len);
        let left = total / 2 + (total & width & 1);
        format!("{}{s}{}", " ".repeat(left), " ".repeat(total - left))
    });
    env.add_filter("truncate", truncate);
    env.add_function("dict", dict_fn);
    add_filter!(env, "human_readable", human_readable);
    add_filter!(env, "human_to_bytes", human_to_bytes);
    add_filter!(env, "urlsplit", urlsplit);
    add_filter!(env, "strftime", |fmt: &str,
                                  second: Option<f64>|
     -> Result<Value, Error> {
        let ts = match second {
            Some(s) => jiff::Timestamp::from_second(s as i64).map_err(|e| fail("strftime", e))?,
            None => jiff::Timestamp::now(),
        };
        let zoned = ts.to_zoned(jiff::tz::TimeZone::system());
        let text = jiff::fmt::strtime::format(fmt, &zoned).map_err(|e| fail("strftime", e))?;
        Ok(Value::from(text))
    });
}

/// Python's `os.path.dirname`.
fn dirname(p: &str) -> String {
    match p.rfind('/') {
        None => String::new(),
        Some(i) => {
            let head = &p[..i + 1];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() {
                head.to_string()
            } else {
                trimmed.to_string()
            }
        }
    }
}

fn expanduser(p: &str) -> String {
    if (p == "~" || p.starts_with("~/"))
        && let Ok(home) = std::env::var("HOME")
    {
        return format!("{home}{}", &p[1..]);
    }
    p.to_string()
}

/// `comment(style='plain')`: the text framed as a comment block.
fn comment(text: &str, style: Option<&str>, kwargs: Kwargs) -> Result<Value, Error> {
    let decoration_kw: Option<String> = kwargs.get("decoration")?;
    let _: Option<Value> = kwargs.get("newline")?;
    kwargs.assert_all_used()?;
    let (beginning, decoration, end) = match style.unwrap_or("plain") {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => return Err(fail("comment", format!("unknown comment style '{other}'"))),
    };
    let decoration = decoration_kw.unwrap_or_else(|| decoration.to_string());
    // Ansible: beginning, one bare decoration line, the text, one bare line, end.
    let bare = decoration.trim_end().to_string();
    let mut out = Vec::new();
    if !beginning.is_empty() {
        out.push(beginning.to_string());
    }
    out.push(bare.clone());
    for line in text.split('\n') {
        out.push(format!("{decoration}{line}").trim_end().to_string());
    }
    out.push(bare);
    if !end.is_empty() {
        out.push(end.to_string());
    }
    Ok(Value::from(out.join("\n")))
}

const SIZE_RANGES: &[(char, u32)] = &[
    ('Y', 80),
    ('Z', 70),
    ('E', 60),
    ('P', 50),
    ('T', 40),
    ('G', 30),
    ('M', 20),
    ('K', 10),
    ('B', 0),
];

/// Ansible's `bytes_to_human`: `1.00 KB`, `10.00 Bytes`.
fn human_readable(size: f64, isbits: Option<bool>, unit: Option<&str>) -> Value {
    let base = if isbits.unwrap_or(false) {
        "bits"
    } else {
        "Bytes"
    };
    let unit = unit
        .and_then(|u| u.chars().next())
        .map(|c| c.to_ascii_uppercase());
    let mut chosen = ('B', 0);
    for &(suffix, shift) in SIZE_RANGES {
        chosen = (suffix, shift);
        let limit = 2f64.powi(shift as i32);
        if (unit.is_none() && size >= limit) || unit == Some(suffix) {
            break;
        }
    }
    let (suffix, shift) = chosen;
    let label = if shift == 0 {
        base.to_string()
    } else {
        format!("{suffix}{}", &base[..1])
    };
    Value::from(format!("{:.2} {label}", size / 2f64.powi(shift as i32)))
}

/// Ansible's `human_to_bytes`: `1K` -> 1024, `2 MB` -> 2097152.
fn human_to_bytes(
    v: &Value,
    default_unit: Option<&str>,
    isbits: Option<bool>,
) -> Result<Value, Error> {
    let text = crate::template::py_str(v);
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = (t[..split].trim(), t[split..].trim());
    let number: f64 = num.parse().map_err(|_| {
        fail(
            "human_to_bytes",
            format!("human_to_bytes() can't interpret following string: {text}"),
        )
    })?;
    let unit = if unit.is_empty() {
        default_unit.unwrap_or("")
    } else {
        unit
    };
    let mut chars = unit.chars();
    let shift = match chars.next().map(|c| c.to_ascii_uppercase()) {
        None => 0,
        Some(c) => match SIZE_RANGES.iter().find(|(s, _)| *s == c) {
            Some((_, shift)) => *shift,
            None => {
                return Err(fail(
                    "human_to_bytes",
                    format!(
                        "human_to_bytes() failed to convert {text}. Value is not a valid string ({unit})"
                    ),
                ));
            }
        },
    };
    let rest: String = chars.collect();
    let want_bits = isbits.unwrap_or(false);
    let unit_ok = rest.is_empty()
        || rest == "bit"
        || rest == "ytes"
        || (rest == "B" && !want_bits)
        || (rest == "b" && want_bits);
    if !unit_ok {
        let expected = if want_bits { "bit" } else { "byte" };
        return Err(fail(
            "human_to_bytes",
            format!(
                "human_to_bytes() failed to convert {text}. Value is not a valid string (expected {expected})"
            ),
        ));
    }
    Ok(Value::from((number * 2f64.powi(shift as i32)) as i64))
}

/// Python's `urlsplit` as a dict (or one of its fields).
fn urlsplit(url: &str, query: Option<&str>) -> Result<Value, Error> {
    let (scheme, rest) = match url.find(':') {
        Some(i)
            if url[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && i > 0 =>
        {
            (url[..i].to_lowercase(), &url[i + 1..])
        }
        _ => (String::new(), url),
    };
    let (netloc, rest) = match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find(['/', '?', '#']).unwrap_or(r.len());
            (&r[..end], &r[end..])
        }
        None => ("", rest),
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, q) = rest.split_once('?').unwrap_or((rest, ""));
    let (userinfo, hostport) = netloc
        .rsplit_once('@')
        .map_or((None, netloc), |(u, h)| (Some(u), h));
    let (username, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((a, b)) => (Value::from(a), Value::from(b)),
            None => (Value::from(u), Value::from(())),
        },
        None => (Value::from(()), Value::from(())),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() || !p.is_empty() => (
            h,
            p.parse::<i64>().map(Value::from).unwrap_or(Value::from(())),
        ),
        _ => (hostport, Value::from(())),
    };
    let hostname = if host.is_empty() {
        Value::from(())
    } else {
        Value::from(host.to_lowercase())
    };
    let fields = [
        ("fragment", Value::from(fragment)),
        ("hostname", hostname),
        ("netloc", Value::from(netloc)),
        ("password", password),
        ("path", Value::from(path)),
        ("port", port),
        ("query", Value::from(q)),
        ("scheme", Value::from(scheme)),
        ("username", username),
    ];
    if let Some(field) = query.filter(|q| !q.is_empty()) {
        return fields
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                fail(
                    "urlsplit",
                    format!("urlsplit: unknown URL component: {field}"),
                )
            });
    }
    Ok(map_value(
        fields.into_iter().map(|(k, v)| (Value::from(k), v)),
    ))
}

/// Jinja's `urlencode`: strings percent-encoded (`/` kept); dicts and pairs as a query
/// string with `+` for spaces.
fn urlencode(v: &Value) -> Result<Value, Error> {
    fn quote(s: &str, safe: &str, plus: bool) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            let c = b as char;
            if c.is_ascii_alphanumeric() || "_.-~".contains(c) || safe.contains(c) {
                out.push(c);
            } else if plus && c == ' ' {
                out.push('+');
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    if let Some(s) = v.as_str() {
        return Ok(Value::from(quote(s, "/", false)));
    }
    let pairs: Vec<(Value, Value)> = if crate::template::convert::is_mapping(v) {
        v.try_iter()?
            .map(|k| {
                let val = v.get_item(&k).unwrap_or_default();
                (k, val)
            })
            .collect()
    } else if v.kind() == minijinja::value::ValueKind::Seq {
        v.try_iter()?
            .map(|p| {
                (
                    p.get_item(&Value::from(0)).unwrap_or_default(),
                    p.get_item(&Value::from(1)).unwrap_or_default(),
                )
            })
            .collect()
    } else {
        return Ok(Value::from(quote(&crate::template::py_str(v), "/", false)));
    };
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, val)| {
            format!(
                "{}={}",
                quote(&crate::template::py_str(k), "", true),
                quote(&crate::template::py_str(val), "", true)
            )
        })
        .collect();
    Ok(Value::from(parts.join("&")))
}

/// Jinja's `truncate(length=255, killwords=False, end='...', leeway=5)`.
fn truncate(
    s: &str,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<&str>,
    leeway: Option<usize>,
) -> Value {
    let length = length.unwrap_or(255);
    let end = end.unwrap_or("...");
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= length + leeway.unwrap_or(5) {
        return Value::from(s);
    }
    let keep: String = chars[..length.saturating_sub(end.chars().count())]
        .iter()
        .collect();
    if killwords.unwrap_or(false) {
        return Value::from(format!("{keep}{end}"));
    }
    let cut = keep
        .rsplit_once(' ')
        .map_or(keep.as_str(), |(head, _)| head);
    Value::from(format!("{cut}{end}"))
}

/// Python's `dict(pairs, **kwargs)`.
fn dict_fn(args: minijinja::value::Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let mut entries: Vec<(Value, Value)> = Vec::new();
    if let Some(src) = args.first() {
        if crate::template::convert::is_mapping(src) {
            for k in src.try_iter()? {
                let v = src.get_item(&k)?;
                entries.push((k, v));
            }
        } else {
            for pair in src.try_iter()? {
                let items: Vec<Value> = pair.try_iter()?.collect();
                if let [k, v] = items.as_slice() {
                    entries.push((k.clone(), v.clone()));
                } else {
                    return Err(Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        "dictionary update sequence element has the wrong length; 2 is required",
                    ));
                }
            }
        }
    }
    for key in kwargs.args() {
        let v: Value = kwargs.get(key)?;
        entries.push((Value::from(key), v));
    }
    let mut map = indexmap::IndexMap::new();
    for (k, v) in entries {
        map.insert(k, v);
    }
    Ok(Value::from(map))
}
