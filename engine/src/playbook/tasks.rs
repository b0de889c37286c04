//! Blocks and tasks, with `import_tasks` / `import_role` expanded where they stand
//! (Ansible's `playbook/helpers.py`).

use super::ast::{Block, BlockOrigin, Keywords, Task, TaskKind, TaskOrBlock};
use super::keywords::{self, BLOCK, KNOWN_LOOKUPS, TASK, validate_loop_control};
use super::load::{Loader, Scope};
use super::modargs::{ParsedAction, parse_action};
use super::modspec;
use super::tags::add_tags;
use crate::source::{SourceError, Span};
use crate::yaml::{Mapping, Node, Value};

fn is_block(map: &Mapping) -> bool {
    ["block", "rescue", "always"]
        .iter()
        .any(|k| map.get(k).is_some())
}

fn short_action(fqcn: &str) -> &str {
    fqcn.strip_prefix("ansible.builtin.").unwrap_or(fqcn)
}

impl Loader<'_> {
    /// A list of tasks and blocks; consecutive bare tasks share an implicit block.
    pub(crate) fn load_blocks(
        &mut self,
        list: &Node,
        scope: &Scope,
    ) -> Result<Vec<Block>, SourceError> {
        let items = match &list.value {
            Value::Null => return Ok(Vec::new()),
            Value::Seq(items) => items,
            _ => {
                return Err(SourceError::new(
                    &list.span,
                    format!(
                        "A malformed block was encountered while loading tasks: expected a \
                         list of tasks, got {}",
                        list.kind_name()
                    ),
                ));
            }
        };
        let mut blocks = Vec::new();
        let mut pending: Vec<&Node> = Vec::new();
        for item in items {
            // Ansible skips empty entries (`- ` alone) of task lists.
            if item.is_null() {
                continue;
            }
            let Some(map) = item.as_map() else {
                return Err(SourceError::new(
                    &item.span,
                    format!(
                        "A malformed block was encountered while loading tasks: expected a \
                         task (a mapping), got {}",
                        item.kind_name()
                    ),
                ));
            };
            if is_block(map) {
                if !pending.is_empty() {
                    blocks.push(self.implicit_block(&std::mem::take(&mut pending), scope)?);
                }
                // A top-level block of handlers is fine; nested ones are refused below.
                blocks.push(self.load_block(item, map, scope)?);
            } else {
                pending.push(item);
            }
        }
        if !pending.is_empty() {
            blocks.push(self.implicit_block(&pending, scope)?);
        }
        Ok(blocks)
    }

    fn implicit_block(&mut self, items: &[&Node], scope: &Scope) -> Result<Block, SourceError> {
        let mut entries = Vec::new();
        for item in items {
            self.load_entry(item, scope, &mut entries)?;
        }
        let span = items
            .first()
            .map(|n| n.span.clone())
            .unwrap_or_else(|| Span::synthetic("tasks"));
        Ok(Block {
            name: None,
            block: entries,
            rescue: Vec::new(),
            always: Vec::new(),
            keywords: Keywords::default(),
            origin: BlockOrigin::Implicit,
            role: scope.role.clone(),
            span,
        })
    }

    fn load_block(
        &mut self,
        node: &Node,
        map: &Mapping,
        scope: &Scope,
    ) -> Result<Block, SourceError> {
        let mut kw = Keywords::default();
        for (k, v) in map.iter() {
            let key = k.key_string().unwrap_or_default();
            if !BLOCK.contains(&key.as_str()) {
                return Err(keywords::unknown_keyword(&key, &k.span, "Block", BLOCK));
            }
            kw.insert(&key, k.span.clone(), v.clone());
        }
        if let Some(vars) = kw.get("vars") {
            keywords::validate_vars(vars, "Block")?;
        }
        let mut inner = scope.clone();
        if let Some(t) = kw.get("tags") {
            add_tags(&mut inner.tags, &self.tags_of(t, &scope.vars)?);
        }
        if let Some(vars) = kw.get("vars").and_then(Node::as_map) {
            inner.vars.push(vars.clone());
        }
        if let Some(when) = kw.get("when") {
            self.check_when(when)?;
        }
        let mut sections: [Vec<TaskOrBlock>; 3] = Default::default();
        for (i, name) in ["block", "rescue", "always"].iter().enumerate() {
            if let Some(list) = kw.entries.shift_remove(*name) {
                sections[i] = self.load_task_list(&list.value, &inner)?;
            }
        }
        let [block, rescue, always] = sections;
        let name = kw.entries.shift_remove("name").map(|k| k.value);
        Ok(Block {
            name,
            block,
            rescue,
            always,
            keywords: kw,
            origin: BlockOrigin::Explicit,
            role: scope.role.clone(),
            span: node.span.clone(),
        })
    }

    /// A `block:`/`rescue:`/`always:` list (blocks may nest).
    fn load_task_list(
        &mut self,
        list: &Node,
        scope: &Scope,
    ) -> Result<Vec<TaskOrBlock>, SourceError> {
        let items = match &list.value {
            Value::Null => return Ok(Vec::new()),
            Value::Seq(items) => items,
            _ => {
                return Err(SourceError::new(
                    &list.span,
                    format!(
                        "A block must contain a list of tasks, got {}",
                        list.kind_name()
                    ),
                ));
            }
        };
        let mut out = Vec::new();
        for item in items {
            match item.as_map() {
                Some(map) if is_block(map) => {
                    if scope.handlers {
                        return Err(SourceError::new(
                            &item.span,
                            "Using a block as a handler is not supported.",
                        ));
                    }
                    let b = self.load_block(item, map, scope)?;
                    out.push(TaskOrBlock::Block(Box::new(b)));
                }
                Some(_) => self.load_entry(item, scope, &mut out)?,
                None => {
                    return Err(SourceError::new(
                        &item.span,
                        format!("expected a task (a mapping), got {}", item.kind_name()),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// One task entry: a task, or the blocks an `import_tasks`/`import_role` brings in.
    fn load_entry(
        &mut self,
        node: &Node,
        scope: &Scope,
        out: &mut Vec<TaskOrBlock>,
    ) -> Result<(), SourceError> {
        let Some(map) = node.as_map() else {
            return Err(SourceError::new(&node.span, "expected a task (a mapping)"));
        };
        let parsed = parse_action(map, &node.span)?;
        let kw = self.task_keywords(map, &parsed, scope)?;
        match short_action(&parsed.fqcn) {
            "import_tasks" => {
                if kw.contains("loop") || kw.iter().any(|(k, _)| k.starts_with("with_")) {
                    return Err(SourceError::new(
                        &node.span,
                        "You cannot use loops on 'import_tasks' statements. You should use \
                         'include_tasks' instead.",
                    ));
                }
                if let Some(b) = self.import_tasks(node, &parsed, kw, scope)? {
                    out.push(TaskOrBlock::Block(Box::new(b)));
                }
            }
            "import_role" => {
                if scope.handlers {
                    return Err(SourceError::new(
                        &node.span,
                        format!("Using '{}' as a handler is not supported.", parsed.written),
                    ));
                }
                if kw.contains("loop") || kw.iter().any(|(k, _)| k.starts_with("with_")) {
                    return Err(SourceError::new(
                        &node.span,
                        "You cannot use loops on 'import_role' statements. You should use \
                         'include_role' instead.",
                    ));
                }
                let b = self.import_role(&parsed, kw, scope)?;
                out.push(TaskOrBlock::Block(Box::new(b)));
            }
            action => {
                if scope.handlers && action == "include_role" {
                    return Err(SourceError::new(
                        &node.span,
                        format!("Using '{}' as a handler is not supported.", parsed.written),
                    ));
                }
                let task = self.make_task(node, parsed, kw, scope)?;
                out.push(TaskOrBlock::Task(Box::new(task)));
            }
        }
        Ok(())
    }

    /// Validates the keywords of a task mapping (everything but its action).
    fn task_keywords(
        &self,
        map: &Mapping,
        parsed: &ParsedAction,
        scope: &Scope,
    ) -> Result<Keywords, SourceError> {
        let mut kw = Keywords::default();
        for (k, v) in map.iter() {
            let key = k.key_string().unwrap_or_default();
            if parsed.module_key.as_deref() == Some(key.as_str())
                || matches!(key.as_str(), "action" | "local_action" | "args")
            {
                continue;
            }
            let valid = key.starts_with("with_")
                || (TASK.contains(&key.as_str()) && (key != "listen" || scope.handlers));
            if !valid {
                return Err(keywords::unknown_keyword(&key, &k.span, "Task", TASK));
            }
            if let Some(lookup) = key.strip_prefix("with_")
                && !KNOWN_LOOKUPS.contains(&lookup)
            {
                return Err(keywords::unknown_keyword(&key, &k.span, "Task", TASK));
            }
            if key == "loop_control" {
                validate_loop_control(v)?;
            }
            if key == "vars" {
                keywords::validate_vars(v, "Task")?;
            }
            kw.insert(&key, k.span.clone(), v.clone());
        }
        Ok(kw)
    }

    pub(crate) fn check_when(&self, when: &Node) -> Result<(), SourceError> {
        let items: Vec<&Node> = match &when.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![when],
        };
        for item in items {
            let Some(text) = item.as_str() else {
                continue;
            };
            if let Some(check) = self.opts.check_expr {
                check(text, &item.span)?;
                continue;
            }
            let wrapped = if text.contains("{{") || text.contains("{%") {
                text.to_string()
            } else {
                format!("{{{{ {text} }}}}")
            };
            self.check_syntax(&wrapped, &item.span)?;
        }
        Ok(())
    }

    fn check_strings(&self, node: &Node) -> Result<(), SourceError> {
        match &node.value {
            Value::Str(s) => self.check_syntax(s, &node.span),
            Value::Seq(items) => items.iter().try_for_each(|n| self.check_strings(n)),
            Value::Map(m) => m.iter().try_for_each(|(_, v)| self.check_strings(v)),
            _ => Ok(()),
        }
    }

    fn make_task(
        &mut self,
        node: &Node,
        parsed: ParsedAction,
        mut kw: Keywords,
        scope: &Scope,
    ) -> Result<Task, SourceError> {
        let name = kw.entries.shift_remove("name").map(|k| k.value);
        if let Some(n) = &name {
            self.check_strings(n)?;
        }
        for (_, v) in parsed.args.iter() {
            self.check_strings(v)?;
        }
        for key in ["when", "changed_when", "failed_when", "until"] {
            if let Some(cond) = kw.get(key) {
                self.check_when(cond)?;
            }
        }
        if let Some(items) = kw.get("loop") {
            self.check_strings(items)?;
        }
        if self.opts.strict {
            modspec::validate_args(&parsed.fqcn, &parsed.args, &parsed.span, &mut self.warnings)?;
            for (k, v) in kw.iter() {
                keywords::check_keyword_type(k, &v.value)?;
            }
        }
        let mut tags = scope.tags.clone();
        if let Some(t) = kw.get("tags") {
            add_tags(&mut tags, &self.tags_of(t, &scope.vars)?);
        }
        tags.sort();
        tags.dedup();
        let kind = match short_action(&parsed.fqcn) {
            "include_tasks" => {
                self.warn_missing_include(&parsed.args, scope);
                TaskKind::IncludeTasks
            }
            "include_role" => TaskKind::IncludeRole,
            _ => TaskKind::Module,
        };
        let mut listen = Vec::new();
        if scope.handlers
            && let Some(l) = kw.get("listen")
        {
            match &l.value {
                Value::Seq(items) => {
                    listen.extend(items.iter().filter_map(super::ast::scalar_text))
                }
                _ => listen.extend(super::ast::scalar_text(l)),
            }
            // A role's handler also listens as `role : topic` (Handler._validate_listen).
            if let Some(role) = &scope.role {
                let prefixed: Vec<String> = listen
                    .iter()
                    .map(|t| format!("{} : {t}", role.name))
                    .collect();
                listen.extend(prefixed);
            }
        }
        let delegate_to = match parsed.delegate_to {
            Some(d) => Some(d),
            None => kw.get("delegate_to").cloned(),
        };
        Ok(Task {
            name,
            action: parsed.fqcn,
            action_as_written: parsed.written,
            action_span: parsed.span,
            args: parsed.args,
            keywords: kw,
            delegate_to,
            kind,
            is_handler: scope.handlers,
            tags,
            listen,
            role: scope.role.clone(),
            span: node.span.clone(),
        })
    }
}
