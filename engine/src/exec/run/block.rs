//! The linear strategy over one batch: blocks in lockstep (body, then `rescue` for the
//! hosts that failed, then `always` for every host that entered), each task on all
//! hosts in parallel (bounded by `forks`/`throttle`), results applied in host order,
//! then the failure budget.

use std::sync::Arc;

use indexmap::IndexMap;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::PlayRun;
use super::actions::Directive;
use super::directives::ItemDirective;
use super::state::with_state;
use super::task::{HostJob, HostOutcome, run_host};
use crate::exec::budget::{self, FatalityKeywords};
use crate::exec::controller::inherit_keyword;
use crate::playbook::{Block, Task, TaskOrBlock};
use crate::report::{Event, HostStatus, TaskKindTag};
use crate::template::{VarValue, py_str};
use crate::vars::Level;
use crate::yaml::Node;

/// Keywords a task inherits from its blocks and play (nearest wins).
const INHERITED: &[&str] = &[
    "ignore_errors",
    "ignore_unreachable",
    "no_log",
    "check_mode",
    "diff",
    "any_errors_fatal",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "throttle",
    "environment",
    "become",
    "become_user",
    "become_method",
];

/// What a task inherits at one point of the block tree.
#[derive(Clone, Default)]
pub struct Inherited {
    pub kw: IndexMap<String, Node>,
    pub whens: Vec<Node>,
    pub layers: Vec<(Level, IndexMap<String, VarValue>)>,
    /// Some enclosing block (in its body) has a `rescue:`: a failure here is rescued.
    pub rescuable: bool,
}

impl Inherited {
    fn enter(&self, keywords: &crate::playbook::Keywords, level: Level) -> Inherited {
        let mut out = self.clone();
        for name in INHERITED {
            if let Some(v) = keywords.get(name) {
                out.kw.insert(
                    (*name).to_string(),
                    inherit_keyword(name, out.kw.get(*name), v),
                );
            }
        }
        if let Some(w) = keywords.get("when") {
            out.whens.push(w.clone());
        }
        if let Some(m) = keywords.get("vars").and_then(Node::as_map) {
            let vars: IndexMap<String, VarValue> = m
                .iter()
                .filter_map(|(k, v)| Some((k.key_string()?, VarValue::Raw(v.clone()))))
                .collect();
            out.layers.push((level, vars));
        }
        out
    }
}

/// Which hosts left a section, and why.
#[derive(Default)]
pub struct Left {
    /// Failed (not ignored): they go to the enclosing `rescue:` if any.
    pub failed: Vec<String>,
}

impl PlayRun<'_> {
    /// Runs entries in order on `hosts`; returns the hosts that failed in them.
    pub async fn run_entries(
        &mut self,
        entries: &[TaskOrBlock],
        hosts: &[String],
        inh: &Inherited,
    ) -> Left {
        let mut active: Vec<String> = hosts.to_vec();
        let mut left = Left::default();
        for entry in entries {
            if self.opts.cancel.is_cancelled() {
                self.stop_play = true;
                self.stop_run = true;
            }
            if self.free.as_ref().is_some_and(|f| f.aborted()) {
                self.stop_play = true;
            }
            if self.stop_play || self.stop_batch {
                break;
            }
            active.retain(|h| {
                with_state(&self.states, h, |s| {
                    !s.unreachable && !s.ended && !s.role_ended
                })
            });
            if active.is_empty() {
                break;
            }
            let failed = match entry {
                TaskOrBlock::Task(task) => self.run_task(task, &active, inh).await,
                TaskOrBlock::Block(block) => {
                    Box::pin(self.run_block(block, &active, inh)).await.failed
                }
            };
            active.retain(|h| !failed.contains(h));
            left.failed.extend(failed);
        }
        left
    }

    /// One block: body, `rescue:` for hosts that failed in it, `always:` for all.
    pub async fn run_block(&mut self, block: &Block, hosts: &[String], inh: &Inherited) -> Left {
        let mut inner = inh.enter(&block.keywords, Level::BlockVars);
        if let Some(role) = &block.role {
            let params: IndexMap<String, VarValue> = role
                .params
                .iter()
                .filter_map(|(k, v)| Some((k.key_string()?, VarValue::Raw(v.clone()))))
                .collect();
            inner.layers.push((Level::RoleParams, params));
        }
        let mut body_inh = inner.clone();
        body_inh.rescuable |= !block.rescue.is_empty();
        let body = self.run_entries(&block.block, hosts, &body_inh).await;
        let mut failed = body.failed;
        if !block.rescue.is_empty() && !failed.is_empty() && !self.stop_play {
            let rescued = self
                .run_entries(&block.rescue, &failed.clone(), &inner)
                .await;
            failed = rescued.failed;
        }
        if !block.always.is_empty() && !self.stop_play {
            let entered: Vec<String> = hosts.to_vec();
            let always = self.run_entries(&block.always, &entered, &inner).await;
            for h in always.failed {
                if !failed.contains(&h) {
                    failed.push(h);
                }
            }
        }
        if block.role.is_some() {
            // `meta: end_role` ends the role only.
            for h in hosts {
                with_state(&self.states, h, |s| s.role_ended = false);
            }
        }
        Left { failed }
    }

    /// Runs one task on `hosts`; returns the hosts that failed on it.
    pub async fn run_task(
        &mut self,
        task: &Task,
        hosts: &[String],
        inh: &Inherited,
    ) -> Vec<String> {
        if !self.opts.tags.should_run(&task.tags) && !task.is_handler {
            return Vec::new();
        }
        if let Some(start) = &self.start_at {
            if task.display_name() != *start
                && task.name.as_ref().and_then(Node::as_str) != Some(start.as_str())
            {
                return Vec::new();
            }
            self.start_at = None;
        }
        // Included tasks inherit what the include's parents give plus the include's
        // `vars:`; its `when`, `tags` and other keywords apply to the include only.
        let mut for_included = inh.clone();
        if let Some(m) = task.keywords.get("vars").and_then(Node::as_map) {
            let vars: IndexMap<String, VarValue> = m
                .iter()
                .filter_map(|(k, v)| Some((k.key_string()?, VarValue::Raw(v.clone()))))
                .collect();
            for_included.layers.push((Level::IncludeParams, vars));
        }
        let inh = inh.enter(&task.keywords, Level::TaskVars);
        let first = &hosts[0];
        let first_scope = self.vars.host_scope(first, &inh.layers);
        let name = match &task.name {
            Some(n) if n.as_str().is_some_and(crate::template::has_jinja) => self
                .opts_templar()
                .render_node(n, &first_scope)
                .map(|v| py_str(&v))
                .unwrap_or_else(|_| task.display_name()),
            _ => task.display_name(),
        };
        // An unnamed include_role is shown as `include_role : <role>`.
        let name = match (&task.kind, task.name.as_ref().and_then(Node::as_str)) {
            (crate::playbook::TaskKind::IncludeRole, None) => {
                let role = task
                    .args
                    .get("name")
                    .and_then(|n| self.opts_templar().render_node(n, &first_scope).ok())
                    .map(|v| py_str(&v))
                    .unwrap_or_default();
                format!("{} : {role}", task.action_as_written)
            }
            _ => name,
        };
        let name = match (&task.role, &task.name) {
            (Some(role), Some(n)) if n.as_str().is_some_and(crate::template::has_jinja) => {
                format!("{} : {name}", role.name)
            }
            _ => name,
        };
        let kind = if task.is_handler {
            TaskKindTag::Handler
        } else {
            TaskKindTag::Task
        };
        // Recorded (strategy `_execute_meta`): a meta task sends its banner once per
        // host it runs for; metas other than these run once for all hosts.
        let meta = task
            .action
            .ends_with(".meta")
            .then(|| task.args.get("_raw_params").and_then(Node::as_str))
            .flatten();
        let per_host_meta = matches!(
            meta,
            Some(
                "noop"
                    | "reset_connection"
                    | "end_host"
                    | "role_complete"
                    | "flush_handlers"
                    | "end_role"
            )
        );
        let banner = Event::TaskStart {
            name: name.clone(),
            kind,
            action: task.action.clone(),
            path: None,
        };
        if let Some(free) = &mut self.free {
            // Under `free` the banner goes out before this task's first result.
            let key = format!(
                "{}:{}:{name}:{kind:?}",
                task.span.file.path.display(),
                task.span.offset
            );
            free.current = Some((key, banner.clone()));
        } else if !per_host_meta {
            self.emit(banner.clone()).await;
        }
        let kw_bool = |key: &str| -> bool {
            inh.kw
                .get(key)
                .and_then(|n| self.opts_templar().render_node(n, &first_scope).ok())
                .map(|v| match v.as_str() {
                    Some(s) => crate::cli::parse_bool(s).unwrap_or(false),
                    None => v.is_true(),
                })
                .unwrap_or(false)
        };
        // add_host and pause bypass the host loop: they run on the first host only,
        // and (recorded) their result is registered for that host only; with
        // `run_once` the result is shared with every host.
        let bypass = task.action.ends_with(".add_host") || task.action.ends_with(".pause");
        if bypass && self.free.is_some() {
            // Recorded: ansible refuses these under `free` and ends the run (exit 1).
            let short = task.action_as_written.clone();
            self.fatal_error = Some(crate::source::SourceError::new(
                &task.span,
                format!(
                    "The '{short}' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list."
                ),
            ));
            self.stop_play = true;
            if let Some(free) = &self.free {
                free.abort();
            }
            return Vec::new();
        }
        let shared = kw_bool("run_once") || (meta.is_some() && !per_host_meta);
        let run_once = shared || bypass;
        let mut any_errors_fatal = kw_bool("any_errors_fatal") || self.play_any_errors_fatal;
        if let Some(free) = &self.free {
            let mut warnings = Vec::new();
            if any_errors_fatal && meta.is_none() && free.warn_any_errors_fatal() {
                warnings.push(super::free::ANY_ERRORS_FATAL_WARNING);
            }
            if kw_bool("run_once") && free.warn_run_once() {
                warnings.push(super::free::RUN_ONCE_WARNING);
            }
            for w in warnings {
                self.emit(Event::Warning { message: w.into() }).await;
            }
            any_errors_fatal = false;
        }
        let ignore_errors = kw_bool("ignore_errors");
        let delegate_facts = kw_bool("delegate_facts");
        let throttle = inh
            .kw
            .get("throttle")
            .and_then(|n| self.opts_templar().render_node(n, &first_scope).ok())
            .and_then(|v| py_str(&v).trim().parse::<usize>().ok())
            .filter(|t| *t > 0);
        let runners: Vec<String> = if run_once {
            vec![first.clone()]
        } else {
            hosts.to_vec()
        };
        let limit = throttle
            .map(|t| t.min(self.opts.forks))
            .unwrap_or(self.opts.forks)
            .max(1);
        let outcomes = if per_host_meta && self.free.is_none() {
            // One host after the other, each under its own banner (40).
            let mut all = Vec::new();
            for host in &runners {
                self.emit(banner.clone()).await;
                all.extend(
                    self.spawn_all(task, &inh, std::slice::from_ref(host), 1)
                        .await,
                );
            }
            all
        } else {
            self.spawn_all(task, &inh, &runners, limit).await
        };
        let mut failed_here: Vec<String> = Vec::new();
        let mut unreachable_here: Vec<String> = Vec::new();
        let mut directives: Vec<ItemDirective> = Vec::new();
        for out in &outcomes {
            let targets: Vec<String> = if shared {
                hosts.to_vec()
            } else {
                vec![out.host.clone()]
            };
            for (i, host) in targets.iter().enumerate() {
                self.apply_vars(task, out, host, delegate_facts);
                // Recorded: meta tasks count nothing in the recap, not even skips.
                if i == 0 && !task.action.ends_with(".meta") {
                    self.count(out, &inh);
                }
                match (out.status, out.ignored) {
                    (HostStatus::Failed, false) => {
                        failed_here.push(host.clone());
                        if !inh.rescuable {
                            with_state(&self.states, host, |s| s.failed = true);
                            self.batch_failed.insert(host.clone());
                        } else {
                            self.set_failed_vars(task, out, host);
                        }
                    }
                    (HostStatus::Unreachable, false) => {
                        unreachable_here.push(host.clone());
                        with_state(&self.states, host, |s| s.unreachable = true);
                        self.batch_unreachable.insert(host.clone());
                    }
                    (HostStatus::Changed, _) => self.notify(task, host, &inh).await,
                    _ => {}
                }
                if out.directive != Directive::None {
                    directives.push(ItemDirective {
                        host: host.clone(),
                        directive: out.directive.clone(),
                        vars: IndexMap::new(),
                        label: None,
                    });
                }
                for (d, vars, label) in &out.item_directives {
                    directives.push(ItemDirective {
                        host: host.clone(),
                        directive: d.clone(),
                        vars: vars.clone(),
                        label: Some(label.clone()),
                    });
                }
            }
        }
        let fatal = budget::task_is_fatal(FatalityKeywords {
            any_errors_fatal,
            run_once,
            ignore_errors,
        });
        if budget::fatal_failure_spreads(fatal, failed_here.len(), unreachable_here.len()) {
            // Every other host fails too (counting nothing); inside a block with
            // `rescue:` they all go to the rescue, and a successful rescue lets them
            // go on (recorded).
            for h in hosts {
                if !failed_here.contains(h) && !unreachable_here.contains(h) {
                    failed_here.push(h.clone());
                }
            }
            if !inh.rescuable {
                for h in &failed_here {
                    with_state(&self.states, h, |s| s.failed = true);
                    self.batch_failed.insert(h.clone());
                }
            }
            if run_once && !failed_here.is_empty() {
                self.free_fail_batch();
            }
        }
        failed_here.extend(unreachable_here);
        self.check_budget(!outcomes.is_empty()).await;
        self.run_directives(task, &for_included, directives, &mut failed_here)
            .await;
        failed_here
    }

    async fn spawn_all(
        &mut self,
        task: &Task,
        inh: &Inherited,
        runners: &[String],
        limit: usize,
    ) -> Vec<HostOutcome> {
        let task_arc = Arc::new(task.clone());
        let kw = Arc::new(inh.kw.clone());
        let whens = Arc::new(inh.whens.clone());
        let permits = match &self.free {
            Some(free) => free.permits.clone(),
            None => Arc::new(Semaphore::new(limit)),
        };
        let mut forwarders = Vec::new();
        let mut set = JoinSet::new();
        let mut ids = std::collections::HashMap::new();
        for host in runners {
            let job = HostJob {
                host: host.clone(),
                task: task_arc.clone(),
                kw: kw.clone(),
                whens: whens.clone(),
                scope: self.vars.host_scope(host, &inh.layers),
                templar: self.loaded.templar.clone(),
                modules: self.opts.modules,
                connector: self.opts.connector.clone(),
                play: self.vars.clone(),
                check_mode: self.opts.check,
                diff: self.opts.diff,
                verbosity: self.opts.verbosity,
                basedir: self.play.basedir.clone(),
                events: self.events.clone(),
            };
            let mut job = job;
            if let Some(free) = &self.free {
                // The host's results go through the banner gate with this task.
                let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(64);
                job.events = tx;
                let gate = free.gate.clone();
                let current = free.current.clone();
                forwarders.push(tokio::spawn(async move {
                    while let Some(e) = rx.recv().await {
                        gate.send(current.as_ref(), e).await;
                    }
                }));
            }
            let permits = permits.clone();
            let handle = set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                run_host(job).await
            });
            ids.insert(handle.id(), host.clone());
        }
        let mut by_host: IndexMap<String, HostOutcome> = IndexMap::new();
        loop {
            let joined = tokio::select! {
                j = set.join_next_with_id() => j,
                _ = self.opts.cancel.cancelled() => {
                    set.abort_all();
                    break;
                }
            };
            let Some(joined) = joined else { break };
            match joined {
                Ok((_, out)) => {
                    by_host.insert(out.host.clone(), out);
                }
                Err(e) => {
                    let host = ids.get(&e.id()).cloned().unwrap_or_default();
                    let out = HostOutcome::failure(
                        &host,
                        format!(
                            "ringmaster internal error while running this task on the host: {e}"
                        ),
                    );
                    self.emit(Event::HostResult {
                        host: host.clone(),
                        delegated_to: None,
                        status: HostStatus::Failed,
                        ignored: false,
                        item_label: None,
                        result: out.result.clone(),
                        no_log: false,
                    })
                    .await;
                    by_host.insert(host, out);
                }
            }
        }
        for f in forwarders {
            let _ = f.await;
        }
        runners
            .iter()
            .filter_map(|h| by_host.shift_remove(h))
            .collect()
    }
}
