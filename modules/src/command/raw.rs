//! `raw` (ansible/plugins/action/raw.py): the line goes to the host's shell as is; no
//! check mode (always skipped there); output is not stripped.

use serde_json::Value;

use super::args::parse;
use crate::runtime::{BoxFuture, ExecOutput, Module, ModuleError, Outcome, TaskCx, quote};

#[derive(Debug, serde::Deserialize)]
struct RawArgs {
    #[serde(default, deserialize_with = "super::args::opt_string")]
    _raw_params: Option<String>,
    #[serde(default, deserialize_with = "super::args::opt_string")]
    executable: Option<String>,
}

/// The shell line for a raw command (pure).
pub(crate) fn raw_line(line: &str, executable: Option<&str>) -> String {
    match executable {
        Some(exe) if !exe.is_empty() => format!("{} -c {}", quote(exe), quote(line)),
        _ => line.to_string(),
    }
}

/// A low-level command's result, as Ansible's `_low_level_execute_command` + raw.
pub(crate) fn low_level_result(out: &ExecOutput) -> Outcome {
    let failed = out.rc != 0;
    Outcome {
        changed: true,
        failed,
        msg: failed.then(|| "non-zero return code".to_string()),
        rc: Some(out.rc),
        stdout: Some(out.stdout_text()),
        stderr: Some(out.stderr_text()),
        ..Outcome::default()
    }
}

/// `ansible.builtin.raw`.
pub struct RawModule;

impl Module for RawModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.raw"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a serde_json::Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let parsed: RawArgs = parse(self.name(), args)?;
            let Some(line) = parsed._raw_params.filter(|l| !l.trim().is_empty()) else {
                return Err(ModuleError::Args(
                    "raw: the command to run is missing".into(),
                ));
            };
            if cx.check_mode {
                return Ok(Outcome {
                    skipped: true,
                    ..Outcome::default()
                });
            }
            let out = cx
                .remote
                .exec(&raw_line(&line, parsed.executable.as_deref()), None)
                .await?;
            Ok(low_level_result(&out))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_keeps_output_unstripped_and_fails_on_nonzero() {
        assert_eq!(raw_line("echo hi", None), "echo hi");
        assert_eq!(
            raw_line("echo $0", Some("/bin/bash")),
            "/bin/bash -c 'echo $0'"
        );
        let ok = low_level_result(&ExecOutput {
            rc: 0,
            stdout: b"hi\n".to_vec(),
            stderr: vec![],
        });
        // Recorded from ansible-playbook 2.19: stdout "hi\n", changed, no msg.
        let j = ok.to_json();
        assert_eq!(j["stdout"], "hi\n");
        assert_eq!(j["changed"], true);
        assert!(!j.contains_key("msg"));
        let bad = low_level_result(&ExecOutput {
            rc: 2,
            stdout: vec![],
            stderr: vec![],
        });
        assert!(bad.failed);
        assert_eq!(bad.msg.as_deref(), Some("non-zero return code"));
    }
}
