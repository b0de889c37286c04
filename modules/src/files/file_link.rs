//! `file` with `state: link` / `state: hard`: symlinks and hard links, as
//! ansible-core's `ensure_symlink` / `ensure_hardlink`.

use serde_json::{Map, Value};

use super::args::FileAttrs;
use super::file::{fail_with_stat, finish, one, state_diff};
use super::remote_fs::{FileStat, Kind, StatOpts, stat};
use crate::runtime::{ModuleError, Outcome, TaskCx, quote};

/// Creates or checks the link at `path` pointing to `src`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn link(
    cx: &TaskCx<'_>,
    path: &str,
    prev: Option<FileStat>,
    umask: u32,
    attrs: &FileAttrs,
    src: Option<&str>,
    force: bool,
    hard: bool,
) -> Result<Outcome, ModuleError> {
    let kind_word = if hard { "hard link" } else { "symlink" };
    let Some(src) = src else {
        // An existing link keeps its target when no src is given.
        if let Some(st) = prev
            .as_ref()
            .filter(|st| st.state() == if hard { "hard" } else { "link" })
        {
            let no_deref = !hard;
            let mut out = finish(
                cx,
                "dest",
                path,
                st,
                umask,
                attrs,
                no_deref,
                false,
                Map::new(),
                Map::new(),
            )
            .await?;
            out.data.insert("src".into(), Value::Null);
            return Ok(out);
        }
        let plural = if hard { "hardlinks" } else { "symlinks" };
        return Ok(Outcome::failed(format!(
            "src is required for creating new {plural}"
        )));
    };
    let p = quote(path);
    let s = quote(src);
    // Is the link already right?
    // A hard link's src must exist, even when the link is already there.
    let src_stat = if hard {
        let opts = StatOpts {
            follow: true,
            ..StatOpts::default()
        };
        match stat(cx.remote, src, opts).await?.stat {
            Some(src_st) => Some(src_st),
            None => {
                return Ok(fail_with_stat(
                    "dest",
                    path,
                    "src does not exist".into(),
                    prev.as_ref(),
                )
                .with("src", src));
            }
        }
    } else {
        None
    };
    let up_to_date = match &prev {
        None => false,
        Some(st) if hard && st.kind == Kind::Link => false,
        Some(st) if hard => {
            let same = src_stat.as_ref().is_some_and(|s| s.inode == st.inode);
            if !same && !force {
                // ansible-core's ensure_hardlink messages, by what is in the way.
                let msg = match st.state() {
                    "hard" => "Cannot link, different hard link exists at destination".into(),
                    "directory" => "Cannot link: different hard link exists at destination".into(),
                    other => format!("Cannot link, {other} exists at destination"),
                };
                return Ok(fail_with_stat("dest", path, msg, Some(st)).with("src", src));
            }
            same
        }
        Some(st) if st.kind == Kind::Link => st.target.as_deref() == Some(src),
        Some(st) => {
            if !force {
                let from = if st.kind == Kind::Directory {
                    "directory"
                } else {
                    "file"
                };
                let msg = format!("refusing to convert from {from} to {kind_word} for {path}");
                return Ok(fail_with_stat("path", path, msg, Some(st)));
            }
            false
        }
    };
    let (before, after) = match &prev {
        None => (
            one("state", "absent"),
            one("state", if hard { "hard" } else { "link" }),
        ),
        Some(st) if st.kind == Kind::Link && !hard => (
            one("src", st.target.clone().unwrap_or_default()),
            one("src", src),
        ),
        Some(st) => (
            one("state", st.state()),
            one("state", if hard { "hard" } else { "link" }),
        ),
    };
    let mut st = prev.clone();
    if !up_to_date {
        if cx.check_mode {
            let mut out = Outcome::changed(true).with("dest", path).with("src", src);
            out.diff = state_diff(cx, path, before, after);
            return Ok(out);
        }
        let dir = path
            .rsplit_once('/')
            .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d });
        let check_src = if force {
            String::new()
        } else {
            // Relative symlink sources are relative to the link's directory.
            format!("( cd -- {} && [ -e {s} ] ) || exit 6; ", quote(dir))
        };
        let replace_dir = match &prev {
            Some(st) if st.kind == Kind::Directory => format!("rmdir -- {p} && "),
            _ => String::new(),
        };
        let ln = if hard { "ln -f" } else { "ln -sfn" };
        let cmd = format!("{check_src}{replace_dir}{ln} -- {s} {p}");
        let out = cx.remote.exec(&cmd, None).await?;
        if out.rc == 6 {
            let shown = if src.starts_with('/') {
                src.to_string()
            } else {
                format!("{}/{src}", dir.trim_end_matches('/'))
            };
            let msg = format!(
                "src file does not exist, use 'force=yes' if you really want to create the link: {shown}"
            );
            return Ok(Outcome::failed(msg).with("path", path).with("src", src));
        }
        if out.rc != 0 {
            let msg = format!("Error while linking: {}", out.stderr_text().trim_end());
            return Ok(Outcome::failed(msg).with("path", path));
        }
        st = stat(cx.remote, path, StatOpts::default()).await?.stat;
    }
    let Some(st) = st else {
        return Ok(
            Outcome::failed(format!("Error while linking: {path} was not created"))
                .with("path", path),
        );
    };
    let mut out = finish(
        cx,
        "dest",
        path,
        &st,
        umask,
        attrs,
        !hard,
        !up_to_date,
        before,
        after,
    )
    .await?;
    if !out.failed {
        // Ansible orders `src` right after `dest`.
        let mut data = Map::new();
        for (k, v) in std::mem::take(&mut out.data) {
            let is_dest = k == "dest";
            data.insert(k, v);
            if is_dest {
                data.insert("src".into(), Value::String(src.into()));
            }
        }
        out.data = data;
    }
    Ok(out)
}
