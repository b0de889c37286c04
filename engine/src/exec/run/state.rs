//! What the executor remembers about each host across tasks, batches and plays
//! (facts, `set_fact`, `include_vars`, failure state, recap counters), and how one
//! host's variables are built for a task from the play's layers plus that state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use indexmap::IndexMap;
use minijinja::Value;

use crate::inventory::{Inventory, VarsDir};
use crate::report::HostCounters;
use crate::template::{Scope, VarValue, hostvars_value};
use crate::vars::{Level, VarLayers, host_magic, push_inventory_layers, with_magic};

/// One host's state during a run.
#[derive(Debug, Clone, Default)]
pub struct HostState {
    /// Gathered or module-returned facts, names without the `ansible_` prefix.
    pub facts: IndexMap<String, Value>,
    /// `include_vars` results (precedence level 18).
    pub include_vars: IndexMap<String, Value>,
    /// `set_fact` and `register` results (level 19).
    pub set_facts: IndexMap<String, Value>,
    /// Failed for good (not rescued, not ignored): leaves later tasks, batches, plays.
    pub failed: bool,
    pub unreachable: bool,
    /// `meta: end_host` (this play only).
    pub ended: bool,
    /// `meta: end_role`: the host skips the rest of the role it is in.
    pub role_ended: bool,
    /// Each fact's name as the module or `set_fact` gave it (`ansible_os_family`,
    /// `my_cached_fact`), by its name in `facts`.
    pub fact_names: IndexMap<String, String>,
    /// The facts were gathered (`gathering = smart` skips the host).
    pub facts_gathered: bool,
    /// The facts changed in this run (the persistent fact cache is written).
    pub facts_dirty: bool,
    pub counters: HostCounters,
    /// Some result was counted for the host (only such hosts are in the recap).
    pub processed: bool,
    /// Jobs started with `async:`, by job id (read by `async_status`).
    pub async_jobs: std::collections::HashMap<String, super::async_jobs::AsyncJob>,
}

impl HostState {
    /// Whether the host still runs tasks.
    pub fn active(&self) -> bool {
        !self.failed && !self.unreachable && !self.ended
    }
}

/// Every host's state, shared by the run.
pub type States = Arc<Mutex<HashMap<String, HostState>>>;

/// Reads or changes one host's state (a poisoned lock still holds usable data).
pub fn with_state<R>(states: &States, host: &str, f: impl FnOnce(&mut HostState) -> R) -> R {
    let mut guard = match states.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(guard.entry(host.to_string()).or_default())
}

/// The variables of one play for any host: the play's layers, the inventory and the
/// hosts' run state. `hostvars` reads other hosts' current state when used.
pub struct PlayVarsCx {
    pub layers: VarLayers,
    /// What `hostvars[h]` sees of the play's layers: only the extra vars (as
    /// ansible's `get_vars` without a play: no play vars, vars_files or roles).
    hostvars_layers: VarLayers,
    /// Replaced when `add_host`/`group_by` change the inventory.
    inventory: RwLock<Arc<Inventory>>,
    inventory_changed: AtomicBool,
    pub playbook_dirs: Arc<Vec<VarsDir>>,
    pub magic: IndexMap<String, VarValue>,
    pub states: States,
}

impl PlayVarsCx {
    pub fn new(
        layers: VarLayers,
        hostvars_layers: VarLayers,
        inventory: Arc<Inventory>,
        playbook_dirs: Arc<Vec<VarsDir>>,
        mut magic: IndexMap<String, VarValue>,
        states: States,
    ) -> Arc<PlayVarsCx> {
        Arc::new_cyclic(|me: &Weak<PlayVarsCx>| {
            let me = me.clone();
            let names: Vec<String> = inventory.hosts.keys().cloned().collect();
            let hostvars = hostvars_value(names, move |h| {
                let cx = me.upgrade()?;
                // Unknown hosts are undefined (`hostvars['nosuch'] is undefined`).
                let known = cx.inventory().hosts.contains_key(h)
                    || crate::inventory::LOCALHOST_NAMES.contains(&h);
                known.then(|| Arc::new(Scope::new(cx.vars_over(&cx.hostvars_layers, h, &[]))))
            });
            magic.insert("hostvars".to_string(), VarValue::Data(hostvars));
            PlayVarsCx {
                layers,
                hostvars_layers,
                inventory: RwLock::new(inventory),
                inventory_changed: AtomicBool::new(false),
                playbook_dirs,
                magic,
                states,
            }
        })
    }

    /// The inventory as the play sees it now.
    pub fn inventory(&self) -> Arc<Inventory> {
        match self.inventory.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// After `add_host`/`group_by`: later tasks see the new hosts and groups.
    pub fn set_inventory(&self, inventory: Arc<Inventory>) {
        match self.inventory.write() {
            Ok(mut g) => *g = inventory,
            Err(p) => *p.into_inner() = inventory,
        }
        self.inventory_changed.store(true, Ordering::Relaxed);
    }

    /// `host`'s variables with `extra` layers (block/task vars, role params) merged in
    /// precedence order.
    pub fn host_vars(
        &self,
        host: &str,
        extra: &[(Level, IndexMap<String, VarValue>)],
    ) -> IndexMap<String, VarValue> {
        self.vars_over(&self.layers, host, extra)
    }

    /// `host`'s variables over the play-level `base` layers.
    fn vars_over(
        &self,
        base: &VarLayers,
        host: &str,
        extra: &[(Level, IndexMap<String, VarValue>)],
    ) -> IndexMap<String, VarValue> {
        let inventory = self.inventory();
        let mut layers = base.clone();
        push_inventory_layers(&mut layers, &inventory, &self.playbook_dirs, host);
        let state = with_state(&self.states, host, |s| s.clone());
        layers.push(Level::Facts, fact_vars(&state.facts, &state.fact_names));
        layers.push(Level::IncludeVars, data_map(&state.include_vars));
        layers.push(Level::SetFact, data_map(&state.set_facts));
        for (level, vars) in extra {
            layers.push(*level, vars.clone());
        }
        let mut vars = with_magic(&layers, &self.magic);
        if self.inventory_changed.load(Ordering::Relaxed) {
            let groups = inventory
                .groups_map()
                .into_iter()
                .map(|(k, v)| (k, Value::from(v)));
            let groups: IndexMap<Value, Value> = groups.map(|(k, v)| (Value::from(k), v)).collect();
            vars.insert("groups".into(), VarValue::Data(Value::from(groups)));
        }
        vars.extend(host_magic(host, &inventory.group_names(host)));
        vars
    }

    pub fn host_scope(
        &self,
        host: &str,
        extra: &[(Level, IndexMap<String, VarValue>)],
    ) -> Arc<Scope> {
        Arc::new(Scope::new(self.host_vars(host, extra)))
    }
}

fn data_map(m: &IndexMap<String, Value>) -> IndexMap<String, VarValue> {
    m.iter()
        .map(|(k, v)| (k.clone(), VarValue::Data(v.clone())))
        .collect()
}

/// Facts as variables: `ansible_facts` (names without prefix) and each fact as a
/// top-level `ansible_<name>` variable, as ansible injects them (`ansible_facts` is
/// `{}` for a host without facts).
fn fact_vars(
    facts: &IndexMap<String, Value>,
    names: &IndexMap<String, String>,
) -> IndexMap<String, VarValue> {
    let mut out = IndexMap::new();
    let all: IndexMap<Value, Value> = facts
        .iter()
        .map(|(k, v)| (Value::from(k.as_str()), v.clone()))
        .collect();
    out.insert(
        "ansible_facts".to_string(),
        VarValue::Data(Value::from(all)),
    );
    for (k, v) in facts {
        let name = match names.get(k) {
            Some(n) => n.clone(),
            None => format!("ansible_{k}"),
        };
        out.insert(name, VarValue::Data(v.clone()));
    }
    out
}

/// Stores facts a module returned (`ansible_facts`), names with or without the
/// `ansible_` prefix.
pub fn store_facts(state: &mut HostState, facts: &serde_json::Map<String, serde_json::Value>) {
    for (k, v) in facts {
        if k == super::fact_cache::GATHERED_KEY {
            state.facts_gathered |= v.as_bool().unwrap_or(false);
            continue;
        }
        let name = k.strip_prefix("ansible_").unwrap_or(k);
        state.facts.insert(name.to_string(), json_value(v));
        state.fact_names.insert(name.to_string(), k.clone());
    }
    state.facts_dirty = true;
}

/// `meta: clear_facts`: the host has no facts (nor cached ones) any more.
pub fn clear_facts(state: &mut HostState) {
    state.facts.clear();
    state.fact_names.clear();
    state.facts_gathered = false;
    state.facts_dirty = true;
}

/// The host's facts under their own names, as the fact cache stores them.
pub fn cached_facts(state: &HostState) -> serde_json::Map<String, serde_json::Value> {
    let mut out: serde_json::Map<String, serde_json::Value> = state
        .facts
        .iter()
        .map(|(k, v)| {
            let name = state
                .fact_names
                .get(k)
                .cloned()
                .unwrap_or_else(|| format!("ansible_{k}"));
            (name, crate::template::value_to_json(v))
        })
        .collect();
    if state.facts_gathered && !out.is_empty() {
        out.insert(
            super::fact_cache::GATHERED_KEY.into(),
            serde_json::Value::Bool(true),
        );
    }
    out
}

/// A JSON value (module results, arguments) as a template value, key order kept.
pub fn json_value(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::from(()),
        J::Bool(b) => Value::from(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::from(f),
            _ => Value::from(n.to_string()),
        },
        J::String(s) => Value::from(s.as_str()),
        J::Array(items) => Value::from(items.iter().map(json_value).collect::<Vec<_>>()),
        J::Object(m) => str_map(m.iter().map(|(k, v)| (k.as_str(), json_value(v)))),
    }
}

/// A mapping value from string keys, order kept.
pub fn str_map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::from(
        entries
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<IndexMap<Value, Value>>(),
    )
}
