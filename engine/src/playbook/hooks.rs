//! What the loader needs from the rest of the engine, passed in by the caller: YAML
//! reading, templating of static import names, and Jinja syntax checks.

use std::path::{Path, PathBuf};

use crate::source::{SourceError, Span};
use crate::yaml::{Mapping, Node};

/// Templates `text` with variable layers (lowest precedence first); used for the file
/// names of static imports (`import_tasks: "{{ os }}.yml"`).
pub type TemplateFn<'a> = dyn Fn(&str, &[&Mapping], &Span) -> Result<String, SourceError> + 'a;
/// Checks the Jinja syntax of a template string (task names, args, `when`).
pub type SyntaxFn<'a> = dyn Fn(&str, &Span) -> Result<(), SourceError> + 'a;
/// Reads one YAML file to a node tree.
pub type ReadYamlFn<'a> = dyn Fn(&Path) -> Result<Node, SourceError> + 'a;

/// How to load a playbook.
pub struct LoadOptions<'a> {
    /// Configured role directories (`roles_path` / `ANSIBLE_ROLES_PATH`), searched after
    /// the `roles/` directory next to the playbook and before the playbook's directory.
    pub roles_path: Vec<PathBuf>,
    /// `-e` variables: the highest layer when templating static import names.
    pub extra_vars: Mapping,
    /// Templating for static import names; without it only `{{ name }}` of a scalar
    /// variable is substituted.
    pub template: Option<&'a TemplateFn<'a>>,
    /// Jinja syntax check of template strings; without it templates are not checked.
    pub check_syntax: Option<&'a SyntaxFn<'a>>,
    /// Syntax check of bare expressions (`when:`); without it they are checked as
    /// `{{ expr }}` by `check_syntax`.
    pub check_expr: Option<&'a SyntaxFn<'a>>,
    /// Refuse at load what Ansible only refuses when the task runs: module arguments
    /// against the module's spec, and types of block/task keywords. On by default (no
    /// host is touched with a broken task); off for `--list-*`/`--syntax-check`, where
    /// ansible-playbook accepts such playbooks.
    pub strict: bool,
    /// The YAML reader (the engine's YAML 1.1 loader by default).
    pub read_yaml: &'a ReadYamlFn<'a>,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        LoadOptions {
            roles_path: default_roles_path(),
            extra_vars: Mapping::default(),
            template: None,
            check_syntax: None,
            check_expr: None,
            strict: true,
            read_yaml: &crate::yaml::load_file,
        }
    }
}

/// Ansible's default `roles_path`: `~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles`.
pub fn default_roles_path() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        paths.push(PathBuf::from(home).join(".ansible/roles"));
    }
    paths.push(PathBuf::from("/usr/share/ansible/roles"));
    paths.push(PathBuf::from("/etc/ansible/roles"));
    paths
}

/// Substitutes `{{ name }}` with a scalar variable from `layers` (highest last); any
/// other template is an error, since no template engine was given.
pub fn substitute_simple(
    text: &str,
    layers: &[&Mapping],
    span: &Span,
) -> Result<String, SourceError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(SourceError::new(
                span,
                format!("unclosed template in '{text}'"),
            ));
        };
        let name = after[..end].trim();
        let value = layers
            .iter()
            .rev()
            .find_map(|m| m.get(name))
            .and_then(super::ast::scalar_text)
            .ok_or_else(|| SourceError::new(span, format!("'{name}' is undefined")))?;
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
