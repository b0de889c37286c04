//! From the script's raw sections to facts.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{distro, hardware, network};

/// The script's output split into `@@name` sections.
pub(super) struct Sections<'a> {
    map: HashMap<&'a str, &'a str>,
}

impl<'a> Sections<'a> {
    pub(super) fn new(raw: &'a str) -> Self {
        let mut map = HashMap::new();
        let mut rest = raw;
        while let Some(start) = rest.find("\n@@") {
            rest = &rest[start + 3..];
            let name_end = rest.find('\n').unwrap_or(rest.len());
            let name = &rest[..name_end];
            rest = rest.get(name_end + 1..).unwrap_or("");
            let body_end = rest.find("\n@@").unwrap_or(rest.len());
            map.insert(name, &rest[..body_end]);
            rest = &rest[body_end..];
        }
        Sections { map }
    }

    pub(super) fn get(&self, name: &str) -> &'a str {
        self.map.get(name).copied().unwrap_or("")
    }

    pub(super) fn lines(&self, name: &str) -> Vec<&'a str> {
        self.get(name).lines().collect()
    }
}

/// `KEY=value` / `KEY="value"` lines (os-release, lsb-release).
pub(super) fn shell_vars(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

/// Parses the script's output into facts (`ansible_*` keys, sorted).
pub fn parse(raw: &str) -> Map<String, Value> {
    let s = Sections::new(raw);
    let mut facts = Map::new();
    let uname = s.lines("uname");
    let part = |i: usize| {
        uname
            .get(i)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (system, kernel, kernel_version, machine, nodename) =
        (part(0), part(1), part(2), part(3), part(4));
    let architecture = match machine.as_str() {
        "i386" | "i486" | "i586" | "i686" => "i386".to_string(),
        m => m.to_string(),
    };
    facts.insert("ansible_system".into(), system.into());
    facts.insert("ansible_kernel".into(), kernel.into());
    facts.insert("ansible_kernel_version".into(), kernel_version.into());
    facts.insert("ansible_machine".into(), machine.clone().into());
    facts.insert("ansible_architecture".into(), architecture.clone().into());
    facts.insert("ansible_userspace_architecture".into(), architecture.into());
    facts.insert("ansible_nodename".into(), nodename.clone().into());
    let hostname = nodename.split('.').next().unwrap_or("").to_string();
    facts.insert("ansible_hostname".into(), hostname.into());
    let fqdn = network::fqdn(&nodename, s.get("fqdn"));
    let domain = fqdn
        .split_once('.')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    facts.insert("ansible_fqdn".into(), fqdn.into());
    facts.insert("ansible_domain".into(), domain.into());

    distro::facts(&s, &mut facts);
    hardware::facts(&s, &mut facts);
    network::facts(&s, &mut facts);
    hardware::user_facts(&s, &mut facts);
    hardware::system_facts(&s, &mut facts);

    let mut sorted: Vec<(String, Value)> = facts.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.into_iter().collect()
}
