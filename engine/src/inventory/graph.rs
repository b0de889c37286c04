//! Building the host/group graph the way `InventoryData` does (`add_group`, `add_host`,
//! `add_child`, `set_variable`, `reconcile_inventory`) and the queries on it that
//! variables need (`groups`, `group_names`, groups in merge order).

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use indexmap::IndexMap;

use super::{Group, Host, Inventory, LOCALHOST_NAMES};
use crate::source::{SourceError, Span};
use crate::yaml::{Node, Value};

impl Inventory {
    /// An inventory with only `all` and its child `ungrouped`.
    pub fn new() -> Self {
        let mut inv = Inventory {
            hosts: IndexMap::new(),
            groups: IndexMap::new(),
            warnings: Vec::new(),
            subset: None,
            implicit_localhost: OnceLock::new(),
        };
        for name in ["all", "ungrouped"] {
            inv.groups.insert(name.to_string(), Group::new(name));
        }
        inv.link_groups("all", "ungrouped");
        inv
    }

    /// Adds a group if new; an empty name is an error at `span`.
    pub fn add_group(&mut self, name: &str, span: &Span) -> Result<(), SourceError> {
        if name.is_empty() {
            return Err(SourceError::new(
                span,
                "Invalid empty/false group name provided",
            ));
        }
        if !self.groups.contains_key(name) {
            if invalid_group_chars(name) {
                self.warn(
                    "Invalid characters were found in group names but not replaced, use -vvvv to see details"
                        .to_string(),
                );
            }
            self.groups.insert(name.to_string(), Group::new(name));
        }
        Ok(())
    }

    /// Ansible 2.19 accepts invalid variable names in inventories with a deprecation
    /// warning (`validate_variable_name`).
    fn check_var_name(&mut self, key: &str) {
        let mut chars = key.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !["true", "false", "none", "True", "False", "None", "not"].contains(&key);
        if !valid {
            self.warn(format!(
                "Accepting inventory variable with invalid name '{key}'. This feature will be removed from ansible-core version 2.23."
            ));
        }
    }

    /// Records a warning once (Ansible's display shows each distinct warning once).
    pub(crate) fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    /// Adds a host if new (setting `ansible_port` from `port`), and puts it in `group`.
    pub fn add_host(
        &mut self,
        name: &str,
        group: Option<&str>,
        port: Option<i64>,
        span: &Span,
        source: Option<&Path>,
    ) -> Result<(), SourceError> {
        if name.is_empty() {
            return Err(SourceError::new(span, "Invalid empty host name provided"));
        }
        if let Some(g) = group
            && !self.groups.contains_key(g)
        {
            return Err(SourceError::new(
                span,
                format!("Could not find group {g} in inventory"),
            ));
        }
        if !self.hosts.contains_key(name) {
            let mut host = Host::new(name, span.clone());
            host.inventory_file = source.map(Path::to_path_buf);
            if let Some(p) = port.filter(|p| *p != 0) {
                host.vars.insert(
                    "ansible_port".into(),
                    Node::new(Value::Int(p), span.clone()),
                );
            }
            if LOCALHOST_NAMES.contains(&name)
                && let Some(first) = self
                    .hosts
                    .keys()
                    .find(|h| LOCALHOST_NAMES.contains(&h.as_str()))
            {
                self.warn(format!(
                    "A duplicate localhost-like entry was found ({name}). First found localhost was {first}"
                ));
            }
            self.hosts.insert(name.to_string(), host);
        }
        if let Some(g) = group {
            self.put_host_in_group(g, name);
        }
        Ok(())
    }

    /// `group.add_host(host)`: the host's group list mirrors the group's host list, so
    /// the (short) host list answers membership without scanning a big group.
    fn put_host_in_group(&mut self, group: &str, host: &str) {
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        if h.groups.iter().any(|g| g == group) {
            return;
        }
        h.groups.push(group.to_string());
        if let Some(g) = self.groups.get_mut(group) {
            g.hosts.push(host.to_string());
        }
    }

    fn remove_host_from_group(&mut self, group: &str, host: &str) {
        if let Some(h) = self.hosts.get_mut(host) {
            h.groups.retain(|g| g != group);
        }
        if let Some(g) = self.groups.get_mut(group) {
            g.hosts.retain(|h| h != host);
        }
    }

    /// `add_child(group, child)`: `child` may be a group or a host.
    pub fn add_child(&mut self, parent: &str, child: &str, span: &Span) -> Result<(), SourceError> {
        if !self.groups.contains_key(parent) {
            return Err(SourceError::new(
                span,
                format!("{parent} is not a known group"),
            ));
        }
        if self.groups.contains_key(child) {
            if parent == child {
                return Err(SourceError::new(span, "can't add group to itself"));
            }
            let already = self.groups[parent].children.iter().any(|c| c == child);
            if !already {
                if self.ancestors(parent).contains(child) {
                    return Err(SourceError::new(
                        span,
                        format!(
                            "Adding group '{child}' as child to '{parent}' creates a recursive dependency loop."
                        ),
                    ));
                }
                self.link_groups(parent, child);
            }
            Ok(())
        } else if self.hosts.contains_key(child) {
            self.put_host_in_group(parent, child);
            Ok(())
        } else {
            Err(SourceError::new(
                span,
                format!("{child} is not a known host nor group"),
            ))
        }
    }

    fn link_groups(&mut self, parent: &str, child: &str) {
        if let Some(p) = self.groups.get_mut(parent) {
            p.children.push(child.to_string());
        }
        if let Some(c) = self.groups.get_mut(child)
            && !c.parents.iter().any(|p| p == parent)
        {
            c.parents.push(parent.to_string());
        }
    }

    /// `set_variable` on a group; `ansible_group_priority` sets the priority instead.
    pub fn set_group_var(
        &mut self,
        group: &str,
        key: &str,
        value: Node,
    ) -> Result<(), SourceError> {
        self.check_var_name(key);
        let Some(g) = self.groups.get_mut(group) else {
            return Err(SourceError::new(
                &value.span,
                format!("Could not identify group or host named {group}"),
            ));
        };
        if key == "ansible_group_priority" {
            g.priority = python_int(&value).ok_or_else(|| {
                SourceError::new(
                    &value.span,
                    format!(
                        "ansible_group_priority of group '{group}' must be an integer, got {}",
                        value.kind_name()
                    ),
                )
            })?;
        } else {
            g.vars.insert(key.to_string(), value);
        }
        Ok(())
    }

    /// `set_variable` on a host (a later value replaces an earlier one).
    pub fn set_host_var(&mut self, host: &str, key: &str, value: Node) -> Result<(), SourceError> {
        self.check_var_name(key);
        let Some(h) = self.hosts.get_mut(host) else {
            return Err(SourceError::new(
                &value.span,
                format!("Could not identify group or host named {host}"),
            ));
        };
        h.vars.insert(key.to_string(), value);
        Ok(())
    }

    /// `reconcile_inventory`: parentless groups go under `all`; hosts without a group
    /// go to `ungrouped` and leave it once they have another group; depths are set.
    pub fn reconcile(&mut self) {
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for name in &names {
            if name != "all" && self.groups[name].parents.is_empty() {
                self.link_groups("all", name);
            }
        }
        let host_names: Vec<String> = self.hosts.keys().cloned().collect();
        for host in &host_names {
            let mine = self.host_all_groups(host);
            let in_ungrouped = mine.contains("ungrouped");
            if in_ungrouped {
                if mine.iter().any(|g| g != "all" && g != "ungrouped") {
                    self.remove_host_from_group("ungrouped", host);
                }
            } else if mine.is_empty() || (mine.len() == 1 && mine.contains("all")) {
                self.put_host_in_group("ungrouped", host);
            }
        }
        for name in &host_names {
            if self.groups.contains_key(name) {
                self.warn(format!("Found both group and host with same name: {name}"));
            }
        }
        self.compute_depths();
    }

    fn compute_depths(&mut self) {
        let mut memo: IndexMap<String, usize> = IndexMap::new();
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for name in &names {
            let d = self.depth_of(name, &mut memo);
            if let Some(g) = self.groups.get_mut(name) {
                g.depth = d;
            }
        }
    }

    /// Longest path from a root; `add_child` refuses cycles, so the recursion ends.
    fn depth_of(&self, name: &str, memo: &mut IndexMap<String, usize>) -> usize {
        if let Some(d) = memo.get(name) {
            return *d;
        }
        let parents = self
            .groups
            .get(name)
            .map(|g| g.parents.clone())
            .unwrap_or_default();
        let d = parents
            .iter()
            .map(|p| self.depth_of(p, memo) + 1)
            .max()
            .unwrap_or(0);
        memo.insert(name.to_string(), d);
        d
    }

    /// All ancestors of a group (not including itself).
    pub fn ancestors(&self, group: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack: Vec<&str> = vec![group];
        while let Some(g) = stack.pop() {
            if let Some(grp) = self.groups.get(g) {
                for p in &grp.parents {
                    if seen.insert(p.clone()) {
                        stack.push(p);
                    }
                }
            }
        }
        seen
    }

    /// The host's direct groups and all their ancestors (Ansible's `host.get_groups()`).
    fn host_all_groups(&self, host: &str) -> HashSet<String> {
        let mut out = HashSet::new();
        if let Some(h) = self.hosts.get(host) {
            for g in &h.groups {
                out.insert(g.clone());
                out.extend(self.ancestors(g));
            }
        }
        out
    }

    /// A group's hosts and those of its descendants (`group.get_hosts()`): its own hosts
    /// first, then its children's, level by level. Ansible walks the levels below the
    /// first in Python set order, which varies between runs when two groups share
    /// children listed in different orders; here levels follow the children lists
    /// (one of the orders Ansible produces).
    pub fn group_hosts(&self, group: &str) -> Vec<String> {
        let mut ordered: Vec<&str> = vec![group];
        let mut seen: HashSet<&str> = HashSet::from([group]);
        let mut i = 0;
        while i < ordered.len() {
            if let Some(g) = self.groups.get(ordered[i]) {
                for c in &g.children {
                    if seen.insert(c) {
                        ordered.push(c);
                    }
                }
            }
            i += 1;
        }
        let mut hosts = Vec::new();
        let mut seen_hosts: HashSet<&str> = HashSet::new();
        for g in ordered {
            if let Some(grp) = self.groups.get(g) {
                for h in &grp.hosts {
                    if seen_hosts.insert(h) {
                        hosts.push(h.clone());
                    }
                }
            }
        }
        hosts
    }

    /// The groups of `host` in the order Ansible merges their vars: by depth (`all`
    /// first), then `ansible_group_priority`, then name. Includes `all` and ancestors.
    /// The implicit localhost (and an unknown host) has only `all`.
    pub fn host_groups_sorted(&self, host: &str) -> Vec<&Group> {
        let mut names = self.host_all_groups(host);
        names.insert("all".to_string());
        let mut groups: Vec<&Group> = names.iter().filter_map(|n| self.groups.get(n)).collect();
        groups.sort_by(|a, b| (a.depth, a.priority, &a.name).cmp(&(b.depth, b.priority, &b.name)));
        groups
    }

    /// The magic var `group_names`: every group of the host and its ancestors except
    /// `all` (`ungrouped` included), sorted.
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .host_all_groups(host)
            .into_iter()
            .filter(|g| g != "all")
            .collect();
        names.sort();
        names
    }

    /// The magic var `groups`: every group in inventory order (`all`, `ungrouped`,
    /// then as first seen) with its hosts including those of child groups.
    pub fn groups_map(&self) -> IndexMap<String, Vec<String>> {
        self.groups
            .keys()
            .map(|g| (g.clone(), self.group_hosts(g)))
            .collect()
    }

    /// A host by name; `localhost`, `127.0.0.1` and `::1` give the implicit localhost
    /// when the inventory has no such host (as `InventoryData.get_host`).
    pub fn get_host(&self, name: &str) -> Option<&Host> {
        if let Some(h) = self.hosts.get(name) {
            return Some(h);
        }
        if LOCALHOST_NAMES.contains(&name) {
            return Some(self.localhost(name));
        }
        None
    }

    /// The localhost for pattern `name`: the first localhost-like inventory host, or
    /// the implicit one (named after the first pattern that asked for it).
    pub(crate) fn localhost(&self, name: &str) -> &Host {
        if let Some(h) = self
            .hosts
            .values()
            .find(|h| LOCALHOST_NAMES.contains(&h.name.as_str()))
        {
            return h;
        }
        self.implicit_localhost
            .get_or_init(|| implicit_localhost(name))
    }
}

fn implicit_localhost(name: &str) -> Host {
    let span = Span::synthetic("implicit localhost");
    let mut host = Host::new(name, span.clone());
    host.implicit = true;
    let python = python_interpreter();
    host.vars.insert(
        "ansible_python_interpreter".into(),
        Node::new(Value::Str(python), span.clone()),
    );
    host.vars.insert(
        "ansible_connection".into(),
        Node::new(Value::Str("local".into()), span),
    );
    host
}

/// Ansible uses its own `sys.executable`; ringmaster has no Python of its own, so it
/// names the first `python3` on PATH.
fn python_interpreter() -> String {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("python3"))
            .find(|p| p.is_file())
    });
    found
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "/usr/bin/python3".to_string())
}

/// `C.INVALID_VARIABLE_NAMES` (`^[\d\W]|[^\w]`): Ansible keeps such group names but warns.
fn invalid_group_chars(name: &str) -> bool {
    let mut chars = name.chars();
    let first_bad = chars.next().is_some_and(|c| {
        c.is_ascii_digit() || c.is_numeric() || !(c.is_alphanumeric() || c == '_')
    });
    first_bad || name.chars().any(|c| !(c.is_alphanumeric() || c == '_'))
}

/// Python's `int(value)` for `ansible_group_priority`.
fn python_int(value: &Node) -> Option<i64> {
    match &value.value {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        Value::Str(s) => s.trim().replace('_', "").parse().ok(),
        _ => None,
    }
}
