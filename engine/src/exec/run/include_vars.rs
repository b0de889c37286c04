//! `include_vars`, as ansible-core 2.19's `plugins/action/include_vars.py`: one file
//! (`file:` or the free-form name), or a whole directory (`dir:`) walked recursively
//! with the directories in path order and each directory's files in name order,
//! limited by `depth`, `files_matching`, `ignore_files`, `extensions` and
//! `ignore_unknown_extensions`; `name:` puts everything under one variable.
//! Recorded: run corpus 36 and 98.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use minijinja::Value;
use serde_json::{Map, Value as J};

use super::actions::{ActionCx, ActionOut, arg_str, failed, obj};
use crate::template::{py_str, value_to_json};

const DIR_ARGS: &[&str] = &[
    "dir",
    "depth",
    "files_matching",
    "ignore_files",
    "extensions",
    "ignore_unknown_extensions",
];
const FILE_ARGS: &[&str] = &["file", "_raw_params"];
const ALL_ARGS: &[&str] = &["name", "hash_behaviour"];

/// What ansible prints for a failed include_vars (its result has `message`, no `msg`).
const UNKNOWN_ERROR: &str = "Task failed: Action failed: Unknown error.";

pub(super) fn include_vars(args: &Map<String, J>, cx: &ActionCx<'_>) -> ActionOut {
    let (mut dirs, mut files) = (0, 0);
    for k in args.keys() {
        if DIR_ARGS.contains(&k.as_str()) {
            dirs += 1;
        } else if FILE_ARGS.contains(&k.as_str()) {
            files += 1;
        } else if !ALL_ARGS.contains(&k.as_str()) {
            return ActionOut::with(failed(format!("{k} is not a valid option in include_vars")));
        }
    }
    if dirs > 0 && files > 0 {
        return ActionOut::with(failed(
            "You are mixing file only and dir only arguments, these are incompatible",
        ));
    }
    let mut loaded = Loaded::default();
    let error = match arg_str(args, "dir") {
        Some(dir) => match DirOptions::parse(args) {
            Ok(opts) => load_dir(&root_dir(cx, &dir), &opts, cx, &mut loaded),
            Err(msg) => return ActionOut::with(failed(msg)),
        },
        None => {
            let Some(file) = arg_str(args, "file").or_else(|| arg_str(args, "_raw_params")) else {
                return ActionOut::with(failed("include_vars needs 'file', 'dir' or a file name"));
            };
            let file = file.trim_end_matches('\n').to_string();
            let Some(path) = find_file(cx, &file) else {
                return ActionOut::with(failed(format!("Could not find or access '{file}'")));
            };
            if let Err(msg) = load_file(&path, cx, &mut loaded.vars) {
                return ActionOut::with(failed(msg));
            }
            loaded.files.push(path);
            None
        }
    };
    finish(args, loaded, error)
}

/// The variables read so far and the files they came from.
#[derive(Default)]
struct Loaded {
    vars: IndexMap<String, Value>,
    files: Vec<PathBuf>,
}

struct DirOptions {
    /// 0: no limit; 1: the directory itself only.
    depth: usize,
    files_matching: Option<regex::Regex>,
    ignore_files: Vec<regex::Regex>,
    extensions: Vec<String>,
    ignore_unknown_extensions: bool,
}

impl DirOptions {
    fn parse(args: &Map<String, J>) -> Result<DirOptions, String> {
        let depth = match args.get("depth") {
            None | Some(J::Null) => 0,
            Some(J::Number(n)) => n.as_u64().unwrap_or(0) as usize,
            Some(J::String(s)) => s.trim().parse().map_err(|_| {
                format!(
                    "argument 'depth' is of type str and we were unable to convert to int: '{s}'"
                )
            })?,
            Some(other) => return Err(format!("depth: {other} is not an integer")),
        };
        let files_matching = match arg_str(args, "files_matching") {
            Some(p) => Some(
                regex::Regex::new(&p).map_err(|_| format!("Invalid regular expression: {p}"))?,
            ),
            None => None,
        };
        let ignore_list = match args.get("ignore_files") {
            None | Some(J::Null) => Vec::new(),
            Some(J::Array(items)) => items.iter().map(py_text).collect(),
            Some(J::String(s)) => vec![s.clone()],
            Some(_) => return Err("ignore_files must be a list".into()),
        };
        let mut ignore_files = Vec::new();
        for p in ignore_list {
            ignore_files.push(
                regex::Regex::new(&format!("(?:{p})$"))
                    .map_err(|_| format!("Invalid regular expression: {p}"))?,
            );
        }
        // As the action: a string becomes the list of its characters.
        let extensions = match args.get("extensions") {
            None | Some(J::Null) => vec!["yaml".into(), "yml".into(), "json".into()],
            Some(J::Array(items)) => items.iter().map(py_text).collect(),
            Some(J::String(s)) => s.chars().map(String::from).collect(),
            Some(_) => {
                return Err("Invalid type for \"extensions\" option, it must be a list".into());
            }
        };
        let ignore_unknown_extensions = match args.get("ignore_unknown_extensions") {
            Some(J::Bool(b)) => *b,
            Some(J::String(s)) => crate::cli::parse_bool(s).unwrap_or(false),
            _ => false,
        };
        Ok(DirOptions {
            depth,
            files_matching,
            ignore_files,
            extensions,
            ignore_unknown_extensions,
        })
    }

    fn ignored(&self, name: &str) -> bool {
        self.ignore_files.iter().any(|rx| rx.is_match(name))
    }

    /// `os.path.splitext`: the text after the last dot, not for a leading-dot name.
    fn valid_extension(&self, name: &str) -> bool {
        let stem = name.trim_start_matches('.');
        match stem.rfind('.') {
            Some(i) => self.extensions.iter().any(|e| *e == stem[i + 1..]),
            None => false,
        }
    }
}

fn py_text(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `_set_root_dir`: in a role, `vars/...` is under the role, anything else under
/// the role's `vars/`; otherwise relative to the playbook's directory.
fn root_dir(cx: &ActionCx<'_>, dir: &str) -> PathBuf {
    let in_role = cx.dirs.len() > 1;
    match cx.dirs.first() {
        Some(role) if in_role => {
            if dir.split('/').next() == Some("vars") {
                let p = role.join(dir);
                if p.exists() {
                    return p;
                }
                PathBuf::from(dir)
            } else {
                role.join("vars").join(dir)
            }
        }
        Some(base) => base.join(dir),
        None => PathBuf::from(dir),
    }
}

/// `_find_needle('vars', file)`: the role's and the play's `vars/` first.
fn find_file(cx: &ActionCx<'_>, name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.is_file().then(|| p.to_path_buf());
    }
    cx.dirs
        .iter()
        .flat_map(|d| [d.join("vars").join(name), d.join(name)])
        .find(|c| c.is_file())
}

/// Every directory under `root` (itself included, links followed), sorted by path,
/// with its file names sorted.
fn walk(root: &Path) -> Vec<(PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    let mut seen = std::collections::HashSet::new();
    while let Some(dir) = todo.pop() {
        // A link loop is walked once.
        if let Ok(real) = std::fs::canonicalize(&dir)
            && !seen.insert(real)
        {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push(e.file_name().to_string_lossy().into_owned());
            }
        }
        files.sort();
        out.push((dir, files));
    }
    out.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    out
}

/// Reads the directory tree; `Some(message)` when a file stopped it.
fn load_dir(
    root: &Path,
    opts: &DirOptions,
    cx: &ActionCx<'_>,
    loaded: &mut Loaded,
) -> Option<String> {
    if !root.exists() {
        return Some(format!("{} directory does not exist", root.display()));
    }
    if !root.is_dir() {
        return Some(format!("{} is not a directory", root.display()));
    }
    for (dir, names) in walk(root) {
        let depth = dir
            .strip_prefix(root)
            .map(|rel| rel.components().count())
            .unwrap_or(0)
            + 1;
        if opts.depth != 0 && depth > opts.depth {
            continue;
        }
        // A failing file drops what this directory gave (the files read stay listed).
        let mut here = IndexMap::new();
        for name in names {
            if opts
                .files_matching
                .as_ref()
                .is_some_and(|rx| !rx.is_match(&name))
            {
                continue;
            }
            let path = dir.join(&name);
            if !path.exists() || opts.ignored(&name) {
                continue;
            }
            if !opts.valid_extension(&name) {
                if opts.ignore_unknown_extensions {
                    continue;
                }
                return Some(format!(
                    "{} does not have a valid extension: {}",
                    path.display(),
                    opts.extensions.join(", ")
                ));
            }
            if let Err(msg) = load_file(&path, cx, &mut here) {
                return Some(msg);
            }
            loaded.files.push(path);
        }
        loaded.vars.extend(here);
    }
    None
}

/// Reads one vars file (templated now) into `vars`; it must hold a mapping.
fn load_file(
    path: &Path,
    cx: &ActionCx<'_>,
    vars: &mut IndexMap<String, Value>,
) -> Result<(), String> {
    let node = crate::yaml::load_file(path).map_err(|e| e.message)?;
    if matches!(node.value, crate::yaml::Value::Null) {
        return Ok(());
    }
    if node.as_map().is_none() {
        return Err(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        ));
    }
    let data = cx
        .templar
        .render_node(&node, cx.scope)
        .map_err(|e| e.message)?;
    if let Ok(keys) = data.try_iter() {
        for k in keys {
            let v = data.get_item(&k).unwrap_or_default();
            vars.insert(py_str(&k), v);
        }
    }
    Ok(())
}

fn finish(args: &Map<String, J>, loaded: Loaded, error: Option<String>) -> ActionOut {
    let Loaded { mut vars, files } = loaded;
    if let Some(name) = arg_str(args, "name") {
        let all: IndexMap<String, Value> = vars.drain(..).collect();
        vars.insert(
            name,
            super::state::str_map(all.iter().map(|(k, v)| (k.as_str(), v.clone()))),
        );
    }
    let facts: Map<String, J> = vars
        .iter()
        .map(|(k, v)| (k.clone(), value_to_json(v)))
        .collect();
    let mut result = obj(&[
        ("ansible_facts", J::Object(facts)),
        (
            "ansible_included_var_files",
            J::Array(
                files
                    .iter()
                    .map(|p| J::String(p.display().to_string()))
                    .collect(),
            ),
        ),
        ("changed", J::Bool(false)),
    ]);
    if let Some(message) = error {
        result.insert("failed".into(), J::Bool(true));
        result.insert("message".into(), J::String(message));
        result.insert("msg".into(), J::String(UNKNOWN_ERROR.into()));
        return ActionOut::with(result);
    }
    ActionOut {
        result,
        include_vars: vars,
        ..ActionOut::default()
    }
}
