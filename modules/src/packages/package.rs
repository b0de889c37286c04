//! `package`: Ansible's generic package action — it finds the host's package manager
//! (Ansible reads `ansible_pkg_mgr`; here one command asks the host, as `patch` does) and
//! hands the task to that manager's module. `use:` picks the manager explicitly.

use serde_json::{Map, Value};

use super::AptModule;
use super::patch::DETECT_BACKEND_COMMAND;
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

/// `ansible.builtin.package`.
pub struct PackageModule;

impl Module for PackageModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.package"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let mut args = args.clone();
            let chosen = match args.remove("use").as_ref().and_then(Value::as_str) {
                Some(m) if m != "auto" => m.to_string(),
                _ => {
                    let out = cx.remote.exec(DETECT_BACKEND_COMMAND, None).await?;
                    match out.stdout_text().trim() {
                        "apt-get" => "apt".to_string(),
                        "" => {
                            return Ok(Outcome::failed(
                                "Could not find a module for unknown: the host has none of \
                                 apt-get, dnf, yum, zypper",
                            ));
                        }
                        other => other.to_string(),
                    }
                }
            };
            match chosen.as_str() {
                "apt" => AptModule.run(cx, &args).await,
                other => Ok(Outcome::failed(format!(
                    "package: ringmaster has no native '{other}' module yet (the host's \
                     package manager); only apt is supported"
                ))),
            }
        })
    }
}
