//! Lookups that find files: `file`/`template` search paths, `first_found`, and the
//! loader for `{% include %}`.

use std::path::{Path, PathBuf};

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, ErrorKind, State, Value};

use super::{lookup_error, strings};
use crate::template::TemplarConfig;
use crate::template::convert::{is_mapping, py_str};

pub(super) fn first_found(
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
pub(super) fn search_dirs(state: &State, config: &TemplarConfig, subdir: &str) -> Vec<PathBuf> {
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

pub(super) fn find_file(
    state: &State,
    config: &TemplarConfig,
    subdir: &str,
    term: &str,
) -> Option<PathBuf> {
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
pub(in crate::template) fn load_template_file(
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

/// Resolves an `{% include %}` / `{% import %}` name to an absolute path when it can be
/// found in the rendering scope's role or playbook `templates/` directories (so two
/// roles' `templates/x.j2` stay distinct in the template cache).
pub(in crate::template) fn resolve_include(config: &TemplarConfig, name: &str) -> String {
    let path = Path::new(name);
    if path.is_absolute() {
        return name.to_string();
    }
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Some((templar, scope)) = crate::template::scope::current_render() {
        for var in ["role_path", "playbook_dir"] {
            if let Ok(Some(v)) = scope.resolve(var, &templar)
                && !v.is_none()
                && !v.is_undefined()
            {
                bases.push(PathBuf::from(py_str(&v)));
            }
        }
    }
    bases.extend(config.search_paths.iter().cloned());
    bases
        .iter()
        .flat_map(|b| [b.join("templates").join(name), b.join(name)])
        .find(|c| c.is_file())
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string())
}
