//! The native implementation of each built-in module, by canonical FQCN. The engine
//! resolves short names and aliases with [`crate::lookup`] first.

use super::Module;
use crate::command::{CommandModule, RawModule, ScriptModule, ShellModule};

/// The module implementing `fqcn` (`ansible.builtin.command`, ...), if ringmaster has one.
pub fn builtin(fqcn: &str) -> Option<&'static dyn Module> {
    Some(match fqcn {
        "ansible.builtin.command" => &CommandModule,
        "ansible.builtin.shell" => &ShellModule,
        "ansible.builtin.raw" => &RawModule,
        "ansible.builtin.script" => &ScriptModule,
        _ => return None,
    })
}
