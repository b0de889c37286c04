//! Inventory sources as `InventoryManager.parse_sources` walks them: `host1,host2,`
//! lists, directories (every file, sorted, skipping ignored names), and files tried
//! with the `script`, `yaml` and `ini` plugins in that order.

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use super::address::parse_address;
use super::{Inventory, ini, script, yaml_inv};
use crate::source::{SourceError, SourceFile, Span};

/// Names skipped in an inventory directory: hidden files, `host_vars`, `group_vars`,
/// `vars_plugins`, and `INVENTORY_IGNORE_EXTS` (REJECT_EXTS + .orig .cfg .retry).
fn ignored_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let exts = [
            ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg",
            ".retry",
        ];
        let mut parts = vec![
            r"^\.".to_string(),
            "^host_vars$".to_string(),
            "^group_vars$".to_string(),
            "^vars_plugins$".to_string(),
        ];
        parts.extend(exts.iter().map(|e| format!("{}$", regex::escape(e))));
        // Invariant: a constant pattern; every test compiles it.
        Regex::new(&parts.join("|")).unwrap_or_else(|e| panic!("ignore pattern: {e}"))
    })
}

/// Whether a directory entry is skipped when the directory is an inventory source.
pub fn is_ignored_name(name: &str) -> bool {
    ignored_re().is_match(name)
}

/// `unfrackpath(source, follow=False)`: `~` expanded, made absolute, `.`/`..` folded.
fn unfrack(source: &str, cwd: &Path) -> PathBuf {
    let expanded = match source.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest.trim_start_matches('/')),
            None => PathBuf::from(source),
        },
        _ => PathBuf::from(source),
    };
    let joined = cwd.join(expanded);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

pub fn load(sources: &[String], cwd: &Path) -> Result<Inventory, SourceError> {
    let mut inv = Inventory::new();
    let mut parsed_any = false;
    let mut vars_dirs: Vec<PathBuf> = Vec::new();
    for source in sources.iter().filter(|s| !s.is_empty()) {
        if source.contains(',') && !cwd.join(source).exists() {
            parse_host_list(&mut inv, source)?;
            parsed_any = true;
            continue;
        }
        let path = unfrack(source, cwd);
        parsed_any |= parse_path(&mut inv, &path, cwd)?;
        // group_vars/host_vars are looked up next to each source (the directory itself
        // for a directory source), even when the source did not parse.
        let dir = if path.is_dir() {
            path.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        vars_dirs.push(dir);
    }
    if !parsed_any {
        inv.warn("No inventory was parsed, only implicit localhost is available".into());
    }
    inv.reconcile();
    for dir in vars_dirs {
        inv.load_dir_vars(&dir)?;
    }
    Ok(inv)
}

/// The `host_list` plugin: `-i web1,web2:2222,`.
fn parse_host_list(inv: &mut Inventory, source: &str) -> Result<(), SourceError> {
    let span = Span::synthetic(&format!("-i {source}"));
    for h in source.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let (host, port) = parse_address(h, false).unwrap_or((h.to_string(), None));
        if !inv.hosts.contains_key(&host) {
            inv.add_host(
                &host,
                Some("ungrouped"),
                port,
                &span,
                Some(Path::new(source)),
            )?;
        }
    }
    Ok(())
}

/// Parses a file or directory; `false` (with a warning) when nothing could read it.
fn parse_path(inv: &mut Inventory, path: &Path, cwd: &Path) -> Result<bool, SourceError> {
    if path.is_dir() {
        let mut entries: Vec<String> = std::fs::read_dir(path)
            .map_err(|e| SourceError::plain(format!("could not list '{}': {e}", path.display())))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        let mut parsed = false;
        for name in entries.iter().filter(|n| !is_ignored_name(n)) {
            parsed |= parse_path(inv, &path.join(name), cwd)?;
        }
        if !parsed {
            inv.warn(format!(
                "Unable to parse {} as an inventory source",
                path.display()
            ));
        }
        return Ok(parsed);
    }
    if !path.is_file() {
        if path != Path::new("/etc/ansible/hosts") {
            inv.warn(format!(
                "Unable to parse {} as an inventory source",
                path.display()
            ));
        }
        return Ok(false);
    }
    parse_file(inv, path, cwd).map(|()| true)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// Tries the plugins Ansible enables by default, in order; the first that reads the
/// file wins (a failed attempt leaves the inventory as it was). When all fail, the
/// error of the plugin the file was most likely written for is returned.
fn parse_file(inv: &mut Inventory, path: &Path, cwd: &Path) -> Result<(), SourceError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = match name.trim_start_matches('.').rfind('.') {
        Some(i) => name.trim_start_matches('.')[i..].to_string(),
        None => String::new(),
    };
    let mut errors: Vec<(&str, SourceError)> = Vec::new();
    let mut yaml_was_mapping = false;

    if is_executable(path) {
        let mut scratch = inv.clone();
        match script::parse(&mut scratch, path, cwd) {
            Ok(()) => {
                *inv = scratch;
                return Ok(());
            }
            Err(e) => errors.push(("script", e)),
        }
    }
    if ext.is_empty() || [".yaml", ".yml", ".json"].contains(&ext.as_str()) {
        match crate::yaml::load_file(path) {
            Ok(data) => {
                yaml_was_mapping = data.as_map().is_some_and(|m| !m.is_empty());
                let mut scratch = inv.clone();
                match yaml_inv::parse(&mut scratch, &data, path) {
                    Ok(()) => {
                        *inv = scratch;
                        return Ok(());
                    }
                    Err(e) => errors.push(("yaml", e)),
                }
            }
            Err(e) => errors.push(("yaml", e)),
        }
    }
    if ext != ".toml" {
        let file = SourceFile::read(path)?;
        let mut scratch = inv.clone();
        match ini::parse(&mut scratch, &file, path) {
            Ok(()) => {
                *inv = scratch;
                return Ok(());
            }
            Err(e) => errors.push(("ini", e)),
        }
    } else {
        return Err(SourceError::plain(format!(
            "'{}': TOML inventories are not supported",
            path.display()
        )));
    }
    let starts_with_shebang = std::fs::read(path).is_ok_and(|b| b.starts_with(b"#!"));
    let preferred = if starts_with_shebang && errors.iter().any(|(p, _)| *p == "script") {
        "script"
    } else if yaml_was_mapping || [".yaml", ".yml", ".json"].contains(&ext.as_str()) {
        "yaml"
    } else {
        "ini"
    };
    let index = errors
        .iter()
        .position(|(p, _)| *p == preferred)
        .unwrap_or(0);
    match errors.into_iter().nth(index) {
        Some((_, err)) => Err(err),
        None => Err(SourceError::plain(format!(
            "Unable to parse {} as an inventory source",
            path.display()
        ))),
    }
}
