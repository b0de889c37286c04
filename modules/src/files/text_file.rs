//! Reading and writing back a text file on the host for the editing modules
//! (`lineinfile`, `blockinfile`): one stat, one read, an atomic put, then attributes.

use super::args::FileAttrs;
use super::file::apply_attrs;
use super::remote_fs::{
    Kind, StatOpts, StatReply, backup, diff_text, edit_refused, make_parents, put_file, stat,
};
use crate::runtime::{Diff, ModuleError, Outcome, TaskCx};

/// The file as found on the host.
pub(crate) struct Current {
    pub(crate) reply: StatReply,
    /// Where writes go: the symlink-resolved path (Ansible writes to `realpath(dest)`).
    pub(crate) real_path: String,
    /// `None` when the file does not exist.
    pub(crate) content: Option<Vec<u8>>,
}

/// Stats and reads `path`. A directory is Ansible's `Path ... is a directory !` failure.
pub(crate) async fn read_current(
    cx: &TaskCx<'_>,
    path: &str,
) -> Result<Result<Current, Outcome>, ModuleError> {
    let opts = StatOpts {
        follow: true,
        ..StatOpts::default()
    };
    let reply = stat(cx.remote, path, opts).await?;
    let (real_path, content) = match &reply.stat {
        Some(st) if st.kind == Kind::Directory => {
            let mut out = Outcome::failed(format!("Path {path} is a directory !"));
            out.rc = Some(256);
            return Ok(Err(out));
        }
        Some(st) => {
            let real = st.target.clone().unwrap_or_else(|| path.to_string());
            let data = cx.remote.get(&real).await?;
            (real, Some(data))
        }
        None => (path.to_string(), None),
    };
    Ok(Ok(Current {
        reply,
        real_path,
        content,
    }))
}

/// What writing back did.
pub(crate) struct WriteBack {
    /// The backup's name, when one was made.
    pub(crate) backup: Option<String>,
    /// Owner, group or mode changed.
    pub(crate) attrs_changed: bool,
    /// The attribute diff (`(file attributes)` headers), when attributes changed.
    pub(crate) attr_diff: Option<Diff>,
}

/// How [`write_back`] writes.
#[derive(Clone, Copy)]
pub(crate) struct WriteOpts<'a> {
    /// The content changed (else only attributes are looked at).
    pub(crate) changed: bool,
    /// Make a timestamped backup of an existing file first.
    pub(crate) backup: bool,
    pub(crate) attrs: &'a FileAttrs,
    /// Ansible's `validate` command (`%s` = the new file).
    pub(crate) validate: Option<&'a str>,
}

/// Writes `new` over the file atomically when `changed` (backup first if asked), then
/// applies owner/group/mode. In check mode nothing is written. A failure is an
/// [`Outcome`] with Ansible's message.
pub(crate) async fn write_back(
    cx: &TaskCx<'_>,
    path: &str,
    cur: &Current,
    new: &[u8],
    opts: &WriteOpts<'_>,
) -> Result<Result<WriteBack, Outcome>, ModuleError> {
    let WriteOpts {
        changed,
        backup: want_backup,
        attrs,
        validate,
    } = *opts;
    let mut backup_name = None;
    let umask = cur.reply.umask;
    if changed && !cx.check_mode {
        if want_backup && cur.content.is_some() {
            backup_name = Some(backup(cx.remote, &cur.real_path).await?);
        }
        let mode = match &cur.reply.stat {
            Some(st) => st.mode,
            None => {
                make_parents(cx.remote, path).await?;
                0o666 & !umask
            }
        };
        if let Err(refused) = put_file(cx.remote, new, &cur.real_path, mode, validate).await? {
            return Ok(Err(edit_refused(refused, validate.unwrap_or_default())));
        }
        // The new file was written by the connecting user: give it back its owner.
        if let Some(st) = &cur.reply.stat {
            let cmd = format!(
                "chown {}:{} -- {} 2>/dev/null; true",
                st.uid,
                st.gid,
                crate::runtime::quote(&cur.real_path)
            );
            cx.remote.exec(&cmd, None).await?;
        }
    }
    let mut done = WriteBack {
        backup: backup_name,
        attrs_changed: false,
        attr_diff: None,
    };
    if attrs == &FileAttrs::default() {
        return Ok(Ok(done));
    }
    // The file as it is now (it may have just been created).
    let st = if changed && !cx.check_mode {
        stat(cx.remote, &cur.real_path, StatOpts::default())
            .await?
            .stat
    } else {
        cur.reply.stat.clone()
    };
    let Some(st) = st else {
        // Check mode on a file that does not exist yet: attributes would be set.
        return Ok(Ok(done));
    };
    match apply_attrs(cx, &cur.real_path, &st, attrs, umask, false).await? {
        Ok((plan, _)) => {
            done.attrs_changed = plan.changed();
            if plan.changed() && cx.diff {
                // Recorded: {"before": {"mode": "0644"}, "after": {"mode": "0600"}}, no path.
                let (before, after) = (&plan.before, &plan.after);
                let header = format!("{path} (file attributes)");
                done.attr_diff = Some(Diff {
                    before_header: Some(header.clone()),
                    after_header: Some(header),
                    before: diff_text(before),
                    after: diff_text(after),
                });
            }
            Ok(Ok(done))
        }
        Err(msg) => Ok(Err(Outcome::failed(msg).with("path", path))),
    }
}

/// The `(content)` diff of an editing module, when `--diff` is on and the text changed.
pub(crate) fn content_diff(
    cx: &TaskCx<'_>,
    path: &str,
    before: &[u8],
    after: &[u8],
) -> Option<Diff> {
    if !cx.diff || before == after {
        return None;
    }
    let header = format!("{path} (content)");
    Some(Diff {
        before_header: Some(header.clone()),
        after_header: Some(header),
        before: String::from_utf8_lossy(before).into_owned(),
        after: String::from_utf8_lossy(after).into_owned(),
    })
}

/// Ansible's message when attributes changed too.
pub(crate) fn with_attr_message(msg: String, changed: bool, attrs_changed: bool) -> (String, bool) {
    if !attrs_changed {
        return (msg, changed);
    }
    let joiner = if changed { " and " } else { "" };
    (
        format!("{msg}{joiner}ownership, perms or SE linux context changed"),
        true,
    )
}
