//! The inventory layers of one host's variables (precedence levels 3 to 10): inline
//! inventory group vars, `group_vars/` next to the inventory and the playbook, inline
//! host vars, `host_vars/` next to the inventory and the playbook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use indexmap::IndexMap;

use crate::inventory::{Inventory, VarsDir};
use crate::template::{Scope, VarValue, hostvars_value};

use super::{Level, VarLayers, host_magic, with_magic};

/// Every variable of `host` in a play: the play's layers (see
/// [`super::play_layers`]), the host's inventory layers, and the magic variables of
/// the play and of the host.
pub fn host_vars(
    play_layers: &VarLayers,
    inventory: &Inventory,
    playbook_dirs: &[VarsDir],
    host: &str,
    play_magic: &IndexMap<String, VarValue>,
) -> IndexMap<String, VarValue> {
    let mut layers = play_layers.clone();
    push_inventory_layers(&mut layers, inventory, playbook_dirs, host);
    let mut vars = with_magic(&layers, play_magic);
    vars.extend(host_magic(host, &inventory.group_names(host)));
    vars
}

/// Pushes levels 3–10 for `host` onto `layers`. `playbook_dirs` holds the
/// `group_vars/`/`host_vars/` found next to the playbook(s).
pub fn push_inventory_layers(
    layers: &mut VarLayers,
    inventory: &Inventory,
    playbook_dirs: &[VarsDir],
    host: &str,
) {
    // Groups ordered as Ansible merges them: by depth, then priority, then name;
    // `all` comes first (depth 0).
    let groups = inventory.host_groups_sorted(host);
    for g in &groups {
        layers.push_raw(Level::InventoryGroupVars, &g.vars);
    }
    if let Some(all) = inventory.groups.get("all") {
        layers.push_raw(Level::InventoryGroupVarsAll, &all.dir_vars);
    }
    for dir in playbook_dirs {
        if let Some(vars) = dir.groups.get("all") {
            layers.push_raw(Level::PlaybookGroupVarsAll, vars);
        }
    }
    for g in groups.iter().filter(|g| g.name != "all") {
        layers.push_raw(Level::InventoryGroupVarsDir, &g.dir_vars);
    }
    for g in groups.iter().filter(|g| g.name != "all") {
        for dir in playbook_dirs {
            if let Some(vars) = dir.groups.get(&g.name) {
                layers.push_raw(Level::PlaybookGroupVarsDir, vars);
            }
        }
    }
    // `get_host` also knows the implicit localhost (ansible_connection=local).
    if let Some(h) = inventory.get_host(host) {
        layers.push_raw(Level::InventoryHostVars, &h.vars);
        layers.push_raw(Level::InventoryHostVarsDir, &h.dir_vars);
    }
    for dir in playbook_dirs {
        if let Some(vars) = dir.hosts.get(host) {
            layers.push_raw(Level::PlaybookHostVarsDir, vars);
        }
    }
}

/// What any host's variables in one play are built from, shared so that `hostvars`
/// can build other hosts' variables lazily, each host's scope at most once.
pub struct PlayVars {
    layers: VarLayers,
    inventory: Arc<Inventory>,
    playbook_dirs: Arc<Vec<VarsDir>>,
    magic: IndexMap<String, VarValue>,
    scopes: Mutex<HashMap<String, Arc<Scope>>>,
}

impl PlayVars {
    /// `layers` and `magic` are the play's (see [`super::play_layers`],
    /// [`super::play_magic`]); `hostvars` is added here.
    pub fn new(
        layers: VarLayers,
        inventory: Arc<Inventory>,
        playbook_dirs: Arc<Vec<VarsDir>>,
        mut magic: IndexMap<String, VarValue>,
    ) -> Arc<PlayVars> {
        Arc::new_cyclic(|me: &Weak<PlayVars>| {
            // One `hostvars` value for every host; it holds a weak reference so the
            // scopes it caches do not keep the play alive.
            let me = me.clone();
            let names: Vec<String> = inventory.hosts.keys().cloned().collect();
            let hostvars = hostvars_value(names, move |h| me.upgrade().map(|pv| pv.host_scope(h)));
            magic.insert("hostvars".to_string(), VarValue::Data(hostvars));
            PlayVars {
                layers,
                inventory,
                playbook_dirs,
                magic,
                scopes: Mutex::new(HashMap::new()),
            }
        })
    }

    /// The variables of `host` in this play, built on first use.
    pub fn host_scope(&self, host: &str) -> Arc<Scope> {
        if let Some(s) = self.scopes.lock().ok().and_then(|m| m.get(host).cloned()) {
            return s;
        }
        let vars = host_vars(
            &self.layers,
            &self.inventory,
            &self.playbook_dirs,
            host,
            &self.magic,
        );
        let scope = Arc::new(Scope::new(vars));
        if let Ok(mut m) = self.scopes.lock() {
            m.insert(host.to_string(), scope.clone());
        }
        scope
    }
}
