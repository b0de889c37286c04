//! Ansible's templating on minijinja: lazily templated variables ([`Scope`]), every Ansible
//! filter, test and lookup, native result types, and Ansible-like error messages.
//!
//! One [`Templar`] per run holds the environment and compiled templates (each distinct
//! template text is compiled once, through the environment's loader, and rendered per
//! host).
//!
//! How Ansible 2.19's behaviour is reproduced:
//! - Undefined values: the environment runs minijinja's `Chainable` mode (so
//!   `foo.bar | default(1)` and `foo.bar is defined` work), the formatter refuses to print
//!   undefined values, and before rendering, a variable that no tag of the template
//!   guards (`default`, `is defined`, `mandatory`) must exist, as Ansible errors on any
//!   use of it. Messages are Ansible's (`'foo' is undefined`, `object of type 'dict' has
//!   no attribute 'x'`).
//! - Native types: a template whose whole output is one printed value keeps that value.
//! - String literals keep their backslashes (`'\d'`, `'\1'`), and `'%s' % x` works.
//!
//! Known differences: inside a tag that guards a variable, other uses of an undefined
//! value may print as empty instead of failing; without a `seed`, `random`/`shuffle`
//! use the run's configured seed; lists cannot be mutated (`list.append`); no datetime
//! arithmetic (`to_datetime`); `sort` of mixed types and `map(attribute=)` of a missing
//! attribute do not fail.

/// Registers a filter under its name and as `ansible.builtin.<name>`.
macro_rules! add_filter {
    ($env:expr, $name:expr, $f:expr $(,)?) => {{
        let f = $f;
        let name: &'static str = $name;
        $env.add_filter(format!("ansible.builtin.{name}"), f.clone());
        $env.add_filter(name, f);
    }};
}

/// Registers a test under its name and as `ansible.builtin.<name>`.
macro_rules! add_test {
    ($env:expr, $name:expr, $f:expr $(,)?) => {{
        let f = $f;
        let name: &'static str = $name;
        $env.add_test(format!("ansible.builtin.{name}"), f.clone());
        $env.add_test(name, f);
    }};
}

mod convert;
mod datetime;
mod errors;
mod filters;

/// JSON string escaping as Python's `json.dumps` writes it (shared with the console).
pub(crate) use filters::write_json_str;
mod jinja_tests;
mod literals;
mod lookups;
mod methods;
mod percent;
mod pyrandom;
mod render;
mod scope;
mod version;
mod yaml_emit;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_filters;
#[cfg(test)]
mod tests_more;
#[cfg(test)]
mod tests_yaml;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use minijinja::{Environment, UndefinedBehavior, Value};

pub use convert::{node_to_data, py_repr, py_str, py_type_name, value_to_json};
pub use scope::{Scope, VarValue, hostvars_value, scope_value};

use crate::source::{SourceError, Span};
use crate::yaml::{Node, Value as YamlValue};

/// The text `{{ omit }}` renders to; a module argument equal to it is left out.
/// (Ansible uses `__omit_place_holder__` plus a random SHA1 per run; ours is fixed so
/// output is deterministic.)
pub const OMIT_TOKEN: &str = "__omit_place_holder__b1e2c3d4a5f60718293a4b5c6d7e8f9012345678";

/// Whether `value` is the `omit` placeholder.
pub fn is_omit(value: &Value) -> bool {
    value.as_str() == Some(OMIT_TOKEN)
}

/// Run-wide templating settings.
#[derive(Debug, Clone)]
pub struct TemplarConfig {
    /// Directories searched by `lookup('file')`, `lookup('template')`, `first_found`, ...
    /// after the ones given by the `role_path` / `playbook_dir` variables.
    pub search_paths: Vec<PathBuf>,
    /// The text of `{{ ansible_managed }}` in templates.
    pub ansible_managed: String,
    /// Seed for `random` / `shuffle` without an explicit seed (deterministic runs).
    pub random_seed: u64,
}

impl Default for TemplarConfig {
    fn default() -> Self {
        TemplarConfig {
            search_paths: Vec::new(),
            ansible_managed: "Ansible managed".to_string(),
            random_seed: 0,
        }
    }
}

/// One per run: the environment with every Ansible filter, test and lookup, plus what is
/// known about each compiled template. Cheap to clone (shared).
#[derive(Clone)]
pub struct Templar {
    inner: Arc<Inner>,
}

struct Inner {
    env: Environment<'static>,
    config: Arc<TemplarConfig>,
    /// Per template text: the variables it reads (see [`render::TemplateMeta`]).
    meta: RwLock<HashMap<String, Arc<render::TemplateMeta>>>,
    /// Names templates may use without them being variables (functions, `omit`, ...).
    global_names: HashSet<String>,
}

/// Prefix of template names that are inline template texts rather than files.
const INLINE: char = '\u{1}';

impl Templar {
    pub fn new(config: TemplarConfig) -> Templar {
        let config = Arc::new(config);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        // Ansible's templar uses trim_blocks=True for every template.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.set_recursion_limit(200);
        // Debug mode records where undefined values come from (error messages name the
        // variable, and `'x' if false` is told apart from a missing variable).
        env.set_debug(true);
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(methods::unknown_method);
        env.set_formatter(render::format_value);
        // Ansible never HTML-escapes (minijinja would for names ending in `.html`).
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let loader_config = config.clone();
        env.set_loader(move |name| {
            if let Some(text) = name.strip_prefix(INLINE) {
                return Ok(Some(text.to_string()));
            }
            lookups::load_template_file(&loader_config, name)
        });
        let join_config = config.clone();
        env.set_path_join_callback(move |name, _parent| {
            std::borrow::Cow::Owned(lookups::resolve_include(&join_config, name))
        });
        env.add_global("omit", Value::from(OMIT_TOKEN));
        env.add_global(
            "ansible_managed",
            Value::from(config.ansible_managed.as_str()),
        );
        filters::register(&mut env, &config);
        jinja_tests::register(&mut env);
        lookups::register(&mut env, &config);
        datetime::register(&mut env);
        let mut global_names: HashSet<String> =
            env.globals().map(|(name, _)| name.to_string()).collect();
        for name in ["loop", "self", "varargs", "kwargs", "caller", "vars"] {
            global_names.insert(name.to_string());
        }
        Templar {
            inner: Arc::new(Inner {
                env,
                config,
                meta: RwLock::new(HashMap::new()),
                global_names,
            }),
        }
    }

    pub fn config(&self) -> &TemplarConfig {
        &self.inner.config
    }

    /// Templates every string inside `node` (maps, lists recursively; keys too). Unsafe
    /// strings are never templated; a string that is exactly one `{{ expr }}` keeps the
    /// expression's type; otherwise the result is a string.
    pub fn render_node(&self, node: &Node, scope: &Arc<Scope>) -> Result<Value, SourceError> {
        Ok(match &node.value {
            YamlValue::Str(s) => self.render_str(s, &node.span, scope)?,
            YamlValue::Seq(items) => Value::from(
                items
                    .iter()
                    .map(|n| self.render_node(n, scope))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            YamlValue::Map(m) => {
                let mut entries = Vec::with_capacity(m.len());
                for (k, v) in m.iter() {
                    entries.push((self.render_node(k, scope)?, self.render_node(v, scope)?));
                }
                convert::map_value(entries)
            }
            _ => convert::node_to_data(node),
        })
    }

    /// Templates one string; see [`Templar::render_node`].
    pub fn render_str(
        &self,
        text: &str,
        span: &Span,
        scope: &Arc<Scope>,
    ) -> Result<Value, SourceError> {
        if !has_jinja(text) {
            return Ok(Value::from(text));
        }
        let value = render::render_template(self, text, span, scope, 0)?;
        // Jinja drops one trailing newline of the source; ansible tops string results up
        // to the source's count of trailing newlines (recorded: "b {{ 2 }}\n" is
        // "b 2\n", "{{ 'a' }}\n\n" is "a\n\n", while "{{ 1 }}\n" is the int 1).
        let trailing = |t: &str| t.len() - t.trim_end_matches('\n').len();
        if let Some(s) = value.as_str()
            && trailing(text) > trailing(s)
        {
            let missing = trailing(text) - trailing(s);
            return Ok(Value::from(format!("{s}{}", "\n".repeat(missing))));
        }
        Ok(value)
    }

    /// Templates a whole file (the `template` module / lookup): always a string, and
    /// the file's trailing newline is kept (recorded: `lookup('template', 't.j2')` of
    /// "hello {{ who }}\n" is "hello world\n").
    pub fn render_text(
        &self,
        text: &str,
        span: &Span,
        scope: &Arc<Scope>,
    ) -> Result<String, SourceError> {
        if !has_jinja(text) {
            return Ok(text.to_string());
        }
        // minijinja drops one trailing newline of the source (keep_trailing_newline off,
        // as for strings); one more newline gives exactly what a file render keeps, also
        // when trim_blocks already ate the newline after a closing `{% endif %}`.
        let v = render::render_template(self, &format!("{text}\n"), span, scope, 0)?;
        Ok(convert::py_str(&v))
    }

    /// Evaluates a bare expression (`loop:` items, `with_*`, conditions) to its value. A
    /// `{{ }}`-wrapped expression also works.
    pub fn eval_expr(
        &self,
        expr: &str,
        span: &Span,
        scope: &Arc<Scope>,
    ) -> Result<Value, SourceError> {
        let trimmed = expr.trim();
        if trimmed.starts_with("{{") || trimmed.starts_with("{%") {
            return self.render_str(expr, span, scope);
        }
        render::render_template(self, &format!("{{{{ {expr} }}}}"), span, scope, 3)
    }

    /// `when:`, `changed_when`, `failed_when`, `until`: the expression must give a
    /// boolean (ansible-core 2.19 rejects strings, numbers, None, lists).
    pub fn eval_condition(
        &self,
        expr: &str,
        span: &Span,
        scope: &Arc<Scope>,
    ) -> Result<bool, SourceError> {
        let value = self.eval_expr(expr, span, scope).map_err(|mut e| {
            if !e.message.starts_with("Recursive loop") {
                e.message = format!("Error while evaluating conditional: {}", e.message);
            }
            e
        })?;
        render::condition_result(&value, span)
    }

    /// A `when:` as written: a string, a boolean, or a list of those (all must hold).
    pub fn eval_condition_node(
        &self,
        node: &Node,
        scope: &Arc<Scope>,
    ) -> Result<bool, SourceError> {
        match &node.value {
            YamlValue::Bool(b) => Ok(*b),
            YamlValue::Str(s) | YamlValue::Unsafe(s) => self.eval_condition(s, &node.span, scope),
            YamlValue::Seq(items) => {
                for item in items {
                    if !self.eval_condition_node(item, scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => Err(
                SourceError::new(&node.span, "Conditional expressions must be strings.").with_help(
                    "Broken conditionals can be temporarily allowed with the \
                 `ALLOW_BROKEN_CONDITIONALS` configuration option.",
                ),
            ),
        }
    }

    /// Load-time check: a Jinja syntax error in `text` is reported at `span`.
    pub fn check_syntax(&self, text: &str, span: &Span) -> Result<(), SourceError> {
        if !has_jinja(text) {
            return Ok(());
        }
        render::compile(self, text, span, 0).map(|_| ())
    }

    /// Load-time check of a bare expression (`when:`).
    pub fn check_expr_syntax(&self, expr: &str, span: &Span) -> Result<(), SourceError> {
        let trimmed = expr.trim();
        if trimmed.starts_with("{{") || trimmed.starts_with("{%") {
            return self.check_syntax(expr, span);
        }
        render::compile(self, &format!("{{{{ {expr} }}}}"), span, 3).map(|_| ())
    }
}

/// Whether a string needs Jinja at all.
pub fn has_jinja(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}
