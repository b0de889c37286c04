//! The YAML inventory format (ansible-core 2.19's `yaml` plugin): top-level keys are
//! groups, each a mapping of `hosts`, `vars` and `children` (`children` recursive).

use std::path::Path;

use super::Inventory;
use super::address::expand_hostpattern;
use crate::source::SourceError;
use crate::yaml::{Mapping, Node, Value};

/// Python's `type(x)` as Ansible prints it in messages.
pub(crate) fn python_type(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Int(_) => "<class 'int'>",
        Value::Float(_) => "<class 'float'>",
        Value::Str(_) | Value::Unsafe(_) | Value::Vault(_) => "<class 'str'>",
        Value::Seq(_) => "<class 'list'>",
        Value::Map(_) => "<class 'dict'>",
    }
}

/// Reads a loaded YAML document into `inv`. Errors here make Ansible try the next
/// plugin (INI), so they describe why this is not a YAML inventory.
pub fn parse(inv: &mut Inventory, data: &Node, source: &Path) -> Result<(), SourceError> {
    let map = match &data.value {
        Value::Null => return Err(SourceError::new(&data.span, "Parsed empty YAML file")),
        Value::Map(m) if m.is_empty() => {
            return Err(SourceError::new(&data.span, "Parsed empty YAML file"));
        }
        Value::Map(m) => m,
        _ => {
            return Err(SourceError::new(
                &data.span,
                format!(
                    "YAML inventory has invalid structure, it should be a dictionary, got: {}",
                    python_type(data)
                ),
            ));
        }
    };
    if map.get("plugin").is_some_and(is_truthy) {
        let plugin = map
            .get("plugin")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        return Err(SourceError::new(
            &data.span,
            "Plugin configuration YAML file, not YAML inventory",
        )
        .with_help(format!(
            "inventory plugins (here '{plugin}') are not supported; list the hosts in an INI or YAML inventory"
        )));
    }
    for (name, group_data) in map.iter() {
        parse_group(inv, name, group_data, source)?;
    }
    Ok(())
}

fn is_truthy(n: &Node) -> bool {
    match &n.value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => !s.is_empty(),
        Value::Seq(s) => !s.is_empty(),
        Value::Map(m) => !m.is_empty(),
    }
}

fn group_name(inv: &mut Inventory, key: &Node) -> Result<String, SourceError> {
    let name = match &key.value {
        Value::Str(s) | Value::Unsafe(s) => s.clone(),
        Value::Null => String::new(),
        _ => {
            return Err(SourceError::new(
                &key.span,
                format!(
                    "Unable to add group {}: Invalid group name supplied, expected a string but got {} for {}",
                    key.key_string().unwrap_or_default(),
                    python_type(key),
                    key.key_string().unwrap_or_default()
                ),
            )
            .with_help("quote the group name"));
        }
    };
    inv.add_group(&name, &key.span)?;
    Ok(name)
}

/// A `hosts`/`vars`/`children` section: a string `x` means `{x: null}`.
fn section(group: &str, key: &str, node: &Node) -> Result<Option<Mapping>, SourceError> {
    match &node.value {
        Value::Null => Ok(None),
        Value::Map(m) => Ok(Some(m.clone())),
        Value::Str(s) | Value::Unsafe(s) => {
            let mut m = Mapping::default();
            m.insert(
                Node::new(Value::Str(s.clone()), node.span.clone()),
                Node::new(Value::Null, node.span.clone()),
            );
            Ok(Some(m))
        }
        _ => Err(SourceError::new(
            &node.span,
            format!(
                "Invalid \"{key}\" entry for \"{group}\" group, requires a dictionary, found \"{}\" instead.",
                python_type(node)
            ),
        )),
    }
}

fn parse_group(
    inv: &mut Inventory,
    key: &Node,
    data: &Node,
    source: &Path,
) -> Result<String, SourceError> {
    let entries = match &data.value {
        Value::Map(m) => Some(m),
        Value::Null => None,
        _ => {
            inv.warn(format!(
                "Skipping '{}' as this is not a valid group definition",
                key.key_string().unwrap_or_default()
            ));
            return Ok(key.key_string().unwrap_or_default());
        }
    };
    let group = group_name(inv, key)?;
    let Some(entries) = entries else {
        return Ok(group);
    };
    for (k, v) in entries.iter() {
        let kname = k.key_string().unwrap_or_default();
        let body = match kname.as_str() {
            "vars" | "children" | "hosts" => section(&group, &kname, v)?,
            _ => match &v.value {
                Value::Null => None,
                Value::Map(m) => Some(m.clone()),
                _ => {
                    inv.warn(format!(
                        "Skipping key ({kname}) in group ({group}) as it is not a mapping, it is a {}",
                        python_type(v)
                    ));
                    continue;
                }
            },
        };
        let Some(body) = body else {
            continue;
        };
        match kname.as_str() {
            "vars" => {
                for (var, value) in body.iter() {
                    inv.set_group_var(&group, &var.key_string().unwrap_or_default(), value.clone())?;
                }
            }
            "children" => {
                for (sub_key, sub_data) in body.iter() {
                    let sub = parse_group(inv, sub_key, sub_data, source)?;
                    inv.add_child(&group, &sub, &sub_key.span)?;
                }
            }
            "hosts" => {
                for (pattern, host_vars) in body.iter() {
                    parse_host(inv, &group, pattern, host_vars, source)?;
                }
            }
            _ => inv.warn(format!(
                "Skipping unexpected key ({kname}) in group ({group}), only \"vars\", \"children\" and \"hosts\" are valid"
            )),
        }
    }
    Ok(group)
}

fn parse_host(
    inv: &mut Inventory,
    group: &str,
    pattern: &Node,
    host_vars: &Node,
    source: &Path,
) -> Result<(), SourceError> {
    let Some(text) = pattern.as_str() else {
        return Err(SourceError::new(
            &pattern.span,
            format!(
                "Host pattern {} must be a string. Enclose integers/floats in quotation marks.",
                pattern.key_string().unwrap_or_default()
            ),
        ));
    };
    let (names, port) = expand_hostpattern(text).map_err(|e| SourceError::new(&pattern.span, e))?;
    let vars = match &host_vars.value {
        Value::Map(m) => m.clone(),
        _ if !is_truthy(host_vars) => Mapping::default(),
        _ => {
            return Err(SourceError::new(
                &host_vars.span,
                format!(
                    "Invalid data from file, expected dictionary and got:\n\n{}",
                    host_vars.to_json()
                ),
            )
            .with_help(format!("the variables of host '{text}' must be a mapping")));
        }
    };
    for name in &names {
        inv.add_host(name, Some(group), port, &pattern.span, Some(source))?;
        for (k, v) in vars.iter() {
            inv.set_host_var(name, &k.key_string().unwrap_or_default(), v.clone())?;
        }
    }
    Ok(())
}
