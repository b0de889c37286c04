//! `slurp`: a host file's content, base64-encoded.

use base64::Engine;
use serde_json::{Map, Value};

use crate::command::args::{opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SlurpArgs {
    #[serde(alias = "path", default, deserialize_with = "opt_string")]
    src: Option<String>,
}

/// Ansible's message when a file cannot be read, from what the host says about it.
pub(crate) fn unreadable_message(src: &str, kind: &str) -> String {
    match kind {
        "dir" => format!("Source is a directory and must be a file: {src}"),
        "missing" => format!("File not found: {src}"),
        _ => format!("File is not readable: {src}"),
    }
}

/// The Python `OSError` Ansible's slurp reports as the failure's cause, from its message.
fn os_error(msg: &str) -> String {
    match msg.strip_prefix("File not found: ") {
        Some(src) => format!(": [Errno 2] No such file or directory: '{src}'"),
        None => String::new(),
    }
}

/// Reads `src` from the host: `Ok(bytes)` or Ansible's failure message.
pub(crate) async fn read_remote(
    cx: &TaskCx<'_>,
    src: &str,
) -> Result<Result<Vec<u8>, String>, ModuleError> {
    match cx.remote.get(src).await {
        Ok(data) => Ok(Ok(data)),
        Err(_) => {
            let p = quote(src);
            let probe = format!(
                "if [ -d {p} ]; then echo dir; elif [ -e {p} ]; then echo other; else echo missing; fi"
            );
            let kind = cx.remote.exec(&probe, None).await?.stdout_text();
            Ok(Err(unreadable_message(src, kind.trim())))
        }
    }
}

/// `ansible.builtin.slurp`.
pub struct SlurpModule;

impl Module for SlurpModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.slurp"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: SlurpArgs = parse(self.name(), args)?;
            let src = a.src.unwrap_or_default();
            match read_remote(cx, &src).await? {
                Ok(data) => Ok(Outcome::ok()
                    .with(
                        "content",
                        base64::engine::general_purpose::STANDARD.encode(data),
                    )
                    .with("encoding", "base64")
                    .with("source", src)),
                Err(msg) => {
                    let summary = format!("Task failed: Module failed: {msg}{}", os_error(&msg));
                    Ok(Outcome::failed(msg).with(crate::runtime::ERROR_SUMMARY_KEY, summary))
                }
            }
        })
    }
}
