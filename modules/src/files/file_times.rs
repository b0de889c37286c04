//! `modification_time` / `access_time` of the `file` module, set with `touch(1)`.

use super::args::Args;
use super::file::exec_ok;
use super::remote_fs::FileStat;
use crate::runtime::{ModuleError, TaskCx, quote};

/// `modification_time` / `access_time`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TimeArg {
    Now,
    Preserve,
    /// `%Y%m%d%H%M.%S`, the default `*_time_format`, which is also `touch -t`'s form.
    Stamp(String),
}

/// The requested times; `touch` defaults to now, other states to preserve.
pub(super) fn time_args(a: &Args<'_>, default: TimeArg) -> Result<[TimeArg; 2], ModuleError> {
    let mut out = [default.clone(), default];
    for (n, (name, format)) in [
        ("modification_time", "modification_time_format"),
        ("access_time", "access_time_format"),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(fmt) = a.str(&[format])?
            && fmt != "%Y%m%d%H%M.%S"
        {
            return Err(ModuleError::Failed(format!(
                "{format} other than %Y%m%d%H%M.%S is not supported by ringmaster yet"
            )));
        }
        out[n] = match a.str(&[name])?.as_deref() {
            None => continue,
            Some("now") => TimeArg::Now,
            Some("preserve") => TimeArg::Preserve,
            Some(stamp) => {
                let ok = stamp.len() == 15
                    && stamp.char_indices().all(|(i, c)| {
                        if i == 12 {
                            c == '.'
                        } else {
                            c.is_ascii_digit()
                        }
                    });
                if !ok {
                    return Err(ModuleError::Failed(format!(
                        "Error while obtaining timestamp for {name}: time data '{stamp}' does not match format '%Y%m%d%H%M.%S'"
                    )));
                }
                TimeArg::Stamp(stamp.to_string())
            }
        };
    }
    Ok(out)
}

/// The `touch` commands that bring the times of `path` to `times` (all of them for a
/// new file).
pub(super) fn time_commands(
    path: &str,
    st: Option<&FileStat>,
    times: &[TimeArg; 2],
) -> Vec<String> {
    let p = quote(path);
    let mut cmds = Vec::new();
    for (n, flag) in ["-m", "-a"].into_iter().enumerate() {
        let current = st.map(|s| if n == 0 { &s.mtime } else { &s.atime });
        match &times[n] {
            TimeArg::Now => cmds.push(format!("touch {flag} -- {p}")),
            TimeArg::Preserve => {}
            TimeArg::Stamp(s) if current != Some(s) => {
                cmds.push(format!("touch {flag} -t {} -- {p}", quote(s)));
            }
            TimeArg::Stamp(_) => {}
        }
    }
    cmds
}

/// Changes times on an existing path (state `file`/`directory`); true when it did.
pub(super) async fn apply_times(
    cx: &TaskCx<'_>,
    path: &str,
    st: &FileStat,
    times: &[TimeArg; 2],
) -> Result<Result<bool, String>, ModuleError> {
    let cmds = time_commands(path, Some(st), times);
    if cmds.is_empty() {
        return Ok(Ok(false));
    }
    if !cx.check_mode
        && let Err(err) = exec_ok(cx, &cmds.join(" && ")).await?
    {
        return Ok(Err(err));
    }
    Ok(Ok(true))
}
