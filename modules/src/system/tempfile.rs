//! `tempfile`: creates a temp file or directory on the host (`mktemp`).

use serde_json::{Map, Value};

use crate::command::args::{opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TempfileArgs {
    #[serde(default, deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub prefix: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub suffix: Option<String>,
}

/// The `mktemp` command (pure). Ansible's defaults: prefix `ansible.`, no suffix, the
/// host's temp dir; the random part is 8 characters.
pub(crate) fn mktemp_command(a: &TempfileArgs) -> String {
    let dir_flag = if a.state.as_deref() == Some("directory") {
        "-d "
    } else {
        ""
    };
    let prefix = a.prefix.as_deref().unwrap_or("ansible.");
    let suffix = a.suffix.as_deref().unwrap_or("");
    let template = format!("{prefix}XXXXXXXX{suffix}");
    let dir = match &a.path {
        Some(p) => quote(p),
        None => "\"${TMPDIR:-/tmp}\"".to_string(),
    };
    // GNU mktemp takes the X's anywhere with --suffix; a plain template works on all.
    format!(
        "f=$(mktemp {dir_flag}{dir}/{}) && stat -c '%u %g %a %s %U %G' \"$f\" && printf '%s\\n' \"$f\"",
        quote(&template)
    )
}

/// `ansible.builtin.tempfile`.
pub struct TempfileModule;

impl Module for TempfileModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.tempfile"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: TempfileArgs = parse(self.name(), args)?;
            let state = a.state.clone().unwrap_or_else(|| "file".into());
            if cx.check_mode {
                // Ansible's tempfile does not support check mode: the task is skipped.
                return Ok(Outcome {
                    skipped: true,
                    msg: Some("remote module (tempfile) does not support check mode".into()),
                    ..Outcome::default()
                });
            }
            let out = cx.remote.exec(&mktemp_command(&a), None).await?;
            let text = out.stdout_text();
            let mut lines = text.lines();
            let (Some(info), Some(path), 0) = (lines.next(), lines.next(), out.rc) else {
                return Ok(Outcome::failed(format!(
                    "Failed to create a temporary {state}: {}",
                    out.stderr_text().trim()
                )));
            };
            let f: Vec<&str> = info.split_whitespace().collect();
            let num = |i: usize| {
                f.get(i)
                    .and_then(|v| v.parse::<i64>().ok())
                    .map_or(Value::Null, Value::from)
            };
            let text_at = |i: usize| f.get(i).map_or(Value::Null, |v| Value::from(*v));
            let mode = f.get(2).map(|m| format!("{:0>4}", m)).unwrap_or_default();
            Ok(Outcome::changed(true)
                .with("gid", num(1))
                .with("group", text_at(5))
                .with("mode", mode)
                .with("owner", text_at(4))
                .with("path", path)
                .with("size", num(3))
                .with("state", state)
                .with("uid", num(0)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mktemp_templates_follow_ansibles_defaults() {
        let a = TempfileArgs {
            state: None,
            path: None,
            prefix: None,
            suffix: None,
        };
        assert!(mktemp_command(&a).starts_with("f=$(mktemp \"${TMPDIR:-/tmp}\"/ansible.XXXXXXXX)"));
        let a = TempfileArgs {
            state: Some("directory".into()),
            path: Some("/srv/a b".into()),
            prefix: Some("x".into()),
            suffix: Some(".d".into()),
        };
        assert!(mktemp_command(&a).starts_with("f=$(mktemp -d '/srv/a b'/xXXXXXXXX.d)"));
    }
}
