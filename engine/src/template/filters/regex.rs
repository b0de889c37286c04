//! Regular expression filters and tests with Python `re` semantics (`\1`, `\g<name>`
//! backreferences, `re.match` vs `re.search`), on fancy-regex (lookaround, backrefs).

use fancy_regex::{Captures, Regex};
use minijinja::value::{Kwargs, Rest};
use minijinja::{Environment, Error, Value};

use super::fail;

pub(super) fn register(env: &mut Environment<'static>) {
    add_filter!(env, "regex_replace", regex_replace);
    add_filter!(env, "regex_search", regex_search);
    add_filter!(env, "regex_findall", regex_findall);
    add_filter!(env, "regex_escape", |s: &str| Value::from(py_escape(s)));
}

/// Compiles a Python pattern; `flags` are `i`, `m`, `s` as in `(?ims)`.
pub(in crate::template) fn py_regex(pattern: &str, flags: &str) -> Result<Regex, String> {
    // Python's `\Z` is the end of the text (`\z` here).
    let translated = pattern.replace("\\Z", "\\z");
    let full = if flags.is_empty() {
        translated
    } else {
        format!("(?{flags}){translated}")
    };
    Regex::new(&full).map_err(|e| format!("invalid regular expression '{pattern}': {e}"))
}

fn flags_from(kwargs: &Kwargs) -> Result<String, Error> {
    let mut flags = String::new();
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    if ignorecase.unwrap_or(false) {
        flags.push('i');
    }
    if multiline.unwrap_or(false) {
        flags.push('m');
    }
    Ok(flags)
}

fn compile(filter: &str, pattern: &str, flags: &str) -> Result<Regex, Error> {
    py_regex(pattern, flags).map_err(|e| fail(filter, e))
}

fn regex_replace(
    value: &Value,
    pattern: Option<&str>,
    replacement: Option<&str>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let flags = flags_from(&kwargs)?;
    let count: Option<usize> = kwargs.get("count")?;
    kwargs.assert_all_used()?;
    super::require_defined(value)?;
    let text = crate::template::py_str(value);
    let re = compile("regex_replace", pattern.unwrap_or(""), &flags)?;
    let replacement = replacement.unwrap_or("");
    let limit = count.unwrap_or(0);
    let mut out = String::new();
    let mut last = 0;
    let mut n = 0;
    let mut pos = 0;
    while pos <= text.len() {
        let caps = match re.captures_from_pos(&text, pos) {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(fail("regex_replace", e)),
        };
        let Some(m) = caps.get(0) else { break };
        out.push_str(&text[last..m.start()]);
        out.push_str(&expand(replacement, &caps, &re).map_err(|e| fail("regex_replace", e))?);
        last = m.end();
        n += 1;
        if limit > 0 && n >= limit {
            break;
        }
        pos = if m.end() == m.start() {
            // Empty match: step over one character.
            match text[m.end()..].chars().next() {
                Some(c) => {
                    out.push_str(&text[m.end()..m.end() + c.len_utf8()]);
                    last = m.end() + c.len_utf8();
                    m.end() + c.len_utf8()
                }
                None => break,
            }
        } else {
            m.end()
        };
    }
    out.push_str(&text[last.min(text.len())..]);
    Ok(Value::from(out))
}

/// Python's `re.sub` template: `\1`, `\g<1>`, `\g<name>`, `\n`, `\\`.
fn expand(template: &str, caps: &Captures, re: &Regex) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(d) if d.is_ascii_digit() => {
                let mut num = d.to_string();
                if let Some(&d2) = chars.peek().filter(|d2| d2.is_ascii_digit()) {
                    num.push(d2);
                    chars.next();
                }
                let i: usize = num.parse().unwrap_or(0);
                if i >= re.captures_len() {
                    return Err(format!("invalid group reference {i}"));
                }
                out.push_str(caps.get(i).map(|m| m.as_str()).unwrap_or(""));
            }
            Some('g') => {
                if chars.next() != Some('<') {
                    return Err("missing < in group reference".into());
                }
                let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                let m = match name.parse::<usize>() {
                    Ok(i) => caps.get(i),
                    Err(_) => caps.name(&name),
                };
                out.push_str(m.map(|m| m.as_str()).unwrap_or(""));
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

/// `regex_search(pattern, '\\1', '\\g<name>', ignorecase=, multiline=)`: the match, the
/// listed groups, or None.
fn regex_search(
    value: &Value,
    pattern: &str,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let flags = flags_from(&kwargs)?;
    kwargs.assert_all_used()?;
    super::require_defined(value)?;
    let text = crate::template::py_str(value);
    let re = compile("regex_search", pattern, &flags)?;
    let Some(caps) = re.captures(&text).map_err(|e| fail("regex_search", e))? else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(caps.get(0).map(|m| m.as_str()).unwrap_or("")));
    }
    let mut out = Vec::new();
    for g in groups.iter() {
        let m = if let Some(name) = g.strip_prefix("\\g<").and_then(|r| r.strip_suffix('>')) {
            caps.name(name)
        } else if let Some(i) = g.strip_prefix('\\').and_then(|r| r.parse::<usize>().ok()) {
            caps.get(i)
        } else {
            return Err(fail("regex_search", format!("Unknown argument {g}")));
        };
        out.push(
            m.map(|m| Value::from(m.as_str()))
                .unwrap_or(Value::from(())),
        );
    }
    Ok(Value::from(out))
}

/// `regex_findall`: all matches; with groups, lists of the groups (one group: strings).
fn regex_findall(value: &Value, pattern: &str, kwargs: Kwargs) -> Result<Value, Error> {
    let flags = flags_from(&kwargs)?;
    kwargs.assert_all_used()?;
    super::require_defined(value)?;
    let text = crate::template::py_str(value);
    let re = compile("regex_findall", pattern, &flags)?;
    let ngroups = re.captures_len() - 1;
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        let caps = caps.map_err(|e| fail("regex_findall", e))?;
        let group = |i: usize| Value::from(caps.get(i).map(|m| m.as_str()).unwrap_or(""));
        out.push(match ngroups {
            0 => group(0),
            1 => group(1),
            n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
        });
    }
    Ok(Value::from(out))
}

/// The `match` / `search` / `regex` tests.
pub(in crate::template) fn regex_test(
    value: &Value,
    pattern: &str,
    anchored: bool,
    kwargs: &Kwargs,
) -> Result<bool, Error> {
    let flags = flags_from(kwargs)?;
    let text = crate::template::py_str(value);
    let re = py_regex(pattern, &flags).map_err(|e| {
        Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("The test plugin failed: {e}"),
        )
    })?;
    let caps = re
        .find(&text)
        .map_err(|e| Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(match caps {
        None => false,
        Some(m) if anchored => {
            if m.start() == 0 {
                true
            } else {
                // re.match: retry anchored at the start.
                let anchored_re = py_regex(&format!("\\A(?:{pattern})"), &flags)
                    .map_err(|e| Error::new(minijinja::ErrorKind::InvalidOperation, e))?;
                anchored_re.is_match(&text).unwrap_or(false)
            }
        }
        Some(_) => true,
    })
}

/// Python's `re.escape`.
fn py_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        // Python 3.7+ escapes only the characters special in patterns.
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
