//! `ansible.builtin.apt`, native: apt-get/dpkg commands instead of python-apt, with
//! Ansible's flow (ansible/modules/apt.py 2.19): cache update (honouring
//! `cache_valid_time`), then `upgrade`, `deb`, or the `package` list by `state`, and its
//! result keys (`cache_updated`, `cache_update_time`, `stdout`, `stderr`, `msg`).
//! Options ringmaster does not implement fail naming the option.

use serde_json::{Map, Value};

use super::apt_args::{AptArgs, failed_run, with_diff, with_output};
use super::apt_plan::{self, APT_ENV, Installed};
use super::{Locked, lock_timeout_message, run, run_locked};
use crate::command::args::parse;
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

const FQCN: &str = "ansible.builtin.apt";
const APT_GET_ZERO: &str = "\n0 upgraded, 0 newly installed, 0 to remove";

/// Seconds since the epoch (with fractions, as Python's `st_mtime`) of the last cache
/// update (Ansible's `get_cache_mtime`), then the host's clock.
const CACHE_TIME_COMMAND: &str = "stat -c %.9Y /var/lib/apt/periodic/update-success-stamp \
     2>/dev/null || stat -c %.9Y /var/lib/apt/lists 2>/dev/null || echo 0; date +%s.%N";

/// The two numbers of [`CACHE_TIME_COMMAND`]'s output.
fn cache_times(text: &str) -> (f64, f64) {
    let mut nums = text.lines().filter_map(|l| l.trim().parse::<f64>().ok());
    (nums.next().unwrap_or(0.0), nums.next().unwrap_or(0.0))
}

/// `ansible.builtin.apt`.
pub struct AptModule;

impl Module for AptModule {
    fn name(&self) -> &'static str {
        FQCN
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: AptArgs = parse(FQCN, args)?;
            apt(cx, &a).await
        })
    }
}

async fn apt(cx: &TaskCx<'_>, a: &AptArgs) -> Result<Outcome, ModuleError> {
    let state = a.state.as_deref().unwrap_or("present");
    if state == "build-dep" {
        return Err(ModuleError::Args(
            "apt: state=build-dep is not implemented by ringmaster".into(),
        ));
    }
    if a.policy_rc_d.is_some() {
        return Err(ModuleError::Args(
            "apt: option 'policy_rc_d' is not implemented by ringmaster".into(),
        ));
    }
    let lock_timeout = a.lock_timeout.map_or(60, |t| t.max(0) as u64);
    let packages: Vec<String> = a
        .package
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.trim().to_string())
        .collect();
    for p in &packages {
        if p.matches('=').count() > 1 {
            return Ok(Outcome::failed(format!("invalid package spec: {p}")));
        }
        if p.contains('[') {
            return Err(ModuleError::Args(format!(
                "apt: '[...]' in package name patterns ('{p}') is not implemented by \
                 ringmaster; use '*' and '?' or list the packages"
            )));
        }
    }
    let nothing_else = packages.is_empty() && a.upgrade.is_none() && a.deb.is_none();
    if a.clean == Some(true) {
        let out = run(cx.remote, &format!("{APT_ENV} apt-get clean")).await?;
        if out.rc != 0 {
            return Ok(failed_run("apt-get clean failed".into(), &out));
        }
        if nothing_else && a.update_cache != Some(true) && a.autoremove != Some(true) {
            return Ok(
                with_output(Outcome::changed(true), &out).with("msg", "apt-get clean completed")
            );
        }
    }

    // Cache update: Ansible's rule, update unless refreshed within cache_valid_time.
    let times = run(cx.remote, CACHE_TIME_COMMAND).await?.stdout_text();
    let (mtime, now) = cache_times(&times);
    // Reported in whole seconds; staleness compared exactly, as Ansible does.
    let mut cache_time = mtime as i64;
    let mut cache_updated = false;
    if a.update_cache == Some(true) || a.cache_valid_time.is_some() {
        if mtime + (a.cache_valid_time.unwrap_or(0) as f64) < now {
            if !cx.check_mode {
                let cmd = apt_plan::update_command();
                match run_locked(cx.remote, &cmd, lock_timeout, apt_plan::is_lock_error).await? {
                    Locked::TimedOut(d) => {
                        return Ok(Outcome::failed(lock_timeout_message(lock_timeout, &d)));
                    }
                    Locked::Ran(out) if out.rc != 0 => {
                        return Ok(Outcome::failed(format!(
                            "Failed to update apt cache: {}",
                            apt_plan::apt_errors(&out.stderr_text())
                        )));
                    }
                    Locked::Ran(_) => {}
                }
            }
            let before = cache_time;
            let times = run(cx.remote, CACHE_TIME_COMMAND).await?.stdout_text();
            cache_time = cache_times(&times).0 as i64;
            cache_updated = cx.check_mode || cache_time != before;
        }
        if nothing_else && a.autoremove != Some(true) && a.autoclean != Some(true) {
            return Ok(Outcome::changed(cache_updated)
                .with("cache_updated", cache_updated)
                .with("cache_update_time", cache_time));
        }
    }
    let cache = |o: Outcome| {
        o.with("cache_updated", cache_updated)
            .with("cache_update_time", cache_time)
    };
    let common = a.common(lock_timeout);
    let simulate = if cx.check_mode { " --simulate" } else { "" };
    let auto_remove = if a.autoremove == Some(true) {
        " --auto-remove"
    } else {
        ""
    };

    if let Some(mode) = a.upgrade.as_deref().filter(|m| *m != "no") {
        let verb = match mode {
            "dist" | "full" => "dist-upgrade",
            _ => "upgrade --with-new-pkgs",
        };
        let cmd = format!("{APT_ENV} apt-get -y {common}{simulate} {verb}{auto_remove}");
        let out = run(cx.remote, &cmd).await?;
        if out.rc != 0 {
            let verb = verb.split(' ').next().unwrap_or(verb);
            return Ok(failed_run(
                format!("'apt-get {verb}' failed: {}", out.stderr_text()),
                &out,
            ));
        }
        if out.stdout_text().contains(APT_GET_ZERO) {
            return Ok(with_output(Outcome::ok(), &out).with("msg", out.stdout_text()));
        }
        return Ok(with_diff(cx, Outcome::changed(true), &out).with("msg", out.stdout_text()));
    }

    if let Some(deb) = &a.deb {
        if state != "present" {
            return Ok(Outcome::failed("deb only supports state=present"));
        }
        return install_deb(cx, a, deb, &common).await;
    }

    let installed = installed(cx).await?;
    let all = packages.iter().any(|p| p == "*");
    let packages: Vec<String> = packages.into_iter().filter(|p| p != "*").collect();
    let packages = match expand_patterns(cx, packages).await? {
        Ok(p) => p,
        Err(o) => return Ok(o),
    };
    if state == "latest" && all {
        if !packages.is_empty() {
            return Ok(Outcome::failed(
                "unable to install additional packages when upgrading all installed packages",
            ));
        }
        let cmd =
            format!("{APT_ENV} apt-get -y {common}{simulate} upgrade --with-new-pkgs{auto_remove}");
        let out = run(cx.remote, &cmd).await?;
        if out.rc != 0 {
            return Ok(failed_run(
                format!("'apt-get upgrade' failed: {}", out.stderr_text()),
                &out,
            ));
        }
        if out.stdout_text().contains(APT_GET_ZERO) {
            return Ok(with_output(Outcome::ok(), &out).with("msg", out.stdout_text()));
        }
        return Ok(with_diff(cx, Outcome::changed(true), &out).with("msg", out.stdout_text()));
    }
    if packages.is_empty() {
        for (on, op, marker) in [
            (a.autoclean, "autoclean", "Del "),
            (
                a.autoremove,
                "autoremove",
                "The following packages will be REMOVED",
            ),
        ] {
            if on == Some(true) {
                let purge = if a.purge == Some(true) {
                    " --purge"
                } else {
                    ""
                };
                let cmd = format!("{APT_ENV} apt-get -y {common}{purge} {op}{simulate}");
                let out = run(cx.remote, &cmd).await?;
                if out.rc != 0 {
                    return Ok(failed_run(
                        format!("'apt-get {op}' failed: {}", out.stderr_text()),
                        &out,
                    ));
                }
                let changed = out.stdout_text().contains(marker);
                return Ok(with_diff(cx, Outcome::changed(changed), &out));
            }
        }
    }
    // Ansible's remove() exits without the cache keys.
    Ok(match state {
        "absent" => remove(cx, a, &packages, &installed, &common).await?,
        _ => cache(install(cx, a, state, &packages, &installed, &common).await?),
    })
}

/// Ansible's `expand_pkgspec_from_fnmatches`: a name with `*` or `?` stands for every
/// package apt knows whose name matches (the version part is dropped).
async fn expand_patterns(
    cx: &TaskCx<'_>,
    packages: Vec<String>,
) -> Result<Result<Vec<String>, Outcome>, ModuleError> {
    let mut known: Option<Vec<String>> = None;
    let mut expanded = Vec::new();
    for p in packages {
        let (name, _) = apt_plan::split_pin(&p);
        if !name.contains('*') && !name.contains('?') {
            expanded.push(p);
            continue;
        }
        if known.is_none() {
            let out = run(cx.remote, "LC_ALL=C apt-cache pkgnames").await?;
            known = Some(out.stdout_text().lines().map(str::to_string).collect());
        }
        let mut matches: Vec<String> = known
            .iter()
            .flatten()
            .filter(|n| apt_plan::name_matches(name, n))
            .cloned()
            .collect();
        if matches.is_empty() {
            return Ok(Err(Outcome::failed(format!(
                "No package(s) matching '{name}' available"
            ))));
        }
        matches.sort();
        expanded.extend(matches);
    }
    Ok(Ok(expanded))
}

async fn installed(cx: &TaskCx<'_>) -> Result<Vec<Installed>, ModuleError> {
    let out = run(cx.remote, apt_plan::DPKG_LIST_COMMAND).await?;
    Ok(apt_plan::parse_dpkg_list(&out.stdout_text()))
}

/// Whether dpkg knows `name` with only its configuration files left (for `purge`).
async fn has_config_files(cx: &TaskCx<'_>, name: &str) -> Result<bool, ModuleError> {
    let out = run(
        cx.remote,
        &format!(
            "dpkg-query -W -f='${{db:Status-Abbrev}}' {} 2>/dev/null",
            quote(name)
        ),
    )
    .await?;
    Ok(out.stdout_text().chars().nth(1) == Some('c'))
}

/// Whether an installed `version` satisfies the requested one (a trailing `*` matches
/// a prefix, as Ansible's fnmatch on versions).
fn version_matches(wanted: &str, version: &str) -> bool {
    match wanted.strip_suffix('*') {
        Some(prefix) => version.starts_with(prefix),
        None => wanted == version,
    }
}

async fn install(
    cx: &TaskCx<'_>,
    a: &AptArgs,
    state: &str,
    packages: &[String],
    installed: &[Installed],
    common: &str,
) -> Result<Outcome, ModuleError> {
    let version_of = |name: &str| {
        installed
            .iter()
            .find(|p| p.name == name || format!("{}:{}", p.name, p.arch) == name)
            .map(|p| p.version.clone())
    };
    let only_upgrade = a.only_upgrade == Some(true);
    // For `latest`: which installed packages apt would upgrade.
    let mut upgradable = Vec::new();
    if state == "latest" {
        let names: Vec<String> = packages
            .iter()
            .filter(|p| apt_plan::split_pin(p).1.is_none() && version_of(p).is_some())
            .map(|p| quote(p))
            .collect();
        if !names.is_empty() {
            let cmd = format!(
                "{APT_ENV} apt-get -s -q {common} install --only-upgrade {}",
                names.join(" ")
            );
            let out = run(cx.remote, &cmd).await?;
            if out.rc != 0 {
                return Ok(failed_run(
                    format!("'{cmd}' failed: {}", out.stderr_text()),
                    &out,
                ));
            }
            upgradable = apt_plan::parse_simulation(&out.stdout_text())
                .into_iter()
                .filter(|s| s.is_upgrade())
                .map(|s| s.name)
                .collect();
        }
    }
    let mut specs = Vec::new();
    for p in packages {
        let (name, version) = apt_plan::split_pin(p);
        let current = version_of(name);
        let needed = match (&current, version) {
            (None, _) => !only_upgrade,
            (Some(cur), Some(v)) => !version_matches(v, cur),
            (Some(_), None) => state == "latest" && upgradable.iter().any(|u| u == name),
        };
        if needed || state == "fixed" {
            specs.push(match version {
                Some(v) => quote(&format!("{name}={v}")),
                None => quote(name),
            });
        }
    }
    if specs.is_empty() && state != "fixed" {
        return Ok(Outcome::changed(false));
    }
    let mut cmd = format!("{APT_ENV} apt-get -y {common}");
    if only_upgrade {
        cmd.push_str(" --only-upgrade");
    }
    if state == "fixed" {
        cmd.push_str(" --fix-broken");
    }
    if a.autoremove == Some(true) {
        cmd.push_str(" --auto-remove");
    }
    if cx.check_mode {
        cmd.push_str(" --simulate");
    }
    cmd.push_str(&format!(" install {}", specs.join(" ")));
    match a.install_recommends {
        Some(false) => cmd.push_str(" -o APT::Install-Recommends=no"),
        Some(true) => cmd.push_str(" -o APT::Install-Recommends=yes"),
        None => {}
    }
    let out = run(cx.remote, &cmd).await?;
    if out.rc != 0 {
        let stderr = out.stderr_text();
        let missing = stderr
            .lines()
            .find_map(|l| l.strip_prefix("E: Unable to locate package "));
        let msg = if let Some(name) = missing {
            // Ansible checks the cache first and words it so.
            format!("No package matching '{}' is available", name.trim())
        } else if apt_plan::is_lock_error(&stderr) {
            lock_timeout_message(
                a.lock_timeout.map_or(60, |t| t.max(0) as u64),
                &out.stderr_text(),
            )
        } else {
            format!("'{cmd}' failed: {}", out.stderr_text())
        };
        return Ok(failed_run(msg, &out));
    }
    Ok(with_diff(cx, Outcome::changed(true), &out))
}

async fn remove(
    cx: &TaskCx<'_>,
    a: &AptArgs,
    packages: &[String],
    installed: &[Installed],
    common: &str,
) -> Result<Outcome, ModuleError> {
    let mut names = Vec::new();
    for p in packages {
        let (name, version) = apt_plan::split_pin(p);
        let present = installed.iter().any(|i| {
            (i.name == name || format!("{}:{}", i.name, i.arch) == name)
                && version.is_none_or(|v| version_matches(v, &i.version))
        });
        if present || (a.purge == Some(true) && has_config_files(cx, name).await?) {
            names.push(quote(p));
        }
    }
    if names.is_empty() {
        return Ok(Outcome::changed(false));
    }
    let cmd = format!(
        "{APT_ENV} apt-get -q -y {common}{}{}{} remove {}",
        if a.purge == Some(true) {
            " --purge"
        } else {
            ""
        },
        if a.autoremove == Some(true) {
            " --auto-remove"
        } else {
            ""
        },
        if cx.check_mode { " --simulate" } else { "" },
        names.join(" ")
    );
    let out = run(cx.remote, &cmd).await?;
    if out.rc != 0 {
        return Ok(failed_run(
            format!(
                "'apt-get remove {}' failed: {}",
                names.join(" "),
                out.stderr_text()
            ),
            &out,
        ));
    }
    Ok(with_diff(cx, Outcome::changed(true), &out))
}

/// `deb:` a package file on the host: skipped when that version is installed, else
/// `dpkg -i` (missing dependencies fail, as dpkg reports them).
async fn install_deb(
    cx: &TaskCx<'_>,
    a: &AptArgs,
    deb: &str,
    _common: &str,
) -> Result<Outcome, ModuleError> {
    if deb.contains("://") {
        return Err(ModuleError::Args(
            "apt: 'deb' from a URL is not implemented by ringmaster; copy the file to the \
             host first"
                .into(),
        ));
    }
    let fields = run(
        cx.remote,
        &format!("dpkg-deb -f {} Package Version", quote(deb)),
    )
    .await?;
    if fields.rc != 0 {
        return Ok(failed_run(
            format!("dpkg --field {deb} Package failed"),
            &fields,
        ));
    }
    let text = fields.stdout_text();
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let (name, version) = (field("Package"), field("Version"));
    let current = installed(cx)
        .await?
        .into_iter()
        .find(|p| p.name == name)
        .map(|p| p.version);
    if current.as_deref() == Some(version.as_str()) {
        return Ok(Outcome::changed(false));
    }
    let options: String = a
        .dpkg_options
        .as_deref()
        .unwrap_or("force-confdef,force-confold")
        .split(',')
        .map(|o| format!(" --{}", o.trim()))
        .collect();
    let cmd = format!(
        "{APT_ENV} dpkg{options}{}{} -i {}",
        if cx.check_mode { " --simulate" } else { "" },
        if a.force == Some(true) {
            " --force-all"
        } else {
            ""
        },
        quote(deb)
    );
    let out = run(cx.remote, &cmd).await?;
    if out.rc != 0 {
        return Ok(failed_run(format!("{cmd} failed"), &out));
    }
    Ok(with_diff(cx, Outcome::changed(true), &out))
}
