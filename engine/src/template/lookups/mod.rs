//! `lookup()` / `query()` / `q()` and the lookup plugins playbooks use.

use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};

use super::TemplarConfig;

mod files;
mod sequence;
mod tables;

use super::convert::{is_mapping, map_value, py_str};
use super::scope::current_render;
use crate::source::Span;
use files::{find_file, first_found, search_dirs};
pub(super) use files::{load_template_file, resolve_include};
use sequence::sequence;

fn lookup_error(name: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("The lookup plugin '{name}' failed: {msg}"),
    )
}

pub(super) fn register(env: &mut Environment<'static>, config: &Arc<TemplarConfig>) {
    let c = config.clone();
    env.add_function(
        "lookup",
        move |state: &State, name: &str, args: Rest<Value>, kwargs: Kwargs| {
            let wantlist: Option<bool> = kwargs.get("wantlist")?;
            let items = run(state, &c, name, &args, &kwargs)?;
            Ok(if wantlist.unwrap_or(false) {
                Value::from(items)
            } else {
                join_result(items)
            })
        },
    );
    for fname in ["query", "q"] {
        let c = config.clone();
        env.add_function(
            fname,
            move |state: &State, name: &str, args: Rest<Value>, kwargs: Kwargs| {
                let _: Option<bool> = kwargs.get("wantlist")?;
                run(state, &c, name, &args, &kwargs).map(Value::from)
            },
        );
    }
}

/// `lookup()` without `wantlist`: strings joined by commas, a single value as itself.
fn join_result(items: Vec<Value>) -> Value {
    if items.len() == 1 {
        return items.into_iter().next().unwrap_or_default();
    }
    if items.iter().all(|i| i.kind() == ValueKind::String) {
        let parts: Vec<String> = items.iter().map(py_str).collect();
        return Value::from(parts.join(","));
    }
    Value::from(items)
}

fn run(
    state: &State,
    config: &TemplarConfig,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    let errors: Option<String> = kwargs.get("errors")?;
    let result = run_plugin(state, config, short, args, kwargs);
    match (result, errors.as_deref()) {
        (Err(_), Some("ignore" | "warn")) => Ok(Vec::new()),
        (r, _) => r,
    }
}

fn strings(args: &[Value]) -> Vec<String> {
    args.iter()
        .flat_map(|a| {
            if a.kind() == ValueKind::Seq {
                a.try_iter()
                    .map(|i| i.map(|x| py_str(&x)).collect::<Vec<_>>())
                    .unwrap_or_default()
            } else {
                vec![py_str(a)]
            }
        })
        .collect()
}

fn run_plugin(
    state: &State,
    config: &TemplarConfig,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    match name {
        "env" => {
            let default: Option<Value> = kwargs.get("default")?;
            Ok(strings(args)
                .iter()
                .map(|k| match std::env::var(k) {
                    Ok(v) => Value::from(v),
                    Err(_) => default.clone().unwrap_or(Value::from("")),
                })
                .collect())
        }
        "file" => {
            let lstrip: Option<bool> = kwargs.get("lstrip")?;
            let rstrip: Option<bool> = kwargs.get("rstrip")?;
            let mut out = Vec::new();
            for term in strings(args) {
                let path = find_file(state, config, "files", &term)
                    .ok_or_else(|| lookup_error("file", format!("Unable to access the file '{term}': File not found. Use -vvvvv to see paths searched.")))?;
                let mut text = std::fs::read_to_string(&path).map_err(|e| {
                    lookup_error("file", format!("could not read '{}': {e}", path.display()))
                })?;
                if rstrip.unwrap_or(true) {
                    text = text.trim_end().to_string();
                }
                if lstrip.unwrap_or(false) {
                    text = text.trim_start().to_string();
                }
                out.push(Value::from(text));
            }
            Ok(out)
        }
        "template" => {
            let mut out = Vec::new();
            for term in strings(args) {
                let path = find_file(state, config, "templates", &term).ok_or_else(|| {
                    lookup_error(
                        "template",
                        format!("Unable to find '{term}' in expected paths."),
                    )
                })?;
                let text =
                    std::fs::read_to_string(&path).map_err(|e| lookup_error("template", e))?;
                let (templar, scope) = current_render()
                    .ok_or_else(|| lookup_error("template", "no active template"))?;
                let span = Span::synthetic(&path.display().to_string());
                let rendered = templar
                    .render_text(&text, &span, &scope)
                    .map_err(|e| lookup_error("template", e.message))?;
                out.push(Value::from(rendered));
            }
            Ok(out)
        }
        "vars" => {
            let default: Option<Value> = kwargs.get("default")?;
            let mut out = Vec::new();
            for term in strings(args) {
                match state.lookup(&term).filter(|v| !v.is_undefined()) {
                    Some(v) => out.push(v),
                    None => match &default {
                        Some(d) => out.push(d.clone()),
                        None => {
                            return Err(Error::new(
                                ErrorKind::InvalidOperation,
                                format!("No variable named '{term}' was found."),
                            ));
                        }
                    },
                }
            }
            Ok(out)
        }
        "varnames" => {
            let (_, scope) =
                current_render().ok_or_else(|| lookup_error("varnames", "no active template"))?;
            let mut out = Vec::new();
            for term in strings(args) {
                let re =
                    super::filters::py_regex(&term, "").map_err(|e| lookup_error("varnames", e))?;
                for name in scope.names() {
                    if re.is_match(&name).unwrap_or(false) {
                        out.push(Value::from(name));
                    }
                }
            }
            Ok(out)
        }
        "pipe" => {
            let mut out = Vec::new();
            for cmd in strings(args) {
                let o = std::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(&cmd)
                    .output()
                    .map_err(|e| lookup_error("pipe", e))?;
                if !o.status.success() {
                    return Err(lookup_error(
                        "pipe",
                        format!(
                            "lookup_plugin.pipe({cmd}) returned {}",
                            o.status.code().unwrap_or(-1)
                        ),
                    ));
                }
                out.push(Value::from(
                    String::from_utf8_lossy(&o.stdout).trim_end().to_string(),
                ));
            }
            Ok(out)
        }
        "lines" => {
            let mut out = Vec::new();
            for cmd in strings(args) {
                let o = std::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(&cmd)
                    .output()
                    .map_err(|e| lookup_error("lines", e))?;
                out.extend(
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .map(|l| Value::from(l.to_string())),
                );
            }
            Ok(out)
        }
        "items" | "list" | "flattened" => {
            let mut out = Vec::new();
            for a in args {
                if a.kind() == ValueKind::Seq {
                    out.extend(a.try_iter()?);
                } else {
                    out.push(a.clone());
                }
            }
            Ok(out)
        }
        "indexed_items" => Ok(args
            .iter()
            .flat_map(|a| {
                a.try_iter()
                    .map(|i| i.collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .enumerate()
            .map(|(i, v)| Value::from(vec![Value::from(i as i64), v]))
            .collect()),
        "dict" => {
            let mut out = Vec::new();
            for d in args {
                if !is_mapping(d) {
                    return Err(lookup_error("dict", "with_dict expects a dict"));
                }
                for k in d.try_iter()? {
                    let v = d.get_item(&k)?;
                    out.push(map_value([
                        (Value::from("key"), k),
                        (Value::from("value"), v),
                    ]));
                }
            }
            Ok(out)
        }
        "sequence" => sequence(args, kwargs),
        "ini" => tables::ini(state, config, args, kwargs),
        "csvfile" => tables::csvfile(state, config, args, kwargs),
        "nested" | "cartesian" => {
            let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
            for a in args {
                let items: Vec<Value> = a.try_iter()?.collect();
                acc = acc
                    .into_iter()
                    .flat_map(|prefix| {
                        items.iter().map(move |v| {
                            let mut p = prefix.clone();
                            p.push(v.clone());
                            p
                        })
                    })
                    .collect();
            }
            Ok(acc.into_iter().map(Value::from).collect())
        }
        "together" => {
            let lists: Vec<Vec<Value>> = args
                .iter()
                .map(|a| a.try_iter().map(|i| i.collect()))
                .collect::<Result<_, _>>()?;
            let n = lists.iter().map(Vec::len).max().unwrap_or(0);
            Ok((0..n)
                .map(|i| {
                    Value::from(
                        lists
                            .iter()
                            .map(|l| l.get(i).cloned().unwrap_or(Value::from(())))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect())
        }
        "subelements" => subelements_lookup(args),
        "random_choice" => {
            let items: Vec<Value> = args
                .iter()
                .flat_map(|a| {
                    a.try_iter()
                        .map(|i| i.collect::<Vec<_>>())
                        .unwrap_or_default()
                })
                .collect();
            let n = items.len();
            let pick = (config.random_seed as usize) % n.max(1);
            Ok(items.into_iter().nth(pick).into_iter().collect())
        }
        "fileglob" => {
            let mut out = Vec::new();
            for pattern in strings(args) {
                let full = if pattern.starts_with('/') {
                    vec![PathBuf::from(&pattern)]
                } else {
                    search_dirs(state, config, "files")
                        .into_iter()
                        .map(|d| d.join(&pattern))
                        .collect()
                };
                for p in full {
                    let Ok(paths) = glob::glob(&p.to_string_lossy()) else {
                        continue;
                    };
                    let found: Vec<Value> = paths
                        .flatten()
                        .filter(|p| p.is_file())
                        .map(|p| Value::from(p.to_string_lossy().into_owned()))
                        .collect();
                    if !found.is_empty() {
                        out.extend(found);
                        break;
                    }
                }
            }
            Ok(out)
        }
        "first_found" => first_found(state, config, args, kwargs),
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("The lookup plugin '{other}' was not found."),
        )),
    }
}

/// `with_subelements`: (item without the subkey, subitem) pairs, as Ansible's lookup
/// gives them (recorded: `[{'n': 1}, 'x']`).
fn subelements_lookup(args: &[Value]) -> Result<Vec<Value>, Error> {
    let (Some(list), Some(key)) = (args.first(), args.get(1)) else {
        return Err(lookup_error(
            "subelements",
            "subelements lookup expects a list of two or three items",
        ));
    };
    let key = py_str(key);
    let skip = args
        .get(2)
        .and_then(|f| f.get_item(&Value::from("skip_missing")).ok())
        .is_some_and(|v| v.is_true());
    let mut out = Vec::new();
    for item in list.try_iter()? {
        let sub = item.get_item(&Value::from(key.as_str()))?;
        if sub.is_undefined() {
            if skip {
                continue;
            }
            return Err(lookup_error(
                "subelements",
                format!(
                    "could not find '{key}' key in iterated item '{}'",
                    py_str(&item)
                ),
            ));
        }
        let rest = map_value(
            item.try_iter()?
                .filter(|k| k.as_str() != Some(key.as_str()))
                .map(|k| {
                    let v = item.get_item(&k).unwrap_or_default();
                    (k, v)
                }),
        );
        for s in sub.try_iter()? {
            out.push(Value::from(vec![rest.clone(), s]));
        }
    }
    Ok(out)
}
