//! The playbook as Ansible compiles it: plays, blocks, tasks and the roles they came from,
//! with static reuse (`import_*`, `roles:`) already expanded and every value's span kept.

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::source::Span;
use crate::yaml::{Mapping, Node};

/// A playbook file with every `import_playbook` expanded in place.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub path: PathBuf,
    pub plays: Vec<Play>,
    /// Problems Ansible only warns about (empty imported files, `include_tasks` files
    /// not found at load, module arguments Ansible ignores), each located.
    pub warnings: Vec<crate::source::SourceError>,
}

/// The keywords of a play, block, task or role entry, kept raw (templated later by the
/// executor) in the order written. Only keywords Ansible accepts for the object reach here.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    pub entries: IndexMap<String, Keyword>,
}

/// One keyword: where its key was written and its raw value.
#[derive(Debug, Clone)]
pub struct Keyword {
    pub key_span: Span,
    pub value: Node,
}

impl Keywords {
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.entries.get(name).map(|k| &k.value)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    pub fn insert(&mut self, name: &str, key_span: Span, value: Node) {
        self.entries
            .insert(name.to_string(), Keyword { key_span, value });
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Keyword)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One play. `hosts` is raw: the caller templates it and selects hosts.
#[derive(Debug, Clone)]
pub struct Play {
    pub name: Option<Node>,
    pub hosts: Node,
    /// Every other play keyword (gather_facts, serial, vars, tags, become, ...).
    pub keywords: Keywords,
    /// The play's own tags plus those of the `import_playbook` that brought it in.
    pub tags: Vec<String>,
    /// `when:` conditions of the `import_playbook` statements that brought this play in
    /// (Ansible applies them to every task of the play).
    pub import_when: Vec<Node>,
    /// `vars:` of the `import_playbook` statements (they override the play's own vars).
    pub import_vars: Vec<Mapping>,
    pub pre_tasks: Vec<Block>,
    /// One block per `roles:` entry, holding its dependencies' blocks first.
    pub roles: Vec<Block>,
    pub tasks: Vec<Block>,
    pub post_tasks: Vec<Block>,
    /// Play handlers followed by role handlers, as Ansible orders them.
    pub handlers: Vec<Block>,
    /// The directory relative paths of this play resolve against.
    pub basedir: PathBuf,
    pub span: Span,
}

impl Play {
    /// What Ansible prints for the play: its name, else its hosts joined by ','.
    pub fn display_name(&self) -> String {
        match self.name.as_ref().and_then(name_text) {
            Some(n) => n,
            None => hosts_text(&self.hosts),
        }
    }

    /// The blocks of the play in run order (pre_tasks, roles, tasks, post_tasks).
    pub fn run_order(&self) -> impl Iterator<Item = &Block> {
        self.pre_tasks
            .iter()
            .chain(&self.roles)
            .chain(&self.tasks)
            .chain(&self.post_tasks)
    }
}

/// The hosts pattern as `--list-tasks` prints it (a list is joined by ',').
pub fn hosts_text(hosts: &Node) -> String {
    match hosts.as_seq() {
        Some(items) => items
            .iter()
            .filter_map(scalar_text)
            .collect::<Vec<_>>()
            .join(","),
        None => scalar_text(hosts).unwrap_or_default(),
    }
}

/// A name as Ansible uses it: None when Python would find it falsy (`null`, `false`,
/// `0`, `""`), else its text.
pub fn name_text(node: &Node) -> Option<String> {
    use crate::yaml::Value;
    match &node.value {
        Value::Null | Value::Bool(false) | Value::Int(0) => None,
        Value::Float(f) if *f == 0.0 => None,
        Value::Seq(items) if items.is_empty() => None,
        Value::Map(m) if m.is_empty() => None,
        _ => scalar_text(node).filter(|s| !s.is_empty()),
    }
}

/// A scalar as Python's `str()` would show it.
pub fn scalar_text(node: &Node) -> Option<String> {
    use crate::yaml::Value;
    match &node.value {
        Value::Vault(s) => Some(s.clone()),
        Value::Seq(_) | Value::Map(_) => None,
        _ => node.key_string(),
    }
}

/// Why a block exists: written by the user, or made by the loader to carry the keywords
/// of a static import or a role onto the tasks it brought in (Ansible's parent chain).
#[derive(Debug, Clone)]
pub enum BlockOrigin {
    /// `- block:` written in a file.
    Explicit,
    /// Bare tasks grouped as Ansible does (consecutive non-block entries).
    Implicit,
    /// The tasks of an `import_tasks:` statement; keywords are the statement's.
    ImportTasks { file: PathBuf },
    /// The tasks of a role (from `roles:`, `import_role:` or a dependency); keywords are
    /// those written on the role entry.
    Role,
}

/// A block: the unit keywords and `rescue`/`always` apply to.
#[derive(Debug, Clone)]
pub struct Block {
    pub name: Option<Node>,
    pub block: Vec<TaskOrBlock>,
    pub rescue: Vec<TaskOrBlock>,
    pub always: Vec<TaskOrBlock>,
    /// Keywords written on the block (or on the import/role statement it stands for).
    pub keywords: Keywords,
    pub origin: BlockOrigin,
    pub role: Option<Arc<RoleInstance>>,
    pub span: Span,
}

/// An entry of a block's section.
#[derive(Debug, Clone)]
pub enum TaskOrBlock {
    Task(Box<Task>),
    Block(Box<Block>),
}

/// What the executor must do with a task beyond running its module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskKind {
    /// A module or action plugin.
    Module,
    /// `include_tasks`: loaded at run time; the file is `args._raw_params`.
    IncludeTasks,
    /// `include_role`: loaded at run time; the role name is `args.name`.
    IncludeRole,
}

/// One task (or handler).
#[derive(Debug, Clone)]
pub struct Task {
    pub name: Option<Node>,
    /// The canonical FQCN of the action, e.g. `ansible.builtin.debug`.
    pub action: String,
    /// The action as the user wrote it (`debug`, `ansible.builtin.debug`); Ansible prints
    /// this for unnamed tasks.
    pub action_as_written: String,
    pub action_span: Span,
    /// The arguments, merged into dict form; free-form text is under `_raw_params`.
    pub args: Mapping,
    /// Every other keyword written on the task, raw.
    pub keywords: Keywords,
    /// `local_action:` sets this to `localhost`, as Ansible does.
    pub delegate_to: Option<Node>,
    pub kind: TaskKind,
    /// Loaded from a `handlers:` section (or a role's handlers).
    pub is_handler: bool,
    /// Effective tags: the task's own and those inherited from its blocks, imports,
    /// roles and play, sorted and unique (what `--list-tasks` prints).
    pub tags: Vec<String>,
    /// For handlers: the `listen` topics, and for role handlers also `role : topic`.
    pub listen: Vec<String>,
    pub role: Option<Arc<RoleInstance>>,
    pub span: Span,
}

impl Task {
    /// The name Ansible prints: `role : name`, the name, or the action as written.
    pub fn display_name(&self) -> String {
        let base = match self.name.as_ref().and_then(name_text) {
            Some(n) => n,
            None => self.action_as_written.clone(),
        };
        match &self.role {
            Some(role) => format!("{} : {}", role.name, base),
            None => base,
        }
    }
}

impl Task {
    /// Whether a notification names this handler: its name or `role : name` (Ansible
    /// searches handlers last-defined first by name, then every `listen` match).
    pub fn answers_to_name(&self, notification: &str) -> bool {
        match self.name.as_ref().and_then(name_text) {
            Some(n) => n == notification || self.display_name() == notification,
            None => false,
        }
    }

    /// The handler names or topics this task notifies (`notify:` is a string or a list).
    pub fn notify(&self) -> Vec<String> {
        match self.keywords.get("notify") {
            None => Vec::new(),
            Some(n) => match n.as_seq() {
                Some(items) => items.iter().filter_map(scalar_text).collect(),
                None => scalar_text(n).into_iter().collect(),
            },
        }
    }
}

/// One loaded role (a `roles:` entry, an `import_role:` or a dependency).
#[derive(Debug, Clone)]
pub struct RoleInstance {
    /// The role name as Ansible prints it before ` : ` in task names.
    pub name: String,
    pub path: PathBuf,
    /// Role parameters: entry keys that are not role keywords (`- {role: x, port: 80}`).
    pub params: Mapping,
    /// `defaults/<defaults_from>` and `vars/<vars_from>` contents (empty when absent).
    pub defaults: Mapping,
    pub vars: Mapping,
    /// `meta/main.yml` `allow_duplicates`.
    pub allow_duplicates: bool,
    /// Which files were used (`tasks_from`, ... or `main`).
    pub tasks_from: Option<String>,
    pub handlers_from: Option<String>,
    /// Names of the roles whose dependency this is, outermost first.
    pub dep_chain: Vec<String>,
    /// Identity used for run-once deduplication: equal keys are the same role to
    /// Ansible (same path, params, from-files, when/tags/vars written on the entry).
    pub dedup_key: String,
    pub span: Span,
}
