//! `ping`: proves the host runs commands; `data=crash` fails as Ansible's does.

use serde_json::{Map, Value};

use crate::command::args::{opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PingArgs {
    #[serde(default, deserialize_with = "opt_string")]
    data: Option<String>,
}

/// `ansible.builtin.ping`.
pub struct PingModule;

impl Module for PingModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.ping"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: PingArgs = parse(self.name(), args)?;
            let data = a.data.unwrap_or_else(|| "pong".into());
            // A round trip through the host's shell, as Ansible's module execution is.
            let out = cx.remote.exec("true", None).await?;
            if out.rc != 0 {
                return Ok(Outcome::failed(format!(
                    "The host could not run a command: {}",
                    out.stderr_text().trim()
                )));
            }
            if data == "crash" {
                // Recorded from ansible-playbook 2.19.
                return Ok(Outcome::failed("Task failed: Module failed: boom"));
            }
            Ok(Outcome::ok().with("ping", data))
        })
    }
}
