//! `import_tasks` expansion and the search for task files (Ansible's
//! `playbook/helpers.py` and `DataLoader.path_dwim_relative`).

use std::path::{Path, PathBuf};

use super::ast::{Block, BlockOrigin, Keywords, TaskOrBlock};
use super::load::{Loader, Scope};
use super::modargs::ParsedAction;
use super::tags::add_tags;
use crate::source::SourceError;
use crate::yaml::{Mapping, Node, Value};

impl Loader<'_> {
    /// `import_tasks`: the file's blocks, wrapped in a block carrying the statement's
    /// keywords. Returns None for an empty file (Ansible warns and skips it).
    pub(crate) fn import_tasks(
        &mut self,
        node: &Node,
        parsed: &ParsedAction,
        kw: Keywords,
        scope: &Scope,
    ) -> Result<Option<Block>, SourceError> {
        let file_node = parsed
            .args
            .get("_raw_params")
            .or_else(|| parsed.args.get("file"))
            .ok_or_else(|| SourceError::new(&parsed.span, "No file specified for import_tasks"))?;
        let raw = super::ast::scalar_text(file_node).ok_or_else(|| {
            SourceError::new(&file_node.span, "No file specified for import_tasks")
        })?;
        let file_span = file_node.span.clone();

        // The statement's own `vars:` are visible to its file name, as in Ansible.
        let mut vars = scope.vars.clone();
        if let Some(own) = kw.get("vars").and_then(Node::as_map) {
            vars.push(own.clone());
        }
        let target = self.template_static(&raw, &vars, &file_span)?;
        let path = self.find_task_file(&target, scope);
        let doc = self.read_included(&path, Some(&file_span))?;
        let empty = match &doc.value {
            Value::Null => true,
            Value::Seq(items) => items.is_empty(),
            _ => false,
        };
        if empty {
            self.warnings.push(SourceError::new(
                &file_span,
                format!(
                    "file {} is empty and had no tasks to include",
                    path.display()
                ),
            ));
            return Ok(None);
        }
        let items = match &doc.value {
            Value::Seq(_) => &doc,
            _ => {
                return Err(SourceError::new(
                    &doc.span,
                    "included task files must contain a list of tasks",
                ));
            }
        };
        self.enter(&path, Some(&parsed.span))?;
        let mut inner = scope.clone();
        inner.vars = vars;
        let dir = Path::new(&raw)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        inner.import_dirs.push(dir);
        if let Some(t) = kw.get("tags") {
            add_tags(&mut inner.tags, &self.tags_of(t, &inner.vars)?);
        }
        if let Some(when) = kw.get("when") {
            self.check_when(when)?;
        }
        let blocks = self.load_blocks(items, &inner)?;
        self.leave();
        let mut kw = kw;
        let name = kw.entries.shift_remove("name").map(|k| k.value);
        Ok(Some(Block {
            name,
            block: blocks
                .into_iter()
                .map(|b| TaskOrBlock::Block(Box::new(b)))
                .collect(),
            rescue: Vec::new(),
            always: Vec::new(),
            keywords: kw,
            origin: BlockOrigin::ImportTasks { file: path },
            role: scope.role.clone(),
            span: node.span.clone(),
        }))
    }

    /// An `include_tasks` file that is named literally but does not exist: Ansible only
    /// fails when the task runs, so this is a warning.
    pub(crate) fn warn_missing_include(&mut self, args: &Mapping, scope: &Scope) {
        let Some(node) = args.get("_raw_params").or_else(|| args.get("file")) else {
            return;
        };
        let Some(name) = node
            .as_str()
            .filter(|s| !s.contains("{{") && !s.contains("{%"))
        else {
            return;
        };
        let path = self.find_task_file(name, scope);
        if !path.exists() {
            self.warnings.push(SourceError::new(
                &node.span,
                format!(
                    "include_tasks file '{}' not found (the task will fail when it runs)",
                    path.display()
                ),
            ));
        }
    }

    /// Where an `import_tasks` file is, searched as Ansible's helpers do: relative to
    /// the directories of the enclosing imports (innermost first), then the role's
    /// `tasks/` (or `handlers/`) directory or the playbook's directory.
    pub(crate) fn find_task_file(&self, target: &str, scope: &Scope) -> PathBuf {
        let t = Path::new(target);
        if t.is_absolute() {
            return t.to_path_buf();
        }
        let subdir = if scope.handlers { "handlers" } else { "tasks" };
        let base = match &scope.role {
            Some(role) => role.path.join(subdir),
            None => scope.basedir.clone(),
        };
        let mut cumulative = PathBuf::new();
        for dir in scope.import_dirs.iter().rev() {
            cumulative = Path::new(dir).join(&cumulative);
            let candidate = base.join(&cumulative).join(t);
            if candidate.exists() {
                return candidate;
            }
        }
        let mut candidates = vec![base.join(t)];
        if let Some(role) = &scope.role {
            // Ansible's path_dwim_relative also looks beside the role and in the
            // playbook's directory.
            candidates.push(role.path.join(t));
            candidates.push(scope.basedir.join(subdir).join(t));
            candidates.push(scope.basedir.join(t));
        }
        candidates
            .iter()
            .find(|c| c.exists())
            .cloned()
            .unwrap_or_else(|| base.join(t))
    }
}
