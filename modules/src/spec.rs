//! Static argument specs of modules: what the playbook loader checks before any host is
//! touched.

/// Whether a module takes a free-form argument (`command: ls -l`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeForm {
    /// Only `key: value` arguments.
    None,
    /// A free-form string may be given (command, shell, include_tasks, ...).
    Allowed,
    /// A free-form string must be given (raw, meta, import_playbook).
    Required,
}

/// What a module does with arguments its spec does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownKeys {
    /// Ansible fails the task.
    Reject,
    /// Ansible silently ignores them (fetch, raw, meta): worth a warning.
    Ignore,
    /// They are data (set_fact, add_host) or go to a backend module chosen at run time
    /// (package, service).
    Accept,
}

/// Where a module runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// Module code that runs on the target host (copy, apt, file, ...).
    Module,
    /// Executed by the controller itself; Ansible ships no module code for it (debug,
    /// set_fact, meta, include_tasks, import_*, template, ...).
    Action,
}

/// The type Ansible converts an argument to (`type:` in an argument spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// A string; Ansible converts any other value to its string form.
    Str,
    /// A boolean; also yes/no/on/off/true/false/y/n/t/f/1/0 strings and 0/1 numbers.
    Bool,
    /// An integer; also numeric strings and floats without a fractional part.
    Int,
    /// A number; also numeric strings.
    Float,
    /// A list; also a comma-separated string or a single number.
    List,
    /// A mapping; also a JSON string or a `k=v k2=v2` string.
    Dict,
    /// A path (a string, `~` and `$VARS` expanded).
    Path,
    /// Anything, passed as is.
    Raw,
    /// A type this registry does not check.
    Any,
}

impl ArgType {
    /// The type as Ansible's documentation names it.
    pub fn ansible_name(self) -> &'static str {
        match self {
            ArgType::Str => "str",
            ArgType::Bool => "bool",
            ArgType::Int => "int",
            ArgType::Float => "float",
            ArgType::List => "list",
            ArgType::Dict => "dict",
            ArgType::Path => "path",
            ArgType::Raw => "raw",
            ArgType::Any => "any",
        }
    }
}

/// One argument of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub ty: ArgType,
    pub required: bool,
    /// Allowed values (as Ansible prints them); empty: any value.
    pub choices: &'static [&'static str],
    /// The type of each element of a list argument.
    pub elements: Option<ArgType>,
}

impl OptionSpec {
    /// Whether `name` is this option's name or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// The static description of one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleSpec {
    /// Fully qualified name, e.g. `ansible.builtin.copy`.
    pub name: &'static str,
    /// Other fully qualified names the module answers to (`ansible.builtin.systemd`).
    pub aliases: &'static [&'static str],
    pub free_form: FreeForm,
    pub options: &'static [OptionSpec],
    /// Groups of options of which at most one may be given. `_raw_params` stands for the
    /// free-form argument.
    pub mutually_exclusive: &'static [&'static [&'static str]],
    /// Groups of options of which at least one must be given.
    pub required_one_of: &'static [&'static [&'static str]],
    /// Groups of options that must be given all together or not at all.
    pub required_together: &'static [&'static [&'static str]],
    pub kind: ModuleKind,
    /// Implemented natively by ringmaster.
    pub native: bool,
    /// What happens to arguments not listed in `options`.
    pub unknown_keys: UnknownKeys,
}

impl ModuleSpec {
    /// The name without its collection (`copy` for `ansible.builtin.copy`).
    pub fn short_name(&self) -> &'static str {
        short_name(self.name)
    }

    /// The option called `name` directly or through an alias.
    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.answers_to(name))
    }
}

/// The last dotted component of a module name.
pub fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}
