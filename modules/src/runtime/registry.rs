//! The native implementation of each built-in module, by canonical FQCN. The engine
//! resolves short names and aliases with [`crate::lookup`] first.

use super::Module;
use crate::command::{CommandModule, RawModule, ScriptModule, ShellModule};
use crate::system::{
    FetchModule, GATHER_FACTS, PingModule, SETUP, SlurpModule, StatModule, TempfileModule,
    WaitForModule,
};

/// The module implementing `fqcn` (`ansible.builtin.command`, ...), if ringmaster has one.
pub fn builtin(fqcn: &str) -> Option<&'static dyn Module> {
    Some(match fqcn {
        "ansible.builtin.command" => &CommandModule,
        "ansible.builtin.shell" => &ShellModule,
        "ansible.builtin.raw" => &RawModule,
        "ansible.builtin.script" => &ScriptModule,
        "ansible.builtin.ping" => &PingModule,
        "ansible.builtin.setup" => &SETUP,
        "ansible.builtin.gather_facts" => &GATHER_FACTS,
        "ansible.builtin.stat" => &StatModule,
        "ansible.builtin.slurp" => &SlurpModule,
        "ansible.builtin.fetch" => &FetchModule,
        "ansible.builtin.tempfile" => &TempfileModule,
        "ansible.builtin.wait_for" => &WaitForModule,
        "ansible.builtin.reboot" => &crate::system::RebootModule,
        "ansible.builtin.wait_for_connection" => &crate::system::WaitForConnectionModule,
        "ringmaster.builtin.snapshot" => &crate::rollout::SnapshotModule,
        "ringmaster.builtin.validate" => &crate::rollout::ValidateModule,
        "ringmaster.builtin.patch" => &crate::packages::PatchModule,
        "ansible.builtin.apt" => &crate::packages::AptModule,
        "ansible.builtin.dnf" => &crate::packages::DnfModule,
        "ansible.builtin.package_facts" => &crate::packages::PackageFactsModule,
        "ansible.builtin.package" => &crate::packages::PackageModule,
        "ansible.builtin.apt_repository" => &crate::packages::AptRepositoryModule,
        "ansible.builtin.service" => &crate::services::ServiceModule,
        "ansible.builtin.systemd_service" => &crate::services::SystemdModule,
        // file, copy, template, lineinfile, blockinfile
        _ => return crate::file_module(fqcn),
    })
}

#[cfg(test)]
mod tests {
    use super::builtin;

    #[test]
    fn every_native_module_answers_to_its_fqcn() {
        for name in [
            "command",
            "shell",
            "raw",
            "script",
            "ping",
            "setup",
            "gather_facts",
            "stat",
            "slurp",
            "fetch",
            "tempfile",
            "wait_for",
            "file",
            "copy",
            "template",
            "lineinfile",
            "blockinfile",
            "service",
            "systemd_service",
            "apt",
            "dnf",
            "package",
        ] {
            let fqcn = format!("ansible.builtin.{name}");
            let module = builtin(&fqcn).unwrap_or_else(|| panic!("{fqcn} missing"));
            assert_eq!(module.name(), fqcn);
            // Every module has a spec the loader checks against.
            assert!(crate::lookup(&fqcn).is_some(), "{fqcn} has no spec");
        }
        assert!(
            builtin("command").is_none(),
            "short names are resolved by lookup first"
        );
    }
}
