//! `ansible.builtin.package_facts`: `ansible_facts.packages` = {name: [{name, version,
//! arch, category, source}]}, read with `dpkg-query` (apt) or `rpm -qa` (rpm), no Python.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::apt_plan;
use super::run;
use crate::command::args::{opt_list, opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

const FQCN: &str = "ansible.builtin.package_facts";

/// Prints which of the supported managers the host has.
const DETECT_COMMAND: &str = "for b in dpkg-query rpm; do \
     if command -v $b >/dev/null 2>&1; then echo $b; fi; done";

/// rpm's listing: name, version, release, epoch, arch (the keys of Ansible's rpm facts).
const RPM_FACTS_COMMAND: &str =
    "LC_ALL=C rpm -qa --qf '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCHNUM}\\t%{ARCH}\\n'";

/// Turns one manager's listing into `{name: [entries]}`.
type ListParser = fn(&str) -> Map<String, Value>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactsArgs {
    #[serde(default, deserialize_with = "opt_list")]
    manager: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    strategy: Option<String>,
}

/// `ansible.builtin.package_facts`.
pub struct PackageFactsModule;

/// Groups apt's installed packages by name, as Ansible's apt backend does.
pub fn apt_facts(dpkg_list: &str) -> Map<String, Value> {
    let mut packages = Map::new();
    for p in apt_plan::parse_dpkg_list(dpkg_list) {
        let entry = json!({
            "name": p.name,
            "version": p.version,
            "arch": p.arch,
            "category": p.section,
            "source": "apt",
        });
        push(&mut packages, &p.name, entry);
    }
    packages
}

/// Groups rpm's installed packages by name, as Ansible's rpm backend does.
pub fn rpm_facts(rpm_list: &str) -> Map<String, Value> {
    let mut packages = Map::new();
    for line in rpm_list.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [name, version, release, epoch, arch] = f[..] else {
            continue;
        };
        let epoch: Value = match epoch.parse::<i64>() {
            Ok(0) | Err(_) => Value::Null,
            Ok(e) => e.into(),
        };
        let entry = json!({
            "name": name,
            "version": version,
            "release": release,
            "epoch": epoch,
            "arch": arch,
            "source": "rpm",
        });
        push(&mut packages, name, entry);
    }
    packages
}

fn push(packages: &mut Map<String, Value>, name: &str, entry: Value) {
    if let Value::Array(list) = packages
        .entry(name.to_string())
        .or_insert_with(|| Value::Array(Vec::new()))
    {
        list.push(entry);
    }
}

impl Module for PackageFactsModule {
    fn name(&self) -> &'static str {
        FQCN
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: FactsArgs = parse(FQCN, args)?;
            let wanted = a.manager.unwrap_or_else(|| vec!["auto".into()]);
            let all = a.strategy.as_deref() == Some("all");
            for m in &wanted {
                if !matches!(m.as_str(), "auto" | "apt" | "rpm") {
                    return Ok(Outcome::failed(format!(
                        "package_facts: manager '{m}' is not supported by ringmaster \
                         (supported: auto, apt, rpm)"
                    )));
                }
            }
            let found = run(cx.remote, DETECT_COMMAND).await?.stdout_text();
            let has = |tool: &str| found.lines().any(|l| l.trim() == tool);
            let auto = wanted.iter().any(|m| m == "auto");
            let mut order = Vec::new();
            if (auto || wanted.iter().any(|m| m == "apt")) && has("dpkg-query") {
                order.push("apt");
            }
            if (auto || wanted.iter().any(|m| m == "rpm")) && has("rpm") {
                order.push("rpm");
            }
            if order.is_empty() {
                return Ok(Outcome::failed(format!(
                    "Could not detect a supported package manager from the following list: \
                     {wanted:?}, or the required Python library is not installed. Check warnings for details."
                )));
            }
            if !all {
                order.truncate(1);
            }
            let mut packages = Map::new();
            for manager in order {
                let (cmd, parse_list): (&str, ListParser) = match manager {
                    "apt" => (apt_plan::DPKG_LIST_COMMAND, apt_facts),
                    _ => (RPM_FACTS_COMMAND, rpm_facts),
                };
                let out = run(cx.remote, cmd).await?;
                if out.rc != 0 {
                    return Ok(Outcome::failed(format!(
                        "Unable to list packages ({manager}): {}",
                        out.stderr_text().trim()
                    )));
                }
                for (name, entries) in parse_list(&out.stdout_text()) {
                    let Value::Array(entries) = entries else {
                        continue;
                    };
                    for e in entries {
                        push(&mut packages, &name, e);
                    }
                }
            }
            let mut facts = Map::new();
            facts.insert("packages".into(), Value::Object(packages));
            Ok(Outcome::ok().with("ansible_facts", Value::Object(facts)))
        })
    }
}
