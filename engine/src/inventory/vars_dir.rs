//! `group_vars/` and `host_vars/` (ansible-core's `host_group_vars` plugin): for a
//! group or host `NAME`, the first of `NAME`, `NAME.yml`, `NAME.yaml`, `NAME.json` that
//! exists; if it is a directory, all its files (recursively, sorted, skipping hidden
//! files, `~` backups and other extensions), merged with later files winning.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::Inventory;
use crate::source::SourceError;
use crate::yaml::{Node, Value};

/// Extensions the vars plugin accepts (`C.YAML_FILENAME_EXTENSIONS`).
const VARS_EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// The `group_vars/` and `host_vars/` of one directory, by group/host name.
#[derive(Debug, Clone, Default)]
pub struct VarsDir {
    pub groups: IndexMap<String, IndexMap<String, Node>>,
    pub hosts: IndexMap<String, IndexMap<String, Node>>,
}

/// Python's `os.path.splitext(name)[1]` (a leading dot does not start an extension).
fn extension(name: &str) -> &str {
    let trimmed = name.trim_start_matches('.');
    match trimmed.rfind('.') {
        Some(i) => &trimmed[i..],
        None => "",
    }
}

/// Loads every `group_vars/NAME*` and `host_vars/NAME*` of `dir` (used next to the
/// playbook). Names come from the entries present: `NAME` (a file without extension or
/// a directory), `NAME.yml`, `NAME.yaml`, `NAME.json`; files with other extensions are
/// only read by Ansible for an entity named with that extension, so they are skipped.
pub fn load_vars_dir(dir: &Path) -> Result<VarsDir, SourceError> {
    let mut out = VarsDir::default();
    for (subdir, target) in [
        ("group_vars", &mut out.groups),
        ("host_vars", &mut out.hosts),
    ] {
        let base = dir.join(subdir);
        for name in candidate_names(&base)? {
            if let Some(vars) = entity_vars(&base, &name)? {
                target.insert(name, vars);
            }
        }
    }
    Ok(out)
}

fn list_sorted(dir: &Path) -> Result<Vec<String>, SourceError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SourceError::plain(format!("could not list '{}': {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

fn candidate_names(base: &Path) -> Result<Vec<String>, SourceError> {
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = Vec::new();
    for entry in list_sorted(base)? {
        if entry.starts_with('.') || entry.ends_with('~') {
            continue;
        }
        let ext = extension(&entry);
        let name = if VARS_EXTENSIONS.contains(&ext) {
            entry[..entry.len() - ext.len()].to_string()
        } else if ext.is_empty() {
            entry
        } else {
            continue;
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// `find_vars_files(base, name)`: the files holding `name`'s variables, in merge order.
fn find_vars_files(base: &Path, name: &str) -> Result<Vec<PathBuf>, SourceError> {
    for ext in std::iter::once("").chain(VARS_EXTENSIONS) {
        let full = base.join(format!("{name}{ext}"));
        if full.is_dir() {
            let mut found = Vec::new();
            dir_vars_files(&full, &mut found)?;
            return Ok(found);
        }
        if full.exists() {
            return Ok(vec![full]);
        }
    }
    Ok(Vec::new())
}

fn dir_vars_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    for entry in list_sorted(dir)? {
        if entry.starts_with('.') || entry.ends_with('~') {
            continue;
        }
        let ext = extension(&entry);
        let full = dir.join(&entry);
        if full.is_dir() && ext.is_empty() {
            dir_vars_files(&full, found)?;
        } else if full.is_file() && (ext.is_empty() || VARS_EXTENSIONS.contains(&ext)) {
            found.push(full);
        }
    }
    Ok(())
}

/// The merged variables of entity `name` under `base` (`None` when it has no files).
fn entity_vars(base: &Path, name: &str) -> Result<Option<IndexMap<String, Node>>, SourceError> {
    // Ansible skips names that look like absolute paths (chroot-style host names).
    if name.is_empty() || name.starts_with('/') {
        return Ok(None);
    }
    let files = find_vars_files(base, name)?;
    if files.is_empty() {
        return Ok(None);
    }
    let mut vars = IndexMap::new();
    for file in files {
        let data = crate::yaml::load_file(&file)?;
        match &data.value {
            Value::Map(m) => {
                for (k, v) in m.iter() {
                    vars.insert(k.key_string().unwrap_or_default(), v.clone());
                }
            }
            _ if is_empty(&data) => {}
            _ => {
                return Err(SourceError::new(
                    &data.span,
                    format!(
                        "Could not process '{}': variables must be a mapping, got {}",
                        file.display(),
                        data.kind_name()
                    ),
                ));
            }
        }
    }
    Ok(Some(vars))
}

/// Falsy values (`if new_data:`) are ignored like empty files.
fn is_empty(n: &Node) -> bool {
    match &n.value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => s.is_empty(),
        Value::Seq(s) => s.is_empty(),
        Value::Map(m) => m.is_empty(),
    }
}

impl Inventory {
    /// The `group_vars/` and `host_vars/` of `dir` for exactly this inventory's groups
    /// and hosts, as Ansible looks them up (by entity name; other files are never
    /// read). Use this next to the playbook; [`load_vars_dir`] reads every name.
    pub fn vars_dir_for(&self, dir: &Path) -> Result<VarsDir, SourceError> {
        let mut out = VarsDir::default();
        let group_base = dir.join("group_vars");
        if group_base.is_dir() {
            for name in self.groups.keys() {
                if let Some(vars) = entity_vars(&group_base, name)? {
                    out.groups.insert(name.clone(), vars);
                }
            }
        }
        let host_base = dir.join("host_vars");
        if host_base.is_dir() {
            for name in self.hosts.keys() {
                if let Some(vars) = entity_vars(&host_base, name)? {
                    out.hosts.insert(name.clone(), vars);
                }
            }
        }
        Ok(out)
    }

    /// Merges `dir`'s `group_vars/` and `host_vars/` into the `dir_vars` of the groups
    /// and hosts of this inventory (as Ansible does next to each inventory source).
    pub fn load_dir_vars(&mut self, dir: &Path) -> Result<(), SourceError> {
        let found = self.vars_dir_for(dir)?;
        for (name, vars) in found.groups {
            if let Some(g) = self.groups.get_mut(&name) {
                g.dir_vars.extend(vars);
            }
        }
        for (name, vars) in found.hosts {
            if let Some(h) = self.hosts.get_mut(&name) {
                h.dir_vars.extend(vars);
            }
        }
        Ok(())
    }
}
