//! `ansible.builtin.copy` and `ansible.builtin.template`: put bytes from the controller
//! at `dest`, only when the host's sha1 differs (one stat command tells), atomically via
//! [`Remote::put`](crate::runtime::Remote::put).

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

use super::args::{Args, FileAttrs};
use super::copy_dir::copy_directory;
use super::file::apply_attrs;
use super::remote_fs::{
    FileStat, Kind, StatOpts, StatReply, WriteRefused, add_stat_fields, backup, diff_text,
    ensure_ascii, expand_user, put_file, run_then_stat, stat, validate_command,
};
use crate::runtime::{BoxFuture, Diff, Module, ModuleError, Outcome, TaskCx, quote};

/// The `copy` module.
pub struct CopyModule;

/// The `template` module.
pub struct TemplateModule;

impl Module for CopyModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.copy"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(run_copy(cx, args, false))
    }
}

impl Module for TemplateModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.template"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(run_copy(cx, args, true))
    }
}

/// The bytes to place and where they came from.
struct Source {
    data: Vec<u8>,
    /// The controller path (`src`), shown as the diff's after header and `src`.
    path: Option<String>,
    /// The name used when `dest` is a directory.
    basename: Option<String>,
    /// The source file's permission bits, for `mode: preserve`.
    mode: Option<u32>,
    /// The diff's after header when it is not `path`: a template's rendered copy.
    diff_name: Option<String>,
}

/// Where Ansible's template action writes the rendered text on the controller before
/// copying it (`<local tmp>/ansible-local-<pid><random>/tmp<random>/<template name>`),
/// the `+++ after:` header of its `--diff`. Only the name is needed: nothing is written.
fn rendered_copy_name(template: &std::path::Path) -> String {
    let base = std::env::var("ANSIBLE_LOCAL_TEMP")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.ansible/tmp")
        });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = template
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(
        "{base}/ansible-local-{}{nanos:x}/tmp{:x}/{name}",
        std::process::id(),
        nanos.rotate_left(13)
    )
}

/// `newline_sequence` (`\n`, `\r`, `\r\n`, written escaped or not); `None` keeps `\n`.
fn newline_sequence(a: &Args<'_>) -> Result<Option<&'static str>, ModuleError> {
    match a.str(&["newline_sequence"])?.as_deref() {
        None | Some("\\n" | "\n") => Ok(None),
        Some("\\r") | Some("\r") => Ok(Some("\r")),
        Some("\\r\\n") | Some("\r\n") => Ok(Some("\r\n")),
        Some(other) => Err(ModuleError::Args(format!(
            "value of newline_sequence must be one of: \\n, \\r, \\r\\n, got: {other}"
        ))),
    }
}

fn local_mode(path: &std::path::Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

/// `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, non-ASCII
/// escaped.
pub(crate) fn python_json(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(_) => ensure_ascii(&value.to_string()),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        python_json(&Value::String(k.clone())),
                        python_json(v)
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Lower-case hex sha1, as Ansible's `checksum`.
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    let digest = Sha1::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn basename(path: &str) -> Option<String> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|b| !b.is_empty())
        .map(str::to_string)
}

/// A failure raised by the action on the controller (not by the module on the host):
/// Ansible's error summary is the message alone, without "Module failed:".
fn action_failed(msg: String) -> Outcome {
    let summary = format!("Task failed: {msg}");
    Outcome::failed(msg).with(crate::runtime::ERROR_SUMMARY_KEY, summary)
}

fn source(
    cx: &TaskCx<'_>,
    a: &Args<'_>,
    args: &Map<String, Value>,
    template: bool,
) -> Result<Result<Source, Outcome>, ModuleError> {
    let src = a.str(&["src"])?;
    if template {
        let Some(src) = src else {
            return Ok(Err(Outcome::failed("src and dest are required")));
        };
        let path = match cx.controller.find_file("templates", &src) {
            Ok(p) => p,
            Err(msg) => return Ok(Err(action_failed(msg))),
        };
        let text = match cx.controller.render_template(&path) {
            Ok(t) => t,
            Err(msg) => return Ok(Err(Outcome::failed(msg))),
        };
        let text = match newline_sequence(a)? {
            Some(nl) => text.replace('\n', nl),
            None => text,
        };
        return Ok(Ok(Source {
            data: text.into_bytes(),
            mode: local_mode(&path),
            path: Some(path.display().to_string()),
            basename: basename(&src),
            diff_name: Some(rendered_copy_name(&path)),
        }));
    }
    if let Some(content) = args.get("content").filter(|v| !v.is_null()) {
        if src.is_some() {
            return Err(ModuleError::Args(
                "parameters are mutually exclusive: src|content".into(),
            ));
        }
        // Ansible writes a dict or list as `json.dumps`, other values as `str()`.
        let data = match content {
            Value::String(s) => s.clone().into_bytes(),
            Value::Bool(true) => b"True".to_vec(),
            Value::Bool(false) => b"False".to_vec(),
            Value::Number(n) => n.to_string().into_bytes(),
            other => python_json(other).into_bytes(),
        };
        return Ok(Ok(Source {
            data,
            path: None,
            basename: None,
            mode: None,
            diff_name: None,
        }));
    }
    let Some(src) = src else {
        return Ok(Err(Outcome::failed("src (or content) is required")));
    };
    let path = match cx.controller.find_file("files", &src) {
        Ok(p) => p,
        // Ansible's copy action re-raises the lookup error without a message of its own.
        Err(msg) => {
            return Ok(Err(action_failed(format!(
                "Unexpected AnsibleActionFail error: {msg}"
            ))));
        }
    };
    match std::fs::read(&path) {
        Ok(data) => Ok(Ok(Source {
            data,
            mode: local_mode(&path),
            path: Some(path.display().to_string()),
            basename: basename(&src),
            diff_name: None,
        })),
        Err(e) => Ok(Err(Outcome::failed(format!(
            "Could not find or access '{src}' on the Ansible Controller: {e}"
        )))),
    }
}

/// `remote_src: true`: the source is a file on the host itself.
async fn remote_source(
    cx: &TaskCx<'_>,
    a: &Args<'_>,
) -> Result<Result<Source, Outcome>, ModuleError> {
    let Some(src) = a.str(&["src"])? else {
        return Ok(Err(Outcome::failed("src (or content) is required")));
    };
    let src = expand_user(cx.remote, src).await?;
    let reply = stat(
        cx.remote,
        &src,
        StatOpts {
            follow: true,
            ..StatOpts::default()
        },
    )
    .await?;
    let mode = reply.stat.as_ref().map(|s| s.mode);
    match reply.stat.map(|s| s.kind) {
        None => return Ok(Err(Outcome::failed(format!("Source {src} not found")))),
        Some(Kind::Directory) => {
            return Ok(Err(Outcome::failed(format!(
                "copying a directory ({src}) is not supported by ringmaster yet"
            ))));
        }
        Some(_) => {}
    }
    Ok(Ok(Source {
        data: cx.remote.get(&src).await?,
        path: Some(src.clone()),
        basename: basename(&src),
        mode,
        diff_name: None,
    }))
}

const CHECKSUMS: StatOpts = StatOpts {
    follow: true,
    sha1: true,
    md5: false,
};

async fn run_copy(
    cx: &TaskCx<'_>,
    args: &Map<String, Value>,
    template: bool,
) -> Result<Outcome, ModuleError> {
    let a = Args::new(args);
    let dest = match a.str(&["dest"])? {
        Some(d) => d,
        None if template => return Ok(Outcome::failed("src and dest are required")),
        None => return Err(ModuleError::Args("missing required arguments: dest".into())),
    };
    let mut dest = expand_user(cx.remote, dest).await?;
    let force = a.bool("force", true)?;
    let follow = a.bool("follow", false)?;
    let want_backup = a.bool("backup", false)?;
    // `mode: preserve` takes the source file's mode once the source is known.
    let preserve = args.get("mode").and_then(Value::as_str) == Some("preserve");
    let mut attrs = if preserve {
        FileAttrs {
            mode: None,
            owner: a.str(&["owner"])?,
            group: a.str(&["group"])?,
        }
    } else {
        a.attrs()?
    };
    let validate = a.str(&["validate"])?;
    let remote_src = a.bool("remote_src", false)?;
    if !template
        && !remote_src
        && let Some(src) = a.str(&["src"])?
        && let Ok(local) = cx.controller.find_file("files", &src)
        && local.is_dir()
    {
        let directory_mode = match args.get("directory_mode") {
            Some(Value::String(s)) => Some(super::mode::Mode::parse(s)?),
            Some(Value::Number(n)) => n.as_u64().map(|b| super::mode::Mode::Octal(b as u32)),
            _ => None,
        };
        return copy_directory(cx, &local, &src, &dest, &attrs, directory_mode, force).await;
    }
    let src = if remote_src && !template {
        match remote_source(cx, &a).await? {
            Ok(s) => s,
            Err(failed) => return Ok(failed),
        }
    } else {
        match source(cx, &a, args, template)? {
            Ok(s) => s,
            Err(failed) => return Ok(failed),
        }
    };
    let checksum = sha1_hex(&src.data);
    if preserve {
        attrs.mode = src.mode.map(super::mode::Mode::Octal);
    }
    if let Some(v) = &validate
        && validate_command(v, "").is_none()
    {
        return Ok(
            Outcome::failed(format!("validate must contain %s: {v}")).with("checksum", checksum)
        );
    }

    // A directory dest (trailing slash, or a directory on the host) gets the source's name.
    let mut reply = stat(cx.remote, &dest, CHECKSUMS).await?;
    let is_dir = |r: &StatReply| r.stat.as_ref().is_some_and(|s| s.kind == Kind::Directory);
    if dest.ends_with('/') || is_dir(&reply) {
        let Some(name) = &src.basename else {
            return Ok(Outcome::failed("can not use content with a dir as dest"));
        };
        if !is_dir(&reply) && !cx.check_mode {
            let out = cx
                .remote
                .exec(&format!("mkdir -p -- {}", quote(&dest)), None)
                .await?;
            if out.rc != 0 {
                return Ok(Outcome::failed(out.stderr_text().trim_end().to_string()));
            }
        }
        dest = format!("{}/{name}", dest.trim_end_matches('/'));
        reply = stat(cx.remote, &dest, CHECKSUMS).await?;
        if is_dir(&reply) {
            return Ok(Outcome::failed(format!("{dest} is a directory")));
        }
    }
    let umask = reply.umask;
    let existing = reply.stat;
    // `follow: true` writes through a symlink at dest (to its resolved path); otherwise
    // the rename replaces the link itself, as Ansible does.
    let write_path = match &existing {
        Some(st) if follow => st.target.clone().unwrap_or_else(|| dest.clone()),
        _ => dest.clone(),
    };

    if let Some(st) = &existing
        && st.sha1.as_deref() == Some(checksum.as_str())
    {
        return unchanged_content(cx, &dest, st, &attrs, umask, &checksum).await;
    }
    if existing.is_some() && !force {
        let mut out = Outcome::ok().with("dest", dest.as_str());
        if let Some(p) = &src.path {
            out.data.insert("src".into(), Value::String(p.clone()));
        }
        return Ok(out);
    }

    let mut out = Outcome::changed(true);
    if cx.diff {
        out.diff
            .extend(content_diff(cx, &dest, existing.as_ref(), &src).await?);
    }
    if cx.check_mode {
        return Ok(out);
    }
    if existing.is_none() {
        let parent = dest
            .rsplit_once('/')
            .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d });
        let check = cx
            .remote
            .exec(&format!("[ -d {} ]", quote(parent)), None)
            .await?;
        if check.rc != 0 {
            return Ok(
                Outcome::failed(format!("Destination directory {parent} does not exist"))
                    .with("checksum", checksum),
            );
        }
    }
    let mut backup_file = None;
    if want_backup && existing.is_some() {
        backup_file = Some(backup(cx.remote, &write_path).await?);
    }
    // The requested mode goes on the temporary file, so a secret is never readable
    // with a looser mode, not even between the rename and a chmod.
    let current = existing.as_ref().map_or(0o666 & !umask, |st| st.mode);
    let mode = match &attrs.mode {
        Some(m) => m.resolve(current, false, umask)?,
        None => current,
    };
    if let Err(WriteRefused::Invalid { rc, stdout, stderr }) =
        put_file(cx.remote, &src.data, &write_path, mode, validate.as_deref()).await?
    {
        let mut failed = Outcome::failed("failed to validate").with("exit_status", rc);
        failed.stdout = Some(stdout);
        failed.stderr = Some(stderr);
        return Ok(failed.with("checksum", checksum));
    }
    // The new file belongs to the connecting user: give a replaced file its owner back.
    let restore = match &existing {
        Some(st) => format!(
            "{{ chown {}:{} -- {} 2>/dev/null; true; }}",
            st.uid,
            st.gid,
            quote(&write_path)
        ),
        None => String::new(),
    };
    let with_md5 = StatOpts {
        md5: true,
        ..CHECKSUMS
    };
    let written = match run_then_stat(cx.remote, &restore, &dest, with_md5).await? {
        Ok(StatReply { stat: Some(st), .. }) => st,
        Ok(_) => {
            return Ok(Outcome::failed(format!(
                "{dest} disappeared after it was written"
            )));
        }
        Err(msg) => return Ok(Outcome::failed(msg)),
    };
    let (_, after) = match apply_attrs(cx, &dest, &written, &attrs, umask, false).await? {
        Ok(done) => done,
        Err(msg) => return Ok(Outcome::failed(msg).with("dest", dest.as_str())),
    };
    out.data.insert("dest".into(), Value::String(dest.clone()));
    if let Some(p) = &src.path {
        out.data.insert("src".into(), Value::String(p.clone()));
    }
    if let Some(md5) = &written.md5 {
        out.data.insert("md5sum".into(), Value::String(md5.clone()));
    }
    out.data.insert("checksum".into(), Value::String(checksum));
    add_stat_fields(&mut out, &after);
    if let Some(b) = backup_file {
        out.data.insert("backup_file".into(), Value::String(b));
    }
    Ok(out)
}

/// The content is already right: only attributes may change (Ansible then runs the
/// `file` module, hence `path` and its dict diff).
async fn unchanged_content(
    cx: &TaskCx<'_>,
    dest: &str,
    st: &FileStat,
    attrs: &FileAttrs,
    umask: u32,
    checksum: &str,
) -> Result<Outcome, ModuleError> {
    let (plan, after) = match apply_attrs(cx, dest, st, attrs, umask, false).await? {
        Ok(done) => done,
        Err(msg) => return Ok(Outcome::failed(msg).with("path", dest)),
    };
    let mut out = Outcome::changed(plan.changed());
    if cx.diff && plan.changed() {
        let side = |m: &Map<String, Value>| {
            let mut side = Map::new();
            side.insert("path".into(), Value::String(dest.into()));
            side.extend(m.clone());
            diff_text(&side)
        };
        out.diff.push(Diff {
            before: side(&plan.before),
            after: side(&plan.after),
            ..Diff::default()
        });
    }
    out.data.insert("path".into(), Value::String(dest.into()));
    add_stat_fields(&mut out, &after);
    out.data
        .insert("checksum".into(), Value::String(checksum.into()));
    out.data.insert("dest".into(), Value::String(dest.into()));
    Ok(out)
}

/// The before/after text as Ansible's copy action shows it; nothing for binary content.
async fn content_diff(
    cx: &TaskCx<'_>,
    dest: &str,
    existing: Option<&FileStat>,
    src: &Source,
) -> Result<Option<Diff>, ModuleError> {
    let Ok(after) = String::from_utf8(src.data.clone()) else {
        return Ok(None);
    };
    let (before, before_header) = match existing {
        Some(_) => {
            let data = cx.remote.get(dest).await?;
            match String::from_utf8(data) {
                Ok(text) => (text, Some(dest.to_string())),
                Err(_) => return Ok(None),
            }
        }
        None => (String::new(), None),
    };
    Ok(Some(Diff {
        before_header,
        after_header: Some(
            src.diff_name
                .clone()
                .or_else(|| src.path.clone())
                .unwrap_or_else(|| dest.to_string()),
        ),
        before,
        after,
    }))
}
