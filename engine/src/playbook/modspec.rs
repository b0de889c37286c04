//! The one place the loader asks which modules exist and whether their arguments are
//! valid. Until the `modules` crate's spec registry lands, a list of ansible-core 2.19's
//! builtin modules stands in and argument checking is off.

/// Actions the loader handles itself; always known.
const LOADER_ACTIONS: &[&str] = &[
    "meta",
    "include_tasks",
    "include_role",
    "import_tasks",
    "import_role",
    "include_vars",
    "import_playbook",
];

/// ansible-core 2.19's `ansible.builtin` modules and action plugins.
const BUILTIN_MODULES: &[&str] = &[
    "add_host",
    "apt",
    "apt_key",
    "apt_repository",
    "assemble",
    "assert",
    "async_status",
    "blockinfile",
    "command",
    "copy",
    "cron",
    "deb822_repository",
    "debconf",
    "debug",
    "dnf",
    "dnf5",
    "dpkg_selections",
    "expect",
    "fail",
    "fetch",
    "file",
    "find",
    "gather_facts",
    "get_url",
    "getent",
    "git",
    "group",
    "group_by",
    "hostname",
    "iptables",
    "known_hosts",
    "lineinfile",
    "mount_facts",
    "package",
    "package_facts",
    "pause",
    "ping",
    "pip",
    "raw",
    "reboot",
    "replace",
    "rpm_key",
    "script",
    "service",
    "service_facts",
    "set_fact",
    "set_stats",
    "setup",
    "shell",
    "slurp",
    "stat",
    "subversion",
    "systemd",
    "systemd_service",
    "sysvinit",
    "tempfile",
    "template",
    "unarchive",
    "uri",
    "user",
    "validate_argument_spec",
    "wait_for",
    "wait_for_connection",
    "yum_repository",
];

/// Free-form modules: a string argument is a command line (`_raw_params`).
const FREE_FORM: &[&str] = &["command", "raw", "script", "shell", "win_command", "win_shell"];

/// The short name of `name` if it is an `ansible.builtin.` / `ansible.legacy.` name.
fn builtin_short(name: &str) -> &str {
    name.strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name)
}

/// The canonical FQCN of a module or action, if it exists.
pub fn resolve(name: &str) -> Option<String> {
    let short = builtin_short(name);
    if short.contains('.') {
        return None;
    }
    if LOADER_ACTIONS.contains(&short) || BUILTIN_MODULES.contains(&short) {
        return Some(format!("ansible.builtin.{short}"));
    }
    None
}

/// The module name closest to a misspelled `name`.
pub fn suggest(name: &str) -> Option<&'static str> {
    let short = builtin_short(name);
    super::keywords::closest(
        short,
        BUILTIN_MODULES.iter().chain(LOADER_ACTIONS).copied(),
    )
}

/// Whether a string argument to `action` is a command line rather than `k=v` pairs.
pub fn is_free_form(action: &str) -> bool {
    FREE_FORM.contains(&builtin_short(action))
}

/// An argument the module's spec rejects.
#[derive(Debug, Clone)]
pub struct ArgProblem {
    /// The argument the problem is about (None: about the whole set).
    pub arg: Option<String>,
    pub message: String,
}

/// Checks `args` against the module's argument spec. Templated values are never
/// rejected. (Off until the `modules` crate's specs are merged.)
pub fn validate_args(_fqcn: &str, _args: &crate::yaml::Mapping) -> Vec<ArgProblem> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_short_and_qualified_names() {
        assert_eq!(resolve("debug").as_deref(), Some("ansible.builtin.debug"));
        assert_eq!(
            resolve("ansible.legacy.copy").as_deref(),
            Some("ansible.builtin.copy")
        );
        assert_eq!(resolve("debg"), None);
        assert_eq!(suggest("debg"), Some("debug"));
        assert!(is_free_form("ansible.builtin.shell"));
    }
}
