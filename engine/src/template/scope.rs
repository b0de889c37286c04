//! Variables as templates see them: a [`Scope`] maps names to values that are templated
//! lazily (only when a template reads them, once per scope) with cycle detection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{Error, ErrorKind, Value};

use super::Templar;
use super::convert::node_to_data;
use crate::source::SourceError;
use crate::yaml::Node;

/// A variable's value as stored: either raw text from the user's files (templated lazily
/// when used, like Ansible) or data (facts, registered results: never templated again).
#[derive(Debug, Clone)]
pub enum VarValue {
    Raw(Node),
    Data(Value),
}

/// The variables visible to one host at one point (already merged by precedence by the
/// caller). Exposed to templates as a minijinja object: a variable is templated only when
/// a template reads it, at most once per scope.
pub struct Scope {
    vars: IndexMap<String, VarValue>,
    parent: Option<Arc<Scope>>,
    /// Templated values of variables read through this scope. Variables of the parent are
    /// cached here too, because they may refer to this scope's own variables (`item`).
    cache: Mutex<HashMap<String, Value>>,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("has_parent", &self.parent.is_some())
            .finish()
    }
}

thread_local! {
    /// The templar of the render running on this thread (innermost last); variables read
    /// through a scope are templated with it.
    static TEMPLARS: RefCell<Vec<(Templar, Arc<Scope>)>> = const { RefCell::new(Vec::new()) };
    /// Variables being templated on this thread, to detect `a: "{{ b }}"`, `b: "{{ a }}"`.
    static RESOLVING: RefCell<Vec<(usize, String)>> = const { RefCell::new(Vec::new()) };
    /// The full error of a variable that failed to template inside another template; the
    /// outer render reports it instead of minijinja's flattened copy.
    static NESTED_ERROR: RefCell<Option<SourceError>> = const { RefCell::new(None) };
}

/// Makes `templar` the one lazily templated variables use while `f` runs (and `scope`
/// the one lookups like `template` and `vars` see).
pub(super) fn with_templar<R>(templar: &Templar, scope: &Arc<Scope>, f: impl FnOnce() -> R) -> R {
    TEMPLARS.with(|t| t.borrow_mut().push((templar.clone(), scope.clone())));
    let out = f();
    TEMPLARS.with(|t| t.borrow_mut().pop());
    out
}

fn current_templar() -> Option<Templar> {
    TEMPLARS.with(|t| t.borrow().last().map(|(t, _)| t.clone()))
}

/// The templar and scope of the innermost render on this thread.
pub(super) fn current_render() -> Option<(Templar, Arc<Scope>)> {
    TEMPLARS.with(|t| t.borrow().last().cloned())
}

pub(super) fn take_nested_error() -> Option<SourceError> {
    NESTED_ERROR.with(|e| e.borrow_mut().take())
}

pub(super) fn has_nested_error() -> bool {
    NESTED_ERROR.with(|e| e.borrow().is_some())
}

pub(super) fn clear_nested_error() {
    NESTED_ERROR.with(|e| *e.borrow_mut() = None);
}

impl Scope {
    pub fn new(vars: IndexMap<String, VarValue>) -> Scope {
        Scope {
            vars,
            parent: None,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A scope with `extra` variables over `parent` (e.g. a loop's `item`); cheap.
    pub fn child(parent: &Arc<Scope>, extra: IndexMap<String, VarValue>) -> Scope {
        Scope {
            vars: extra,
            parent: Some(parent.clone()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The stored (untemplated) value of `name`, nearest scope first.
    pub fn get_raw(&self, name: &str) -> Option<&VarValue> {
        let mut scope = self;
        loop {
            if let Some(v) = scope.vars.get(name) {
                return Some(v);
            }
            scope = scope.parent.as_deref()?;
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get_raw(name).is_some()
    }

    /// All variable names, own first, then the parents' (each once).
    pub fn names(&self) -> Vec<String> {
        let mut seen = indexmap::IndexSet::new();
        let mut scope = Some(self);
        while let Some(s) = scope {
            for k in s.vars.keys() {
                seen.insert(k.clone());
            }
            scope = s.parent.as_deref();
        }
        seen.into_iter().collect()
    }

    /// The templated value of `name` (`None` if not defined), templating it with
    /// `templar` if needed.
    pub fn resolve(
        self: &Arc<Self>,
        name: &str,
        templar: &Templar,
    ) -> Result<Option<Value>, SourceError> {
        let raw = match self.get_raw(name) {
            None => return Ok(None),
            Some(VarValue::Data(v)) => return Ok(Some(v.clone())),
            Some(VarValue::Raw(node)) => node,
        };
        if let Some(v) = self.cache_get(name) {
            return Ok(Some(v));
        }
        let key = (Arc::as_ptr(self) as usize, name.to_string());
        let cycle = RESOLVING.with(|r| {
            let r = r.borrow();
            r.iter().position(|k| *k == key).map(|start| {
                let mut chain: Vec<&str> = r[start..].iter().map(|(_, n)| n.as_str()).collect();
                chain.push(name);
                chain.join(" -> ")
            })
        });
        if let Some(chain) = cycle {
            return Err(SourceError::new(
                &raw.span,
                format!("Recursive loop detected in template: {chain}"),
            ));
        }
        RESOLVING.with(|r| r.borrow_mut().push(key));
        let result = templar.render_node(raw, self);
        RESOLVING.with(|r| r.borrow_mut().pop());
        let value = result?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(name.to_string(), value.clone());
        }
        Ok(Some(value))
    }

    fn cache_get(&self, name: &str) -> Option<Value> {
        self.cache.lock().ok().and_then(|c| c.get(name).cloned())
    }

    /// Looks `name` up for a template: errors become an invalid value that fails the
    /// template (and are kept whole for the outer render to report).
    fn lookup_for_template(self: &Arc<Self>, name: &str) -> Option<Value> {
        let Some(templar) = current_templar() else {
            // Outside any render (e.g. the caller inspecting hostvars): give the data as written.
            return match self.get_raw(name)? {
                VarValue::Data(v) => Some(v.clone()),
                VarValue::Raw(node) => Some(node_to_data(node)),
            };
        };
        match self.resolve(name, &templar) {
            Ok(v) => v,
            Err(err) => {
                let msg = err.message.clone();
                let undefined = is_undefined_message(&msg);
                NESTED_ERROR.with(|e| {
                    let mut e = e.borrow_mut();
                    if e.is_none() {
                        *e = Some(err);
                    }
                });
                // ansible-core 2.19: a variable whose template reads an undefined value is
                // itself undefined (`x | default()` and `x is defined` work on it).
                if undefined {
                    return Some(Value::UNDEFINED);
                }
                Some(Value::from(Error::new(ErrorKind::InvalidOperation, msg)))
            }
        }
    }
}

/// Whether a templating error means "something was undefined".
fn is_undefined_message(msg: &str) -> bool {
    msg.ends_with("' is undefined")
        || (msg.starts_with("object of type") && msg.contains("has no attribute"))
}

impl Object for Scope {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        // Ansible's `vars`: every variable, by name (`vars['x']`), lazily.
        if name == "vars" && !self.contains("vars") {
            return Some(Value::from_dyn_object(self.clone()));
        }
        self.lookup_for_template(name)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.names().into_iter().map(Value::from).collect())
    }
}

/// `hostvars`: every host's variables, looked up (and templated) only when used.
/// Finds one host's variables by host name.
type HostLookup = Box<dyn Fn(&str) -> Option<Arc<Scope>> + Send + Sync>;

struct HostVars {
    hosts: Vec<String>,
    lookup: HostLookup,
}

impl fmt::Debug for HostVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostVars")
            .field("hosts", &self.hosts)
            .finish()
    }
}

impl Object for HostVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let scope = (self.lookup)(key.as_str()?)?;
        Some(Value::from_dyn_object(scope))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.hosts.iter().map(|h| Value::from(h.as_str())).collect())
    }
}

/// Builds the `hostvars` value: `hostvars['web1'].x`, `hostvars[h]['ansible_host']` and
/// iteration over host names, each host's scope fetched from `lookup` when used.
pub fn hostvars_value(
    hosts: Vec<String>,
    lookup: impl Fn(&str) -> Option<Arc<Scope>> + Send + Sync + 'static,
) -> Value {
    Value::from_object(HostVars {
        hosts,
        lookup: Box::new(lookup),
    })
}

/// A scope as a template value (e.g. to put one host's vars into another structure).
pub fn scope_value(scope: &Arc<Scope>) -> Value {
    Value::from_dyn_object(scope.clone())
}
