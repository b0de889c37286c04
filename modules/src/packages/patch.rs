//! `ringmaster.builtin.patch`: apply OS updates with an exact plan. The apt backend
//! simulates first (`apt-get -s`) to know every `{name, from, to}`, filters by
//! `state: security`, `name`, `exclude` (or takes `pinned` exact versions), then installs
//! exactly that `name=version` set and reports what dpkg really changed.
//!
//! Semantics worth knowing:
//! - `name`/`exclude` (globs with `*`/`?`) filter upgrades of installed packages; a name
//!   that is not installed installs nothing. `pinned` (`name=version`) likewise only
//!   moves installed packages, to exactly that version.
//! - `state: security` takes an update whose candidate comes from a security archive;
//!   when the candidate is a newer normal update, the newest security version instead.
//! - Check mode does not refresh the package lists (as Ansible's apt): `pending` is
//!   computed from the lists the host has.
//! - The lock: apt waits for dpkg's lock (`DPkg::Lock::Timeout`), and every command is
//!   retried while another process holds an apt lock, up to `lock_timeout` (default 60 s).
//! - A failed install still reports what changed (`packages`) and `dpkg --audit`.
//!
//! dnf/yum and zypper: commands and parsing in [`super::rpm_plan`]; tested end to end on
//! the fleet's RPM hosts (tests/patch/rpm.rs). `state: security` there takes the newest
//! version a security advisory (dnf `updateinfo`) or needed security patch (zypper)
//! names, as Ansible's `dnf` module with `security: true` does (checked on the fleet),
//! not what `dnf upgrade --security` or `zypper patch` would install (the newest version
//! of such a package, advisory or not): every ring gets exactly the errata.
//! `backend: windows` is the seam for Windows Update (with the WinRM transport).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::apt_plan::{self, SimAction};
use super::rpm_plan::RpmTool;
use super::{Locked, host_package_manager, lock_timeout_message, reboot_required, run, run_locked};
use crate::command::args::{opt_bool, opt_int, opt_list, opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, Remote, TaskCx, quote};

#[path = "patch_rpm.rs"]
mod rpm;
use rpm::rpm_patch;

const FQCN: &str = "ringmaster.builtin.patch";
/// Ansible's apt `lock_timeout` default.
const DEFAULT_LOCK_TIMEOUT: u64 = 60;

#[derive(Debug, Deserialize)]
struct PatchArgs {
    #[serde(default, deserialize_with = "opt_bool")]
    autoremove: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    backend: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    download_only: Option<bool>,
    #[serde(default, deserialize_with = "opt_list")]
    exclude: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_int")]
    lock_timeout: Option<i64>,
    #[serde(default, deserialize_with = "opt_list")]
    name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pinned: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    update_cache: Option<bool>,
}

/// The task's arguments, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub security_only: bool,
    pub names: Vec<String>,
    pub exclude: Vec<String>,
    /// `(name, version)` pairs from `pinned`.
    pub pinned: Vec<(String, String)>,
    pub update_cache: bool,
    pub autoremove: bool,
    pub download_only: bool,
    pub lock_timeout: u64,
}

impl Patch {
    fn from_args(a: PatchArgs) -> Result<Patch, ModuleError> {
        let mut pinned = Vec::new();
        for spec in a.pinned.unwrap_or_default() {
            match apt_plan::split_pin(&spec) {
                (name, Some(version)) if !name.is_empty() && !version.is_empty() => {
                    pinned.push((name.to_string(), version.to_string()))
                }
                _ => {
                    return Err(ModuleError::Args(format!(
                        "patch: 'pinned' entries must be name=version, got '{spec}'"
                    )));
                }
            }
        }
        Ok(Patch {
            security_only: a.state.as_deref() == Some("security"),
            names: a.name.unwrap_or_default(),
            exclude: a.exclude.unwrap_or_default(),
            pinned,
            update_cache: a.update_cache.unwrap_or(false),
            autoremove: a.autoremove.unwrap_or(false),
            download_only: a.download_only.unwrap_or(false),
            lock_timeout: a
                .lock_timeout
                .map_or(DEFAULT_LOCK_TIMEOUT, |t| t.max(0) as u64),
        })
    }

    /// Whether `name` passes the `name:` and `exclude:` filters.
    pub fn selects(&self, name: &str) -> bool {
        (self.names.is_empty() || self.names.iter().any(|p| apt_plan::name_matches(p, name)))
            && !self.exclude.iter().any(|p| apt_plan::name_matches(p, name))
    }

    /// The `name=version` set to install, from a simulation of every upgrade (or from
    /// `pinned`, keeping only packages installed now at another version).
    ///
    /// `security_versions`: for `state: security`, the newest security version of
    /// packages whose candidate is not a security update (see
    /// [`apt_plan::newest_security_version`]).
    pub fn targets(
        &self,
        upgrades: &[SimAction],
        installed: &indexmap::IndexMap<String, String>,
        security_versions: &indexmap::IndexMap<String, String>,
    ) -> Vec<String> {
        if !self.pinned.is_empty() {
            return self
                .pinned
                .iter()
                .filter(|(name, version)| {
                    self.selects(name) && installed.get(name).is_some_and(|v| v != version)
                })
                .map(|(name, version)| format!("{name}={version}"))
                .collect();
        }
        upgrades
            .iter()
            .filter(|a| a.is_upgrade() && self.selects(&a.name))
            .filter_map(|a| {
                let to = if !self.security_only || a.is_security() {
                    a.to.as_ref()
                } else {
                    security_versions.get(&a.name)
                };
                to.map(|to| format!("{}={to}", a.name))
            })
            .collect()
    }
}

/// `ringmaster.builtin.patch`.
pub struct PatchModule;

impl Module for PatchModule {
    fn name(&self) -> &'static str {
        FQCN
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let raw: PatchArgs = parse(FQCN, args)?;
            let backend = raw.backend.clone().unwrap_or_else(|| "auto".into());
            let patch = Patch::from_args(raw)?;
            let backend = if backend == "auto" {
                match host_package_manager(cx).await? {
                    Some(found) => found,
                    None => {
                        return Ok(Outcome::failed(
                            "patch: no supported package manager (apt-get, dnf, yum, zypper) \
                             found on the host; set 'backend'",
                        ));
                    }
                }
            } else {
                backend
            };
            let outcome = match backend.as_str() {
                "apt" => apt_patch(cx, &patch).await?,
                "dnf" | "dnf5" => rpm_patch(cx, &patch, RpmTool::Dnf).await?,
                "yum" => rpm_patch(cx, &patch, RpmTool::Yum).await?,
                "zypper" => rpm_patch(cx, &patch, RpmTool::Zypper).await?,
                other => Outcome::failed(format!(
                    "patch: backend '{other}' is not available yet (it needs the WinRM \
                     transport)"
                )),
            };
            Ok(outcome.with("backend", backend))
        })
    }
}

async fn installed_versions(
    remote: &dyn Remote,
) -> Result<indexmap::IndexMap<String, String>, ModuleError> {
    let out = run(remote, apt_plan::DPKG_LIST_COMMAND).await?;
    if out.rc != 0 {
        return Err(ModuleError::Failed(format!(
            "dpkg-query failed: {}",
            out.stderr_text().trim()
        )));
    }
    Ok(apt_plan::version_map(&apt_plan::parse_dpkg_list(
        &out.stdout_text(),
    )))
}

/// Runs an apt command under the lock rules; `Err(outcome)` is the task's failure.
async fn apt_step(
    remote: &dyn Remote,
    cmd: &str,
    lock_timeout: u64,
    what: &str,
) -> Result<Result<crate::runtime::ExecOutput, Outcome>, ModuleError> {
    Ok(
        match run_locked(remote, cmd, lock_timeout, apt_plan::is_lock_error).await? {
            Locked::TimedOut(detail) => {
                Err(Outcome::failed(lock_timeout_message(lock_timeout, &detail)))
            }
            Locked::Ran(out) if out.rc != 0 => {
                let mut o = Outcome::failed(format!(
                    "{what} failed: {}",
                    apt_plan::apt_errors(&out.stderr_text())
                ));
                o.rc = Some(out.rc);
                o.stdout = Some(out.stdout_text());
                o.stderr = Some(out.stderr_text());
                Err(o)
            }
            Locked::Ran(out) => Ok(out),
        },
    )
}

/// For `state: security`: upgrades whose candidate is not from a security archive may
/// still have a newer-than-installed version there (Ubuntu's -updates above -security):
/// that version, by package name, from `apt-cache policy`.
async fn security_fallbacks(
    remote: &dyn Remote,
    p: &Patch,
    upgrades: &[SimAction],
) -> Result<indexmap::IndexMap<String, String>, ModuleError> {
    let mut found = indexmap::IndexMap::new();
    let others: Vec<&SimAction> = upgrades
        .iter()
        .filter(|a| a.is_upgrade() && !a.is_security() && p.selects(&a.name))
        .collect();
    if others.is_empty() {
        return Ok(found);
    }
    let security =
        apt_plan::security_sources(&run(remote, apt_plan::POLICY_COMMAND).await?.stdout_text());
    if security.is_empty() {
        return Ok(found);
    }
    let names: Vec<String> = others.iter().map(|a| quote(&a.name)).collect();
    let cmd = format!("{} {}", apt_plan::POLICY_COMMAND, names.join(" "));
    let tables = apt_plan::version_tables(&run(remote, &cmd).await?.stdout_text());
    for a in others {
        if let Some(v) = tables
            .get(&a.name)
            .and_then(|t| apt_plan::newest_security_version(t, &security))
        {
            found.insert(a.name.clone(), v);
        }
    }
    Ok(found)
}

fn json_list(actions: &[SimAction]) -> Value {
    Value::Array(actions.iter().map(SimAction::to_json).collect())
}

async fn apt_patch(cx: &TaskCx<'_>, p: &Patch) -> Result<Outcome, ModuleError> {
    let remote = cx.remote;
    let lt = p.lock_timeout;
    // Like Ansible's apt, check mode does not refresh the lists.
    if p.update_cache
        && !cx.check_mode
        && let Err(o) = apt_step(remote, &apt_plan::update_command(), lt, "apt-get update").await?
    {
        return Ok(o);
    }
    let before = installed_versions(remote).await?;
    let upgrades = if p.pinned.is_empty() {
        match apt_step(
            remote,
            &apt_plan::simulate_all_command(),
            lt,
            "apt-get -s dist-upgrade",
        )
        .await?
        {
            Ok(out) => apt_plan::parse_simulation(&out.stdout_text()),
            Err(o) => return Ok(o),
        }
    } else {
        Vec::new()
    };
    let security_versions = if p.security_only {
        security_fallbacks(remote, p, &upgrades).await?
    } else {
        indexmap::IndexMap::new()
    };
    let targets = p.targets(&upgrades, &before, &security_versions);
    // The exact plan, new dependencies included.
    let mut pending = Vec::new();
    if !targets.is_empty() {
        let sim = apt_plan::install_specs_command(&targets, lt, true, false);
        match apt_step(remote, &sim, lt, "apt-get install (simulated)").await? {
            Ok(out) => pending = apt_plan::parse_simulation(&out.stdout_text()),
            Err(o) => return Ok(o),
        }
    }
    if p.autoremove && !p.download_only {
        let sim = apt_plan::autoremove_command(lt, true);
        match apt_step(remote, &sim, lt, "apt-get autoremove (simulated)").await? {
            Ok(out) => pending.extend(apt_plan::parse_simulation(&out.stdout_text())),
            Err(o) => return Ok(o),
        }
    }
    if cx.check_mode || pending.is_empty() {
        let mut o = Outcome::changed(!pending.is_empty())
            .with("packages", Value::Array(Vec::new()))
            .with("pending", json_list(&pending))
            .with("reboot_required", reboot_required(remote).await?);
        o.msg = Some(if pending.is_empty() {
            "no updates to apply".to_string()
        } else {
            format!("{} package changes pending", pending.len())
        });
        return Ok(o);
    }
    if p.download_only {
        let cmd = apt_plan::install_specs_command(&targets, lt, false, true);
        if let Err(o) = apt_step(remote, &cmd, lt, "apt-get install --download-only").await? {
            return Ok(o.with("pending", json_list(&pending)));
        }
        let mut o = Outcome::changed(true)
            .with("packages", Value::Array(Vec::new()))
            .with("pending", json_list(&pending))
            .with("downloaded", json_list(&pending))
            .with("reboot_required", reboot_required(remote).await?);
        o.msg = Some(format!("downloaded {} packages", pending.len()));
        return Ok(o);
    }
    let mut failure = None;
    let mut stdout = String::new();
    if !targets.is_empty() {
        let cmd = apt_plan::install_specs_command(&targets, lt, false, false);
        match apt_step(remote, &cmd, lt, "apt-get install").await? {
            Ok(out) => stdout.push_str(&out.stdout_text()),
            Err(o) => failure = Some(o),
        }
    }
    if failure.is_none() && p.autoremove {
        match apt_step(
            remote,
            &apt_plan::autoremove_command(lt, false),
            lt,
            "apt-get autoremove",
        )
        .await?
        {
            Ok(out) => stdout.push_str(&out.stdout_text()),
            Err(o) => failure = Some(o),
        }
    }
    let after = installed_versions(remote).await?;
    let packages = apt_plan::changes(&before, &after);
    let reboot = reboot_required(remote).await?;
    if let Some(mut o) = failure {
        // Say whether dpkg left anything half-done.
        let audit = run(remote, "LC_ALL=C dpkg --audit").await?.stdout_text();
        if !audit.trim().is_empty() {
            o.msg = Some(format!(
                "{}\ndpkg --audit reports packages left unconfigured:\n{}",
                o.msg.unwrap_or_default(),
                audit.trim()
            ));
        }
        o.changed = !packages.is_empty();
        return Ok(o
            .with("packages", Value::Array(packages))
            .with("pending", json_list(&pending))
            .with("reboot_required", reboot)
            .with("dpkg_audit", audit));
    }
    let mut o = Outcome::changed(!packages.is_empty())
        .with("packages", Value::Array(packages.clone()))
        .with("pending", json_list(&pending))
        .with("reboot_required", reboot);
    o.msg = Some(format!("{} packages changed", packages.len()));
    o.stdout = Some(stdout);
    Ok(o)
}
