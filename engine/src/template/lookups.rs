//! `lookup()` / `query()` / `q()` and the lookup plugins playbooks use.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};

use super::TemplarConfig;
use super::convert::{is_mapping, map_value, py_str};
use super::scope::current_render;
use crate::source::Span;

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

/// `with_sequence` / `lookup('sequence', 'start=1 end=5 format=x%02d')`.
fn sequence(args: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut start = 1i64;
    let mut end: Option<i64> = None;
    let mut count: Option<i64> = None;
    let mut stride = 1i64;
    let mut format: Option<String> = None;
    let mut set = |k: &str, v: &str| -> Result<(), Error> {
        let num = || {
            let parsed = if let Some(h) = v.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else if let Some(o) = v
                .strip_prefix("0o")
                .or_else(|| v.strip_prefix('0').filter(|r| !r.is_empty()))
            {
                i64::from_str_radix(o, 8).ok()
            } else {
                v.parse().ok()
            };
            parsed
                .ok_or_else(|| lookup_error("sequence", format!("can't parse {k}={v} as integer")))
        };
        match k {
            "start" => start = num()?,
            "end" => end = Some(num()?),
            "count" => count = Some(num()?),
            "stride" => stride = num()?,
            "format" => format = Some(v.to_string()),
            _ => {
                return Err(lookup_error(
                    "sequence",
                    format!("unrecognized arguments to with_sequence: ['{k}']"),
                ));
            }
        }
        Ok(())
    };
    for term in strings(args) {
        for part in term.split_whitespace() {
            match part.split_once('=') {
                Some((k, v)) => set(k, v)?,
                None => {
                    // Shortcut form: [start-]end[/stride][:format]
                    let (rest, fmt) = part
                        .split_once(':')
                        .map_or((part, None), |(a, b)| (a, Some(b)));
                    let (rest, st) = rest
                        .split_once('/')
                        .map_or((rest, None), |(a, b)| (a, Some(b)));
                    match rest.split_once('-') {
                        Some((a, b)) => {
                            set("start", a)?;
                            set("end", b)?;
                        }
                        None => set("end", rest)?,
                    }
                    if let Some(st) = st {
                        set("stride", st)?;
                    }
                    if let Some(f) = fmt {
                        set("format", f)?;
                    }
                }
            }
        }
    }
    for k in ["start", "end", "count", "stride", "format"] {
        if let Ok(Some(v)) = kwargs.get::<Option<Value>>(k) {
            set(k, &py_str(&v))?;
        }
    }
    let end = match (end, count) {
        (Some(_), Some(_)) => {
            return Err(lookup_error(
                "sequence",
                "can't specify both count and end in with_sequence",
            ));
        }
        (Some(e), None) => e,
        (None, Some(c)) => start + (c - 1) * stride,
        (None, None) => {
            return Err(lookup_error(
                "sequence",
                "must specify count or end in with_sequence",
            ));
        }
    };
    if stride == 0 {
        return Ok(Vec::new());
    }
    if stride > 0 && end < start {
        return Err(lookup_error(
            "sequence",
            "to count backwards make stride negative",
        ));
    }
    if stride < 0 && end > start {
        return Err(lookup_error(
            "sequence",
            "to count forward don't make stride negative",
        ));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(Value::from(match &format {
            Some(f) => printf_int(f, i),
            None => i.to_string(),
        }));
        i += stride;
    }
    Ok(out)
}

/// Python's `fmt % i` for one integer conversion (`%d`, `%02d`, `%x`, `%o`).
fn printf_int(fmt: &str, n: i64) -> String {
    let Some(pos) = fmt.find('%') else {
        return fmt.to_string();
    };
    let rest = &fmt[pos + 1..];
    let spec_end = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let spec = &rest[..spec_end];
    let conv = rest[spec_end..].chars().next().unwrap_or('d');
    let zero = spec.starts_with('0');
    let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
    let body = match conv {
        'x' => format!("{n:x}"),
        'X' => format!("{n:X}"),
        'o' => format!("{n:o}"),
        _ => n.to_string(),
    };
    let padded = if zero {
        format!("{body:0>width$}")
    } else {
        format!("{body:>width$}")
    };
    format!(
        "{}{}{}",
        &fmt[..pos],
        padded,
        &rest[(spec_end + conv.len_utf8()).min(rest.len())..]
    )
}

fn first_found(
    state: &State,
    config: &TemplarConfig,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    let skip: Option<bool> = kwargs.get("skip")?;
    let mut files: Vec<String> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    for a in args {
        if is_mapping(a) {
            for key in ["files", "paths"] {
                let v = a.get_item(&Value::from(key))?;
                if v.is_undefined() {
                    continue;
                }
                let list: Vec<String> = if v.kind() == ValueKind::String {
                    py_str(&v)
                        .split([',', ';'])
                        .map(|s| s.trim().to_string())
                        .collect()
                } else {
                    strings(&[v])
                };
                if key == "files" {
                    files.extend(list)
                } else {
                    paths.extend(list)
                }
            }
            if a.get_item(&Value::from("skip")).is_ok_and(|s| s.is_true()) {
                return first_found_in(state, config, &files, &paths)
                    .map(|o| o.into_iter().collect());
            }
        } else {
            files.extend(strings(std::slice::from_ref(a)));
        }
    }
    match first_found_in(state, config, &files, &paths)? {
        Some(v) => Ok(vec![v]),
        None if skip.unwrap_or(false) => Ok(Vec::new()),
        None => Err(lookup_error(
            "first_found",
            "No file was found when using first_found.",
        )),
    }
}

fn first_found_in(
    state: &State,
    config: &TemplarConfig,
    files: &[String],
    paths: &[String],
) -> Result<Option<Value>, Error> {
    for f in files {
        let candidates: Vec<PathBuf> = if paths.is_empty() {
            find_file(state, config, "files", f).into_iter().collect()
        } else {
            paths.iter().map(|p| Path::new(p).join(f)).collect()
        };
        if let Some(found) = candidates.into_iter().find(|p| p.exists()) {
            return Ok(Some(Value::from(found.to_string_lossy().into_owned())));
        }
    }
    Ok(None)
}

/// Directories searched for `subdir` files: role, playbook, then configured paths.
fn search_dirs(state: &State, config: &TemplarConfig, subdir: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for var in ["role_path", "playbook_dir"] {
        if let Some(base) = state
            .lookup(var)
            .filter(|v| !v.is_undefined() && !v.is_none())
        {
            let base = PathBuf::from(py_str(&base));
            dirs.push(base.join(subdir));
            dirs.push(base);
        }
    }
    for base in &config.search_paths {
        dirs.push(base.join(subdir));
        dirs.push(base.clone());
    }
    dirs
}

fn find_file(state: &State, config: &TemplarConfig, subdir: &str, term: &str) -> Option<PathBuf> {
    let p = Path::new(term);
    if p.is_absolute() {
        return p.exists().then(|| p.to_path_buf());
    }
    search_dirs(state, config, subdir)
        .into_iter()
        .map(|d| d.join(term))
        .find(|p| p.exists())
}

/// Loads `{% include %}` / `{% import %}` targets from the configured search paths.
pub(super) fn load_template_file(
    config: &TemplarConfig,
    name: &str,
) -> Result<Option<String>, Error> {
    let path = Path::new(name);
    let candidates: Vec<PathBuf> = if path.is_absolute() {
        vec![path.to_path_buf()]
    } else {
        config
            .search_paths
            .iter()
            .flat_map(|b| [b.join("templates").join(name), b.join(name)])
            .collect()
    };
    for c in candidates {
        if c.is_file() {
            return std::fs::read_to_string(&c).map(Some).map_err(|e| {
                Error::new(
                    ErrorKind::TemplateNotFound,
                    format!("could not read '{}': {e}", c.display()),
                )
            });
        }
    }
    Ok(None)
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
