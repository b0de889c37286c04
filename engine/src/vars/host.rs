//! The inventory layers of one host's variables (precedence levels 3 to 10): inline
//! inventory group vars, `group_vars/` next to the inventory and the playbook, inline
//! host vars, `host_vars/` next to the inventory and the playbook.

use crate::inventory::{Inventory, VarsDir};

use super::{Level, VarLayers};

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
