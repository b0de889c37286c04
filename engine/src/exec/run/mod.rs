//! The executor: runs loaded playbooks with ansible-core 2.19's `linear` and `free`
//! strategies and emits [`Event`]s. Plays → `serial:` batches → facts → pre_tasks | roles + tasks |
//! post_tasks (handlers flushed after each of the three) → failure budget per
//! [`crate::exec::budget`].
//!
//! Modules and connections come from the caller ([`RunOptions::modules`],
//! [`Connector`]), so the executor is tested with its own test modules.
//!
//! Layout: [`play`] (a play's batches, prompts, fact gathering), [`free`] (the
//! per-host runner of strategy `free`), [`block`] (lockstep over blocks, per-task
//! result handling), [`results`] (register, counters, budget), [`outcome`] (result
//! events and error blocks), [`fact_cache`] (`fact_caching = jsonfile`),
//! [`include_vars`], [`prompt`] (`vars_prompt`),
//! [`task`] (one task on one host: when, loop, register shape), [`attempts`]
//! (until/retries, changed_when/failed_when, timeout), [`async_jobs`] (`async`/`poll`,
//! `async_status`: background jobs kept in the controller), [`module`] (connection,
//! environment, become vars, diffs), [`actions`] (engine actions), [`directives`]
//! (meta, includes, add_host/group_by), [`handlers`], [`loops`], [`state`] (per-host
//! facts/set_fact/include_vars and the variables built from them).
//!
//! Known differences from ansible-playbook 2.19:
//! - Results are emitted as each host finishes; a missing handler is reported after
//!   the notifying task's results were sent (ansible aborts before printing them).
//! - `environment:` is applied by exporting the variables in the host's shell before
//!   each command a module runs (works for POSIX shells only).
//! - Strategy `free`: each host's events reach the console as they happen, so banner
//!   repeats depend on timing as in ansible.
//! - `async` jobs run in the controller, not on the host; `poll: 0` jobs still running
//!   when the run ends are cancelled (ansible leaves them running on the host).
//! - The fact cache is read when the run starts and written when it ends (ansible
//!   writes on every change); `--flush-cache` is not wired yet.

mod actions;
mod async_jobs;
mod attempts;
mod block;
mod directives;
mod fact_cache;
mod free;
mod handlers;
mod include_vars;
mod loops;
mod module;
mod outcome;
mod play;
mod prompt;
mod results;
mod state;
mod task;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_async;
#[cfg(test)]
mod tests_blocks;
#[cfg(test)]
mod tests_fact_cache;
#[cfg(test)]
mod tests_free;
#[cfg(test)]
mod tests_more;
#[cfg(test)]
mod tests_vars;
#[cfg(test)]
mod tests_wait_for;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use tokio::sync::mpsc::Sender;

pub use actions::{Directive, is_engine_action};
pub use block::Inherited;
pub use state::{HostState, PlayVarsCx, States};
pub use task::{Connector, HostOutcome, ModuleLookup};

use crate::cli::Loaded;
use crate::exec::budget::UnreachableRule;
use crate::playbook::{Play, TagFilter, Task, TaskOrBlock};
use crate::report::{Event, HostCounters, HostStatus, Recap};
use crate::source::SourceError;
use crate::template::Templar;
use crate::vars::RunFacts;

/// How to run.
#[derive(Clone)]
pub struct RunOptions {
    pub modules: ModuleLookup,
    pub connector: Arc<dyn Connector>,
    pub check: bool,
    pub diff: bool,
    pub forks: usize,
    pub verbosity: u8,
    pub tags: TagFilter,
    pub start_at_task: Option<String>,
    pub force_handlers: bool,
    /// `--flush-cache`: forget every inventory host's cached facts before the run.
    pub flush_cache: bool,
    pub unreachable_rule: UnreachableRule,
    /// What the magic variables report (check mode, tags, limit, ...).
    pub run: RunFacts,
    pub roles_path: Vec<PathBuf>,
    /// Seed for `order: shuffle`.
    pub random_seed: u64,
    /// Cancelled on Ctrl-C: running tasks are abandoned, nothing more starts, the
    /// recap is sent and the exit code is 99.
    pub cancel: tokio_util::sync::CancellationToken,
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// 0 ok, 2 a host failed, 4 a host was unreachable (outranks failed), 1 an error
    /// that ended the run (bad play keyword, unknown handler; no recap is sent).
    pub exit_code: i32,
    pub recap: Recap,
}

/// State of one play's current batch, shared by the block runner.
pub(crate) struct PlayRun<'a> {
    pub loaded: &'a Loaded,
    pub opts: &'a RunOptions,
    pub play: &'a Play,
    pub vars: Arc<PlayVarsCx>,
    pub events: Sender<Event>,
    pub states: States,
    /// The run's inventory, replaced by `add_host`/`group_by` (later plays see it).
    pub inventory_cell: Arc<Mutex<Arc<crate::inventory::Inventory>>>,
    pub batch: Vec<String>,
    pub batch_failed: HashSet<String>,
    pub batch_unreachable: HashSet<String>,
    pub handlers: Vec<Task>,
    pub notified: Vec<HashSet<String>>,
    /// Notifications (name or topic, host) saved until the next flush, where they
    /// are resolved against the handlers known then (an `include_role` may add one).
    pub pending_notify: Vec<(String, String)>,
    /// Per handler (same index as `handlers`): what an `include_role` handler inherits
    /// from its include (e.g. its `vars:`); `None` for the play's own handlers.
    pub handler_inherited: Vec<Option<block::Inherited>>,
    /// Handlers are running: a notification is resolved at once.
    pub flushing: bool,
    pub play_kw: IndexMap<String, crate::yaml::Node>,
    pub max_fail: Option<f64>,
    pub play_any_errors_fatal: bool,
    pub start_at: Option<String>,
    pub stop_play: bool,
    pub stop_run: bool,
    pub stop_batch: bool,
    pub end_play: bool,
    /// An error that ends the whole run (exit 1, no recap), e.g. a missing handler.
    pub fatal_error: Option<SourceError>,
    /// `--force-handlers` or the play's `force_handlers:`.
    pub force_handlers: bool,
    /// Strategy `free`: this run is one host's own (see [`free`]).
    pub free: Option<free::FreeCx>,
}

impl PlayRun<'_> {
    pub async fn emit(&self, e: Event) {
        match &self.free {
            Some(free) => free.gate.send(free.current.as_ref(), e).await,
            None => {
                let _ = self.events.send(e).await;
            }
        }
    }

    pub fn opts_templar(&self) -> &Templar {
        &self.loaded.templar
    }
}

pub(crate) fn collect_handlers(blocks: &[crate::playbook::Block], out: &mut Vec<Task>) {
    for b in blocks {
        for e in b.block.iter().chain(&b.rescue).chain(&b.always) {
            match e {
                TaskOrBlock::Task(t) => out.push((**t).clone()),
                TaskOrBlock::Block(inner) => collect_handlers(std::slice::from_ref(inner), out),
            }
        }
    }
}

/// Runs every playbook of `loaded` in order; events go to `events`.
pub async fn run_playbooks(
    loaded: &Loaded,
    opts: &RunOptions,
    events: Sender<Event>,
) -> RunSummary {
    let states: States = Arc::new(Mutex::new(HashMap::new()));
    let cache = fact_cache::FactCache::from_config(&loaded.config);
    if let Some(cache) = &cache {
        for host in loaded.inventory.hosts.keys() {
            if opts.flush_cache {
                if let Err(msg) = cache.save(host, &serde_json::Map::new()) {
                    let _ = events.send(Event::Warning { message: msg }).await;
                }
                continue;
            }
            if let Some(facts) = cache.load(host) {
                state::with_state(&states, host, |s| {
                    state::store_facts(s, &facts);
                    s.facts_dirty = false;
                });
            }
        }
    }
    let inventory_cell = Arc::new(Mutex::new(loaded.inventory.clone()));
    let mut start_at = opts.start_at_task.clone();
    let mut error_exit = false;
    'run: for (path, pb) in &loaded.playbooks {
        let _ = events
            .send(Event::PlaybookStart {
                path: path.clone(),
                plays: pb.plays.len(),
            })
            .await;
        let playbook_dir = pb.path.parent().map(PathBuf::from).unwrap_or_default();
        let dirs = match loaded.inventory.vars_dir_for(&playbook_dir) {
            Ok(d) => Arc::new(vec![d]),
            Err(e) => {
                let _ = events
                    .send(Event::Warning {
                        message: e.render(),
                    })
                    .await;
                Arc::new(Vec::new())
            }
        };
        for play in &pb.plays {
            let cx = play::PlayInputs {
                states: &states,
                inventory_cell: &inventory_cell,
                dirs: &dirs,
                events: &events,
            };
            match play::run_play(loaded, opts, play, &cx, &mut start_at).await {
                Ok(true) => {}
                Ok(false) => break 'run,
                Err(e) => {
                    // The console adds the `[ERROR]: ` prefix itself.
                    let text = e.render();
                    let message = text.strip_prefix("[ERROR]: ").unwrap_or(&text).to_string();
                    let _ = events.send(Event::Error { message }).await;
                    error_exit = true;
                    break 'run;
                }
            }
        }
    }
    // Deliberate difference: `poll: 0` jobs still running end with the run (ansible
    // leaves them running on the host; ringmaster runs them in this process).
    async_jobs::cancel_all(&states);
    if let Some(cache) = &cache {
        save_facts(cache, &states, &events).await;
    }
    let (recap, any_failed, any_unreachable) = recap_of(&states);
    if opts.cancel.is_cancelled() {
        let _ = events
            .send(Event::Error {
                message: "User interrupted execution".into(),
            })
            .await;
        let _ = events.send(Event::Recap(recap.clone())).await;
        return RunSummary {
            exit_code: 99,
            recap,
        };
    }
    // An error ends the run at once: ansible prints no recap and exits 1.
    if error_exit {
        return RunSummary {
            exit_code: 1,
            recap,
        };
    }
    let _ = events.send(Event::Recap(recap.clone())).await;
    let exit_code = if any_unreachable {
        4
    } else if any_failed {
        2
    } else {
        0
    };
    RunSummary { exit_code, recap }
}

/// Writes the facts that changed in this run to the persistent cache.
async fn save_facts(cache: &fact_cache::FactCache, states: &States, events: &Sender<Event>) {
    let changed: Vec<(String, serde_json::Map<String, serde_json::Value>)> = {
        let guard = match states.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .iter()
            .filter(|(_, s)| s.facts_dirty)
            .map(|(h, s)| (h.clone(), state::cached_facts(s)))
            .collect()
    };
    for (host, facts) in changed {
        if let Err(message) = cache.save(&host, &facts) {
            let _ = events.send(Event::Warning { message }).await;
        }
    }
}

/// The recap (hosts sorted by name) and whether any host failed / was unreachable.
fn recap_of(states: &States) -> (Recap, bool, bool) {
    let guard = match states.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    // Recorded: the recap lists the hosts that have any result (ansible's
    // `AggregateStats.processed`).
    let mut names: Vec<&String> = guard
        .iter()
        .filter(|(_, s)| s.processed)
        .map(|(k, _)| k)
        .collect();
    names.sort();
    let mut recap = Recap::default();
    let (mut any_failed, mut any_unreachable) = (false, false);
    for name in names {
        recap.hosts.insert(name.clone(), guard[name].counters);
    }
    // Recorded: the exit code follows the hosts still failed (so
    // `meta: clear_host_errors` gives 0), not the recap's failed counters.
    for s in guard.values() {
        any_failed |= s.failed;
        any_unreachable |= s.unreachable;
    }
    (recap, any_failed, any_unreachable)
}

/// Counters of a host (for tests and reporters).
pub fn counters_of(summary: &RunSummary, host: &str) -> HostCounters {
    summary.recap.hosts.get(host).copied().unwrap_or_default()
}

/// Whether a status counts as a failure of the host.
pub fn is_failure(status: HostStatus) -> bool {
    matches!(status, HostStatus::Failed | HostStatus::Unreachable)
}
