//! `ansible.builtin.blockinfile`: the pure edit ([`edit_block`], a port of the module's
//! `main`) and the module around it.

use serde_json::{Map, Value};

use super::args::Args;
use super::text_file::{WriteOpts, content_diff, read_current, with_attr_message, write_back};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

/// The `blockinfile` module.
pub struct BlockInFileModule;

impl Module for BlockInFileModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.blockinfile"
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
#[derive(Debug, Clone)]
pub(crate) struct BlockParams {
    pub(crate) present: bool,
    pub(crate) block: String,
    pub(crate) marker: String,
    pub(crate) marker_begin: String,
    pub(crate) marker_end: String,
    pub(crate) insertafter: Option<String>,
    pub(crate) insertbefore: Option<String>,
    pub(crate) append_newline: bool,
    pub(crate) prepend_newline: bool,
}

impl Default for BlockParams {
    fn default() -> Self {
        BlockParams {
            present: true,
            block: String::new(),
            marker: "# {mark} ANSIBLE MANAGED BLOCK".into(),
            marker_begin: "BEGIN".into(),
            marker_end: "END".into(),
            insertafter: None,
            insertbefore: None,
            append_newline: false,
            prepend_newline: false,
        }
    }
}

/// Splits as Python's `bytes.splitlines(True)`: after `\n`, `\r\n` or a lone `\r`.
fn split_lines(content: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < content.len() {
        let end = match content[i] {
            b'\n' => Some(i + 1),
            b'\r' if content.get(i + 1) == Some(&b'\n') => Some(i + 2),
            b'\r' => Some(i + 1),
            _ => None,
        };
        match end {
            Some(end) => {
                lines.push(content[start..end].to_vec());
                start = end;
                i = end;
            }
            None => i += 1,
        }
    }
    if start < content.len() {
        lines.push(content[start..].to_vec());
    }
    lines
}

/// Whether a Python pattern turns on `re.MULTILINE` with an inline flag (`(?m)`).
fn is_multiline(pattern: &str) -> bool {
    pattern
        .strip_prefix("(?")
        .and_then(|rest| rest.split(')').next())
        .is_some_and(|flags| flags.chars().all(|c| c.is_ascii_alphabetic()) && flags.contains('m'))
}

/// The new content and message for `original` (`None`: the file does not exist).
pub(crate) fn edit_block(
    original: Option<&[u8]>,
    p: &BlockParams,
) -> Result<(Vec<u8>, String, bool), String> {
    let mut lines = original.map(split_lines).unwrap_or_default();
    let (insertafter, insertbefore) = match (&p.insertafter, &p.insertbefore) {
        (None, None) => (Some("EOF"), None),
        (a, b) => (a.as_deref(), b.as_deref()),
    };
    let pattern = match (insertafter, insertbefore) {
        (Some(a), _) if a != "EOF" => Some(a),
        (None, Some(b)) if b != "BOF" => Some(b),
        _ => None,
    };
    let insert_re = pattern
        .map(|pat| super::lineinfile::compile(pat, "regular expression"))
        .transpose()?;
    let mark = |word: &str| {
        let mut m = p.marker.replace("{mark}", word).into_bytes();
        m.push(b'\n');
        m
    };
    let marker0 = mark(&p.marker_begin);
    let marker1 = mark(&p.marker_end);
    let blocklines: Vec<Vec<u8>> = if p.present && !p.block.is_empty() {
        let mut block = p.block.as_bytes().to_vec();
        if !block.ends_with(b"\n") {
            block.push(b'\n');
        }
        let mut v = vec![marker0.clone()];
        v.extend(split_lines(&block));
        v.push(marker1.clone());
        v
    } else {
        Vec::new()
    };
    let mut n0 = None;
    let mut n1 = None;
    for (i, line) in lines.iter().enumerate() {
        if *line == marker0 {
            n0 = Some(i);
        }
        if *line == marker1 {
            n1 = Some(i);
        }
    }
    let mut at = match (n0, n1) {
        (Some(b), Some(e)) if b < e => {
            lines.drain(b..=e);
            b
        }
        (Some(b), Some(e)) => {
            lines.drain(e..=b);
            e
        }
        _ => {
            let mut found = None;
            if let Some(re) = &insert_re {
                if is_multiline(pattern.unwrap_or_default()) {
                    let text = original.unwrap_or_default();
                    if let Some(m) = re.find(text) {
                        let upto = if insertafter.is_some() {
                            m.end()
                        } else {
                            m.start()
                        };
                        found = Some(text[..upto].iter().filter(|b| **b == b'\n').count());
                    }
                } else {
                    for (i, line) in lines.iter().enumerate() {
                        let body = line.strip_suffix(b"\n").unwrap_or(line);
                        if re.is_match(body) {
                            found = Some(i);
                        }
                    }
                }
                match found {
                    None => lines.len(),
                    Some(n) if insertafter.is_some() => n + 1,
                    Some(n) => n,
                }
            } else if insertbefore.is_some() {
                0
            } else {
                lines.len()
            }
        }
    };
    if at > 0 && !lines[at - 1].ends_with(b"\n") {
        lines[at - 1].push(b'\n');
    }
    if p.prepend_newline && p.present && at != 0 && lines[at - 1] != b"\n" {
        lines.insert(at, b"\n".to_vec());
        at += 1;
    }
    let count = blocklines.len();
    let removed = blocklines.is_empty();
    lines.splice(at..at, blocklines);
    if p.append_newline && p.present {
        let after = at + count;
        if after < lines.len() && lines[after] != b"\n" {
            lines.insert(after, b"\n".to_vec());
        }
    }
    let result = lines.concat();
    let (msg, changed) = match original {
        Some(o) if o == result.as_slice() => ("", false),
        None => ("File created", true),
        Some(_) if removed => ("Block removed", true),
        Some(_) => ("Block inserted", true),
    };
    Ok((result, msg.into(), changed))
}

async fn run(cx: &TaskCx<'_>, args: &Map<String, Value>) -> Result<Outcome, ModuleError> {
    let a = Args::new(args);
    let path = a.required_str(&["path", "dest", "destfile", "name"])?;
    let path = super::remote_fs::expand_user(cx.remote, path).await?;
    if args.get("insertafter").is_some_and(|v| !v.is_null())
        && args.get("insertbefore").is_some_and(|v| !v.is_null())
    {
        return Err(ModuleError::Args(
            "parameters are mutually exclusive: insertbefore|insertafter".into(),
        ));
    }
    let defaults = BlockParams::default();
    let params = BlockParams {
        present: a.choice("state", &["absent", "present"])?.as_deref() != Some("absent"),
        block: a.str(&["block", "content"])?.unwrap_or_default(),
        marker: a.str(&["marker"])?.unwrap_or(defaults.marker),
        marker_begin: a.str(&["marker_begin"])?.unwrap_or(defaults.marker_begin),
        marker_end: a.str(&["marker_end"])?.unwrap_or(defaults.marker_end),
        insertafter: a.str(&["insertafter"])?,
        insertbefore: a.str(&["insertbefore"])?,
        append_newline: a.bool("append_newline", false)?,
        prepend_newline: a.bool("prepend_newline", false)?,
    };
    let create = a.bool("create", false)?;
    let want_backup = a.bool("backup", false)?;
    let validate = a.str(&["validate"])?;
    let attrs = a.attrs()?;
    let cur = match read_current(cx, &path).await? {
        Ok(cur) => cur,
        Err(failed) => return Ok(failed),
    };
    if cur.content.is_none() && !create {
        let mut out = Outcome::failed(format!("Path {path} does not exist !"));
        out.rc = Some(257);
        return Ok(out);
    }
    if cur.content.is_none() && !params.present {
        let mut out = Outcome::ok();
        out.msg = Some(format!("File {path} not present"));
        return Ok(out);
    }
    let (result, msg, changed) =
        edit_block(cur.content.as_deref(), &params).map_err(ModuleError::Failed)?;
    let before = cur.content.clone().unwrap_or_default();
    let mut out = Outcome::changed(changed);
    out.diff.extend(content_diff(cx, &path, &before, &result));
    let opts = WriteOpts {
        changed,
        backup: want_backup,
        attrs: &attrs,
        validate: validate.as_deref(),
    };
    let written = match write_back(cx, &path, &cur, &result, &opts).await? {
        Ok(w) => w,
        Err(failed) => return Ok(failed),
    };
    if cx.check_mode && cur.content.is_none() {
        out.msg = Some(msg);
        return Ok(out);
    }
    let (msg, changed) = with_attr_message(msg, changed, written.attrs_changed);
    out.changed = changed;
    out.msg = Some(msg);
    out.diff.extend(written.attr_diff);
    if let Some(backup) = written.backup {
        out.data.insert("backup_file".into(), Value::String(backup));
    }
    Ok(out)
}
