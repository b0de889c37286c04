//! `patch` on RPM hosts (dnf/yum, zypper): the apt flow with the tools' own listings
//! and commands from [`super::super::rpm_plan`].

use serde_json::Value;

use super::Patch;
use crate::packages::apt_plan;
use crate::packages::rpm_plan::{self, RpmTool};
use crate::packages::{lock_timeout_message, run};
use crate::runtime::{ModuleError, Outcome, Remote, TaskCx};

/// Runs an RPM tool's command, retrying while another process holds the tool's lock
/// (dnf is told to fail at once on it), for at most `lock_timeout` seconds; `ok` says
/// which exit codes are success. `Err(outcome)` is the task's failure.
async fn rpm_step(
    remote: &dyn Remote,
    cmd: &str,
    lock_timeout: u64,
    what: &str,
    ok: impl Fn(i32) -> bool,
) -> Result<Result<crate::runtime::ExecOutput, Outcome>, ModuleError> {
    let start = std::time::Instant::now();
    loop {
        let out = run(remote, cmd).await?;
        if ok(out.rc) {
            return Ok(Ok(out));
        }
        let stderr = out.stderr_text();
        let all = format!("{}\n{stderr}", out.stdout_text());
        if !rpm_plan::is_lock_error(&all) {
            let mut o = Outcome::failed(format!(
                "{what} failed: {}",
                rpm_plan::failure_detail(&out.stdout_text(), &stderr)
            ));
            o.rc = Some(out.rc);
            o.stdout = Some(out.stdout_text());
            o.stderr = Some(stderr);
            return Ok(Err(o));
        }
        if start.elapsed() >= std::time::Duration::from_secs(lock_timeout) {
            let detail = all
                .lines()
                .find(|l| rpm_plan::is_lock_error(l))
                .unwrap_or("")
                .trim()
                .to_string();
            return Ok(Err(Outcome::failed(lock_timeout_message(
                lock_timeout,
                &detail,
            ))));
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn rpm_installed(
    remote: &dyn Remote,
) -> Result<indexmap::IndexMap<String, String>, ModuleError> {
    let out = run(remote, rpm_plan::RPM_LIST_COMMAND).await?;
    if out.rc != 0 {
        return Err(ModuleError::Failed(format!(
            "rpm -qa failed: {}",
            rpm_plan::errors(&out.stderr_text())
        )));
    }
    Ok(rpm_plan::parse_rpm_list(&out.stdout_text()))
}

async fn rpm_reboot_required(remote: &dyn Remote, tool: RpmTool) -> Result<bool, ModuleError> {
    let out = run(remote, &rpm_plan::reboot_required_command(tool)).await?;
    Ok(out.stdout_text().trim() == "required")
}

/// The `(name, version)` updates to install, before the `name`/`exclude` filters.
async fn rpm_available(
    remote: &dyn Remote,
    p: &Patch,
    tool: RpmTool,
    installed: &indexmap::IndexMap<String, String>,
) -> Result<Result<Vec<(String, String)>, Outcome>, ModuleError> {
    let lt = p.lock_timeout;
    let ok = |rc| rpm_plan::list_updates_ok(tool, rc);
    let cmd = rpm_plan::list_updates_command(tool, p.security_only);
    let out = match rpm_step(remote, &cmd, lt, "listing updates", ok).await? {
        Ok(out) => out.stdout_text(),
        Err(o) => return Ok(Err(o)),
    };
    Ok(Ok(match (tool, p.security_only) {
        (RpmTool::Zypper, false) => rpm_plan::parse_zypper_list_updates(&out),
        (RpmTool::Dnf | RpmTool::Yum, false) => rpm_plan::parse_check_update(&out),
        (RpmTool::Dnf | RpmTool::Yum, true) => {
            rpm_plan::newest_fixes(&rpm_plan::parse_updateinfo_list(&out), installed)
        }
        (RpmTool::Zypper, true) => {
            let patches = rpm_plan::parse_zypper_needed_patches(&out);
            if patches.is_empty() {
                return Ok(Ok(Vec::new()));
            }
            let cmd = rpm_plan::zypper_patch_info_command(&patches);
            let info = match rpm_step(remote, &cmd, lt, "zypper info", ok).await? {
                Ok(out) => out.stdout_text(),
                Err(o) => return Ok(Err(o)),
            };
            rpm_plan::newest_fixes(&rpm_plan::parse_zypper_patch_conflicts(&info), installed)
        }
    }))
}

/// dnf/yum/zypper: the apt flow with the tools' own listings (see `rpm_plan`): plan the
/// exact `name version` set, install exactly it, report what the rpm database shows
/// changed. `autoremove` removals are reported after the run, not in `pending`.
pub(super) async fn rpm_patch(
    cx: &TaskCx<'_>,
    p: &Patch,
    tool: RpmTool,
) -> Result<Outcome, ModuleError> {
    let remote = cx.remote;
    let lt = p.lock_timeout;
    let before = rpm_installed(remote).await?;
    // Like apt, check mode does not refresh the metadata.
    let refresh = p.update_cache && !cx.check_mode;
    if refresh {
        let cmd = rpm_plan::refresh_command(tool);
        if let Err(o) = rpm_step(remote, &cmd, lt, "refreshing metadata", |rc| rc == 0).await? {
            return Ok(o);
        }
    }
    let targets: Vec<(String, String)> = if p.pinned.is_empty() {
        match rpm_available(remote, p, tool, &before).await? {
            Ok(found) => found
                .into_iter()
                .filter(|(name, _)| p.selects(name))
                .collect(),
            Err(o) => return Ok(o),
        }
    } else {
        p.pinned
            .iter()
            .filter(|(name, v)| p.selects(name) && before.get(name).is_some_and(|cur| cur != v))
            .cloned()
            .collect()
    };
    let pending: Vec<Value> = targets
        .iter()
        .map(|(name, to)| serde_json::json!({"name": name, "from": before.get(name), "to": to}))
        .collect();
    let autoremove = p.autoremove && !p.download_only;
    if cx.check_mode || (targets.is_empty() && !autoremove) {
        let mut o = Outcome::changed(!targets.is_empty())
            .with("packages", Value::Array(Vec::new()))
            .with("pending", Value::Array(pending))
            .with("reboot_required", rpm_reboot_required(remote, tool).await?);
        o.msg = Some(if targets.is_empty() {
            "no updates to apply".to_string()
        } else {
            format!("{} package changes pending", targets.len())
        });
        return Ok(o);
    }
    let mut failure = None;
    let mut stdout = String::new();
    if !targets.is_empty() {
        let cmd = rpm_plan::install_command(tool, &targets, p.download_only);
        match rpm_step(remote, &cmd, lt, tool.name(), |rc| rc == 0).await? {
            Ok(out) => stdout.push_str(&out.stdout_text()),
            Err(o) => failure = Some(o),
        }
    }
    if failure.is_none() && autoremove {
        let result = match tool {
            RpmTool::Zypper => {
                let listed = rpm_step(
                    remote,
                    rpm_plan::ZYPPER_UNNEEDED_COMMAND,
                    lt,
                    "zypper packages --unneeded",
                    |rc| rc == 0,
                )
                .await?;
                match listed {
                    Ok(out) => {
                        let unneeded = rpm_plan::parse_zypper_unneeded(&out.stdout_text());
                        if unneeded.is_empty() {
                            Ok(None)
                        } else {
                            let cmd = rpm_plan::zypper_remove_command(&unneeded);
                            rpm_step(remote, &cmd, lt, "zypper remove", |rc| rc == 0)
                                .await?
                                .map(Some)
                        }
                    }
                    Err(o) => Err(o),
                }
            }
            _ => {
                let cmd = rpm_plan::autoremove_command(tool);
                rpm_step(
                    remote,
                    &cmd,
                    lt,
                    &format!("{} autoremove", tool.name()),
                    |rc| rc == 0,
                )
                .await?
                .map(Some)
            }
        };
        match result {
            Ok(Some(out)) => stdout.push_str(&out.stdout_text()),
            Ok(None) => {}
            Err(o) => failure = Some(o),
        }
    }
    let after = rpm_installed(remote).await?;
    let packages = apt_plan::changes(&before, &after);
    let reboot = rpm_reboot_required(remote, tool).await?;
    let mut o = match failure {
        Some(mut o) => {
            o.changed = !packages.is_empty();
            o
        }
        None if p.download_only => {
            let mut o = Outcome::changed(true).with("downloaded", Value::Array(pending.clone()));
            o.msg = Some(format!("downloaded {} packages", pending.len()));
            o
        }
        None => {
            let mut o = Outcome::changed(!packages.is_empty());
            o.msg = Some(format!("{} packages changed", packages.len()));
            o
        }
    };
    if o.stdout.is_none() {
        o.stdout = Some(stdout);
    }
    Ok(o.with("packages", Value::Array(packages))
        .with("pending", Value::Array(pending))
        .with("reboot_required", reboot))
}
