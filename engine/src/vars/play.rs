//! The variables of a play before any host is chosen: what ansible-core templates the
//! play's own keywords (`hosts`, `name`, `serial`, ...) with — role defaults and vars of
//! the play's roles, play `vars`, `vars_prompt` defaults, `vars_files`, the vars of the
//! `import_playbook` that brought the play in, and extra vars.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::playbook::{Block, Play, TaskOrBlock};
use crate::source::SourceError;
use crate::template::{Scope, Templar, VarValue, py_str};
use crate::yaml::{self, Mapping, Node, Value};

use super::{Level, VarLayers};

/// Builds the play-level layers. `vars_files` names are templated with the layers known
/// so far, as Ansible does, and read relative to the play's directory.
pub fn play_layers(
    play: &Play,
    extra_vars: &IndexMap<String, Node>,
    magic: &IndexMap<String, VarValue>,
    templar: &Templar,
) -> Result<VarLayers, SourceError> {
    let mut layers = VarLayers::new();
    let mut roles = Vec::new();
    // Statically imported roles (`roles:`, `import_role`, dependencies) join the play:
    // their defaults and vars are visible to the whole play, as in Ansible.
    for block in play.run_order().chain(&play.handlers) {
        collect_role_blocks(block, &mut roles);
    }
    for role in &roles {
        layers.push(Level::RoleDefaults, raw_map(&role.defaults));
    }
    if let Some(vars) = play.keywords.get("vars") {
        layers.push(Level::PlayVars, vars_keyword(vars)?);
    }
    for vars in &play.import_vars {
        layers.push(Level::PlayVars, raw_map(vars));
    }
    if let Some(prompts) = play.keywords.get("vars_prompt").and_then(Node::as_seq) {
        // Listing and syntax checks never prompt: a prompt's default is the value.
        let mut defaults = IndexMap::new();
        for p in prompts.iter().filter_map(Node::as_map) {
            let name = p.get("name").and_then(Node::as_str);
            if let Some(name) = name.filter(|n| !extra_vars.contains_key(*n)) {
                let default = p
                    .get("default")
                    .cloned()
                    .unwrap_or_else(|| Node::new(Value::Null, play.span.clone()));
                defaults.insert(name.to_string(), VarValue::Raw(default));
            }
        }
        layers.push(Level::VarsPrompt, defaults);
    }
    layers.push(Level::ExtraVars, raw_map_of(extra_vars));
    if let Some(files) = play.keywords.get("vars_files") {
        let entries: Vec<&Node> = match files.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![files],
        };
        for entry in entries {
            let scope = Arc::new(Scope::new(with_magic(&layers, magic)));
            let loaded = load_vars_file(entry, &play.basedir, templar, &scope)?;
            layers.push(Level::VarsFiles, loaded);
        }
    }
    for role in &roles {
        layers.push(Level::RoleVars, raw_map(&role.vars));
    }
    Ok(layers)
}

/// The merged play layers plus the magic variables, ready for a [`Scope`].
pub fn with_magic(
    layers: &VarLayers,
    magic: &IndexMap<String, VarValue>,
) -> IndexMap<String, VarValue> {
    let mut vars = layers.merged();
    for (k, v) in magic {
        vars.insert(k.clone(), v.clone());
    }
    vars
}

fn collect_role_blocks(block: &Block, out: &mut Vec<Arc<crate::playbook::RoleInstance>>) {
    if let Some(role) = block
        .role
        .as_ref()
        .filter(|role| !out.iter().any(|r| Arc::ptr_eq(r, role)))
    {
        out.push(role.clone());
    }
    for entry in block.block.iter().chain(&block.rescue).chain(&block.always) {
        if let TaskOrBlock::Block(b) = entry {
            collect_role_blocks(b, out);
        }
    }
}

fn raw_map(m: &Mapping) -> IndexMap<String, VarValue> {
    m.iter()
        .filter_map(|(k, v)| Some((k.key_string()?, VarValue::Raw(v.clone()))))
        .collect()
}

fn raw_map_of(m: &IndexMap<String, Node>) -> IndexMap<String, VarValue> {
    m.iter()
        .map(|(k, v)| (k.clone(), VarValue::Raw(v.clone())))
        .collect()
}

/// `vars:` is a mapping, or (as Ansible also accepts) a list of mappings.
fn vars_keyword(node: &Node) -> Result<IndexMap<String, VarValue>, SourceError> {
    match &node.value {
        Value::Map(m) => Ok(raw_map(m)),
        Value::Null => Ok(IndexMap::new()),
        Value::Seq(items) => {
            let mut out = IndexMap::new();
            for item in items {
                match item.as_map() {
                    Some(m) => out.extend(raw_map(m)),
                    None => {
                        return Err(SourceError::new(
                            &item.span,
                            format!(
                                "vars must be a mapping or a list of mappings, got {}",
                                item.kind_name()
                            ),
                        ));
                    }
                }
            }
            Ok(out)
        }
        _ => Err(SourceError::new(
            &node.span,
            format!(
                "vars must be a mapping or a list of mappings, got {}",
                node.kind_name()
            ),
        )),
    }
}

/// One `vars_files` entry: a file name, or a list of names of which the first that
/// exists is read.
fn load_vars_file(
    entry: &Node,
    basedir: &Path,
    templar: &Templar,
    scope: &Arc<Scope>,
) -> Result<IndexMap<String, VarValue>, SourceError> {
    let candidates: Vec<&Node> = match entry.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![entry],
    };
    let mut tried = Vec::new();
    for cand in &candidates {
        let name = templar.render_node(cand, scope)?;
        let name = crate::template::py_str(&name);
        let path = basedir.join(&name);
        let path = if path.is_file() {
            path
        } else {
            basedir.join("vars").join(&name)
        };
        if path.is_file() {
            let node = yaml::load_file(&path)?;
            return match &node.value {
                Value::Map(m) => Ok(raw_map(m)),
                Value::Null => Ok(IndexMap::new()),
                _ => Err(SourceError::new(
                    &node.span,
                    format!(
                        "vars file '{}' must hold a mapping, got {}",
                        path.display(),
                        node.kind_name()
                    ),
                )),
            };
        }
        tried.push(name);
    }
    Err(SourceError::new(
        &entry.span,
        format!(
            "vars file {} not found",
            tried
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ))
}

/// A play's `hosts:` and `name:` as ansible's `post_validate` templates them (with the
/// play-level variables in `scope`): the host patterns (a string is one pattern) and
/// the name (the patterns joined by ',' when the play has none).
pub fn play_head(
    play: &Play,
    templar: &Templar,
    scope: &Arc<Scope>,
) -> Result<(Vec<String>, String), SourceError> {
    let hosts = templar
        .render_node(&play.hosts, scope)
        .map_err(|e| keyword_error("hosts", e))?;
    let patterns: Vec<String> = match hosts.kind() {
        minijinja::value::ValueKind::Seq => hosts
            .try_iter()
            .into_iter()
            .flatten()
            .map(|v| py_str(&v))
            .collect(),
        _ => vec![py_str(&hosts)],
    };
    if patterns.is_empty() || patterns.iter().all(String::is_empty) {
        return Err(SourceError::new(
            &play.hosts.span,
            "Hosts list cannot be empty. Please check your playbook",
        ));
    }
    let name = match &play.name {
        Some(n) if !n.is_null() => py_str(
            &templar
                .render_node(n, scope)
                .map_err(|e| keyword_error("name", e))?,
        ),
        _ => patterns.join(","),
    };
    Ok((patterns, name))
}

/// An error while templating a play keyword, worded as ansible does.
pub fn keyword_error(keyword: &str, mut e: SourceError) -> SourceError {
    e.message = format!("Error processing keyword '{keyword}': {}", e.message);
    e
}
