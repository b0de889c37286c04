//! What a task's results do to the run: variables (`register`, `set_fact`,
//! `include_vars`, facts), `ansible_failed_*`, recap counters and the
//! `max_fail_percentage` budget.

use indexmap::IndexMap;
use minijinja::Value;
use serde_json::Value as J;

use super::PlayRun;
use super::actions::Directive;
use super::block::Inherited;
use super::state::{store_facts, with_state};
use super::task::HostOutcome;
use crate::exec::budget::{self, BatchCounts};
use crate::playbook::Task;
use crate::report::{Event, HostStatus};
use crate::yaml::Node;

impl PlayRun<'_> {
    /// `register`, `set_fact`, `include_vars` and returned facts.
    pub(super) fn apply_vars(
        &self,
        task: &Task,
        out: &HostOutcome,
        host: &str,
        delegate_facts: bool,
    ) {
        let short = task.action.rsplit('.').next().unwrap_or_default();
        let fact_host = match (&out.delegated_to, delegate_facts) {
            (Some(d), true) => d.clone(),
            _ => host.to_string(),
        };
        with_state(&self.states, &fact_host, |s| {
            let cacheable = out
                .result
                .get(super::actions::FACTS_CACHEABLE)
                .is_some_and(|v| v == &J::Bool(true));
            let facts_are_vars = matches!(short, "set_fact" | "include_vars") && !cacheable;
            if !facts_are_vars && !out.facts.is_empty() {
                store_facts(s, &out.facts);
                // As ansible's gather_facts action (not a plain `setup:` task).
                let gather_action = task.action_as_written.ends_with("gather_facts")
                    || task.action.ends_with(".gather_facts");
                if gather_action
                    && !matches!(out.status, HostStatus::Failed | HostStatus::Unreachable)
                {
                    s.facts_gathered = true;
                }
            }
            // Recorded (48): `set_fact` with `delegate_facts` sets the delegate's fact.
            for (k, v) in &out.set_facts {
                s.set_facts.insert(k.clone(), v.clone());
            }
        });
        with_state(&self.states, host, |s| {
            for (k, v) in &out.include_vars {
                s.include_vars.insert(k.clone(), v.clone());
            }
            if let Some(name) = task.keywords.get("register").and_then(Node::as_str) {
                s.set_facts.insert(
                    name.to_string(),
                    super::state::json_value(&J::Object(registered(&out.result))),
                );
            }
        });
    }

    pub(super) fn set_failed_vars(&self, task: &Task, out: &HostOutcome, host: &str) {
        let mut t = IndexMap::new();
        // task.serialize(): the name as written (no role prefix), "" when unnamed.
        let name = task.name.as_ref().and_then(crate::playbook::scalar_text);
        t.insert("name", Value::from(name.unwrap_or_default()));
        t.insert("action", Value::from(task.action.clone()));
        with_state(&self.states, host, |s| {
            s.set_facts
                .insert("ansible_failed_task".into(), super::state::str_map(t));
            s.set_facts.insert(
                "ansible_failed_result".into(),
                super::state::json_value(&J::Object(registered(&out.result))),
            );
        });
    }

    /// Recap counters, as ansible's strategy increments them.
    pub(super) fn count(&self, out: &HostOutcome, inh: &Inherited) {
        with_state(&self.states, &out.host, |s| {
            s.processed = true;
            let c = &mut s.counters;
            // Recorded: an include in a loop counts ok once per included item.
            let included = out
                .item_directives
                .iter()
                .filter(|(d, _, _)| {
                    matches!(d, Directive::IncludeTasks(_) | Directive::IncludeRole(_))
                })
                .count() as u32;
            if included > 0 {
                c.ok += included;
                return;
            }
            match (out.status, out.ignored) {
                (HostStatus::Ok, _) => c.ok += 1,
                (HostStatus::Changed, _) => {
                    c.ok += 1;
                    c.changed += 1;
                }
                (HostStatus::Skipped, _) => c.skipped += 1,
                (HostStatus::Failed, true) => {
                    c.ok += 1;
                    c.ignored += 1;
                    if out.changed() {
                        c.changed += 1;
                    }
                }
                (HostStatus::Failed, false) if inh.rescuable => c.rescued += 1,
                (HostStatus::Failed, false) => c.failed += 1,
                (HostStatus::Unreachable, true) => {
                    c.ok += 1;
                    c.ignored += 1;
                }
                (HostStatus::Unreachable, false) => c.unreachable += 1,
            }
        });
    }

    /// After a task with results: `max_fail_percentage` (linear.py:336-356). A breach
    /// fails every remaining host, prints NO MORE HOSTS LEFT, and prints it a second
    /// time when no host is left (the strategy's "all hosts failed and the result is
    /// not ok" check, which only a breach makes true; plain failures print nothing).
    pub(super) async fn check_budget(&mut self, had_results: bool) {
        let counts = BatchCounts {
            batch_size: self.batch.len(),
            failed: self.batch_failed.len(),
            unreachable: self.batch_unreachable.len(),
        };
        let Some(pct) = self.max_fail.filter(|_| had_results) else {
            return;
        };
        if !budget::max_fail_breached(pct, counts, self.opts.unreachable_rule) {
            return;
        }
        for h in self.batch.clone() {
            let active = with_state(&self.states, &h, |s| s.active());
            if active {
                with_state(&self.states, &h, |s| s.failed = true);
                self.batch_failed.insert(h);
            }
        }
        self.emit(Event::NoMoreHosts).await;
        // Hosts that failed in an earlier play are cut into the batch but never ran
        // in it (07: w7), so they do not count as left.
        let hosts_left = self
            .batch
            .iter()
            .filter(|h| !self.batch_unreachable.contains(*h))
            .filter(|h| {
                self.batch_failed.contains(*h)
                    || !with_state(&self.states, h, |s| s.failed || s.unreachable)
            })
            .count();
        if self.batch_failed.len() >= hosts_left {
            self.emit(Event::NoMoreHosts).await;
        }
        self.stop_play = true;
        self.stop_run = true;
    }
}

/// A result as `register` stores it: without ansible's internal `_ansible_*` keys
/// (in loop item results too).
fn registered(result: &serde_json::Map<String, J>) -> serde_json::Map<String, J> {
    result
        .iter()
        .filter(|(k, _)| !k.starts_with("_ansible"))
        .map(|(k, v)| match (k.as_str(), v) {
            ("results", J::Array(items)) => (
                k.clone(),
                J::Array(
                    items
                        .iter()
                        .map(|i| match i {
                            J::Object(m) => J::Object(registered(m)),
                            other => other.clone(),
                        })
                        .collect(),
                ),
            ),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}
