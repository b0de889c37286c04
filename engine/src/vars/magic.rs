//! Ansible's magic variables: facts about the run that every template can read
//! (`inventory_hostname`, `groups`, `playbook_dir`, `ansible_check_mode`, ...).

use indexmap::IndexMap;
use minijinja::Value;

use crate::template::VarValue;

/// What is known of the run when a play starts.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    pub playbook_dir: String,
    pub inventory_sources: Vec<String>,
    pub check_mode: bool,
    pub diff_mode: bool,
    pub forks: usize,
    pub verbosity: u8,
    pub run_tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub limit: Option<String>,
    pub config_file: Option<String>,
}

/// The version ringmaster reports as `ansible_version`: the Ansible release whose
/// behaviour it reproduces.
pub const ANSIBLE_COMPAT_VERSION: (u32, u32, u32) = (2, 19, 0);

/// Magic variables of the run and play (no host yet).
pub fn play_magic(
    run: &RunFacts,
    play_name: &str,
    groups: &IndexMap<String, Vec<String>>,
    play_hosts_all: &[String],
) -> IndexMap<String, VarValue> {
    let (maj, min, rev) = ANSIBLE_COMPAT_VERSION;
    let version: IndexMap<String, Value> = [
        (
            "full".to_string(),
            Value::from(format!("{maj}.{min}.{rev}")),
        ),
        ("major".to_string(), Value::from(maj)),
        ("minor".to_string(), Value::from(min)),
        ("revision".to_string(), Value::from(rev)),
        (
            "string".to_string(),
            Value::from(format!("{maj}.{min}.{rev}")),
        ),
    ]
    .into_iter()
    .collect();
    let run_tags = if run.run_tags.is_empty() {
        vec!["all".to_string()]
    } else {
        run.run_tags.clone()
    };
    let mut m: IndexMap<String, Value> = IndexMap::new();
    m.insert("playbook_dir".into(), Value::from(run.playbook_dir.clone()));
    m.insert(
        "ansible_inventory_sources".into(),
        Value::from(run.inventory_sources.clone()),
    );
    m.insert("ansible_check_mode".into(), Value::from(run.check_mode));
    m.insert("ansible_diff_mode".into(), Value::from(run.diff_mode));
    m.insert("ansible_forks".into(), Value::from(run.forks));
    m.insert("ansible_verbosity".into(), Value::from(run.verbosity));
    m.insert("ansible_run_tags".into(), Value::from(run_tags));
    m.insert(
        "ansible_skip_tags".into(),
        Value::from(run.skip_tags.clone()),
    );
    m.insert(
        "ansible_limit".into(),
        run.limit
            .clone()
            .map(Value::from)
            .unwrap_or(Value::from(())),
    );
    m.insert(
        "ansible_config_file".into(),
        run.config_file
            .clone()
            .map(Value::from)
            .unwrap_or(Value::from(())),
    );
    m.insert("ansible_version".into(), map_value(version));
    m.insert("ansible_play_name".into(), Value::from(play_name));
    m.insert(
        "groups".into(),
        map_value(
            groups
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone()))),
        ),
    );
    m.insert(
        "ansible_play_hosts_all".into(),
        Value::from(play_hosts_all.to_vec()),
    );
    m.insert(
        "ansible_play_hosts".into(),
        Value::from(play_hosts_all.to_vec()),
    );
    m.insert("play_hosts".into(), Value::from(play_hosts_all.to_vec()));
    m.insert(
        "ansible_play_batch".into(),
        Value::from(play_hosts_all.to_vec()),
    );
    m.into_iter().map(|(k, v)| (k, VarValue::Data(v))).collect()
}

/// Magic variables of one host.
pub fn host_magic(host: &str, group_names: &[String]) -> IndexMap<String, VarValue> {
    let short = host.split('.').next().unwrap_or(host);
    [
        ("inventory_hostname", Value::from(host)),
        ("inventory_hostname_short", Value::from(short)),
        ("group_names", Value::from(group_names.to_vec())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), VarValue::Data(v)))
    .collect()
}

/// A template mapping that keeps insertion order.
fn map_value(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    let m: IndexMap<Value, Value> = entries
        .into_iter()
        .map(|(k, v)| (Value::from(k), v))
        .collect();
    Value::from(m)
}
