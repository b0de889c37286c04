//! `setup` / `gather_facts`: one POSIX sh script run on the host prints raw sections
//! ([`SCRIPT`]); [`parse`] turns them into Ansible's facts. Keys are `ansible_*`, as the
//! setup module returns them under `ansible_facts` (the engine stores them both as
//! `ansible_*` variables and, without the prefix, under `ansible_facts`).

mod distro;
mod hardware;
mod network;
mod parse;
mod subset;

pub use parse::parse;

use serde_json::{Map, Value};

use crate::command::args::{opt_list, opt_string, parse as parse_args};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

/// The fact-gathering script.
pub const SCRIPT: &str = include_str!("script.sh");

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupArgs {
    #[serde(default, deserialize_with = "opt_list")]
    filter: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    gather_subset: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::command::args::opt_int")]
    #[allow(dead_code)]
    gather_timeout: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    fact_path: Option<String>,
    #[serde(default, deserialize_with = "crate::command::args::opt_bool")]
    #[allow(dead_code)]
    parallel: Option<bool>,
}

/// `fnmatch`-style match with `*` and `?` (the `filter` option).
fn matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

/// Keeps the facts matching any of `filters` (Ansible matches `ansible_`-prefixed names
/// and also tries the pattern with the prefix added).
pub fn filter_facts(facts: Map<String, Value>, filters: &[String]) -> Map<String, Value> {
    let filters: Vec<&String> = filters.iter().filter(|f| !f.is_empty()).collect();
    if filters.is_empty() {
        return facts;
    }
    facts
        .into_iter()
        .filter(|(k, _)| {
            filters
                .iter()
                .any(|f| matches(f, k) || matches(&format!("ansible_{f}"), k))
        })
        .collect()
}

/// `ansible.builtin.setup` (and `gather_facts`, which runs it).
pub struct SetupModule {
    name: &'static str,
}

pub const SETUP: SetupModule = SetupModule {
    name: "ansible.builtin.setup",
};
pub const GATHER_FACTS: SetupModule = SetupModule {
    name: "ansible.builtin.gather_facts",
};

impl Module for SetupModule {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: SetupArgs = parse_args(self.name, args)?;
            let script = match &a.fact_path {
                Some(path) => format!("RINGMASTER_FACT_PATH={}\n{SCRIPT}", quote(path)),
                None => SCRIPT.to_string(),
            };
            // Every collector is cheap: all facts are gathered, then the subset kept.
            let given = a.gather_subset.clone().unwrap_or_default();
            let selected = subset::collectors(&given).map_err(ModuleError::Args)?;
            let out = cx.remote.exec(&script, None).await?;
            let mut facts = subset::select(parse(&out.stdout_text()), &selected);
            let shown = if given.is_empty() {
                vec!["all".to_string()]
            } else {
                given
            };
            // Like ansible, these two are subject to `filter` as well.
            facts.insert("gather_subset".into(), Value::from(shown));
            facts.insert("module_setup".into(), Value::Bool(true));
            let facts = filter_facts(facts, a.filter.as_deref().unwrap_or_default());
            Ok(Outcome::ok().with("ansible_facts", facts))
        })
    }
}

#[cfg(test)]
mod tests;
