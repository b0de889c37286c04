//! Loading a playbook file: plays, `import_playbook` (recursively, cycles reported), and
//! the state shared by the task and role loaders.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ast::{Block, Keywords, Play, Playbook, RoleInstance};
use super::hooks::LoadOptions;
use super::keywords::{self, PLAY, PLAYBOOK_INCLUDE};
use super::tags::{add_tags, parse_tags};
use crate::source::{SourceError, Span};
use crate::yaml::{Mapping, Node, Value};

/// State carried while loading one playbook and everything it imports.
pub(crate) struct Loader<'o> {
    pub opts: &'o LoadOptions<'o>,
    /// Files being loaded, outermost first, to report import cycles.
    pub chain: Vec<PathBuf>,
    /// Handlers of the roles of the play being loaded, in load order.
    pub role_handlers: Vec<Block>,
    /// What Ansible would warn about (in load order).
    pub warnings: Vec<SourceError>,
}

/// Where in the playbook the loader is: what relative paths, tags and vars apply.
#[derive(Clone)]
pub(crate) struct Scope {
    /// The directory of the playbook file the play came from.
    pub basedir: PathBuf,
    /// Variables known at load time, lowest precedence first (play vars, import vars).
    pub vars: Vec<Mapping>,
    pub role: Option<Arc<RoleInstance>>,
    /// Directories of the enclosing `import_tasks` paths, outermost first, as written.
    pub import_dirs: Vec<String>,
    /// Tags inherited from the play, blocks, imports and roles around this point.
    pub tags: Vec<String>,
    pub handlers: bool,
}

/// Reads and parses a playbook, expanding every static import.
pub fn load_playbook(path: &Path, opts: &LoadOptions) -> Result<Playbook, SourceError> {
    let mut loader = Loader {
        opts,
        chain: Vec::new(),
        role_handlers: Vec::new(),
        warnings: Vec::new(),
    };
    let plays = loader.load_playbook_file(path, None, &PlaybookImport::default())?;
    Ok(Playbook {
        path: path.to_path_buf(),
        plays,
        warnings: loader.warnings,
    })
}

/// What an `import_playbook` statement adds to the plays it brings in.
#[derive(Default, Clone)]
struct PlaybookImport {
    tags: Vec<String>,
    when: Vec<Node>,
    vars: Vec<Mapping>,
}

fn normalize(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Loader<'_> {
    /// Reads a YAML file that an include at `from` names; a missing file is an error
    /// at the including line.
    pub fn read_included(&self, path: &Path, from: Option<&Span>) -> Result<Node, SourceError> {
        if !path.is_file() {
            let msg = format!(
                "Could not find or access '{}' on the Ansible Controller.",
                path.display()
            );
            // A missing file is a general error (exit 1) in ansible, not a parse error.
            return Err(match from {
                Some(span) => SourceError::new(span, msg),
                None => SourceError::plain(msg),
            }
            .general());
        }
        (self.opts.read_yaml)(path)
    }

    /// Enters `path` in the include chain; an error if it is already being loaded.
    pub fn enter(&mut self, path: &Path, from: Option<&Span>) -> Result<(), SourceError> {
        let canon = normalize(path);
        if self.chain.contains(&canon) {
            let mut names: Vec<String> = self
                .chain
                .iter()
                .skip_while(|p| **p != canon)
                .map(|p| p.display().to_string())
                .collect();
            names.push(canon.display().to_string());
            let msg = format!("import cycle detected: {}", names.join(" -> "));
            return Err(match from {
                Some(span) => SourceError::new(span, msg),
                None => SourceError::plain(msg),
            });
        }
        self.chain.push(canon);
        Ok(())
    }

    pub fn leave(&mut self) {
        self.chain.pop();
    }

    /// `from`: the file name's span (missing file) and the statement's (cycle).
    fn load_playbook_file(
        &mut self,
        path: &Path,
        from: Option<(&Span, &Span)>,
        import: &PlaybookImport,
    ) -> Result<Vec<Play>, SourceError> {
        let doc = self.read_included(path, from.map(|f| f.0))?;
        self.enter(path, from.map(|f| f.1))?;
        let basedir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let shown = path.display();
        let entries = match &doc.value {
            Value::Null => {
                return Err(SourceError::new(
                    &doc.span,
                    format!("Empty playbook, nothing to do: {shown}"),
                ));
            }
            Value::Seq(items) if items.is_empty() => {
                return Err(SourceError::new(
                    &doc.span,
                    format!("A playbook must contain at least one play: {shown}"),
                ));
            }
            Value::Seq(items) => items,
            _ => {
                return Err(SourceError::new(
                    &doc.span,
                    format!(
                        "A playbook must be a list of plays, got {} instead: {shown}",
                        doc.kind_name()
                    ),
                ));
            }
        };
        let mut plays = Vec::new();
        for entry in entries {
            let Some(map) = entry.as_map() else {
                return Err(SourceError::new(
                    &entry.span,
                    "playbook entries must be either valid plays or 'import_playbook' statements",
                ));
            };
            let is_import = map.iter().any(|(k, _)| {
                matches!(
                    k.as_str(),
                    Some("import_playbook" | "ansible.builtin.import_playbook")
                )
            });
            if is_import {
                plays.extend(self.import_playbook(map, &basedir, import)?);
            } else {
                plays.push(self.load_play(entry, map, &basedir, import)?);
            }
        }
        self.leave();
        Ok(plays)
    }

    fn import_playbook(
        &mut self,
        map: &Mapping,
        basedir: &Path,
        outer: &PlaybookImport,
    ) -> Result<Vec<Play>, SourceError> {
        let mut file: Option<&Node> = None;
        let mut statement: Option<&Span> = None;
        let mut import = outer.clone();
        for (k, v) in map.iter() {
            let key = k.key_string().unwrap_or_default();
            let key = key.strip_prefix("ansible.builtin.").unwrap_or(&key);
            if !PLAYBOOK_INCLUDE.contains(&key) {
                return Err(keywords::unknown_keyword(
                    key,
                    &k.span,
                    "PlaybookInclude",
                    PLAYBOOK_INCLUDE,
                ));
            }
            match key {
                "import_playbook" => {
                    file = Some(v);
                    statement = Some(&k.span);
                }
                "tags" => add_tags(&mut import.tags, &parse_tags(v)?),
                "when" => import.when.push(v.clone()),
                "vars" => {
                    keywords::validate_vars(v, "PlaybookInclude")?;
                    if let Value::Map(m) = &v.value {
                        import.vars.push(m.clone());
                    }
                }
                _ => {}
            }
        }
        let Some(file) = file else {
            return Err(SourceError::plain("import_playbook needs a file name"));
        };
        let Some(raw) = file.as_str() else {
            return Err(SourceError::new(
                &file.span,
                "import_playbook parameters cannot be mixed with 'vars' entries for import \
                 statements",
            ));
        };
        let scope_vars: Vec<Mapping> = import.vars.clone();
        let name = self.template_static(raw, &scope_vars, &file.span)?;
        let path = basedir.join(name);
        let statement = statement.unwrap_or(&file.span);
        self.load_playbook_file(&path, Some((&file.span, statement)), &import)
    }

    fn load_play(
        &mut self,
        entry: &Node,
        map: &Mapping,
        basedir: &Path,
        import: &PlaybookImport,
    ) -> Result<Play, SourceError> {
        let mut keywords = Keywords::default();
        for (k, v) in map.iter() {
            let key = k.key_string().unwrap_or_default();
            // `user` is the deprecated spelling of `remote_user`.
            let key = if key == "user" {
                if map.get("remote_user").is_some() {
                    return Err(SourceError::new(
                        &k.span,
                        "both 'user' and 'remote_user' are set for this play. The use of \
                         'user' is deprecated, and should be removed",
                    ));
                }
                "remote_user".to_string()
            } else {
                key
            };
            if !PLAY.contains(&key.as_str()) {
                return Err(keywords::unknown_keyword(&key, &k.span, "Play", PLAY));
            }
            keywords.insert(&key, k.span.clone(), v.clone());
        }
        if let Some(vars) = keywords.get("vars") {
            keywords::validate_vars(vars, "Play")?;
        }
        let Some(hosts) = keywords.get("hosts").cloned() else {
            return Err(SourceError::new(
                &entry.span,
                "The field 'hosts' is required but was not set.",
            ));
        };
        validate_hosts(&hosts)?;
        for (k, v) in keywords.iter() {
            keywords::check_keyword_type(k, &v.value)?;
        }
        let mut vars = Vec::new();
        if let Some(Value::Map(m)) = keywords.get("vars").map(|n| &n.value) {
            vars.push(m.clone());
        }
        vars.extend(import.vars.iter().cloned());
        if let Some(files) = keywords.get("vars_files") {
            let found = self.static_vars_files(files, &vars, basedir);
            vars.extend(found);
        }
        let mut tags = match keywords.get("tags") {
            Some(t) => self.tags_of(t, &vars)?,
            None => Vec::new(),
        };
        add_tags(&mut tags, &import.tags);
        let scope = Scope {
            basedir: basedir.to_path_buf(),
            vars,
            role: None,
            import_dirs: Vec::new(),
            tags: tags.clone(),
            handlers: false,
        };
        self.role_handlers.clear();
        let pre_tasks = self.section(&keywords, "pre_tasks", &scope)?;
        let roles = match keywords.get("roles") {
            Some(list) => self.load_play_roles(list, &scope)?,
            None => Vec::new(),
        };
        let tasks = self.section(&keywords, "tasks", &scope)?;
        let post_tasks = self.section(&keywords, "post_tasks", &scope)?;
        let handler_scope = Scope {
            handlers: true,
            ..scope.clone()
        };
        let play_handlers = match keywords.get("handlers") {
            Some(list) => self.load_blocks(list, &handler_scope)?,
            None => Vec::new(),
        };
        let mut handlers = std::mem::take(&mut self.role_handlers);
        handlers.extend(play_handlers);
        for section in ["pre_tasks", "roles", "tasks", "post_tasks", "handlers"] {
            keywords.entries.shift_remove(section);
        }
        keywords.entries.shift_remove("hosts");
        let name = keywords.entries.shift_remove("name").map(|k| k.value);
        if let Some(n) = &name
            && let Some(text) = n.as_str()
        {
            self.check_syntax(text, &n.span)?;
        }
        Ok(Play {
            name,
            hosts,
            keywords,
            tags,
            import_when: import.when.clone(),
            import_vars: import.vars.clone(),
            pre_tasks,
            roles,
            tasks,
            post_tasks,
            handlers,
            basedir: basedir.to_path_buf(),
            span: entry.span.clone(),
        })
    }

    fn section(
        &mut self,
        keywords: &Keywords,
        name: &str,
        scope: &Scope,
    ) -> Result<Vec<Block>, SourceError> {
        match keywords.get(name) {
            Some(list) => self.load_blocks(list, scope),
            None => Ok(Vec::new()),
        }
    }

    /// The contents of the play's `vars_files` that can be read at load time (names
    /// templated with the play's vars; for a list entry, the first file found), so that
    /// static import names may use them. Missing or unreadable files are left to the
    /// executor, which reports them when the play starts, as Ansible does.
    fn static_vars_files(&self, files: &Node, vars: &[Mapping], basedir: &Path) -> Vec<Mapping> {
        let entries: Vec<&Node> = match &files.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![files],
        };
        let mut out = Vec::new();
        for entry in entries {
            let candidates: Vec<&Node> = match &entry.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![entry],
            };
            for candidate in candidates {
                let Some(raw) = candidate.as_str() else {
                    continue;
                };
                let Ok(name) = self.template_static(raw, vars, &candidate.span) else {
                    continue;
                };
                let path = basedir.join(name);
                if !path.is_file() {
                    continue;
                }
                if let Ok(Node {
                    value: Value::Map(m),
                    ..
                }) = (self.opts.read_yaml)(&path)
                {
                    out.push(m);
                }
                break;
            }
        }
        out
    }

    /// Templates a static import's file name with the variables known at load time.
    pub fn template_static(
        &self,
        text: &str,
        vars: &[Mapping],
        span: &Span,
    ) -> Result<String, SourceError> {
        if !text.contains("{{") && !text.contains("{%") {
            return Ok(text.to_string());
        }
        let mut layers: Vec<&Mapping> = vars.iter().collect();
        layers.push(&self.opts.extra_vars);
        let result = match self.opts.template {
            Some(f) => f(text, &layers, span),
            None => super::hooks::substitute_simple(text, &layers, span),
        };
        result.map_err(|e| {
            SourceError::new(
                span,
                format!("Error when evaluating variable in import path '{text}'."),
            )
            .with_help(format!(
                "{}\nWhen using static imports, ensure that any variables used in their names \
                 are defined in vars/vars_files\nor extra-vars passed in from the command line. \
                 Static imports cannot use variables from facts or inventory\nsources like \
                 group or host vars.",
                e.message
            ))
        })
    }

    /// A `tags:` value with templated tags rendered with the load-time variables, as
    /// Ansible renders them (with the play's vars) when it lists or selects tasks.
    pub fn tags_of(&self, node: &Node, vars: &[Mapping]) -> Result<Vec<String>, SourceError> {
        let mut tags = parse_tags(node)?;
        for tag in tags.iter_mut() {
            if tag.contains("{{") || tag.contains("{%") {
                let mut layers: Vec<&Mapping> = vars.iter().collect();
                layers.push(&self.opts.extra_vars);
                let span = node
                    .as_seq()
                    .and_then(|items| {
                        items
                            .iter()
                            .find(|n| n.as_str() == Some(tag.as_str()))
                            .map(|n| n.span.clone())
                    })
                    .unwrap_or_else(|| node.span.clone());
                // ansible exits 1 (not 4) when a tag does not template.
                *tag = match self.opts.template {
                    Some(f) => f(tag, &layers, &span),
                    None => super::hooks::substitute_simple(tag, &layers, &span),
                }
                .map_err(SourceError::general)?;
            }
        }
        Ok(tags)
    }

    /// Runs the Jinja syntax hook on a template string.
    pub fn check_syntax(&self, text: &str, span: &Span) -> Result<(), SourceError> {
        match self.opts.check_syntax {
            Some(f) if text.contains("{{") || text.contains("{%") || text.contains("{#") => {
                f(text, span)
            }
            _ => Ok(()),
        }
    }
}

/// Ansible's checks on the `hosts` value of a play.
fn validate_hosts(hosts: &Node) -> Result<(), SourceError> {
    let empty = "Hosts list cannot be empty. Please check your playbook";
    match &hosts.value {
        Value::Null => Err(SourceError::new(&hosts.span, empty)),
        Value::Str(s) if s.is_empty() => Err(SourceError::new(&hosts.span, empty)),
        Value::Str(_) | Value::Unsafe(_) | Value::Vault(_) => Ok(()),
        Value::Seq(items) if items.is_empty() => Err(SourceError::new(&hosts.span, empty)),
        Value::Seq(items) => {
            for item in items {
                match &item.value {
                    Value::Null => {
                        return Err(SourceError::new(
                            &item.span,
                            "Hosts list cannot contain values of 'None'. Please check your \
                             playbook",
                        ));
                    }
                    Value::Str(_) | Value::Unsafe(_) => {}
                    _ => {
                        let shown = super::ast::scalar_text(item).unwrap_or_default();
                        return Err(SourceError::new(
                            &item.span,
                            format!("Hosts list contains an invalid host value: '{shown}'"),
                        ));
                    }
                }
            }
            Ok(())
        }
        _ => Err(SourceError::new(
            &hosts.span,
            "Hosts list must be a sequence or string. Please check your playbook.",
        )),
    }
}
