//! The inventory layers of one host's variables (precedence levels 3 to 10): inline
//! inventory group vars, `group_vars/` next to the inventory and the playbook, inline
//! host vars, `host_vars/` next to the inventory and the playbook.

use indexmap::IndexMap;

use crate::inventory::{Inventory, VarsDir};
use crate::template::VarValue;

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
    if let Some(h) = inventory.hosts.get(host) {
        layers.push_raw(Level::InventoryHostVars, &h.vars);
        layers.push_raw(Level::InventoryHostVarsDir, &h.dir_vars);
    }
    for dir in playbook_dirs {
        if let Some(vars) = dir.hosts.get(host) {
            layers.push_raw(Level::PlaybookHostVarsDir, vars);
        }
    }
}
