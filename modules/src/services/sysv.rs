//! `ansible.builtin.service` on hosts without systemd, as ansible-core 2.19's
//! `LinuxService` with SysV init scripts: status from `service NAME status` (LSB exit
//! codes, then keywords), start/stop/reload through `service` (or the script), restart
//! as stop + start, boot-time enablement with `update-rc.d`. Pure functions here; the
//! module runs them.

use serde::Deserialize;

use crate::command::args::{opt_bool, opt_int, opt_string, shlex_split};
use crate::runtime::quote;

/// The `service` task's arguments (service.py plus the action's `use`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServiceArgs {
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "opt_int")]
    pub sleep: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub pattern: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub runlevel: Option<String>,
    #[serde(default, alias = "args", deserialize_with = "opt_string")]
    pub arguments: Option<String>,
    #[serde(default, rename = "use", deserialize_with = "opt_string")]
    pub use_: Option<String>,
}

/// How a SysV service is controlled: `service NAME ACTION` or the script itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysvControl {
    /// `/usr/sbin/service NAME` or `/etc/init.d/NAME`: the action follows.
    pub prefix: String,
    /// The task's `arguments`, each quoted.
    pub arguments: String,
}

impl SysvControl {
    pub fn new(
        service_bin: Option<&str>,
        name: &str,
        arguments: Option<&str>,
    ) -> Result<Self, String> {
        let prefix = match service_bin {
            Some(bin) => format!("{} {}", quote(bin), quote(name)),
            None => quote(&format!("/etc/init.d/{name}")),
        };
        let words = shlex_split(arguments.unwrap_or("")).map_err(|e| format!("arguments: {e}"))?;
        let arguments = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
        Ok(SysvControl { prefix, arguments })
    }

    /// `ACTION` for the service, detached as ansible's `daemonize=True`: the daemon an
    /// init script starts must not hold the connection's pipes, so output goes through
    /// temporary files and stdin is /dev/null.
    pub fn command(&self, action: &str) -> String {
        let mut cmd = format!("{} {}", self.prefix, action);
        if !self.arguments.is_empty() {
            cmd.push(' ');
            cmd.push_str(&self.arguments);
        }
        detached(&cmd)
    }
}

/// Runs `cmd` with its output in temporary files (printed afterwards), stdin from
/// /dev/null, so background children do not keep the session open.
pub fn detached(cmd: &str) -> String {
    format!(
        "o=$(mktemp) && e=$(mktemp) || exit 125; ( {cmd} ) </dev/null >\"$o\" 2>\"$e\"; r=$?; \
         cat \"$o\"; cat \"$e\" >&2; rm -f \"$o\" \"$e\"; exit $r"
    )
}

/// Whether the service runs, from `status`'s exit code and output, as
/// `LinuxService.get_service_status` (LSB codes first, then one-line keywords, then
/// rc 0 = running). `None`: unknown.
pub fn sysv_running(name: &str, rc: i32, stdout: &str) -> Option<bool> {
    if [1, 2, 3, 4, 69].contains(&rc) {
        return Some(false);
    }
    if stdout.matches('\n').count() <= 1 {
        let clean = stdout.to_lowercase().replace(&name.to_lowercase(), "");
        if clean.contains("stop") {
            return Some(false);
        } else if clean.contains("run") {
            return Some(!clean.contains("not "));
        } else if clean.contains("start") && !clean.contains("not ") {
            return Some(true);
        } else if [
            "could not access pid file",
            "is dead and pid file exists",
            "dead but subsys locked",
            "dead but pid file exists",
        ]
        .iter()
        .any(|k| clean.contains(k))
        {
            return Some(false);
        }
    }
    if rc == 0 {
        return Some(true);
    }
    None
}

/// Whether `ps auxww` shows a process matching `pattern` (the module's `check_ps`).
pub fn ps_running(pattern: &str, ps_out: &str) -> bool {
    ps_out
        .lines()
        .any(|l| l.contains(pattern) && !l.contains("pattern="))
}

/// The control action for a wanted state, or `None` when the service is already there
/// (`check_service_changed` + `modify_service_state`).
pub fn state_action(state: &str, running: bool) -> Option<&'static str> {
    match (state, running) {
        ("started", false) => Some("start"),
        ("reloaded", false) => Some("start"),
        ("reloaded", true) => Some("reload"),
        ("stopped", true) => Some("stop"),
        ("restarted", _) => Some("restart"),
        _ => None,
    }
}

/// The `update-rc.d` commands that enable or disable `name` at boot (none when the
/// S links already say so), as the module's update-rc.d branch: enabling a service
/// that has no links at all installs them with `defaults` first.
pub fn update_rc_d_commands(
    update_rc_d: &str,
    name: &str,
    enable: bool,
    s_links: bool,
    k_links: bool,
) -> Vec<String> {
    if enable == s_links {
        return Vec::new();
    }
    let bin = quote(update_rc_d);
    let n = quote(name);
    let mut cmds = Vec::new();
    if enable && !k_links {
        cmds.push(format!("{bin} {n} defaults"));
    }
    cmds.push(format!(
        "{bin} {n} {}",
        if enable { "enable" } else { "disable" }
    ));
    cmds
}

/// The result's `state` after a state change: what was asked, as the module reports.
pub fn reported_state(state: &str) -> &'static str {
    match state {
        "stopped" => "stopped",
        _ => "started",
    }
}

/// The module's merge of restart's stop and start replies: the start's alone if only
/// the stop failed, both otherwise.
pub fn merge_restart(
    stop: (i32, String, String),
    start: (i32, String, String),
) -> (i32, String, String) {
    if stop.0 != 0 && start.0 == 0 {
        start
    } else {
        (stop.0 + start.0, stop.1 + &start.1, stop.2 + &start.2)
    }
}
