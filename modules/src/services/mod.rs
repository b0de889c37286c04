//! Service modules: `ansible.builtin.service` (detects the host's init system in one
//! command, then acts as ansible's systemd module on systemd hosts and as its
//! `LinuxService` on SysV hosts) and `ansible.builtin.systemd_service` (`systemd`).
//! Commands and reply parsing are pure ([`probe`], [`systemd`], [`sysv`]); the modules
//! only run them through the [`crate::runtime::Remote`], honour check mode and change
//! nothing that is already as asked.

pub mod probe;
pub mod systemd;
pub mod sysv;

#[cfg(test)]
mod tests;

use std::time::Duration;

use serde_json::{Map, Value};

use crate::runtime::{BoxFuture, ExecOutput, Module, ModuleError, Outcome, TaskCx};
use probe::{HostTools, InitSystem, probe_command};
use systemd::{SystemdArgs, UnitQuery, plan_unit, query_command};
use sysv::{ServiceArgs, SysvControl};

/// Where the module looks for systemctl, as ansible names it in its failure message.
const SEARCHED_PATHS: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

async fn run(cx: &TaskCx<'_>, cmd: &str) -> Result<ExecOutput, ModuleError> {
    Ok(cx.remote.exec(cmd, None).await?)
}

async fn probe(cx: &TaskCx<'_>, name: Option<&str>) -> Result<HostTools, ModuleError> {
    let out = run(cx, &probe_command(name)).await?;
    Ok(HostTools::parse(&out.stdout_text()))
}

fn with_warnings(mut o: Outcome, warnings: Vec<String>) -> Outcome {
    if !warnings.is_empty() {
        let list = warnings.into_iter().map(Value::String).collect();
        o.data.insert("warnings".into(), Value::Array(list));
    }
    o
}

/// `ansible.builtin.systemd_service` (also answers to `systemd`).
pub struct SystemdModule;

impl Module for SystemdModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.systemd_service"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: SystemdArgs = crate::command::args::parse(self.name(), args)?;
            if let Err(msg) = a.check() {
                return Ok(Outcome::failed(msg));
            }
            let tools = probe(cx, None).await?;
            run_systemd(cx, &a, &tools, Vec::new()).await
        })
    }
}

/// The systemd module's run on a host whose tools are known.
async fn run_systemd(
    cx: &TaskCx<'_>,
    a: &SystemdArgs,
    tools: &HostTools,
    mut warnings: Vec<String>,
) -> Result<Outcome, ModuleError> {
    let Some(path) = &tools.systemctl else {
        return Ok(Outcome::failed(format!(
            "Failed to find required executable \"systemctl\" in paths: {SEARCHED_PATHS} \
             (this host does not run systemd: {})",
            tools.pid1_phrase()
        )));
    };
    let sc = a.systemctl(path);
    for (wanted, verb) in [
        (a.daemon_reload, "daemon-reload"),
        (a.daemon_reexec, "daemon-reexec"),
    ] {
        if wanted.unwrap_or(false) && !cx.check_mode {
            let out = run(cx, &format!("{sc} {verb}")).await?;
            if out.rc != 0 {
                return Ok(Outcome::failed(format!(
                    "failure {} during {verb}: {}",
                    out.rc,
                    out.stderr_text()
                )));
            }
        }
    }
    // systemd_service.py's result starts as `dict(name=unit, changed=False, status=dict())`:
    // `changed` is placed here and filled in when the result is shaped.
    let mut outcome = Outcome::ok()
        .with("name", a.name.clone().map_or(Value::Null, Value::String))
        .with("changed", false);
    let Some(unit) = &a.name else {
        outcome
            .data
            .insert("status".into(), Value::Object(Map::new()));
        return Ok(with_warnings(outcome, warnings));
    };
    let reply = run(cx, &query_command(&sc, unit)).await?;
    let plan = match plan_unit(a, unit, &UnitQuery::parse(&reply.stdout_text())) {
        Ok(plan) => plan,
        Err(msg) => return Ok(with_warnings(Outcome::failed(msg), warnings)),
    };
    warnings.extend(plan.warnings.iter().cloned());
    if !cx.check_mode {
        for action in &plan.actions {
            let out = run(cx, &action.command(&sc, unit)).await?;
            if out.rc != 0 {
                let msg = action.failure(unit, plan.found, &out.stdout_text(), &out.stderr_text());
                return Ok(with_warnings(Outcome::failed(msg), warnings));
            }
        }
    }
    outcome.changed = !plan.actions.is_empty();
    outcome.data.extend(plan.data);
    Ok(with_warnings(outcome, warnings))
}

/// `ansible.builtin.service`: ansible's action picks the module for the host's service
/// manager; ringmaster detects it in the same probe that finds the tools.
pub struct ServiceModule;

impl Module for ServiceModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.service"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: ServiceArgs = crate::command::args::parse(self.name(), args)?;
            let Some(name) = a.name.clone() else {
                return Ok(Outcome::failed("missing required arguments: name"));
            };
            if a.state.is_none() && a.enabled.is_none() {
                return Ok(Outcome::failed(
                    "one of the following is required: state, enabled",
                ));
            }
            let forced = a.use_.as_deref().map(str::to_lowercase);
            if let Some(other) = forced
                .as_deref()
                .filter(|u| !["auto", "service", "sysvinit", "systemd"].contains(u))
            {
                return Ok(Outcome::failed(format!(
                    "ringmaster's service module drives systemd and SysV init scripts \
                     (use: auto, systemd, sysvinit or service), not '{other}'"
                )));
            }
            let tools = probe(cx, Some(&name)).await?;
            let init = match forced.as_deref() {
                Some("systemd") => InitSystem::Systemd,
                _ => tools.init_system(),
            };
            match init {
                InitSystem::Systemd => {
                    let mut warnings = Vec::new();
                    for (key, given) in [
                        ("pattern", a.pattern.is_some()),
                        ("runlevel", a.runlevel.is_some()),
                        ("sleep", a.sleep.is_some()),
                        ("arguments", a.arguments.is_some()),
                    ] {
                        if given {
                            warnings.push(format!(
                                "Ignoring \"{key}\" as it is not used in \"systemd\""
                            ));
                        }
                    }
                    let sa = SystemdArgs {
                        name: Some(name),
                        state: a.state.clone(),
                        enabled: a.enabled,
                        ..SystemdArgs::default()
                    };
                    run_systemd(cx, &sa, &tools, warnings).await
                }
                InitSystem::Upstart | InitSystem::OpenRc => Ok(Outcome::failed(format!(
                    "service {name}: this host is managed by {}, which ringmaster's service \
                     module does not drive yet (systemd and SysV init scripts only)",
                    if init == InitSystem::Upstart {
                        "upstart"
                    } else {
                        "OpenRC"
                    }
                ))),
                InitSystem::SysV => run_sysv(cx, &a, &name, &tools).await,
                InitSystem::None => Ok(Outcome::failed(sysv_missing(&name, &tools))),
            }
        })
    }
}

/// Ansible's message for a service with no unit and no init script; when the host has
/// no init system at all, ringmaster says so too.
fn sysv_missing(name: &str, tools: &HostTools) -> String {
    let base = systemd::missing(name);
    if tools.systemctl.is_none() && tools.service.is_none() && tools.update_rc_d.is_none() {
        format!(
            "{base} (the host runs no init system: {})",
            tools.pid1_phrase()
        )
    } else {
        base
    }
}

fn text3(out: ExecOutput) -> (i32, String, String) {
    let (stdout, stderr) = (out.stdout_text(), out.stderr_text());
    (out.rc, stdout, stderr)
}

/// `LinuxService` with SysV init scripts.
async fn run_sysv(
    cx: &TaskCx<'_>,
    a: &ServiceArgs,
    name: &str,
    tools: &HostTools,
) -> Result<Outcome, ModuleError> {
    let mut changed = false;
    if let Some(enable) = a.enabled {
        let Some(update_rc_d) = &tools.update_rc_d else {
            let msg = if tools.insserv.is_some() || tools.chkconfig.is_some() {
                format!(
                    "service {name}: enabling with insserv or chkconfig is not supported by \
                     ringmaster yet (update-rc.d only)"
                )
            } else {
                format!(
                    "cannot detect command to enable service {name}, typo or init system potentially unknown"
                )
            };
            return Ok(Outcome::failed(msg));
        };
        let cmds =
            sysv::update_rc_d_commands(update_rc_d, name, enable, tools.s_links, tools.k_links);
        changed = !cmds.is_empty();
        if !cx.check_mode {
            for cmd in &cmds {
                let (rc, out, err) = text3(run(cx, cmd).await?);
                if rc != 0 {
                    return Ok(Outcome::failed(if err.is_empty() { out } else { err }));
                }
            }
        }
    }
    let mut outcome = Outcome::ok().with("name", name);
    if let Some(enable) = a.enabled {
        outcome.data.insert("enabled".into(), Value::Bool(enable));
    }
    let Some(state) = a.state.as_deref() else {
        outcome.changed = changed;
        return Ok(outcome);
    };
    let control = match SysvControl::new(tools.service.as_deref(), name, a.arguments.as_deref()) {
        Ok(c) => c,
        Err(msg) => return Ok(Outcome::failed(msg)),
    };
    let running = match &a.pattern {
        Some(pattern) => {
            let out = run(cx, "ps auxww").await?;
            (out.rc == 0).then(|| sysv::ps_running(pattern, &out.stdout_text()))
        }
        None => {
            let (rc, out, _) = text3(run(cx, &control.command("status")).await?);
            sysv::sysv_running(name, rc, &out)
        }
    };
    let Some(running) = running else {
        return Ok(Outcome::failed(
            "failed determining service state, possible typo of service name?",
        ));
    };
    let action = sysv::state_action(state, running);
    if action.is_some() && cx.check_mode {
        // The module exits here with only these keys.
        let mut o = Outcome::changed(true);
        o.msg = Some("service state changed".into());
        return Ok(o);
    }
    if let Some(action) = action {
        let (rc, out, err) = if action == "restart" {
            let stop = text3(run(cx, &control.command("stop")).await?);
            if let Some(secs) = a.sleep.filter(|s| *s > 0) {
                tokio::time::sleep(Duration::from_secs(secs as u64)).await;
            }
            let start = text3(run(cx, &control.command("start")).await?);
            sysv::merge_restart(stop, start)
        } else {
            text3(run(cx, &control.command(action)).await?)
        };
        if rc != 0 && !err.contains("Job is already running") {
            return Ok(Outcome::failed(if err.is_empty() { out } else { err }));
        }
    }
    outcome.changed = changed || action.is_some();
    outcome.data.insert(
        "state".into(),
        Value::String(sysv::reported_state(state).into()),
    );
    // Ansible's result order: name, enabled, state, changed.
    Ok(outcome)
}
