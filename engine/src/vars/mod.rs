//! Variable precedence: Ansible's 22 levels, merged into one flat map per host and task.
//!
//! Pure data: callers push each layer with its [`Level`]; [`VarLayers::merged`] applies
//! them from lowest to highest (Ansible's default `hash_behaviour = replace`: a higher
//! layer replaces a whole top-level variable, dicts are not merged).

mod host;
mod magic;
mod play;

pub use host::{PlayVars, host_vars, push_inventory_layers};
pub use magic::{ANSIBLE_COMPAT_VERSION, RunFacts, host_magic, play_magic};
pub use play::{keyword_error, play_head, play_layers, with_magic};

use std::sync::Arc;

use indexmap::IndexMap;

use crate::template::VarValue;
use crate::yaml::Node;

/// Ansible's precedence levels, lowest first (see `ansible-semantics.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    CliValues = 1,
    RoleDefaults,
    InventoryGroupVars,
    InventoryGroupVarsAll,
    PlaybookGroupVarsAll,
    InventoryGroupVarsDir,
    PlaybookGroupVarsDir,
    InventoryHostVars,
    InventoryHostVarsDir,
    PlaybookHostVarsDir,
    Facts,
    PlayVars,
    VarsPrompt,
    VarsFiles,
    RoleVars,
    BlockVars,
    TaskVars,
    IncludeVars,
    SetFact,
    RoleParams,
    IncludeParams,
    ExtraVars,
}

/// The layers of variables visible at one point, in any push order.
#[derive(Debug, Default, Clone)]
pub struct VarLayers {
    // Shared so that a play's layers can be copied per host cheaply.
    layers: Vec<(Level, Arc<IndexMap<String, VarValue>>)>,
}

impl VarLayers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a layer. Layers of the same level apply in push order (later wins).
    pub fn push(&mut self, level: Level, vars: IndexMap<String, VarValue>) {
        if !vars.is_empty() {
            self.layers.push((level, Arc::new(vars)));
        }
    }

    /// Adds a layer of raw values from the user's files (templated lazily when read).
    pub fn push_raw<'a>(
        &mut self,
        level: Level,
        vars: impl IntoIterator<Item = (&'a String, &'a Node)>,
    ) {
        let map: IndexMap<String, VarValue> = vars
            .into_iter()
            .map(|(k, v)| (k.clone(), VarValue::Raw(v.clone())))
            .collect();
        self.push(level, map);
    }

    /// All layers merged: for each name the value of the highest layer that sets it.
    /// Names keep the position where they first appeared, so output order is stable.
    pub fn merged(&self) -> IndexMap<String, VarValue> {
        let mut order: Vec<usize> = (0..self.layers.len()).collect();
        // Stable: equal levels keep push order.
        order.sort_by_key(|&i| self.layers[i].0);
        let mut out = IndexMap::new();
        for i in order {
            for (k, v) in self.layers[i].1.iter() {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;
    use crate::yaml::Value;

    fn raw(s: &str) -> VarValue {
        VarValue::Raw(Node::new(Value::Str(s.into()), Span::synthetic("test")))
    }

    fn text(v: &VarValue) -> String {
        match v {
            VarValue::Raw(n) => n.as_str().unwrap_or_default().to_string(),
            VarValue::Data(d) => d.to_string(),
        }
    }

    #[test]
    fn higher_levels_win_whatever_the_push_order() {
        let mut l = VarLayers::new();
        l.push(
            Level::ExtraVars,
            [("a".to_string(), raw("extra"))].into_iter().collect(),
        );
        l.push(
            Level::PlayVars,
            [
                ("a".to_string(), raw("play")),
                ("b".to_string(), raw("play")),
            ]
            .into_iter()
            .collect(),
        );
        l.push(
            Level::RoleDefaults,
            [
                ("b".to_string(), raw("default")),
                ("c".to_string(), raw("default")),
            ]
            .into_iter()
            .collect(),
        );
        let m = l.merged();
        assert_eq!(text(&m["a"]), "extra");
        assert_eq!(text(&m["b"]), "play");
        assert_eq!(text(&m["c"]), "default");
    }

    #[test]
    fn same_level_later_push_wins() {
        let mut l = VarLayers::new();
        l.push(
            Level::InventoryGroupVars,
            [("x".to_string(), raw("all"))].into_iter().collect(),
        );
        l.push(
            Level::InventoryGroupVars,
            [("x".to_string(), raw("web"))].into_iter().collect(),
        );
        assert_eq!(text(&l.merged()["x"]), "web");
    }
}
