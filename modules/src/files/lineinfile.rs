//! `ansible.builtin.lineinfile`: the pure edit ([`edit`], a port of the module's
//! `present`/`absent`) and the module around it.
//!
//! Regular expressions are Rust's `regex` (no look-around or backreferences in patterns).
//! Python's `$` also matches before a line's final newline; matching against the line
//! without that newline gives the same result.

use regex::bytes::{Captures, Regex};
use serde_json::{Map, Value};

use super::args::Args;
use super::text_file::{WriteOpts, content_diff, read_current, with_attr_message, write_back};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

/// The `lineinfile` module.
pub struct LineInFileModule;

impl Module for LineInFileModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.lineinfile"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(run(cx, args))
    }
}

/// What to do to the file.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineParams {
    pub(crate) present: bool,
    pub(crate) regexp: Option<String>,
    pub(crate) search_string: Option<String>,
    pub(crate) line: Option<String>,
    pub(crate) insertafter: Option<String>,
    pub(crate) insertbefore: Option<String>,
    pub(crate) backrefs: bool,
    pub(crate) firstmatch: bool,
}

/// The edited file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Edit {
    pub(crate) content: Vec<u8>,
    pub(crate) msg: String,
    pub(crate) changed: bool,
    /// Lines removed (state=absent).
    pub(crate) found: usize,
}

/// Compiles a pattern with Python's bytes-pattern semantics: `.`, `\w`, `\d`, `\s`
/// work on bytes and ASCII (Unicode mode off); non-ASCII literals match their UTF-8.
pub(crate) fn compile(pattern: &str, what: &str) -> Result<Regex, String> {
    Regex::new(&format!("(?-u){pattern}"))
        .or_else(|_| Regex::new(pattern))
        .map_err(|e| format!("invalid {what} '{pattern}': {e}"))
}

/// A line as Python's `readlines` gives it, without its final newline for matching.
fn body(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

fn strip_eol(line: &[u8]) -> &[u8] {
    let mut l = line;
    while let Some(rest) = l.strip_suffix(b"\n").or_else(|| l.strip_suffix(b"\r")) {
        l = rest;
    }
    l
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Splits as Python's `readlines`: after every `\n`.
pub(crate) fn split_lines(content: &[u8]) -> Vec<Vec<u8>> {
    content
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Applies `params` to the file's `content` (`[]` for a new file).
pub(crate) fn edit(content: &[u8], p: &LineParams) -> Result<Edit, String> {
    if p.present {
        present(content, p)
    } else {
        Ok(absent(content, p)?)
    }
}

fn present(content: &[u8], p: &LineParams) -> Result<Edit, String> {
    let line_text = p
        .line
        .as_deref()
        .ok_or("line is required with state=present")?;
    let mut lines = split_lines(content);
    let re = p
        .regexp
        .as_deref()
        .map(|r| compile(r, "regexp"))
        .transpose()?;
    let ins_re = match (&p.insertafter, &p.insertbefore) {
        (Some(a), _) if a != "BOF" && a != "EOF" => Some(compile(a, "insertafter")?),
        (None, Some(b)) if b != "BOF" => Some(compile(b, "insertbefore")?),
        _ => None,
    };
    let b_line = line_text.as_bytes();
    let mut index = [-1isize, -1isize];
    let mut caps_line: Option<Vec<u8>> = None;
    let mut matched = false;
    if let Some(re) = &re {
        for (n, l) in lines.iter().enumerate() {
            if re.is_match(body(l)) {
                index[0] = n as isize;
                matched = true;
                caps_line = Some(l.clone());
                if p.firstmatch {
                    break;
                }
            }
        }
    }
    if let Some(s) = &p.search_string {
        for (n, l) in lines.iter().enumerate() {
            if contains(l, s.as_bytes()) {
                index[0] = n as isize;
                matched = true;
                if p.firstmatch {
                    break;
                }
            }
        }
    }
    if !matched {
        for (n, l) in lines.iter().enumerate() {
            if strip_eol(l) == b_line {
                index[0] = n as isize;
            } else if let Some(ins) = &ins_re
                && ins.is_match(body(l))
            {
                if p.insertafter.is_some() {
                    index[1] = n as isize + 1;
                    if p.firstmatch {
                        break;
                    }
                }
                if p.insertbefore.is_some() {
                    index[1] = n as isize;
                    if p.firstmatch {
                        break;
                    }
                }
            }
        }
    }
    let mut msg = "";
    let mut changed = false;
    let with_nl = |l: &[u8]| {
        let mut v = l.to_vec();
        v.push(b'\n');
        v
    };
    let ends_with_eol = |l: &Vec<u8>| matches!(l.last(), Some(b'\n' | b'\r'));
    if index[0] != -1 {
        let mut new_line = match (&re, &caps_line, p.backrefs) {
            (Some(re), Some(l), true) => match re.captures(body(l)) {
                Some(c) => expand(&c, b_line),
                None => b_line.to_vec(),
            },
            _ => b_line.to_vec(),
        };
        if !new_line.ends_with(b"\n") {
            new_line.push(b'\n');
        }
        let i = index[0] as usize;
        if lines[i] != new_line {
            lines[i] = new_line;
            msg = "line replaced";
            changed = true;
        }
    } else if p.backrefs {
        // A backrefs line is only ever a replacement.
    } else if p.insertbefore.as_deref() == Some("BOF") || p.insertafter.as_deref() == Some("BOF") {
        lines.insert(0, with_nl(b_line));
        msg = "line added";
        changed = true;
    } else if p.insertafter.as_deref() == Some("EOF") || index[1] == -1 {
        if let Some(last) = lines.last()
            && !ends_with_eol(last)
        {
            lines.push(b"\n".to_vec());
        }
        lines.push(with_nl(b_line));
        msg = "line added";
        changed = true;
    } else if p.insertafter.is_some() {
        let i = index[1] as usize;
        if lines.len() == i {
            if strip_eol(&lines[i - 1]) != b_line {
                lines.push(with_nl(b_line));
                msg = "line added";
                changed = true;
            }
        } else if strip_eol(&lines[i]) != b_line {
            lines.insert(i, with_nl(b_line));
            msg = "line added";
            changed = true;
        }
    } else {
        lines.insert(index[1] as usize, with_nl(b_line));
        msg = "line added";
        changed = true;
    }
    Ok(Edit {
        content: lines.concat(),
        msg: msg.into(),
        changed,
        found: 0,
    })
}

fn absent(content: &[u8], p: &LineParams) -> Result<Edit, String> {
    if p.regexp.is_none() && p.search_string.is_none() && p.line.is_none() {
        return Err("one of line, search_string, or regexp is required with state=absent".into());
    }
    let re = p
        .regexp
        .as_deref()
        .map(|r| compile(r, "regexp"))
        .transpose()?;
    let lines = split_lines(content);
    let before = lines.len();
    let kept: Vec<Vec<u8>> = lines
        .into_iter()
        .filter(|l| {
            let hit = if let Some(re) = &re {
                re.is_match(body(l))
            } else if let Some(s) = &p.search_string {
                contains(l, s.as_bytes())
            } else {
                Some(strip_eol(l)) == p.line.as_deref().map(str::as_bytes)
            };
            !hit
        })
        .collect();
    let found = before - kept.len();
    Ok(Edit {
        content: kept.concat(),
        msg: if found > 0 {
            format!("{found} line(s) removed")
        } else {
            String::new()
        },
        changed: found > 0,
        found,
    })
}

/// Python's `Match.expand`: `\1`..`\99`, `\g<n>`, `\g<name>` and the usual escapes.
pub(crate) fn expand(caps: &Captures<'_>, template: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    let group = |out: &mut Vec<u8>, m: Option<regex::bytes::Match<'_>>| {
        if let Some(m) = m {
            out.extend_from_slice(m.as_bytes());
        }
    };
    while i < template.len() {
        let c = template[i];
        if c != b'\\' || i + 1 == template.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let next = template[i + 1];
        match next {
            b'0'..=b'9' => {
                let mut j = i + 1;
                while j < template.len() && j < i + 3 && template[j].is_ascii_digit() {
                    j += 1;
                }
                let n: usize = std::str::from_utf8(&template[i + 1..j])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                group(&mut out, caps.get(n));
                i = j;
            }
            b'g' if template.get(i + 2) == Some(&b'<') => {
                let rest = &template[i + 3..];
                match rest.iter().position(|b| *b == b'>') {
                    Some(end) => {
                        let name = String::from_utf8_lossy(&rest[..end]);
                        let m = match name.parse::<usize>() {
                            Ok(n) => caps.get(n),
                            Err(_) => caps.name(&name),
                        };
                        group(&mut out, m);
                        i += 3 + end + 1;
                    }
                    None => {
                        out.extend_from_slice(b"\\g");
                        i += 2;
                    }
                }
            }
            b'n' | b't' | b'r' | b'\\' | b'a' | b'f' | b'v' => {
                out.push(match next {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'a' => 0x07,
                    b'f' => 0x0c,
                    b'v' => 0x0b,
                    _ => b'\\',
                });
                i += 2;
            }
            _ => {
                out.push(b'\\');
                out.push(next);
                i += 2;
            }
        }
    }
    out
}

async fn run(cx: &TaskCx<'_>, args: &Map<String, Value>) -> Result<Outcome, ModuleError> {
    let a = Args::new(args);
    let path = a.required_str(&["path", "dest", "destfile", "name"])?;
    let path = super::remote_fs::expand_user(cx.remote, path).await?;
    let present = a.choice("state", &["absent", "present"])?.as_deref() != Some("absent");
    let mut params = LineParams {
        present,
        regexp: a.str(&["regexp", "regex"])?,
        search_string: a.str(&["search_string"])?,
        line: a.str(&["line", "value"])?,
        insertafter: a.str(&["insertafter"])?,
        insertbefore: a.str(&["insertbefore"])?,
        backrefs: a.bool("backrefs", false)?,
        firstmatch: a.bool("firstmatch", false)?,
    };
    for (x, y) in [
        ("insertbefore", "insertafter"),
        ("regexp", "search_string"),
        ("backrefs", "search_string"),
    ] {
        let given = |k: &str| {
            args.get(k)
                .is_some_and(|v| !v.is_null() && v != &Value::Bool(false))
        };
        if given(x) && given(y) {
            return Err(ModuleError::Args(format!(
                "parameters are mutually exclusive: {x}|{y}"
            )));
        }
    }
    let create = a.bool("create", false)?;
    let want_backup = a.bool("backup", false)?;
    let validate = a.str(&["validate"])?;
    let attrs = a.attrs()?;
    if present {
        if params.backrefs && params.regexp.is_none() {
            return Ok(Outcome::failed("regexp is required with backrefs=true"));
        }
        if params.line.is_none() {
            return Ok(Outcome::failed("line is required with state=present"));
        }
        if params.insertbefore.is_none() && params.insertafter.is_none() {
            params.insertafter = Some("EOF".into());
        }
    } else if params.regexp.is_none() && params.search_string.is_none() && params.line.is_none() {
        return Ok(Outcome::failed(
            "one of line, search_string, or regexp is required with state=absent",
        ));
    }
    let cur = match read_current(cx, &path).await? {
        Ok(cur) => cur,
        Err(failed) => return Ok(failed),
    };
    let before = match (&cur.content, present) {
        (Some(c), _) => c.clone(),
        (None, false) => return Ok(Outcome::ok().with_msg("file not present")),
        (None, true) if !create => {
            let mut out = Outcome::failed(format!("Destination {path} does not exist !"));
            out.rc = Some(257);
            return Ok(out);
        }
        (None, true) => Vec::new(),
    };
    let result = edit(&before, &params).map_err(ModuleError::Failed)?;
    let mut out = Outcome::changed(result.changed);
    out.diff
        .extend(content_diff(cx, &path, &before, &result.content));
    let opts = WriteOpts {
        changed: result.changed,
        backup: want_backup,
        attrs: &attrs,
        validate: validate.as_deref(),
    };
    let written = match write_back(cx, &path, &cur, &result.content, &opts).await? {
        Ok(w) => w,
        Err(failed) => return Ok(failed),
    };
    if cx.check_mode && cur.content.is_none() {
        out.msg = Some(result.msg);
        return Ok(out.with("backup", ""));
    }
    let (msg, changed) = with_attr_message(result.msg, result.changed, written.attrs_changed);
    out.changed = changed;
    out.diff.extend(written.attr_diff);
    if !present {
        out.data.insert("found".into(), Value::from(result.found));
    }
    out.msg = Some(msg);
    Ok(out.with("backup", written.backup.unwrap_or_default()))
}

trait WithMsg {
    fn with_msg(self, msg: &str) -> Self;
}

impl WithMsg for Outcome {
    fn with_msg(mut self, msg: &str) -> Self {
        self.msg = Some(msg.into());
        self
    }
}
