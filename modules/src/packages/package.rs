//! `package`: Ansible's generic package action — it finds the host's package manager
//! (`ansible_pkg_mgr` when facts were gathered, else one command asks the host) and
//! hands the task to that manager's module (apt, or dnf for dnf/yum). `use:` picks the
//! manager explicitly.

use serde_json::{Map, Value};

use super::host_package_manager;
use super::{AptModule, DnfModule};
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
                _ => match host_package_manager(cx).await? {
                    Some(found) => found,
                    None => {
                        return Ok(Outcome::failed(
                            "Could not find a module for unknown: the host has none of \
                             apt-get, dnf, yum, zypper",
                        ));
                    }
                },
            };
            match chosen.as_str() {
                "apt" => AptModule.run(cx, &args).await,
                "dnf" | "yum" | "dnf4" | "yum4" => DnfModule.run(cx, &args).await,
                other => Ok(Outcome::failed(format!(
                    "package: ringmaster has no native '{other}' module yet (the host's \
                     package manager); only apt and dnf/yum are supported"
                ))),
            }
        })
    }
}
