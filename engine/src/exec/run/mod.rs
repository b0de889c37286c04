//! The executor: runs loaded playbooks with ansible-core 2.19's linear strategy and
//! emits [`Event`]s. Plays → `serial:` batches → facts → pre_tasks | roles + tasks |
//! post_tasks (handlers flushed after each of the three) → failure budget per
//! [`crate::exec::budget`].
//!
//! Modules and connections come from the caller ([`RunOptions::modules`],
//! [`Connector`]), so the executor is tested with its own test modules.
//!
//! Layout: [`block`] (lockstep over blocks, per-task result handling, budget),
//! [`task`] (one task on one host: when, loop, register shape), [`attempts`]
//! (until/retries, changed_when/failed_when, timeout), [`module`] (connection,
//! environment, become vars, diffs), [`actions`] (engine actions), [`directives`]
//! (meta, includes, add_host/group_by), [`handlers`], [`loops`], [`state`] (per-host
//! facts/set_fact/include_vars and the variables built from them).
//!
//! Known differences from ansible-playbook 2.19:
//! - Results are emitted as each host finishes; a missing handler is reported after
//!   the notifying task's results were sent (ansible aborts before printing them).
//! - `environment:` is applied by exporting the variables in the host's shell before
//!   each command a module runs (works for POSIX shells only).

mod actions;
mod attempts;
mod block;
mod directives;
mod fact_cache;
mod free;
mod handlers;
mod include_vars;
mod loops;
mod module;
mod prompt;
mod results;
mod state;
mod task;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
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
use crate::exec::budget::{self, BatchCounts, UnreachableRule};
use crate::exec::plan;
use crate::playbook::{Play, TagFilter, Task, TaskOrBlock};
use crate::report::{Event, HostCounters, HostStatus, Recap};
use crate::source::SourceError;
use crate::template::{Scope, Templar, py_str};
use crate::vars::{self, RunFacts};

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
    pub fatal_error: Option<String>,
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
            let cx = PlayInputs {
                states: &states,
                inventory_cell: &inventory_cell,
                dirs: &dirs,
                events: &events,
            };
            match run_play(loaded, opts, play, &cx, &mut start_at).await {
                Ok(true) => {}
                Ok(false) => break 'run,
                Err(e) => {
                    let _ = events
                        .send(Event::Error {
                            message: e.render(),
                        })
                        .await;
                    error_exit = true;
                    break 'run;
                }
            }
        }
    }
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

use crate::vars::keyword_error;

/// What every play of a run shares.
struct PlayInputs<'a> {
    states: &'a States,
    inventory_cell: &'a Arc<Mutex<Arc<crate::inventory::Inventory>>>,
    dirs: &'a Arc<Vec<crate::inventory::VarsDir>>,
    events: &'a Sender<Event>,
}

/// Runs one play; `Ok(false)` stops the run.
async fn run_play(
    loaded: &Loaded,
    opts: &RunOptions,
    play: &Play,
    cx: &PlayInputs<'_>,
    start_at: &mut Option<String>,
) -> Result<bool, SourceError> {
    let (states, dirs, events) = (cx.states, cx.dirs, cx.events);
    let inventory = match cx.inventory_cell.lock() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let templar = &loaded.templar;
    let groups = inventory.groups_map();
    let pre_magic = vars::play_magic(&opts.run, "", &groups, &[]);
    let mut layers = vars::play_layers(play, &loaded.extra_vars, &pre_magic, templar)?;
    let scope = Arc::new(Scope::new(vars::with_magic(&layers, &pre_magic)));
    let specs = prompt::prompt_specs(play, &loaded.extra_vars, templar, &scope);
    let scope = if specs.is_empty() {
        scope
    } else {
        let (values, warn) = prompt::run_prompts(&specs);
        if warn {
            let _ = events
                .send(Event::Warning {
                    message: "Not prompting as we are not in interactive mode".into(),
                })
                .await;
        }
        layers.push(vars::Level::VarsPrompt, values);
        Arc::new(Scope::new(vars::with_magic(&layers, &pre_magic)))
    };
    let (patterns, name) = vars::play_head(play, templar, &scope)?;
    let pattern_refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let selection = inventory.select_with_warnings(&pattern_refs)?;
    for w in &selection.warnings {
        let _ = events.send(Event::Warning { message: w.clone() }).await;
    }
    let keyword = |k: &str| -> Result<Option<minijinja::Value>, SourceError> {
        match play.keywords.get(k) {
            Some(n) => templar
                .render_node(n, &scope)
                .map(Some)
                .map_err(|e| keyword_error(k, e)),
            None => Ok(None),
        }
    };
    let order = keyword("order")?
        .filter(|v| !v.is_none())
        .map(|v| py_str(&v));
    let order = plan::HostOrder::parse(order.as_deref())
        .map_err(|e| SourceError::new(&play.span, e.to_string()))?;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(opts.random_seed);
    let all = plan::order_hosts(selection.hosts.clone(), order, |h| h.as_str(), &mut rng);
    if all.is_empty() {
        let _ = events
            .send(Event::PlayStart {
                name,
                batch: Vec::new(),
            })
            .await;
        let _ = events.send(Event::NoHostsMatched).await;
        return Ok(true);
    }
    let serial = match keyword("serial")? {
        Some(v) => plan::parse_serial(&v).map_err(|e| SourceError::new(&play.span, e.message))?,
        None => Vec::new(),
    };
    let max_fail = match keyword("max_fail_percentage")? {
        Some(v) => budget::parse_max_fail_percentage(&v)
            .map_err(|e| SourceError::new(&play.span, e.to_string()))?,
        None => None,
    };
    let truthy = |v: Option<minijinja::Value>| {
        v.map(|v| match v.as_str() {
            Some(s) => crate::cli::parse_bool(s).unwrap_or(false),
            None => v.is_true(),
        })
    };
    // `gathering`: implicit gathers unless `gather_facts: false`, explicit only with
    // `gather_facts: true`, smart like implicit but not for hosts already gathered.
    let gather_kw = truthy(keyword("gather_facts")?);
    let gathering = loaded.config.gathering.as_str();
    let gather = match gathering {
        "explicit" => gather_kw == Some(true),
        _ => gather_kw.unwrap_or(true),
    };
    let smart = gathering == "smart";
    let force_handlers = opts.force_handlers || truthy(keyword("force_handlers")?).unwrap_or(false);
    let any_errors_fatal = truthy(keyword("any_errors_fatal")?).unwrap_or(false);
    // The free strategy checks neither max_fail_percentage nor any_errors_fatal.
    let free = keyword("strategy")?.is_some_and(|s| py_str(&s) == "free");
    let max_fail_set = max_fail.is_some();
    let (max_fail, any_errors_fatal) = if free {
        (None, false)
    } else {
        (max_fail, any_errors_fatal)
    };
    let mut handlers = Vec::new();
    collect_handlers(&play.handlers, &mut handlers);
    handlers::template_handler_names(&mut handlers, templar, &scope);
    let mut play_kw = IndexMap::new();
    for (k, kw) in play.keywords.iter() {
        play_kw.insert(k.to_string(), kw.value.clone());
    }
    for (batch_no, batch) in plan::plan_batches(&all, &serial).into_iter().enumerate() {
        let batch_started: Vec<String> = batch
            .iter()
            .filter(|h| state::with_state(states, h, |s| s.active()))
            .cloned()
            .collect();
        let magic = vars::play_magic(&opts.run, &name, &groups, &all);
        let mut magic = magic;
        magic.insert(
            "ansible_play_batch".into(),
            crate::template::VarValue::Data(minijinja::Value::from(batch_started.clone())),
        );
        // Recorded: ansible_play_hosts = the play's hosts that have not failed.
        let play_hosts: Vec<String> = all
            .iter()
            .filter(|h| state::with_state(states, h, |s| s.active()))
            .cloned()
            .collect();
        magic.insert(
            "ansible_play_hosts".into(),
            crate::template::VarValue::Data(minijinja::Value::from(play_hosts.clone())),
        );
        magic.insert(
            "play_hosts".into(),
            crate::template::VarValue::Data(minijinja::Value::from(play_hosts)),
        );
        let inventory_now = match cx.inventory_cell.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut hostvars_layers = vars::VarLayers::new();
        hostvars_layers.push(
            crate::vars::Level::ExtraVars,
            loaded
                .extra_vars
                .iter()
                .map(|(k, v)| (k.clone(), crate::template::VarValue::Raw(v.clone())))
                .collect(),
        );
        let vars_cx = PlayVarsCx::new(
            layers.clone(),
            hostvars_layers,
            inventory_now,
            dirs.clone(),
            magic,
            states.clone(),
        );
        let mut run = PlayRun {
            loaded,
            opts,
            play,
            vars: vars_cx,
            events: events.clone(),
            states: states.clone(),
            inventory_cell: cx.inventory_cell.clone(),
            batch: batch.clone(),
            batch_failed: HashSet::new(),
            batch_unreachable: HashSet::new(),
            notified: vec![HashSet::new(); handlers.len()],
            pending_notify: Vec::new(),
            handler_inherited: vec![None; handlers.len()],
            flushing: false,
            handlers: handlers.clone(),
            play_kw: play_kw.clone(),
            max_fail,
            play_any_errors_fatal: any_errors_fatal,
            start_at: start_at.take(),
            stop_play: false,
            stop_run: false,
            stop_batch: false,
            end_play: false,
            fatal_error: None,
            force_handlers,
            free: None,
        };
        run.emit(Event::PlayStart {
            name: name.clone(),
            batch: batch.clone(),
        })
        .await;
        let inh = Inherited {
            kw: play_kw.clone(),
            whens: play.import_when.clone(),
            ..Inherited::default()
        };
        // Handlers are flushed after pre_tasks, after roles + tasks, after post_tasks.
        let sections: [Vec<&crate::playbook::Block>; 3] = [
            play.pre_tasks.iter().collect(),
            play.roles.iter().chain(&play.tasks).collect(),
            play.post_tasks.iter().collect(),
        ];
        if free {
            if batch_no == 0 && max_fail_set {
                run.emit(Event::Warning {
                    message: free::MAX_FAIL_WARNING.into(),
                })
                .await;
            }
            run.run_free(&batch_started, gather, &sections, &inh).await;
        } else {
            let to_gather: Vec<String> = batch_started
                .iter()
                .filter(|h| !smart || !state::with_state(states, h, |s| s.facts_gathered))
                .cloned()
                .collect();
            if gather && !to_gather.is_empty() {
                run.gather_facts(&to_gather).await;
            }
            run.run_sections(&sections, &inh).await;
        }
        if let Some(msg) = run.fatal_error.take() {
            return Err(SourceError::plain(msg));
        }
        *start_at = run.start_at.take();
        for h in &batch {
            state::with_state(states, h, |s| s.ended = false);
        }
        if run.stop_run {
            return Ok(false);
        }
        let counts = BatchCounts {
            batch_size: batch.len(),
            failed: run.batch_failed.len(),
            unreachable: run.batch_unreachable.len(),
        };
        if budget::whole_batch_failed(counts) {
            return Ok(false);
        }
        if run.end_play {
            break;
        }
    }
    Ok(true)
}

impl PlayRun<'_> {
    /// The linear strategy over the play's sections (handlers flushed after each).
    async fn run_sections(&mut self, sections: &[Vec<&crate::playbook::Block>], inh: &Inherited) {
        for section in sections {
            for block in section {
                if self.stop_play || self.stop_batch {
                    break;
                }
                let hosts: Vec<String> = self
                    .batch
                    .iter()
                    .filter(|h| state::with_state(&self.states, h, |s| s.active()))
                    .cloned()
                    .collect();
                if hosts.is_empty() {
                    break;
                }
                self.run_block(block, &hosts, inh).await;
            }
            if !self.stop_play {
                self.flush_handlers().await;
            }
        }
    }

    /// `Gathering Facts`: the `setup` module on each host of the batch.
    async fn gather_facts(&mut self, hosts: &[String]) {
        let span = self.play.span.clone();
        let task = Task {
            name: Some(crate::yaml::Node::new(
                crate::yaml::Value::Str("Gathering Facts".into()),
                span.clone(),
            )),
            action: "ansible.builtin.setup".into(),
            action_as_written: "gather_facts".into(),
            action_span: span.clone(),
            args: Default::default(),
            keywords: Default::default(),
            delegate_to: None,
            kind: crate::playbook::TaskKind::Module,
            is_handler: false,
            tags: vec!["always".into()],
            listen: Vec::new(),
            role: None,
            span,
        };
        let inh = Inherited {
            kw: self.play_kw.clone(),
            ..Inherited::default()
        };
        let mut task = task;
        for key in ["gather_subset", "gather_timeout", "fact_path"] {
            if let Some(kw) = self.play.keywords.entries.get(key) {
                task.args.insert(
                    crate::yaml::Node::new(
                        crate::yaml::Value::Str(key.into()),
                        kw.key_span.clone(),
                    ),
                    kw.value.clone(),
                );
            }
        }
        let saved = self.start_at.take();
        self.run_task(&task, hosts, &inh).await;
        self.start_at = saved;
    }
}

/// Counters of a host (for tests and reporters).
pub fn counters_of(summary: &RunSummary, host: &str) -> HostCounters {
    summary.recap.hosts.get(host).copied().unwrap_or_default()
}

/// Whether a status counts as a failure of the host.
pub fn is_failure(status: HostStatus) -> bool {
    matches!(status, HostStatus::Failed | HostStatus::Unreachable)
}
