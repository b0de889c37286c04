//! Roles: `roles:` entries, `import_role:` and `meta/main.yml` dependencies, found and
//! loaded as Ansible's `playbook/role/` does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ast::{Block, BlockOrigin, Keywords, RoleInstance, TaskOrBlock};
use super::keywords::{self, ROLE_INCLUDE, ROLE_METADATA};
use super::load::{Loader, Scope};
use super::modargs::ParsedAction;
use super::tags::add_tags;
use crate::source::{SourceError, Span};
use crate::yaml::{Mapping, Node, Value};

/// A role entry as written: its name, keywords and params.
struct RoleDef {
    name: String,
    /// Where the name is written (errors about the role point here).
    name_span: Span,
    keywords: Keywords,
    params: Mapping,
    span: Span,
}

/// Which files of the role to use (`tasks_from`, ...); None is `main`.
#[derive(Default, Clone)]
struct FromFiles {
    tasks: Option<String>,
    vars: Option<String>,
    defaults: Option<String>,
    handlers: Option<String>,
    /// Where each `<subdir>_from` value is written, for "file not found" errors.
    spans: Vec<(&'static str, Span)>,
    /// `rolespec_validate: false` on import_role/include_role: no argument-spec task.
    skip_spec_validation: bool,
}

fn role_def(node: &Node) -> Result<RoleDef, SourceError> {
    let missing = || SourceError::new(&node.span, "role definitions must contain a role name");
    match &node.value {
        Value::Str(_) | Value::Int(_) => Ok(RoleDef {
            name: super::ast::scalar_text(node).unwrap_or_default(),
            name_span: node.span.clone(),
            keywords: Keywords::default(),
            params: Mapping::default(),
            span: node.span.clone(),
        }),
        Value::Map(map) => {
            let name_node = map
                .get("role")
                .or_else(|| map.get("name"))
                .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
                .ok_or_else(missing)?;
            let name = name_node.as_str().unwrap_or_default().to_string();
            let name_span = name_node.span.clone();
            let mut kw = Keywords::default();
            let mut params = Mapping::default();
            for (k, v) in map.iter() {
                let key = k.key_string().unwrap_or_default();
                if ROLE_INCLUDE.contains(&key.as_str()) {
                    kw.insert(&key, k.span.clone(), v.clone());
                } else {
                    params.insert(k.clone(), v.clone());
                }
            }
            kw.entries.shift_remove("role");
            kw.entries.shift_remove("name");
            Ok(RoleDef {
                name,
                name_span,
                keywords: kw,
                params,
                span: node.span.clone(),
            })
        }
        _ => Err(missing()),
    }
}

impl Loader<'_> {
    /// The `roles:` section of a play: one block per entry.
    pub(crate) fn load_play_roles(
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
                    "A malformed role declaration was encountered.",
                ));
            }
        };
        let mut blocks = Vec::new();
        for item in items {
            let def = role_def(item)?;
            blocks.push(self.load_role(def, FromFiles::default(), scope, None, &[])?);
        }
        Ok(blocks)
    }

    /// `import_role:` statement: the role's blocks in a block carrying the statement's
    /// keywords.
    pub(crate) fn import_role(
        &mut self,
        parsed: &ParsedAction,
        kw: Keywords,
        scope: &Scope,
    ) -> Result<Block, SourceError> {
        self.role_from_args(&parsed.args, kw, &parsed.span, scope)
    }

    /// A role named by `import_role` / `include_role` arguments.
    pub(crate) fn role_from_args(
        &mut self,
        args: &Mapping,
        kw: Keywords,
        span: &Span,
        scope: &Scope,
    ) -> Result<Block, SourceError> {
        let arg = |k: &str| args.get(k).and_then(super::ast::scalar_text);
        let name = arg("name")
            .or_else(|| arg("role"))
            .ok_or_else(|| SourceError::new(span, "'name' is a required field for import_role."))?;
        let mut spans = Vec::new();
        for (subdir, key) in [
            ("tasks", "tasks_from"),
            ("vars", "vars_from"),
            ("defaults", "defaults_from"),
            ("handlers", "handlers_from"),
        ] {
            if let Some(n) = args.get(key) {
                spans.push((subdir, n.span.clone()));
            }
        }
        let from = FromFiles {
            tasks: arg("tasks_from"),
            vars: arg("vars_from"),
            defaults: arg("defaults_from"),
            handlers: arg("handlers_from"),
            spans,
            skip_spec_validation: args.get("rolespec_validate").and_then(Node::as_bool)
                == Some(false),
        };
        let name_span = args
            .get("name")
            .or_else(|| args.get("role"))
            .map_or_else(|| span.clone(), |n| n.span.clone());
        let def = RoleDef {
            name,
            name_span,
            keywords: kw,
            params: Mapping::default(),
            span: span.clone(),
        };
        let allow_dup = args.get("allow_duplicates").and_then(Node::as_bool);
        let parent = scope.role.clone();
        let mut block = self.load_role(
            def,
            from,
            scope,
            parent.as_deref().map(|r| r.path.as_path()),
            &[],
        )?;
        if let (Some(allow), Some(role)) = (allow_dup, &block.role) {
            let mut r = (**role).clone();
            r.allow_duplicates = allow;
            block.role = Some(Arc::new(r));
        }
        Ok(block)
    }

    /// Finds a role directory: `roles/` next to the playbook, the configured roles
    /// path, the parent role's directory (dependencies), the playbook's directory, then
    /// the name as a path.
    fn find_role(
        &self,
        name: &str,
        scope: &Scope,
        parent_dir: Option<&Path>,
        span: &Span,
    ) -> Result<(String, PathBuf), SourceError> {
        let mut search = vec![scope.basedir.join("roles")];
        search.extend(self.opts.roles_path.iter().cloned());
        if let Some(dir) = parent_dir {
            search.push(dir.to_path_buf());
        }
        search.push(scope.basedir.clone());
        for dir in &search {
            let candidate = dir.join(name);
            if candidate.is_dir() {
                return Ok((name.to_string(), candidate));
            }
        }
        let as_path = Path::new(name);
        if as_path.is_dir() {
            let short = as_path
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.to_string());
            return Ok((short, as_path.to_path_buf()));
        }
        let shown: Vec<String> = search.iter().map(|p| p.display().to_string()).collect();
        Err(SourceError::new(
            span,
            format!("the role '{name}' was not found in {}", shown.join(":")),
        )
        .general())
    }

    /// Loads a role (dependencies first) into one block; its handlers go to the play.
    fn load_role(
        &mut self,
        def: RoleDef,
        from: FromFiles,
        scope: &Scope,
        parent_dir: Option<&Path>,
        dep_chain: &[(String, PathBuf)],
    ) -> Result<Block, SourceError> {
        let name = self.template_static(&def.name, &scope.vars, &def.name_span)?;
        let (name, path) = self.find_role(&name, scope, parent_dir, &def.name_span)?;
        let canon = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if dep_chain.iter().any(|(_, p)| *p == canon) {
            let mut names: Vec<&str> = dep_chain.iter().map(|(n, _)| n.as_str()).collect();
            names.push(&name);
            return Err(SourceError::new(
                &def.span,
                format!(
                    "A recursion loop was detected with the roles specified. Make sure child \
                     roles do not have dependencies on parent roles: {}",
                    names.join(" -> ")
                ),
            ));
        }
        let defaults = self.role_vars_file(&name, &path, "defaults", from.defaults.as_deref())?;
        let vars = self.role_vars_file(&name, &path, "vars", from.vars.as_deref())?;
        let meta = self.role_file(&path, "meta", None)?;
        let (allow_duplicates, deps) = match &meta {
            Some((meta_path, doc)) => parse_meta(&name, meta_path, doc)?,
            None => (false, Vec::new()),
        };
        let mut chain = dep_chain.to_vec();
        chain.push((name.clone(), canon));
        let dedup_key = serde_json::json!({
            "path": path.display().to_string(),
            "params": Node::new(Value::Map(def.params.clone()), def.span.clone()).to_json(),
            "keywords": def.keywords.iter().map(|(k, v)| (k.to_string(), v.value.to_json()))
                .collect::<serde_json::Map<_, _>>(),
            "from": [&from.tasks, &from.vars, &from.defaults, &from.handlers],
        })
        .to_string();
        let role = Arc::new(RoleInstance {
            name: name.clone(),
            path: path.clone(),
            params: def.params.clone(),
            defaults,
            vars,
            allow_duplicates,
            tasks_from: from.tasks.clone(),
            handlers_from: from.handlers.clone(),
            dep_chain: dep_chain.iter().map(|(n, _)| n.clone()).collect(),
            dedup_key,
            span: def.span.clone(),
        });
        let mut inner = scope.clone();
        inner.role = Some(role.clone());
        inner.import_dirs.clear();
        // Role defaults are below play vars; role vars, the entry's vars and params above.
        inner.vars.insert(0, role.defaults.clone());
        inner.vars.push(role.vars.clone());
        if let Some(vars) = def.keywords.get("vars").and_then(Node::as_map) {
            inner.vars.push(vars.clone());
        }
        inner.vars.push(role.params.clone());
        if let Some(t) = def.keywords.get("tags") {
            add_tags(&mut inner.tags, &self.tags_of(t, &scope.vars)?);
        }
        let mut entries = Vec::new();
        let parent_of_role = path.parent().map(Path::to_path_buf);
        for dep in deps {
            let b = self.load_role(
                dep,
                FromFiles::default(),
                &inner,
                parent_of_role.as_deref(),
                &chain,
            )?;
            entries.push(TaskOrBlock::Block(Box::new(b)));
        }
        let tasks = self.role_file_from(&path, "tasks", &from)?;
        let entrypoint = from.tasks.as_deref().unwrap_or("main");
        let validation = if from.skip_spec_validation {
            None
        } else {
            self.validation_task(&name, &path, entrypoint, &def, meta.as_ref())?
        };
        let tasks = match (tasks, validation) {
            (tasks, None) => tasks,
            (None, Some(v)) => Some((path.join("tasks"), seq_node(vec![v]))),
            (Some((file, doc)), Some(v)) => {
                let mut items = vec![v];
                if let Value::Seq(rest) = doc.value {
                    items.extend(rest);
                    Some((file, seq_node(items)))
                } else {
                    Some((file, doc))
                }
            }
        };
        if let Some((file, doc)) = tasks {
            self.enter(&file, Some(&def.span))?;
            let blocks = self.load_blocks(&doc, &inner)?;
            self.leave();
            entries.extend(blocks.into_iter().map(|b| TaskOrBlock::Block(Box::new(b))));
        }
        if let Some((file, doc)) = self.role_file_from(&path, "handlers", &from)? {
            let handler_scope = Scope {
                handlers: true,
                ..inner.clone()
            };
            self.enter(&file, Some(&def.span))?;
            let blocks = self.load_blocks(&doc, &handler_scope)?;
            self.leave();
            self.role_handlers.extend(blocks);
        }
        Ok(Block {
            name: None,
            block: entries,
            rescue: Vec::new(),
            always: Vec::new(),
            keywords: def.keywords,
            origin: BlockOrigin::Role,
            role: Some(role),
            span: def.span,
        })
    }

    /// The `validate_argument_spec` task Ansible puts first in a role whose argument
    /// specs (`meta/argument_specs.yml`, else `argument_specs` in `meta/main.yml`) cover
    /// the entry point.
    fn validation_task(
        &self,
        role_name: &str,
        role_path: &Path,
        entrypoint: &str,
        def: &RoleDef,
        meta: Option<&(PathBuf, Node)>,
    ) -> Result<Option<Node>, SourceError> {
        let specs_file = [".yml", ".yaml", ".json"]
            .iter()
            .map(|ext| role_path.join("meta").join(format!("argument_specs{ext}")))
            .find(|p| p.is_file());
        let specs = match specs_file {
            Some(file) => {
                let doc = (self.opts.read_yaml)(&file)?;
                doc.as_map().and_then(|m| m.get("argument_specs")).cloned()
            }
            None => meta.and_then(|(_, doc)| doc.as_map()?.get("argument_specs").cloned()),
        };
        let Some(spec) = specs
            .as_ref()
            .and_then(|s| s.as_map())
            .and_then(|m| m.get(entrypoint))
            .filter(|s| s.as_map().is_some_and(|m| !m.is_empty()))
        else {
            return Ok(None);
        };
        let span = spec.span.clone();
        let s = |text: &str| Node::new(Value::Str(text.to_string()), span.clone());
        let map = |entries: Vec<(&str, Node)>| {
            let mut m = Mapping::default();
            for (k, v) in entries {
                m.insert(s(k), v);
            }
            Node::new(Value::Map(m), span.clone())
        };
        let mut name = format!("Validating arguments against arg spec '{entrypoint}'");
        if let Some(short) = spec
            .as_map()
            .and_then(|m| m.get("short_description"))
            .and_then(super::ast::scalar_text)
        {
            name = format!("{name} - {short}");
        }
        let options = spec
            .as_map()
            .and_then(|m| m.get("options"))
            .cloned()
            .unwrap_or_else(|| map(Vec::new()));
        let context = map(vec![
            ("type", s("role")),
            ("name", s(role_name)),
            ("argument_spec_name", s(entrypoint)),
            ("path", s(&role_path.display().to_string())),
        ]);
        let args = map(vec![
            ("argument_spec", options),
            (
                "provided_arguments",
                Node::new(Value::Map(def.params.clone()), span.clone()),
            ),
            ("validate_args_context", context),
        ]);
        Ok(Some(map(vec![
            ("action", s("ansible.builtin.validate_argument_spec")),
            ("args", args),
            ("name", s(&name)),
            ("tags", seq_node(vec![s("always")])),
        ])))
    }

    /// `<role>/<subdir>/<main>` with Ansible's extensions; a named file that does not
    /// exist in an existing directory is an error.
    fn role_file(
        &self,
        role: &Path,
        subdir: &str,
        main: Option<&str>,
    ) -> Result<Option<(PathBuf, Node)>, SourceError> {
        let dir = role.join(subdir);
        if !dir.is_dir() {
            return Ok(None);
        }
        let (base, exts): (&str, &[&str]) = match main {
            None => ("main", &[".yml", ".yaml", ".json", ""]),
            Some(m) => (m, &["", ".yml", ".yaml", ".json"]),
        };
        for ext in exts {
            let candidate = dir.join(format!("{base}{ext}"));
            if candidate.is_file() {
                let doc = (self.opts.read_yaml)(&candidate)?;
                return Ok(Some((candidate, doc)));
            }
        }
        match main {
            Some(m) => Err(SourceError::plain(format!(
                "Could not find specified file in role: {subdir}/{m}"
            ))),
            None => Ok(None),
        }
    }

    /// [`Self::role_file`] with a "not found" error located at the `<subdir>_from` value.
    fn role_file_from(
        &self,
        role: &Path,
        subdir: &'static str,
        from: &FromFiles,
    ) -> Result<Option<(PathBuf, Node)>, SourceError> {
        let main = match subdir {
            "tasks" => from.tasks.as_deref(),
            "vars" => from.vars.as_deref(),
            "defaults" => from.defaults.as_deref(),
            _ => from.handlers.as_deref(),
        };
        self.role_file(role, subdir, main).map_err(|mut e| {
            if e.span.is_none() {
                e.span = from
                    .spans
                    .iter()
                    .find(|(d, _)| *d == subdir)
                    .map(|(_, s)| s.clone());
            }
            e
        })
    }

    fn role_vars_file(
        &self,
        role_name: &str,
        role: &Path,
        subdir: &str,
        main: Option<&str>,
    ) -> Result<Mapping, SourceError> {
        match self.role_file(role, subdir, main)? {
            None => Ok(Mapping::default()),
            Some((_, doc)) => match doc.value {
                Value::Null => Ok(Mapping::default()),
                Value::Map(m) => Ok(m),
                _ => Err(SourceError::new(
                    &doc.span,
                    format!(
                        "The {subdir}/main.yml file for role '{role_name}' must contain a \
                         dictionary of variables"
                    ),
                )),
            },
        }
    }
}

/// A list node located where its first item is (synthetic lists only).
fn seq_node(items: Vec<Node>) -> Node {
    let span = items
        .first()
        .map(|n| n.span.clone())
        .unwrap_or_else(|| Span::synthetic("role tasks"));
    Node::new(Value::Seq(items), span)
}

/// `meta/main.yml`: (allow_duplicates, dependencies).
fn parse_meta(
    role_name: &str,
    _path: &Path,
    doc: &Node,
) -> Result<(bool, Vec<RoleDef>), SourceError> {
    let map = match &doc.value {
        Value::Null => return Ok((false, Vec::new())),
        Value::Map(m) => m,
        _ => {
            return Err(SourceError::new(
                &doc.span,
                format!("the 'meta/main.yml' for role {role_name} is not a dictionary"),
            ));
        }
    };
    for (k, _) in map.iter() {
        let key = k.key_string().unwrap_or_default();
        if !ROLE_METADATA.contains(&key.as_str()) {
            return Err(keywords::unknown_keyword(
                &key,
                &k.span,
                "RoleMetadata",
                ROLE_METADATA,
            ));
        }
    }
    let allow = map
        .get("allow_duplicates")
        .and_then(Node::as_bool)
        .unwrap_or(false);
    let deps = match map.get("dependencies") {
        None => Vec::new(),
        Some(n) => match &n.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items.iter().map(role_def).collect::<Result<_, _>>()?,
            _ => {
                return Err(SourceError::new(
                    &n.span,
                    "Expected role dependencies to be a list.",
                ));
            }
        },
    };
    Ok((allow, deps))
}
