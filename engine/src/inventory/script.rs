//! Executable inventories (ansible-core 2.19's `script` plugin): run `SCRIPT --list`,
//! read `{group: {hosts, vars, children}, _meta: {hostvars}}` (or `group: [hosts]`);
//! without `_meta`, run `SCRIPT --host H` for each host.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use indexmap::IndexSet;
use serde_json::Value as J;

use super::Inventory;
use crate::source::{SourceError, SourceFile, Span};
use crate::yaml::Node;

/// Python's `native_type_name` for JSON values.
fn type_name(v: &J) -> &'static str {
    match v {
        J::Null => "NoneType",
        J::Bool(_) => "bool",
        J::Number(n) if n.is_f64() => "float",
        J::Number(_) => "int",
        J::String(_) => "str",
        J::Array(_) => "list",
        J::Object(_) => "dict",
    }
}

struct Output {
    file: Arc<SourceFile>,
    stderr_help: Option<String>,
}

fn run(path: &Path, args: &[&str], cwd: &Path) -> Result<Output, SourceError> {
    let cmd_text = std::iter::once(path.display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(path)
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| {
            SourceError::plain(format!(
                "Failed to execute inventory script command '{cmd_text}'."
            ))
            .with_help(e.to_string())
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stderr_help = (!stderr.trim().is_empty()).then(|| {
        let nl = if stderr.ends_with('\n') { "" } else { "\n" };
        format!("Standard error from inventory script:\n{stderr}{nl}")
    });
    if !out.status.success() {
        let code = out
            .status
            .code()
            .map_or("unknown".to_string(), |c| c.to_string());
        let mut err = SourceError::plain(format!(
            "Inventory script '{}' returned non-zero exit code {code}.",
            path.display()
        ));
        err.help = stderr_help;
        return Err(err);
    }
    let Ok(stdout) = String::from_utf8(out.stdout) else {
        let mut err = SourceError::plain(format!(
            "Inventory script '{}' result contained characters that cannot be interpreted as UTF-8.",
            path.display()
        ));
        err.help = stderr_help;
        return Err(err);
    };
    Ok(Output {
        file: SourceFile::new(format!("<output of {cmd_text}>"), stdout),
        stderr_help,
    })
}

fn parse_json(out: &Output, what: &str) -> Result<J, SourceError> {
    serde_json::from_str(&out.file.text).map_err(|e| {
        let line = e.line().max(1) as u32;
        let col = e.column().max(1) as u32;
        let offset = out
            .file
            .text
            .split_inclusive('\n')
            .take(line as usize - 1)
            .map(str::len)
            .sum::<usize>();
        let span = Span::new(out.file.clone(), offset, line, col);
        let mut err = SourceError::new(&span, format!("{what} could not be parsed as JSON: {e}"));
        err.help = out.stderr_help.clone();
        err
    })
}

fn type_error(out: &Output, message: String) -> SourceError {
    let mut err = SourceError::plain(message);
    err.help = out.stderr_help.clone();
    err
}

/// Runs the script `path` and reads its groups and hosts into `inv`.
pub fn parse(inv: &mut Inventory, path: &Path, cwd: &Path) -> Result<(), SourceError> {
    let out = run(path, &["--list"], cwd)?;
    let data = parse_json(
        &out,
        &format!("Inventory script '{}' result", path.display()),
    )?;
    let J::Object(groups) = &data else {
        return Err(type_error(
            &out,
            format!(
                "Inventory script '{}' result is '{}' instead of 'dict'.",
                path.display(),
                type_name(&data)
            ),
        ));
    };
    let span = Span::new(out.file.clone(), 0, 1, 1);
    let mut seen_hosts: IndexSet<String> = IndexSet::new();
    let mut meta: Option<&serde_json::Map<String, J>> = None;
    for (group, gdata) in groups {
        if group == "_meta" {
            match gdata.get("hostvars") {
                Some(J::Object(hv)) => meta = Some(hv),
                other => {
                    let t = other.map_or("NoneType", type_name);
                    return Err(type_error(
                        &out,
                        format!(
                            "Value contains '_meta.hostvars' which is '{t}' instead of 'dict'."
                        ),
                    ));
                }
            }
        } else {
            parse_group(inv, group, gdata, &span, path, &mut seen_hosts, &out)?;
        }
    }
    for host in &seen_hosts {
        let vars = match meta {
            Some(hv) => hv
                .get(host)
                .cloned()
                .unwrap_or(J::Object(Default::default())),
            None => host_vars(path, host, cwd)?,
        };
        let J::Object(vars) = vars else {
            return Err(type_error(
                &out,
                format!("Invalid data from file, expected dictionary and got:\n\n{vars}"),
            ));
        };
        for (k, v) in &vars {
            inv.set_host_var(host, k, Node::from_json(v, &span))?;
        }
    }
    Ok(())
}

fn parse_group(
    inv: &mut Inventory,
    group: &str,
    gdata: &J,
    span: &Span,
    path: &Path,
    seen_hosts: &mut IndexSet<String>,
    out: &Output,
) -> Result<(), SourceError> {
    inv.add_group(group, span)?;
    let normalized;
    let data = match gdata {
        J::Object(m)
            if m.contains_key("hosts") || m.contains_key("vars") || m.contains_key("children") =>
        {
            m
        }
        J::Object(_) => {
            // A group with none of the keys is read as its own sole host with vars.
            let mut m = serde_json::Map::new();
            m.insert("hosts".into(), J::Array(vec![J::String(group.into())]));
            m.insert("vars".into(), gdata.clone());
            normalized = m;
            &normalized
        }
        other => {
            let mut m = serde_json::Map::new();
            m.insert("hosts".into(), other.clone());
            normalized = m;
            &normalized
        }
    };
    if let Some(hosts) = data.get("hosts") {
        let J::Array(hosts) = hosts else {
            return Err(type_error(
                out,
                format!(
                    "Value contains '{group}.hosts' which is '{}' instead of 'list'.",
                    type_name(hosts)
                ),
            ));
        };
        for h in hosts {
            let J::String(name) = h else {
                return Err(type_error(
                    out,
                    format!(
                        "Invalid host name supplied, expected a string but got <class '{}'> for {h}",
                        type_name(h)
                    ),
                ));
            };
            seen_hosts.insert(name.clone());
            inv.add_host(name, Some(group), None, span, Some(path))?;
        }
    }
    if let Some(vars) = data.get("vars") {
        let J::Object(vars) = vars else {
            return Err(type_error(
                out,
                format!(
                    "Value contains '{group}.vars' which is '{}' instead of 'dict'.",
                    type_name(vars)
                ),
            ));
        };
        for (k, v) in vars {
            inv.set_group_var(group, k, Node::from_json(v, span))?;
        }
    }
    if let Some(children) = data.get("children") {
        let names: Vec<String> = match children {
            J::Array(items) => items
                .iter()
                .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string))
                .collect(),
            J::Object(m) => m.keys().cloned().collect(),
            J::String(s) => s.chars().map(String::from).collect(),
            other => {
                return Err(type_error(
                    out,
                    format!(
                        "Value contains '{group}.children' which is '{}' instead of 'list'.",
                        type_name(other)
                    ),
                ));
            }
        };
        for child in names {
            inv.add_group(&child, span)?;
            inv.add_child(group, &child, span)?;
        }
    }
    Ok(())
}

fn host_vars(path: &Path, host: &str, cwd: &Path) -> Result<J, SourceError> {
    let out = run(path, &["--host", host], cwd)?;
    if out.file.text.trim().is_empty() {
        return Ok(J::Object(Default::default()));
    }
    parse_json(
        &out,
        &format!(
            "Inventory script '{}' result for host '{host}'",
            path.display()
        ),
    )
}
