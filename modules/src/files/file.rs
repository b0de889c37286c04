//! `ansible.builtin.file`: directories, symlinks, hard links, touch, absent, and the
//! owner/group/mode of existing paths.

use serde_json::{Map, Value};

use super::args::{Args, FileAttrs};
use super::file_times::{TimeArg, apply_times, time_args, time_commands};
use super::remote_fs::{
    AttrPlan, FileStat, Kind, StatOpts, add_stat_fields, diff_text, expand_user, plan_attrs,
    run_then_stat, stat,
};
use crate::runtime::{BoxFuture, Diff, Module, ModuleError, Outcome, TaskCx, quote};

/// The `file` module.
pub struct FileModule;

impl Module for FileModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.file"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(run_file(cx, args))
    }
}

const STATES: [&str; 6] = ["absent", "directory", "file", "hard", "link", "touch"];

/// Applies `attrs` to `path` (unless in check mode) and stats it again in the same
/// command. Returns the plan (for `changed` and the diff) and the stat after, or
/// Ansible's failure message (`chown failed: ...`).
pub(crate) async fn apply_attrs(
    cx: &TaskCx<'_>,
    path: &str,
    st: &FileStat,
    attrs: &FileAttrs,
    umask: u32,
    no_deref: bool,
) -> Result<Result<(AttrPlan, FileStat), String>, ModuleError> {
    let plan = plan_attrs(path, st, attrs, umask, no_deref)?;
    if !plan.changed() || cx.check_mode {
        return Ok(Ok((plan, st.clone())));
    }
    let opts = StatOpts {
        follow: !no_deref,
        ..StatOpts::default()
    };
    match run_then_stat(cx.remote, &plan.script(), path, opts).await? {
        Ok(reply) => match reply.stat {
            Some(after) => Ok(Ok((plan, after))),
            None => Ok(Err(format!(
                "{path} disappeared while changing its attributes"
            ))),
        },
        Err(message) => Ok(Err(message)),
    }
}

/// A failed result carrying the path's stat, as Ansible's `fail_json(path=..., **stat)`.
pub(super) fn fail_with_stat(key: &str, path: &str, msg: String, st: Option<&FileStat>) -> Outcome {
    let mut out = Outcome::failed(msg).with(key, path);
    if let Some(st) = st {
        add_stat_fields(&mut out, st);
    }
    out
}

pub(super) fn state_diff(
    cx: &TaskCx<'_>,
    path: &str,
    before: Map<String, Value>,
    after: Map<String, Value>,
) -> Vec<Diff> {
    if !cx.diff || before == after {
        return Vec::new();
    }
    let side = |extra: Map<String, Value>| {
        let mut m = Map::new();
        m.insert("path".into(), Value::String(path.into()));
        m.extend(extra);
        diff_text(&m)
    };
    vec![Diff {
        before: side(before),
        after: side(after),
        ..Diff::default()
    }]
}

pub(super) fn one(key: &str, value: impl Into<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(key.into(), value.into());
    m
}

pub(super) async fn exec_ok(cx: &TaskCx<'_>, cmd: &str) -> Result<Result<(), String>, ModuleError> {
    let out = cx.remote.exec(cmd, None).await?;
    if out.rc == 0 {
        Ok(Ok(()))
    } else {
        Ok(Err(out.stderr_text().trim_end().to_string()))
    }
}

async fn run_file(cx: &TaskCx<'_>, args: &Map<String, Value>) -> Result<Outcome, ModuleError> {
    let a = Args::new(args);
    let path = expand_user(cx.remote, a.required_str(&["path", "dest", "name"])?).await?;
    let wanted = a.choice("state", &STATES)?;
    let src = a.str(&["src"])?;
    let recurse = a.bool("recurse", false)?;
    let force = a.bool("force", false)?;
    let follow = a.bool("follow", true)?;
    let attrs = a.attrs()?;

    let reply = stat(cx.remote, &path, StatOpts::default()).await?;
    let umask = reply.umask;
    let prev = reply.stat;
    let prev_state = prev.as_ref().map_or("absent", FileStat::state);
    let state = wanted.unwrap_or_else(|| match prev_state {
        "absent" if recurse => "directory".into(),
        "absent" => "file".into(),
        other => other.into(),
    });
    if recurse && state != "directory" {
        return Ok(
            Outcome::failed("recurse option requires state to be 'directory'")
                .with("path", path.as_str()),
        );
    }
    match state.as_str() {
        "absent" => absent(cx, &path, prev.as_ref()).await,
        "directory" => {
            // A followed symlink to a directory is that directory (Ansible: realpath).
            let (path, prev) = match prev {
                Some(st) if st.kind == Kind::Link && follow => {
                    let opts = StatOpts {
                        follow: true,
                        ..StatOpts::default()
                    };
                    match stat(cx.remote, &path, opts).await?.stat {
                        Some(target) => (target.target.clone().unwrap_or(path), Some(target)),
                        None => (path, Some(st)),
                    }
                }
                other => (path, other),
            };
            directory(cx, &path, prev, umask, &attrs, recurse).await
        }
        "touch" => {
            let times = time_args(&a, TimeArg::Now)?;
            touch(cx, &path, prev, umask, &attrs, &times).await
        }
        "link" | "hard" => {
            use super::file_link::link;
            link(
                cx,
                &path,
                prev,
                umask,
                &attrs,
                src.as_deref(),
                force,
                state == "hard",
            )
            .await
        }
        _ => {
            let Some(mut st) = prev else {
                return Ok(
                    Outcome::failed(format!("file ({path}) is absent, cannot continue"))
                        .with("path", path.as_str())
                        .with("state", "absent"),
                );
            };
            if st.kind == Kind::Directory {
                let msg = format!("file ({path}) is directory, cannot continue");
                return Ok(fail_with_stat("path", &path, msg, Some(&st)));
            }
            if st.kind == Kind::Link && follow {
                let opts = StatOpts {
                    follow: true,
                    ..StatOpts::default()
                };
                match stat(cx.remote, &path, opts).await?.stat {
                    Some(target) => st = target,
                    None => {
                        return Ok(Outcome::failed(format!(
                            "file ({path}) is absent, cannot continue"
                        ))
                        .with("path", path.as_str())
                        .with("state", "absent"));
                    }
                }
            }
            let no_deref = !follow && st.kind == Kind::Link;
            let times = time_args(&a, TimeArg::Preserve)?;
            let timed = match apply_times(cx, &path, &st, &times).await? {
                Ok(timed) => timed,
                Err(msg) => return Ok(fail_with_stat("path", &path, msg, Some(&st))),
            };
            finish(
                cx,
                "path",
                &path,
                &st,
                umask,
                &attrs,
                no_deref,
                timed,
                Map::new(),
                Map::new(),
            )
            .await
        }
    }
}

/// Applies attributes and builds the result: `key` (`path`/`dest`), changed, diff, stat.
#[allow(clippy::too_many_arguments)]
pub(super) async fn finish(
    cx: &TaskCx<'_>,
    key: &str,
    path: &str,
    st: &FileStat,
    umask: u32,
    attrs: &FileAttrs,
    no_deref: bool,
    changed: bool,
    mut before: Map<String, Value>,
    mut after: Map<String, Value>,
) -> Result<Outcome, ModuleError> {
    let (plan, st_after) = match apply_attrs(cx, path, st, attrs, umask, no_deref).await? {
        Ok(done) => done,
        Err(msg) => return Ok(fail_with_stat(key, path, msg, Some(st))),
    };
    before.extend(plan.before.clone());
    after.extend(plan.after.clone());
    let mut out = Outcome::changed(changed || plan.changed()).with(key, path);
    out.diff = state_diff(cx, path, before, after);
    add_stat_fields(&mut out, &st_after);
    Ok(out)
}

async fn absent(
    cx: &TaskCx<'_>,
    path: &str,
    prev: Option<&FileStat>,
) -> Result<Outcome, ModuleError> {
    let Some(prev) = prev else {
        return Ok(Outcome::ok().with("path", path).with("state", "absent"));
    };
    if !cx.check_mode
        && let Err(err) = exec_ok(cx, &format!("rm -rf -- {}", quote(path))).await?
    {
        return Ok(Outcome::failed(format!("rmtree failed: {err}")).with("path", path));
    }
    let mut out = Outcome::changed(true).with("path", path);
    out.diff = state_diff(cx, path, one("state", prev.state()), one("state", "absent"));
    if cx.check_mode {
        // Recorded: in check mode Ansible reports the path as it still is.
        add_stat_fields(&mut out, prev);
        return Ok(out);
    }
    Ok(out.with("state", "absent"))
}

async fn directory(
    cx: &TaskCx<'_>,
    path: &str,
    prev: Option<FileStat>,
    umask: u32,
    attrs: &FileAttrs,
    recurse: bool,
) -> Result<Outcome, ModuleError> {
    let (st, created) = match prev {
        Some(st) if st.kind == Kind::Directory => (st, false),
        Some(st) => {
            let msg = format!("{path} already exists as a {}", st.state());
            return Ok(fail_with_stat("path", path, msg, Some(&st)));
        }
        None if cx.check_mode => {
            let mut out = Outcome::changed(true).with("path", path);
            out.diff = state_diff(cx, path, one("state", "absent"), one("state", "directory"));
            return Ok(out);
        }
        None => {
            let created = match make_dirs(cx, path).await? {
                Ok(created) => created,
                Err(err) => {
                    let msg = format!("There was an issue creating {path} as requested: {err}");
                    return Ok(Outcome::failed(msg).with("path", path));
                }
            };
            let Some(st) = stat(cx.remote, path, StatOpts::default()).await?.stat else {
                let msg = format!("{path} was not created");
                return Ok(Outcome::failed(msg).with("path", path));
            };
            // Ansible gives every directory it creates the requested attributes.
            let mut parents = Vec::new();
            for parent in created.iter().filter(|c| c.as_str() != path) {
                let plan = plan_attrs(parent, &st, attrs, umask, false)?;
                if plan.changed() {
                    parents.push(plan.script());
                }
            }
            if !parents.is_empty()
                && let Err(msg) = exec_ok(cx, &parents.join(" && ")).await?
            {
                return Ok(fail_with_stat("path", path, msg, Some(&st)));
            }
            (st, true)
        }
    };
    let (before, after) = if created {
        (one("state", "absent"), one("state", "directory"))
    } else {
        (Map::new(), Map::new())
    };
    let mut out = finish(
        cx, "path", path, &st, umask, attrs, false, created, before, after,
    )
    .await?;
    if recurse && !out.failed {
        match recurse_attrs(cx, path, attrs).await? {
            Ok(changed) => out.changed |= changed,
            Err(msg) => return Ok(fail_with_stat("path", path, msg, Some(&st))),
        }
    }
    Ok(out)
}

/// Creates `path` and its missing parents one by one (as Ansible does), returning the
/// directories it created.
async fn make_dirs(
    cx: &TaskCx<'_>,
    path: &str,
) -> Result<Result<Vec<String>, String>, ModuleError> {
    let mut prefixes = Vec::new();
    let mut current = String::new();
    if path.starts_with('/') {
        current.push('/');
    }
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if !current.is_empty() && !current.ends_with('/') {
            current.push('/');
        }
        current.push_str(part);
        prefixes.push(current.clone());
    }
    let cmd = prefixes
        .iter()
        .map(|p| {
            let q = quote(p);
            format!("{{ [ -d {q} ] || {{ mkdir -- {q} && printf '%s\\0' {q}; }}; }}")
        })
        .collect::<Vec<_>>()
        .join(" && ");
    let out = cx.remote.exec(&cmd, None).await?;
    if out.rc != 0 {
        return Ok(Err(out.stderr_text().trim_end().to_string()));
    }
    Ok(Ok(out
        .stdout_text()
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()))
}

/// Applies owner/group/mode below `path` with `chown -R`/`chmod -R`; `-c` reports what
/// changed, which makes `changed` exact.
async fn recurse_attrs(
    cx: &TaskCx<'_>,
    path: &str,
    attrs: &FileAttrs,
) -> Result<Result<bool, String>, ModuleError> {
    let p = quote(path);
    if cx.check_mode {
        return recurse_would_change(cx, &p, attrs).await;
    }
    let mut cmds = Vec::new();
    if let Some(owner) = &attrs.owner {
        cmds.push(format!("chown -c -R -h -- {} {p}", quote(owner)));
    }
    if let Some(group) = &attrs.group {
        cmds.push(format!("chgrp -c -R -h -- {} {p}", quote(group)));
    }
    if let Some(mode) = &attrs.mode {
        let text = match mode {
            super::mode::Mode::Octal(bits) => format!("{bits:o}"),
            super::mode::Mode::Symbolic(s) => s.clone(),
        };
        // `find` skips symlinks, which chmod would otherwise follow.
        cmds.push(format!(
            "find {p} -mindepth 1 ! -type l -exec chmod -c {} -- {{}} +",
            quote(&text)
        ));
    }
    if cmds.is_empty() {
        return Ok(Ok(false));
    }
    let out = cx.remote.exec(&cmds.join(" && "), None).await?;
    if out.rc != 0 {
        return Ok(Err(out.stderr_text().trim_end().to_string()));
    }
    Ok(Ok(!out.stdout.is_empty()))
}

/// Check mode for `recurse`: one `find` for anything below with another owner, group
/// or (octal) mode. A symbolic mode is not judged below the top directory.
async fn recurse_would_change(
    cx: &TaskCx<'_>,
    quoted: &str,
    attrs: &FileAttrs,
) -> Result<Result<bool, String>, ModuleError> {
    let mut tests = Vec::new();
    if let Some(owner) = &attrs.owner {
        tests.push(format!("! -user {}", quote(owner)));
    }
    if let Some(group) = &attrs.group {
        tests.push(format!("! -group {}", quote(group)));
    }
    if let Some(super::mode::Mode::Octal(bits)) = &attrs.mode {
        tests.push(format!("! -perm {bits:04o}"));
    }
    if tests.is_empty() {
        return Ok(Ok(false));
    }
    let cmd = format!(
        "find {quoted} -mindepth 1 ! -type l \\( {} \\) -print -quit",
        tests.join(" -o ")
    );
    let out = cx.remote.exec(&cmd, None).await?;
    // An unknown user or group makes find fail: the real run would change (and fail).
    Ok(Ok(out.rc != 0 || !out.stdout.is_empty()))
}

async fn touch(
    cx: &TaskCx<'_>,
    path: &str,
    prev: Option<FileStat>,
    umask: u32,
    attrs: &FileAttrs,
    times: &[TimeArg; 2],
) -> Result<Outcome, ModuleError> {
    let prev_state = prev.as_ref().map_or("absent", FileStat::state);
    let mut cmds = time_commands(path, prev.as_ref(), times);
    if prev.is_none() {
        cmds.insert(0, format!("touch -- {}", quote(path)));
    }
    let changed = !cmds.is_empty();
    let st = match prev {
        None if cx.check_mode => return Ok(Outcome::changed(true).with("dest", path)),
        Some(st) if cx.check_mode || !changed => st,
        _ => {
            if let Err(err) = exec_ok(cx, &cmds.join(" && ")).await? {
                let msg = format!("Error, could not touch target: {err}");
                return Ok(Outcome::failed(msg).with("path", path));
            }
            let Some(st) = stat(cx.remote, path, StatOpts::default()).await?.stat else {
                let msg = format!("Error, could not touch target: {path}");
                return Ok(Outcome::failed(msg).with("path", path));
            };
            st
        }
    };
    let (before, after) = if changed {
        (one("state", prev_state), one("state", "touch"))
    } else {
        (Map::new(), Map::new())
    };
    finish(
        cx, "dest", path, &st, umask, attrs, false, changed, before, after,
    )
    .await
}
