//! Inventories exactly as ansible-core 2.19 reads them (INI, YAML, executable scripts,
//! directories, `host1,host2,` lists, `group_vars/` and `host_vars/`), and host
//! patterns (`web*:&prod:!web3`, `g[1:3]`, `~regex`, `--limit @file`).
//!
//! Where Ansible only warns about a source it cannot parse and carries on with what it
//! has, ringmaster stops with a [`SourceError`] that names the file, line and column:
//! a typo in an inventory should not silently run a play against fewer hosts.
//!
//! Known differences from ansible-core 2.19:
//! - below the first level, Ansible orders a group's descendants in Python set order,
//!   which varies between runs; here they follow the children lists (see
//!   [`Inventory::group_hosts`]);
//! - INI values: `'\N{NAME}'` escapes stay strings, integers beyond 64 bits become
//!   their decimal text;
//! - `~regex` patterns use Rust regex syntax (no look-around or backreferences);
//! - TOML inventories and inventory plugins (`plugin: ...` YAML files) are rejected;
//! - `@file` is read by `--limit` only ([`Inventory::apply_limit`]), as in Ansible.

mod address;
mod graph;
mod ini;
mod pattern;
mod pyliteral;
mod script;
mod shlex;
mod sources;
mod vars_dir;
mod yaml_inv;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_ini;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_pattern;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests_sources;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use indexmap::IndexMap;

use crate::source::{SourceError, Span};
use crate::yaml::Node;

pub use address::{expand_hostname_range, parse_address};
pub use pattern::{Selection, order_hosts, split_host_pattern};
pub use vars_dir::{VarsDir, load_vars_dir};

/// Host names Ansible treats as the local machine (`C.LOCALHOST`).
pub const LOCALHOST_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The hosts and groups of all inventory sources, in the order Ansible created them.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// Insertion order = inventory order.
    pub hosts: IndexMap<String, Host>,
    /// `all` and `ungrouped` first, then groups in the order they were first seen.
    pub groups: IndexMap<String, Group>,
    /// Warnings Ansible prints while reading (the caller shows them as `[WARNING]: ...`).
    pub warnings: Vec<String>,
    /// `--limit` patterns (see [`Inventory::apply_limit`]).
    subset: Option<Vec<String>>,
    /// The implicit localhost, created when a pattern first names it.
    implicit_localhost: OnceLock<Host>,
}

/// One inventory host.
#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    /// Variables from the inventory source itself (inline INI vars, YAML host vars,
    /// script hostvars), including `ansible_port` from `host:port`.
    pub vars: IndexMap<String, Node>,
    /// Variables from `host_vars/` next to the inventory sources.
    pub dir_vars: IndexMap<String, Node>,
    /// Direct groups, in the order they were added (ancestors are not listed).
    pub groups: Vec<String>,
    /// The implicit localhost: not in `all`, `ansible_connection=local`.
    pub implicit: bool,
    /// The source that first defined the host: the magic vars `inventory_file` and
    /// `inventory_dir` (Ansible sets them as the host's first variables; `None` for
    /// `-i host,` lists and the implicit localhost).
    pub inventory_file: Option<PathBuf>,
    /// Where the host was first defined.
    pub span: Span,
}

/// One inventory group.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    /// Variables from the inventory source (`[g:vars]`, YAML `vars:`).
    pub vars: IndexMap<String, Node>,
    /// Variables from `group_vars/` next to the inventory sources.
    pub dir_vars: IndexMap<String, Node>,
    /// Hosts directly in this group, in the order added.
    pub hosts: Vec<String>,
    pub children: Vec<String>,
    pub parents: Vec<String>,
    /// `ansible_group_priority` (default 1); not kept in `vars`, as in Ansible.
    pub priority: i64,
    /// Length of the longest path from `all` (`all` is 0), used to order vars merging.
    pub depth: usize,
}

impl Group {
    fn new(name: &str) -> Self {
        Group {
            name: name.to_string(),
            vars: IndexMap::new(),
            dir_vars: IndexMap::new(),
            hosts: Vec::new(),
            children: Vec::new(),
            parents: Vec::new(),
            priority: 1,
            depth: 0,
        }
    }
}

impl Host {
    fn new(name: &str, span: Span) -> Self {
        Host {
            name: name.to_string(),
            vars: IndexMap::new(),
            dir_vars: IndexMap::new(),
            groups: Vec::new(),
            implicit: false,
            inventory_file: None,
            span,
        }
    }

    /// The magic var `inventory_dir`: the directory of [`Host::inventory_file`]
    /// (`None` for `-i host,` lists, as Ansible's `basedir` finds no file there).
    pub fn inventory_dir(&self) -> Option<PathBuf> {
        let file = self.inventory_file.as_ref()?;
        if file.is_dir() {
            return Some(file.clone());
        }
        file.is_file()
            .then(|| file.parent().map(Path::to_path_buf))
            .flatten()
    }

    /// The magic var `inventory_hostname_short`: up to the first dot, except for IPs.
    pub fn short_name(&self) -> &str {
        if address::is_ip_address(&self.name) {
            &self.name
        } else {
            self.name.split('.').next().unwrap_or(&self.name)
        }
    }
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads every `-i` source (in order) into one inventory, then loads the
/// `group_vars/` and `host_vars/` next to each source. `cwd` resolves relative paths.
pub fn load(sources: &[String], cwd: &Path) -> Result<Inventory, SourceError> {
    sources::load(sources, cwd)
}
