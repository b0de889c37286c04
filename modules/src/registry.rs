//! Looking modules up by any of the names a playbook may use for them.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::builtin_specs::BUILTIN_SPECS;
use crate::ringmaster_specs::RINGMASTER_SPECS;
use crate::spec::{ModuleSpec, short_name};

/// Collections whose modules may also be named without the collection.
const SHORT_NAME_COLLECTIONS: &[&str] = &["ansible.builtin.", "ringmaster.builtin."];

/// Every known module: ansible.builtin first, then ringmaster's own.
pub fn all_specs() -> impl Iterator<Item = &'static ModuleSpec> {
    BUILTIN_SPECS.iter().chain(RINGMASTER_SPECS.iter())
}

/// Every name a playbook may use for `spec`: its FQCN, its aliases and, for built-in
/// collections, the short names and the `ansible.legacy.` form.
pub fn accepted_names(spec: &'static ModuleSpec) -> Vec<String> {
    let mut names = Vec::new();
    for fqcn in std::iter::once(&spec.name).chain(spec.aliases.iter()) {
        names.push((*fqcn).to_string());
        if SHORT_NAME_COLLECTIONS.iter().any(|c| fqcn.starts_with(c)) {
            names.push(short_name(fqcn).to_string());
        }
        if let Some(short) = fqcn.strip_prefix("ansible.builtin.") {
            names.push(format!("ansible.legacy.{short}"));
        }
    }
    names
}

static INDEX: LazyLock<HashMap<String, &'static ModuleSpec>> = LazyLock::new(|| {
    let mut index = HashMap::new();
    for spec in all_specs() {
        for name in accepted_names(spec) {
            // First one wins; the registry test asserts there are no collisions.
            index.entry(name).or_insert(spec);
        }
    }
    index
});

/// The module a task's action name refers to: a short name (`copy`), an FQCN
/// (`ansible.builtin.copy`), `ansible.legacy.copy`, or an alias (`systemd`, `yum`).
pub fn lookup(name: &str) -> Option<&'static ModuleSpec> {
    INDEX.get(name).copied()
}

/// The known module name nearest to `name`, for "did you mean ...?". Fully qualified
/// names are compared with fully qualified names, short names with short names.
pub fn suggest(name: &str) -> Option<&'static str> {
    let qualified = name.contains('.');
    let candidates = all_specs().flat_map(|spec| {
        std::iter::once(spec.name)
            .chain(spec.aliases.iter().copied())
            .filter(move |n| qualified || SHORT_NAME_COLLECTIONS.iter().any(|c| n.starts_with(c)))
            .map(move |n| if qualified { n } else { short_name(n) })
    });
    let wanted = if qualified {
        // ansible.legacy.X reads as ansible.builtin.X.
        match name.strip_prefix("ansible.legacy.") {
            Some(short) => format!("ansible.builtin.{short}"),
            None => name.to_string(),
        }
    } else {
        name.to_string()
    };
    nearest(&wanted, candidates)
}

/// The candidate closest to `wanted` in edit distance, if close enough to be a typo.
pub(crate) fn nearest(
    wanted: &str,
    candidates: impl Iterator<Item = &'static str>,
) -> Option<&'static str> {
    let len = wanted.chars().count();
    let limit = if len <= 3 { 1 } else { (len / 3).max(2) };
    let mut best: Option<(usize, &'static str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(wanted, candidate);
        // A name that contains what was typed (`systemd` for `system`) also counts.
        let close = distance <= limit || (wanted.len() >= 4 && candidate.contains(wanted));
        if close && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}
