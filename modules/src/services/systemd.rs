//! `ansible.builtin.systemd_service` (also `systemd`), as ansible-core 2.19's
//! systemd_service.py: the commands it runs, `systemctl show` parsing and the decision
//! of what to change, as pure functions over the host's replies.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::command::args::{opt_bool, opt_string};
use crate::runtime::quote;

/// The task's arguments (names and aliases as systemd_service.py).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemdArgs {
    #[serde(
        default,
        alias = "service",
        alias = "unit",
        deserialize_with = "opt_string"
    )]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub force: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub masked: Option<bool>,
    #[serde(default, alias = "daemon-reload", deserialize_with = "opt_bool")]
    pub daemon_reload: Option<bool>,
    #[serde(default, alias = "daemon-reexec", deserialize_with = "opt_bool")]
    pub daemon_reexec: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub scope: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub no_block: Option<bool>,
}

impl SystemdArgs {
    /// The checks AnsibleModule and the module make before touching the host.
    /// (Ansible's `required_one_of` on state/enabled/masked/daemon_reload/daemon_reexec
    /// never fails: `daemon_reload` defaults to false, which counts as given — so
    /// `systemd: name=x` alone just reports the unit's status.)
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_none() {
            for (key, given) in [
                ("state", self.state.is_some()),
                ("enabled", self.enabled.is_some()),
                ("masked", self.masked.is_some()),
            ] {
                if given {
                    return Err(format!("missing parameter(s) required by '{key}': name"));
                }
            }
        }
        if let Some(unit) = &self.name {
            for glob in ["*", "?", "["] {
                if unit.contains(glob) {
                    return Err(format!(
                        "This module does not currently support using glob patterns, found '{glob}' in service name: {unit}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// `systemctl` with the scope, `--no-block` and `--force` switches.
    pub fn systemctl(&self, path: &str) -> String {
        let mut cmd = String::new();
        let scope = self.scope.as_deref().unwrap_or("system");
        if scope != "system" {
            // As the module: user units need the user's runtime dir.
            cmd.push_str("XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}\" ");
        }
        cmd.push_str(&quote(path));
        if scope != "system" {
            cmd.push_str(&format!(" --{}", quote(scope)));
        }
        if self.no_block.unwrap_or(false) {
            cmd.push_str(" --no-block");
        }
        if self.force.unwrap_or(false) {
            cmd.push_str(" --force");
        }
        cmd
    }
}

/// `systemctl show UNIT`, `systemctl is-enabled UNIT -l` and the SysV checks in one
/// command; sections are marked by `@@key=value` lines.
pub fn query_command(systemctl: &str, unit: &str) -> String {
    let u = quote(unit);
    format!(
        "{systemctl} show {u}; r=$?; echo; echo \"@@show_rc=$r\"; \
         {systemctl} is-enabled {u} -l 2>/dev/null; r=$?; echo \"@@enabled_rc=$r\"; \
         if [ -e /etc/init.d/{u} ]; then echo @@initd=yes; fi; \
         for f in /etc/rc?.d/S??{u}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo @@sysv_enabled=yes; break; fi; done; true"
    )
}

/// The parsed reply of [`query_command`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitQuery {
    pub show_rc: i32,
    pub show: String,
    pub enabled_rc: i32,
    pub enabled_out: String,
    pub initd: bool,
    pub sysv_enabled: bool,
}

impl UnitQuery {
    pub fn parse(out: &str) -> UnitQuery {
        let mut q = UnitQuery::default();
        let mut show = Vec::new();
        let mut enabled = Vec::new();
        let mut section = 0;
        for line in out.lines() {
            if let Some(rest) = line.strip_prefix("@@") {
                let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
                match key {
                    "show_rc" => {
                        q.show_rc = value.parse().unwrap_or(1);
                        section = 1;
                    }
                    "enabled_rc" => {
                        q.enabled_rc = value.parse().unwrap_or(1);
                        section = 2;
                    }
                    "initd" => q.initd = true,
                    "sysv_enabled" => q.sysv_enabled = true,
                    _ => {}
                }
                continue;
            }
            match section {
                0 => show.push(line),
                1 => enabled.push(line),
                _ => {}
            }
        }
        q.show = show.join("\n");
        q.enabled_out = enabled.join("\n");
        q
    }
}

/// `systemctl show` output as a dict, as the module's `parse_systemctl_show`: only
/// `Exec*` values may span lines (`{ ... }`).
pub fn parse_systemctl_show(text: &str) -> IndexMap<String, String> {
    let mut parsed = IndexMap::new();
    let mut multival: Vec<&str> = Vec::new();
    let mut key: Option<&str> = None;
    for line in text.split('\n') {
        match key {
            None => {
                if let Some((k, v)) = line.split_once('=') {
                    if k.starts_with("Exec")
                        && v.trim_start().starts_with('{')
                        && !v.trim_end().ends_with('}')
                    {
                        multival.push(v);
                        key = Some(k);
                        continue;
                    }
                    parsed.insert(k.to_string(), v.trim().to_string());
                }
            }
            Some(k) => {
                multival.push(line);
                if line.trim_end().ends_with('}') {
                    parsed.insert(k.to_string(), multival.join("\n").trim().to_string());
                    multival.clear();
                    key = None;
                }
            }
        }
    }
    parsed
}

fn request_was_ignored(out: &str) -> bool {
    !out.contains('=') && (out.contains("ignoring request") || out.contains("ignoring command"))
}

/// The `systemctl is-enabled` states that mean systemd knows the unit (systemd 244).
const VALID_ENABLED_STATES: &[&str] = &[
    "enabled",
    "enabled-runtime",
    "linked",
    "linked-runtime",
    "masked",
    "masked-runtime",
    "static",
    "indirect",
    "disabled",
    "generated",
    "transient",
];

/// One `systemctl ACTION UNIT` to run, and how its failure reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAction {
    /// `mask`, `unmask`, `enable`, `disable`, `start`, `stop`, `restart`, `reload`.
    pub verb: String,
    pub kind: ActionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Mask,
    Enable,
    State,
}

impl UnitAction {
    pub fn command(&self, systemctl: &str, unit: &str) -> String {
        format!("{systemctl} {} {}", self.verb, quote(unit))
    }

    /// The module's message when the command fails.
    pub fn failure(&self, unit: &str, found: bool, stdout: &str, stderr: &str) -> String {
        match self.kind {
            ActionKind::Mask if !found => missing(unit),
            ActionKind::Mask => format!(
                "Failed to {} the service ({unit}): {}",
                self.verb,
                stderr.trim()
            ),
            ActionKind::Enable => {
                format!("Unable to {} service {unit}: {stdout}{stderr}", self.verb)
            }
            ActionKind::State => format!("Unable to {} service {unit}: {stderr}", self.verb),
        }
    }
}

/// Ansible's `fail_if_missing(..., msg='host')`.
pub fn missing(unit: &str) -> String {
    format!("Could not find the requested service {unit}: host")
}

/// What to do with a unit, and the result the module returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitPlan {
    pub actions: Vec<UnitAction>,
    /// Whether the unit exists (systemd knows it, or an init script does).
    pub found: bool,
    /// `status`, `enabled`, `state` (the result besides `name` and `changed`).
    pub data: Map<String, Value>,
    pub warnings: Vec<String>,
}

/// Decides, from the host's replies, what systemd_service.py would do for `unit`.
/// `Err` is the module's failure message.
pub fn plan_unit(args: &SystemdArgs, unit: &str, q: &UnitQuery) -> Result<UnitPlan, String> {
    let mut plan = UnitPlan::default();
    let mut status = IndexMap::new();
    let is_systemd;
    if q.show_rc == 0 && !request_was_ignored(&q.show) {
        status = parse_systemctl_show(&q.show);
        let load = status.get("LoadState").map(String::as_str);
        is_systemd = load.is_some_and(|s| s != "not-found");
        let is_masked = load == Some("masked");
        if let Some(err) = status.get("LoadError").filter(|_| is_systemd && !is_masked) {
            return Err(format!("Error loading unit file '{unit}': {err}"));
        }
    } else {
        // Ansible asks `is-enabled UNIT` here; our one probe asks with `-l`, which adds
        // the unit's alias paths after the state line (e.g. ssh -> sshd.service).
        let state = q.enabled_out.lines().next().unwrap_or("").trim();
        is_systemd = VALID_ENABLED_STATES.contains(&state);
    }
    plan.found = is_systemd || q.initd;
    if q.initd && !is_systemd {
        plan.warnings.push(format!(
            "The service ({unit}) is actually an init script but the system is managed by systemd"
        ));
    }
    let is_enabled_first = q.enabled_out.lines().next().unwrap_or("").trim();
    if let Some(want_masked) = args.masked {
        let masked = is_enabled_first == "masked";
        if masked != want_masked {
            let verb = if want_masked { "mask" } else { "unmask" };
            plan.actions.push(UnitAction {
                verb: verb.into(),
                kind: ActionKind::Mask,
            });
        }
    }
    if let Some(want_enabled) = args.enabled {
        if !plan.found {
            return Err(missing(unit));
        }
        // The module asks is-enabled again after (un)masking: a masked unit answers
        // "masked" (rc 1), an unmasked one most likely "disabled".
        let (enabled_rc, enabled_out) = match plan.actions.first().map(|a| a.kind) {
            Some(ActionKind::Mask) => (
                1,
                if args.masked == Some(true) {
                    "masked"
                } else {
                    "disabled"
                },
            ),
            _ => (q.enabled_rc, q.enabled_out.as_str()),
        };
        let enabled = match enabled_rc {
            0 => !matches!(
                enabled_out.trim_end(),
                "enabled-runtime" | "indirect" | "alias"
            ),
            1 => {
                args.scope.as_deref().unwrap_or("system") == "system"
                    && q.initd
                    && !enabled_out.trim().ends_with("disabled")
                    && q.sysv_enabled
            }
            _ => false,
        };
        let mut now = enabled;
        if enabled != want_enabled {
            let verb = if want_enabled { "enable" } else { "disable" };
            plan.actions.push(UnitAction {
                verb: verb.into(),
                kind: ActionKind::Enable,
            });
            now = !enabled;
        }
        plan.data.insert("enabled".into(), Value::Bool(now));
    }
    if let Some(want) = args.state.as_deref() {
        if !plan.found {
            return Err(missing(unit));
        }
        let mut state = want.to_string();
        let Some(active) = status.get("ActiveState").map(String::as_str) else {
            return Err("Service is in unknown state".into());
        };
        let running = matches!(active, "active" | "activating");
        let verb = match want {
            "started" => (!running).then_some("start"),
            "stopped" => (running || active == "deactivating").then_some("stop"),
            _ => {
                state = "started".into();
                Some(if !running {
                    "start"
                } else if want == "restarted" {
                    "restart"
                } else {
                    "reload"
                })
            }
        };
        if let Some(verb) = verb {
            plan.actions.push(UnitAction {
                verb: verb.into(),
                kind: ActionKind::State,
            });
        }
        plan.data.insert("state".into(), Value::String(state));
    }
    let status: Map<String, Value> = status
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let mut data = Map::new();
    data.insert("status".into(), Value::Object(status));
    data.extend(std::mem::take(&mut plan.data));
    plan.data = data;
    Ok(plan)
}
