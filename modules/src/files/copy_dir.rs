//! `copy` with a directory `src`: `src/` copies the directory's contents into `dest`,
//! `src` (no slash) copies the directory itself into `dest/`. Ansible reports only
//! `dest`, `src` and `changed` for this form.

use std::path::Path;

use serde_json::Value;

use super::args::FileAttrs;
use super::copy::sha1_hex;
use super::file::apply_attrs;
use super::mode::Mode;
use super::remote_fs::{StatOpts, put_file, stat};
use crate::runtime::{ModuleError, Outcome, TaskCx, quote};

/// Files and directories below `root`, relative, sorted (directories before their
/// contents), so runs are deterministic.
fn walk(root: &Path) -> Result<(Vec<String>, Vec<String>), String> {
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries.into_iter().rev() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            // Follows symlinks on the controller, like Ansible's default local_follow.
            if entry.path().is_dir() {
                dirs.push(child.clone());
                stack.push((entry.path(), child));
            } else {
                files.push(child);
            }
        }
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// Copies the controller directory `local` (`src` as the user wrote it) to `dest`.
pub(crate) async fn copy_directory(
    cx: &TaskCx<'_>,
    local: &Path,
    src: &str,
    dest: &str,
    attrs: &FileAttrs,
    directory_mode: Option<Mode>,
    force: bool,
) -> Result<Outcome, ModuleError> {
    let dest_dir = format!("{}/", dest.trim_end_matches('/'));
    let root = if src.ends_with('/') {
        dest_dir.clone()
    } else {
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{dest_dir}{name}/")
    };
    let (dirs, files) = walk(local).map_err(ModuleError::Failed)?;
    let mut targets = vec![root.trim_end_matches('/').to_string()];
    targets.extend(dirs.iter().map(|d| format!("{root}{d}")));
    let mut changed = false;

    // One command creates the missing directories and says whether any were missing.
    let dir_mode = directory_mode.map(|m| match m {
        Mode::Octal(bits) => format!("{bits:o}"),
        Mode::Symbolic(s) => s,
    });
    let script = targets
        .iter()
        .map(|t| {
            let q = quote(t);
            let create = if cx.check_mode {
                String::new()
            } else {
                let chmod = dir_mode
                    .as_ref()
                    .map(|m| format!(" && chmod {} -- {q}", quote(m)))
                    .unwrap_or_default();
                format!("mkdir -p -- {q}{chmod} && ")
            };
            format!("{{ [ -d {q} ] || {{ {create}echo created; }}; }}")
        })
        .collect::<Vec<_>>()
        .join(" && ");
    let out = cx.remote.exec(&script, None).await?;
    if out.rc != 0 {
        return Ok(Outcome::failed(out.stderr_text().trim_end().to_string()));
    }
    changed |= !out.stdout.is_empty();

    let opts = StatOpts {
        follow: true,
        sha1: true,
        md5: false,
    };
    for rel in &files {
        let local_file = local.join(rel);
        let data = std::fs::read(&local_file)
            .map_err(|e| ModuleError::Failed(format!("{}: {e}", local_file.display())))?;
        let target = format!("{root}{rel}");
        let reply = stat(cx.remote, &target, opts).await?;
        let same = reply
            .stat
            .as_ref()
            .is_some_and(|st| st.sha1.as_deref() == Some(sha1_hex(&data).as_str()));
        let mut st = reply.stat.clone();
        if !same && (force || st.is_none()) {
            changed = true;
            if cx.check_mode {
                continue;
            }
            let mode = st.as_ref().map_or(0o666 & !reply.umask, |s| s.mode);
            if put_file(cx.remote, &data, &target, mode, None)
                .await?
                .is_err()
            {
                return Ok(Outcome::failed(format!("could not write {target}")));
            }
            st = stat(cx.remote, &target, StatOpts::default()).await?.stat;
        }
        if let Some(st) = st {
            match apply_attrs(cx, &target, &st, attrs, reply.umask, false).await? {
                Ok((plan, _)) => changed |= plan.changed(),
                Err(msg) => return Ok(Outcome::failed(msg).with("dest", target)),
            }
        }
    }
    Ok(Outcome::changed(changed)
        .with("dest", dest_dir)
        .with("src", Value::String(local_src_text(local, src))))
}

/// The `src` Ansible reports: the found path, keeping the user's trailing slash.
fn local_src_text(local: &Path, src: &str) -> String {
    let mut text = local.display().to_string();
    if src.ends_with('/') && !text.ends_with('/') {
        text.push('/');
    }
    text
}
