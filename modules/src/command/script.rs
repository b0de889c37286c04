//! `script` (ansible/plugins/action/script.py): copies a controller file to a temp dir on
//! the host, runs it there (through `executable` if given), removes the temp dir.

use serde_json::Value;

use super::args::{opt_string, parse, shlex_split};
use super::raw::low_level_result;
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScriptArgs {
    #[serde(default, deserialize_with = "opt_string")]
    _raw_params: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    cmd: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    creates: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    removes: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    chdir: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    executable: Option<String>,
    #[serde(default, deserialize_with = "super::args::opt_bool")]
    #[allow(dead_code)] // Vault files are decrypted by the controller's find_file.
    decrypt: Option<bool>,
}

/// The command that runs the uploaded script: the task's line with the script name
/// replaced by its path on the host (as Ansible's `str.replace`), `executable` first.
pub(crate) fn script_command(
    line: &str,
    source: &str,
    remote_path: &str,
    executable: Option<&str>,
    chdir: Option<&str>,
) -> String {
    let target = line.trim().replace(source, remote_path);
    let run = match executable {
        Some(exe) if !exe.is_empty() => format!("{exe} {target}"),
        _ => target,
    };
    match chdir {
        Some(dir) => format!("cd {} && {run}", quote(dir)),
        None => run,
    }
}

fn skipped(msg: String) -> Outcome {
    Outcome {
        skipped: true,
        msg: Some(msg),
        ..Outcome::default()
    }
}

/// `ansible.builtin.script`.
pub struct ScriptModule;

impl Module for ScriptModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.script"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a serde_json::Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: ScriptArgs = parse(self.name(), args)?;
            let remote = cx.remote;
            let exists = |path: &str| {
                let line = format!("test -e {}", quote(path));
                async move { Ok::<bool, ModuleError>(remote.exec(&line, None).await?.rc == 0) }
            };
            if let Some(c) = &a.creates
                && exists(c).await?
            {
                return Ok(skipped(format!("{c} exists, matching creates option")));
            }
            if let Some(r) = &a.removes
                && !exists(r).await?
            {
                return Ok(skipped(format!(
                    "{r} does not exist, matching removes option"
                )));
            }
            if let Some(dir) = &a.chdir
                && !dir.starts_with('/')
            {
                return Ok(Outcome::failed(format!(
                    "chdir {dir} must be an absolute path for a Unix-aware remote node"
                )));
            }
            let line = a._raw_params.or(a.cmd).unwrap_or_default();
            let parts = shlex_split(line.trim()).map_err(ModuleError::Failed)?;
            let Some(source) = parts.first() else {
                return Err(ModuleError::Args(
                    "script: the script to run is missing".into(),
                ));
            };
            let local = cx
                .controller
                .find_file("files", source)
                .map_err(ModuleError::Failed)?;
            let data = std::fs::read(&local).map_err(|e| {
                ModuleError::Failed(format!("Could not read {}: {e}", local.display()))
            })?;
            if cx.check_mode {
                if a.creates.is_some() || a.removes.is_some() {
                    return Ok(Outcome::changed(true));
                }
                return Ok(skipped("Check mode is not supported for this task.".into()));
            }
            let tmp = remote
                .exec("mktemp -d \"${TMPDIR:-/tmp}/ansible-tmp-XXXXXXXX\"", None)
                .await?;
            let tmpdir = tmp.stdout_text().trim().to_string();
            if tmp.rc != 0 || tmpdir.is_empty() {
                return Ok(Outcome::failed(format!(
                    "Failed to create a temporary directory on the host: {}",
                    tmp.stderr_text().trim()
                )));
            }
            let name = local
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "script".into());
            let remote_path = format!("{tmpdir}/{name}");
            let result = async {
                remote.put(&data, &remote_path, Some(0o700)).await?;
                let cmd = script_command(
                    &line,
                    source,
                    &quote(&remote_path),
                    a.executable.as_deref(),
                    a.chdir.as_deref(),
                );
                remote.exec(&cmd, None).await
            }
            .await;
            // Always clean up, even when the upload or the run failed.
            let _ = remote
                .exec(&format!("rm -rf {}", quote(&tmpdir)), None)
                .await;
            Ok(low_level_result(&result?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::script_command;

    #[test]
    fn the_script_name_is_replaced_by_its_uploaded_path() {
        assert_eq!(
            script_command(
                " setup.sh --flag 'a b' ",
                "setup.sh",
                "/tmp/t/setup.sh",
                None,
                None
            ),
            "/tmp/t/setup.sh --flag 'a b'"
        );
        assert_eq!(
            script_command(
                "x.py 1",
                "x.py",
                "/tmp/t/x.py",
                Some("python3"),
                Some("/srv/a b")
            ),
            "cd '/srv/a b' && python3 /tmp/t/x.py 1"
        );
    }
}
