//! `ansible.builtin.dnf` (also `yum`, which ansible-core 2.19 redirects to it), native:
//! the dnf 4 command line and `rpm -q` over the Remote instead of python3-dnf, with
//! ansible/modules/dnf.py's flow and results.
//!
//! How: the installed packages are listed once (`rpm -qa`); each spec is sorted as
//! dnf.py sorts it (glob, newer version installed, installed, not installed) into at
//! most a few dnf commands (`install`, `upgrade`, `remove`, `autoremove`). Each runs
//! first with `--assumeno`: its transaction table is the plan (Ansible's `results`,
//! `Installed: nevra` / `Removed: nevra`), its `No match for argument` lines the
//! failures. Check mode stops there; otherwise the same commands run with `-y`.
//! Ansible fails before changing anything when any spec has no match; so does this.
//!
//! Not implemented (refused naming the reason): `@group`/environment/module specs,
//! `.rpm` URLs (local `.rpm` paths work), the dnf5 backend. `lock_timeout` is accepted
//! and unused, as in ansible-core 2.19's dnf module (dnf 4 waits for its lock itself).
//! Ansible's action plugin failing when `ansible_pkg_mgr` is not a dnf (without
//! `use_backend`) is not copied: the host's dnf is used. Ansible's dnf module returns
//! no `diff`; neither does this.

use serde_json::{Map, Value};

use super::dnf_args::{DnfArgs, DnfTask};
use super::dnf_errors;
use super::dnf_plan::{self, Rpm, Transaction};
use super::run;
use crate::command::args::parse;
use crate::runtime::{BoxFuture, ExecOutput, Module, ModuleError, Outcome, TaskCx, quote};

const FQCN: &str = "ansible.builtin.dnf";
const CHECK_MODE_MSG: &str = "Check mode: No changes made, but would have if not in check mode";
const FAILED_SOME: &str = "Failed to install some of the specified packages";

/// `ansible.builtin.dnf`.
pub struct DnfModule;

impl Module for DnfModule {
    fn name(&self) -> &'static str {
        FQCN
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: DnfArgs = parse(FQCN, args)?;
            let fact = cx.controller.fact("pkg_mgr");
            let backend = a
                .use_backend
                .clone()
                .or_else(|| fact.as_ref().and_then(|v| v.as_str()).map(str::to_string));
            if backend.as_deref() == Some("dnf5") {
                return Err(ModuleError::Args(
                    "dnf: the dnf5 backend is not implemented by ringmaster (dnf 4 only)".into(),
                ));
            }
            let task = match a.resolve() {
                Ok(t) => t,
                Err(refusal) => {
                    let o = Outcome::failed(refusal.msg);
                    return Ok(if refusal.with_results {
                        o.with("results", Value::Array(Vec::new()))
                    } else {
                        o
                    });
                }
            };
            dnf(cx, &a, &task).await
        })
    }
}

/// A successful result as dnf.py's `exit_json(msg, changed, results, rc=0)`.
fn done(changed: bool, msg: &str, results: Vec<String>) -> Outcome {
    let mut o = Outcome::changed(changed).with(
        "results",
        Value::Array(results.into_iter().map(Value::String).collect()),
    );
    o.msg = Some(msg.to_string());
    o.rc = Some(0);
    o
}

/// dnf.py's `failure_response`: `msg`, `failures`, `results: []`, `rc: 1`.
fn failure(msg: impl Into<String>, failures: Vec<Value>) -> Outcome {
    let mut o = Outcome::failed(msg)
        .with("failures", Value::Array(failures))
        .with("results", Value::Array(Vec::new()));
    o.rc = Some(1);
    o
}

/// A failure with `results: []` and `rc: 1` but no `failures` (repository errors).
fn repo_failure(msg: impl Into<String>) -> Outcome {
    let mut o = Outcome::failed(msg).with("results", Value::Array(Vec::new()));
    o.rc = Some(1);
    o
}

fn text(out: &ExecOutput) -> String {
    format!("{}{}", out.stdout_text(), out.stderr_text())
}

async fn dnf(cx: &TaskCx<'_>, a: &DnfArgs, t: &DnfTask) -> Result<Outcome, ModuleError> {
    let repo_opts = a.repo_options();
    if t.update_cache {
        let out = run(
            cx.remote,
            &format!("LC_ALL=C dnf -q -y {repo_opts} makecache --refresh"),
        )
        .await?;
        if out.rc != 0 {
            return Ok(repo_failure(dnf_errors::dnf_error(&text(&out))));
        }
        if t.names.is_empty() && t.list.is_none() {
            return Ok(done(false, "Cache updated", Vec::new()));
        }
    }
    if let Some(what) = &t.list {
        return list(cx, &repo_opts, what).await;
    }
    ensure(cx, a, t).await
}

/// `list:` — `installed`, `updates`/`upgrades`, `available`, `repos`, or a spec.
async fn list(cx: &TaskCx<'_>, repo_opts: &str, what: &str) -> Result<Outcome, ModuleError> {
    let fmt = dnf_plan::REPOQUERY_FORMAT;
    let query = |sel: &str| format!("LC_ALL=C dnf -q {repo_opts} repoquery {sel} --qf '{fmt}'");
    let results: Vec<Value> = match what {
        "repos" | "repositories" => {
            let out = run(
                cx.remote,
                &format!("LC_ALL=C dnf -q {repo_opts} repolist --enabled"),
            )
            .await?;
            dnf_plan::parse_repolist(&out.stdout_text())
                .into_iter()
                .map(|id| serde_json::json!({"repoid": id, "state": "enabled"}))
                .collect()
        }
        _ => {
            let cmd = match what {
                "installed" => query("--installed"),
                "updates" | "upgrades" => query("--upgrades"),
                "available" => query("--available"),
                spec => {
                    let q = quote(spec);
                    format!("{}; {}", query(&format!("--installed {q}")), query(&q))
                }
            };
            let out = run(cx.remote, &cmd).await?;
            if out.rc != 0 {
                return Ok(repo_failure(dnf_errors::dnf_error(&text(&out))));
            }
            dnf_plan::parse_repoquery(&out.stdout_text())
        }
    };
    let mut o = Outcome::changed(false).with("results", Value::Array(results));
    o.msg = Some(String::new());
    Ok(o)
}

/// One dnf command of the task.
struct Step {
    verb: &'static str,
    specs: Vec<String>,
}

impl Step {
    fn command(&self, options: &str, mode: &str) -> String {
        let specs: Vec<String> = self.specs.iter().map(|s| quote(s)).collect();
        format!(
            "LC_ALL=C dnf {options} {mode} {} {}",
            self.verb,
            specs.join(" ")
        )
    }
}

/// The host's uid and installed packages.
async fn installed(cx: &TaskCx<'_>) -> Result<(bool, Vec<Rpm>), ModuleError> {
    let out = run(
        cx.remote,
        &format!("id -u; {}", dnf_plan::RPM_INSTALLED_COMMAND),
    )
    .await?;
    let stdout = out.stdout_text();
    let root = stdout.lines().next().map(str::trim) == Some("0");
    Ok((root, dnf_plan::parse_installed(&stdout)))
}

/// The package in a local `.rpm` file on the host.
async fn rpm_file(cx: &TaskCx<'_>, path: &str) -> Result<Option<Rpm>, ModuleError> {
    let cmd =
        dnf_plan::RPM_INSTALLED_COMMAND.replace("rpm -qa", &format!("rpm -qp {}", quote(path)));
    let out = run(cx.remote, &format!("{cmd} 2>/dev/null")).await?;
    Ok(dnf_plan::parse_installed(&out.stdout_text())
        .into_iter()
        .next())
}

/// dnf.py's `ensure`.
async fn ensure(cx: &TaskCx<'_>, a: &DnfArgs, t: &DnfTask) -> Result<Outcome, ModuleError> {
    let (root, installed) = installed(cx).await?;
    if !root && !t.download_only {
        return Ok(
            Outcome::failed("This command has to be run under the root user.")
                .with("results", Value::Array(Vec::new())),
        );
    }
    let mut pre_results: Vec<String> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let latest = t.state == "latest";
    if t.names == ["*"] && latest {
        steps.push(Step {
            verb: "upgrade",
            specs: Vec::new(),
        });
    } else {
        let mut specs = Vec::new();
        let mut files = Vec::new();
        for name in &t.names {
            if name.contains("://") {
                return Err(ModuleError::Args(format!(
                    "dnf: installing from a URL ('{name}') is not implemented by ringmaster; \
                     copy the .rpm to the host first"
                )));
            } else if name.ends_with(".rpm") {
                files.push(name.clone());
            } else if name.starts_with('/') {
                let path = name.as_str();
                // `dnf install /usr/bin/vi`: the package owning the file when installed.
                let out = run(
                    cx.remote,
                    &format!("rpm -qf --qf '%{{NAME}}\\n' {} 2>/dev/null", quote(path)),
                )
                .await?;
                match out.stdout_text().lines().next().filter(|_| out.rc == 0) {
                    Some(owner) => specs.push(owner.to_string()),
                    None if !t.update_only => specs.push(path.to_string()),
                    None => {}
                }
            } else if name.starts_with('@') || name.contains('/') {
                return Err(ModuleError::Args(format!(
                    "dnf: groups, environments and modules ('{name}') are not implemented by \
                     ringmaster; list the packages"
                )));
            } else {
                specs.push(name.clone());
            }
        }
        let mut install = Vec::new();
        let mut upgrade = Vec::new();
        let mut remove = Vec::new();
        if t.state == "absent" || t.state == "removed" {
            if !files.is_empty() {
                return Ok(
                    Outcome::failed("Cannot remove paths -- please specify package name.")
                        .with("results", Value::Array(Vec::new())),
                );
            }
            remove = specs;
        } else {
            if !t.update_only {
                for f in &files {
                    let newer = match rpm_file(cx, f).await? {
                        Some(p) => installed.iter().any(|i| {
                            i.name == p.name
                                && i.arch == p.arch
                                && dnf_plan::compare(i, &p) == std::cmp::Ordering::Greater
                        }),
                        None => false,
                    };
                    if !newer || t.allow_downgrade {
                        install.push(f.clone());
                    }
                }
                pre_results.extend(files.iter().map(|f| format!("Installed {f}")));
            }
            for spec in specs {
                let is_installed = dnf_plan::is_installed(&spec, &installed);
                if t.update_only {
                    if is_installed {
                        upgrade.push(spec);
                    } else {
                        pre_results.push(format!(
                            "Packages providing {spec} not installed due to update_only specified"
                        ));
                    }
                } else if dnf_plan::is_glob(&spec) {
                    if latest && is_installed {
                        upgrade.push(spec.clone());
                    }
                    install.push(spec);
                } else if dnf_plan::newer_installed(&spec, &installed) {
                    if t.allow_downgrade {
                        install.push(spec);
                    }
                } else if is_installed {
                    if latest {
                        upgrade.push(spec);
                    }
                } else {
                    install.push(spec);
                }
            }
        }
        for (verb, specs) in [
            ("install", install),
            ("upgrade", upgrade),
            ("remove", remove),
        ] {
            if !specs.is_empty() {
                steps.push(Step { verb, specs });
            }
        }
    }
    if t.autoremove {
        steps.push(Step {
            verb: "autoremove",
            specs: Vec::new(),
        });
    }

    // Dry runs: the plan and what has no match.
    let options = a.options();
    let mut plan = Transaction::default();
    let mut failures = Vec::new();
    let mut planned = Vec::new();
    for step in steps {
        let out = run(cx.remote, &step.command(&options, "--assumeno")).await?;
        let all = text(&out);
        if dnf_errors::no_enabled_repos(&all) && step.verb != "remove" {
            // dnf refuses to start without a repository; python3-dnf just finds
            // nothing to install (or to upgrade to).
            if step.verb == "install" {
                failures.extend(
                    step.specs
                        .iter()
                        .map(|m| Value::String(format!("No package {m} available."))),
                );
            }
            continue;
        }
        let missing = dnf_errors::unmatched(&all);
        if step.verb == "remove" {
            pre_results.extend(
                missing
                    .iter()
                    .map(|m| format!("No match for argument: {}", m.spec)),
            );
        } else {
            failures.extend(missing.iter().map(|m| Value::String(m.failure())));
        }
        if out.rc != 0 && missing.is_empty() && !all.contains("Operation aborted") {
            return Ok(if dnf_errors::is_depsolve_error(&all) {
                let why = dnf_errors::depsolve_message(&all);
                failure(format!("Depsolve Error occurred: {why}"), Vec::new())
            } else {
                let err = dnf_errors::dnf_error(&all);
                failure(format!("Unknown Error occurred: {err}"), Vec::new())
            });
        }
        let tx = dnf_plan::parse_transaction(&out.stdout_text(), &installed);
        if !tx.is_empty() {
            plan.merge(tx);
            planned.push(step);
        }
    }
    if !failures.is_empty() {
        return Ok(failure(FAILED_SOME, failures));
    }
    if plan.is_empty() {
        return Ok(done(false, "Nothing to do", pre_results));
    }
    let mut results = pre_results;
    results.extend(plan.results(t.download_only));
    if cx.check_mode {
        return Ok(done(true, CHECK_MODE_MSG, results));
    }
    for step in planned {
        let out = run(cx.remote, &step.command(&options, "-y")).await?;
        if out.rc != 0 {
            let all = text(&out);
            if let Some((nevra, why)) = dnf_errors::gpg_failure(&all) {
                return Ok(Outcome::failed(format!(
                    "Failed to validate GPG signature for {nevra}: {why}"
                )));
            }
            // A failed transaction (a scriptlet): rpm's output, as one entry.
            let lines = dnf_errors::transaction_output(&out.stdout_text());
            let failed = if lines.is_empty() {
                Value::String(dnf_errors::dnf_error(&all))
            } else {
                Value::Array(lines.into_iter().map(Value::String).collect())
            };
            return Ok(failure(FAILED_SOME, vec![failed]));
        }
    }
    Ok(done(true, "", results))
}
