//! One task on one host: `when`, the loop, argument templating, the action or module,
//! `until`/`retries`, `changed_when`/`failed_when`, and the registered result shape.

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;
use modules::runtime::{BoxFuture, Module, Remote, RemoteError};
use serde_json::{Map, Value as J};
use tokio::sync::mpsc::Sender;

use super::actions::{ActionCx, Directive, run_engine_action};
use super::loops::{item_vars, loop_items};
pub(super) use super::outcome::Failure;
use super::outcome::{CAUSED_BY, default_failed, emit, section, status_of};
use super::state::PlayVarsCx;
use crate::playbook::Task;
use crate::report::{Event, HostStatus};
use crate::template::{Scope, Templar, VarValue, is_omit, py_str, value_to_json};
use crate::yaml::Node;

/// Finds a module by its FQCN.
pub type ModuleLookup = fn(&str) -> Option<&'static dyn Module>;

/// Opens (or reuses) the connection to a host, from the host's variables.
pub trait Connector: Send + Sync {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        vars: &'a Arc<Scope>,
    ) -> BoxFuture<'a, Result<Arc<dyn Remote>, RemoteError>>;

    /// `meta: reset_connection`: drop the host's cached connection (if any) so the
    /// next task connects again.
    fn reset<'a>(&'a self, _host: &'a str, _vars: &'a Arc<Scope>) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

pub(super) const NO_LOG_MSG: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/// Everything one host's run of one task needs (owned, so it runs on its own tokio task).
#[derive(Clone)]
pub struct HostJob {
    pub host: String,
    pub task: Arc<Task>,
    /// The task's keywords with block and play keywords inherited (nearest wins).
    pub kw: Arc<IndexMap<String, Node>>,
    /// Every `when:` that applies (play import, blocks, task), all must hold.
    pub whens: Arc<Vec<Node>>,
    pub scope: Arc<Scope>,
    pub templar: Templar,
    pub modules: ModuleLookup,
    pub connector: Arc<dyn Connector>,
    pub play: Arc<PlayVarsCx>,
    pub check_mode: bool,
    pub diff: bool,
    pub verbosity: u8,
    pub basedir: PathBuf,
    pub events: Sender<Event>,
}

/// What a host's run of a task produced.
#[derive(Debug, Clone)]
pub struct HostOutcome {
    pub host: String,
    pub status: HostStatus,
    /// Failed or unreachable, but `ignore_errors`/`ignore_unreachable` said go on.
    pub ignored: bool,
    /// The result as `register` stores it.
    pub result: Map<String, J>,
    pub set_facts: IndexMap<String, Value>,
    pub include_vars: IndexMap<String, Value>,
    pub facts: Map<String, J>,
    pub directive: Directive,
    /// Directives of loop items (e.g. `include_tasks` in a loop), with each item's
    /// loop variables and label.
    pub item_directives: Vec<(Directive, IndexMap<String, VarValue>, J)>,
    pub delegated_to: Option<String>,
    pub no_log: bool,
}

impl HostOutcome {
    /// A loop's aggregate result (`results`), which the console does not print a line
    /// for; `is_item` says the outcome is one loop item's.
    pub(super) fn ignored_loop_aggregate(&self, is_item: bool) -> bool {
        !is_item && self.result.contains_key("results")
    }

    /// A failure produced by the engine itself (bad keyword value, panic).
    pub fn failure(host: &str, msg: impl Into<String>) -> HostOutcome {
        let mut result = Map::new();
        result.insert("changed".into(), J::Bool(false));
        result.insert("failed".into(), J::Bool(true));
        result.insert("msg".into(), J::String(msg.into()));
        HostOutcome {
            host: host.to_string(),
            status: HostStatus::Failed,
            ignored: false,
            result,
            set_facts: IndexMap::new(),
            include_vars: IndexMap::new(),
            facts: Map::new(),
            directive: Directive::None,
            item_directives: Vec::new(),
            delegated_to: None,
            no_log: false,
        }
    }

    pub fn changed(&self) -> bool {
        self.result
            .get("changed")
            .and_then(J::as_bool)
            .unwrap_or(false)
    }
}

pub(super) fn flag(job: &HostJob, scope: &Arc<Scope>, name: &str) -> Result<Option<bool>, String> {
    match job.kw.get(name) {
        None => Ok(None),
        Some(node) => {
            let v = job
                .templar
                .render_node(node, scope)
                .map_err(|e| e.message)?;
            Ok(Some(match v.as_str() {
                Some(s) => crate::cli::parse_bool(s).unwrap_or(false),
                None => v.is_true(),
            }))
        }
    }
}

pub(super) fn number(job: &HostJob, scope: &Arc<Scope>, name: &str) -> Result<Option<f64>, String> {
    match job.task.keywords.get(name) {
        None => Ok(None),
        Some(node) => {
            let v = job
                .templar
                .render_node(node, scope)
                .map_err(|e| e.message)?;
            let text = py_str(&v);
            text.trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("{name}: '{text}' is not a number"))
        }
    }
}

/// Runs `job` and emits its `HostResult` events (per loop item, then the whole).
pub async fn run_host(job: HostJob) -> HostOutcome {
    let scope = job.scope.clone();
    let no_log = flag(&job, &scope, "no_log").ok().flatten().unwrap_or(false);
    let mut out = match run_host_inner(&job, no_log).await {
        Ok(o) => o,
        Err(f) => HostOutcome {
            result: f.into_result(None),
            ..HostOutcome::failure(&job.host, "")
        },
    };
    out.no_log = no_log;
    let ignore_errors = flag(&job, &scope, "ignore_errors")
        .ok()
        .flatten()
        .unwrap_or(false);
    let ignore_unreachable = flag(&job, &scope, "ignore_unreachable")
        .ok()
        .flatten()
        .unwrap_or(false);
    out.ignored = match out.status {
        HostStatus::Failed => ignore_errors,
        HostStatus::Unreachable => ignore_unreachable,
        _ => false,
    };
    // An include is shown as `included: file for hosts` once the task is done.
    // Recorded: a meta task prints no result (only `skipping` when its `when` is
    // false); an include is shown as `included: file for hosts` after the task.
    let included_items = out
        .item_directives
        .iter()
        .any(|(d, _, _)| matches!(d, Directive::IncludeTasks(_) | Directive::IncludeRole(_)));
    if !included_items
        && !matches!(
            out.directive,
            Directive::IncludeTasks(_) | Directive::IncludeRole(_) | Directive::Meta(_)
        )
    {
        emit(&job, &out, None).await;
    }
    if !out.result.contains_key("results") {
        default_failed(out.status, &mut out.result);
    }
    if out.status == HostStatus::Failed {
        // ansible 2.19 normalises every failure's error detail into `exception`
        // (the console never prints it; `register` keeps it).
        out.result
            .entry("exception")
            .or_insert(J::String("(traceback unavailable)".into()));
    }
    out
}

/// The first `when` that is false, as its raw value, or an error.
fn false_condition(job: &HostJob, scope: &Arc<Scope>) -> Result<Option<J>, Failure> {
    for node in job.whens.iter() {
        let holds = job
            .templar
            .eval_condition_node(node, scope)
            .map_err(|e| Failure {
                causes: e.span.as_ref().map(|sp| section(sp, &e.message)),
                msg: e.message,
            })?;
        if !holds {
            return Ok(Some(node.to_json()));
        }
    }
    Ok(None)
}

fn skipped(false_cond: J) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("changed".into(), J::Bool(false));
    m.insert("false_condition".into(), false_cond);
    m.insert(
        "skip_reason".into(),
        J::String("Conditional result was False".into()),
    );
    m.insert("skipped".into(), J::Bool(true));
    m
}

async fn run_host_inner(job: &HostJob, no_log: bool) -> Result<HostOutcome, Failure> {
    let scope = job.scope.clone();
    let mut out = HostOutcome::failure(&job.host, "");
    out.delegated_to = match job.kw.get("delegate_to").or(job.task.delegate_to.as_ref()) {
        Some(node) => Some(py_str(
            &job.templar
                .render_node(node, &scope)
                .map_err(|e| Failure::from(e.message))?,
        ))
        .filter(|d| !d.is_empty() && d != &job.host),
        None => None,
    };
    let has_loop = job.task.keywords.contains("loop")
        || job
            .task
            .keywords
            .iter()
            .any(|(k, _)| k.starts_with("with_"));
    let spec = if has_loop {
        match loop_items(&job.task, &job.templar, &scope) {
            Ok(spec) => spec,
            // Recorded: a loop that cannot be evaluated still skips the task when
            // its conditions are false without the item (task_executor keeps the
            // loop error until the conditional has been checked).
            Err(e) => match false_condition(job, &scope) {
                Ok(Some(cond)) => {
                    out.result = skipped(cond);
                    out.status = HostStatus::Skipped;
                    return Ok(out);
                }
                _ => return Err(Failure::from(e.message)),
            },
        }
    } else {
        None
    };
    let Some(spec) = spec else {
        if let Some(cond) = false_condition(job, &scope)? {
            out.result = skipped(cond);
            out.status = HostStatus::Skipped;
            return Ok(out);
        }
        let one = super::attempts::run_attempts(job, &scope, out.delegated_to.as_deref()).await;
        out.status = status_of(&one.result);
        out.result = one.result;
        out.set_facts = one.set_facts;
        out.include_vars = one.include_vars;
        out.directive = one.directive;
        if let Some(J::Object(f)) = out.result.get("ansible_facts") {
            out.facts = f.clone();
        }
        return Ok(out);
    };
    let mut results = Vec::new();
    let (mut any_changed, mut any_failed, mut all_skipped) = (false, false, true);
    let mut any_unreachable = false;
    // Facts set by earlier items are visible to later ones (ansible updates the loop's
    // variables after each item).
    let mut earlier: IndexMap<String, VarValue> = IndexMap::new();
    for index in 0..spec.items.len() {
        let mut vars = earlier.clone();
        vars.extend(item_vars(&spec, index));
        let item_scope = Arc::new(Scope::child(&scope, vars));
        if index > 0 && spec.pause > 0.0 {
            tokio::time::sleep(std::time::Duration::from_secs_f64(spec.pause)).await;
        }
        let mut one = match false_condition(job, &item_scope) {
            Ok(Some(cond)) => ItemResult::of(skipped(cond)),
            Ok(None) => {
                super::attempts::run_attempts(job, &item_scope, out.delegated_to.as_deref()).await
            }
            Err(f) => ItemResult::of(f.into_result(None)),
        };
        let item = value_to_json(&spec.items[index]);
        one.result.insert("item".into(), item.clone());
        one.result
            .insert("ansible_loop_var".into(), J::String(spec.loop_var.clone()));
        if let Some(iv) = &spec.index_var {
            one.result.insert(iv.clone(), J::from(index));
            one.result
                .insert("ansible_index_var".into(), J::String(iv.clone()));
        }
        // As TaskResult checks loop results: any item failed / unreachable / changed,
        // all skipped. An unreachable item is shown as a failed item.
        let status = match status_of(&one.result) {
            HostStatus::Unreachable => HostStatus::Failed,
            other => other,
        };
        let is = |k: &str| one.result.get(k).and_then(J::as_bool).unwrap_or(false);
        any_changed |= is("changed");
        any_failed |= is("failed");
        any_unreachable |= is("unreachable");
        all_skipped &= status == HostStatus::Skipped;
        let label = match &spec.label {
            Some(node) => job
                .templar
                .render_node(node, &item_scope)
                .map(|v| value_to_json(&v))
                .unwrap_or(item),
            None => item,
        };
        if one.directive != Directive::None {
            let shown = !matches!(
                one.directive,
                Directive::IncludeTasks(_) | Directive::IncludeRole(_)
            );
            out.item_directives.push((
                std::mem::take(&mut one.directive),
                item_vars(&spec, index),
                label.clone(),
            ));
            if !shown {
                // Shown as `included: file for hosts => (item=...)` after the task.
                results.push(J::Object(one.result));
                continue;
            }
        }
        let item_out = HostOutcome {
            status,
            result: one.result.clone(),
            no_log,
            delegated_to: out.delegated_to.clone(),
            ..HostOutcome::failure(&job.host, "")
        };
        emit(job, &item_out, Some(label)).await;
        default_failed(status, &mut one.result);
        if let Some(J::Object(f)) = one.result.get("ansible_facts") {
            out.facts.extend(f.clone());
        }
        for (k, v) in &one.set_facts {
            earlier.insert(k.clone(), VarValue::Data(v.clone()));
        }
        out.set_facts.extend(one.set_facts);
        out.include_vars.extend(one.include_vars);
        results.push(J::Object(one.result));
    }
    let mut agg = Map::new();
    agg.insert("changed".into(), J::Bool(any_changed));
    if spec.items.is_empty() {
        agg.insert("results".into(), J::Array(results));
        agg.insert("skipped".into(), J::Bool(true));
        agg.insert(
            "skipped_reason".into(),
            J::String("No items in the list".into()),
        );
        out.status = HostStatus::Skipped;
        out.result = agg;
        return Ok(out);
    }
    let msg = if any_failed {
        "One or more items failed"
    } else {
        "All items completed"
    };
    agg.insert("msg".into(), J::String(msg.into()));
    agg.insert("results".into(), J::Array(results));
    if any_failed {
        agg.insert("failed".into(), J::Bool(true));
    }
    if any_unreachable {
        agg.insert("unreachable".into(), J::Bool(true));
    }
    agg.insert("skipped".into(), J::Bool(all_skipped));
    out.status = if any_failed {
        HostStatus::Failed
    } else if any_unreachable {
        HostStatus::Unreachable
    } else if all_skipped {
        HostStatus::Skipped
    } else if any_changed {
        HostStatus::Changed
    } else {
        HostStatus::Ok
    };
    out.result = agg;
    Ok(out)
}

/// One item's (or the task's) result before loop aggregation.
pub(super) struct ItemResult {
    pub(super) result: Map<String, J>,
    pub(super) set_facts: IndexMap<String, Value>,
    pub(super) include_vars: IndexMap<String, Value>,
    pub(super) directive: Directive,
}

impl ItemResult {
    pub(super) fn of(result: Map<String, J>) -> Self {
        ItemResult {
            result,
            set_facts: IndexMap::new(),
            include_vars: IndexMap::new(),
            directive: Directive::None,
        }
    }
}

/// Templates the arguments (`omit` drops a key).
fn template_args(job: &HostJob, scope: &Arc<Scope>) -> Result<Map<String, J>, Failure> {
    let mut args = Map::new();
    for (k, v) in job.task.args.iter() {
        let Some(key) = k.key_string() else { continue };
        let value = job.templar.render_node(v, scope).map_err(|e| {
            let action = &job.task.action;
            let resolving = format!("Error while resolving value for '{key}'");
            // ansible points at the whole `k=v` string of free-form arguments (its
            // first key), at the value otherwise.
            let kv_form = k.span.line == v.span.line
                && v.span.col == k.span.col + key.chars().count() as u32 + 1;
            let value_span = if kv_form {
                job.task
                    .args
                    .iter()
                    .next()
                    .map(|(first, _)| first.span.clone())
                    .unwrap_or_else(|| v.span.clone())
            } else {
                v.span.clone()
            };
            let mut causes = vec![section(
                &job.task.action_span,
                &format!("Finalization of task args for '{action}' failed."),
            )];
            // An undefined met in another variable's template is its own cause (65).
            match &e.span {
                Some(sp) if sp.line != v.span.line || sp.col != v.span.col => {
                    causes.push(section(&value_span, &format!("{resolving}.")));
                    causes.push(section(sp, &e.message));
                }
                _ => causes.push(section(&value_span, &format!("{resolving}: {}", e.message))),
            }
            Failure {
                msg: format!(
                    "Finalization of task args for '{action}' failed: {resolving}: {}",
                    e.message
                ),
                causes: Some(causes.join(CAUSED_BY)),
            }
        })?;
        if is_omit(&value) {
            continue;
        }
        args.insert(key, strip_omit(value_to_json(&value)));
    }
    Ok(args)
}

/// Removes `omit` values nested in maps and lists too.
fn strip_omit(v: J) -> J {
    match v {
        J::Object(m) => J::Object(
            m.into_iter()
                .filter(|(_, v)| v.as_str() != Some(crate::template::OMIT_TOKEN))
                .map(|(k, v)| (k, strip_omit(v)))
                .collect(),
        ),
        J::Array(items) => J::Array(
            items
                .into_iter()
                .filter(|v| v.as_str() != Some(crate::template::OMIT_TOKEN))
                .map(strip_omit)
                .collect(),
        ),
        other => other,
    }
}

pub(super) async fn run_action(
    job: &HostJob,
    scope: &Arc<Scope>,
    delegate: Option<&str>,
) -> ItemResult {
    let args = match template_args(job, scope) {
        Ok(a) => a,
        Err(f) => {
            // Recorded: modules report `changed: false` here, engine actions do not.
            let changed = (!super::actions::is_engine_action(&job.task.action)).then_some(false);
            return ItemResult::of(f.into_result(changed));
        }
    };
    let cx = ActionCx {
        templar: &job.templar,
        scope,
        span: &job.task.action_span,
        verbosity: job.verbosity,
        dirs: job
            .task
            .role
            .iter()
            .map(|r| r.path.clone())
            .chain([job.basedir.clone()])
            .collect(),
        events: &job.events,
    };
    if super::async_jobs::is_async_status(&job.task.action) {
        return super::async_jobs::async_status(job, scope, delegate, &args).await;
    }
    if let Some(out) = run_engine_action(&job.task.action, &args, &cx).await {
        return ItemResult {
            result: out.result,
            set_facts: out.set_facts,
            include_vars: out.include_vars,
            directive: out.directive,
        };
    }
    ItemResult::of(super::module::run_module(job, scope, delegate, &args).await)
}

/// A task that failed before its action ran (templating, conditions, loops), shaped
/// as ansible 2.19 reports it: `Task failed: <reason>`.
pub(super) fn task_failed(msg: &str, changed: Option<bool>) -> Map<String, J> {
    let mut m = Map::new();
    if let Some(c) = changed {
        m.insert("changed".into(), J::Bool(c));
    }
    m.insert("failed".into(), J::Bool(true));
    m.insert("msg".into(), J::String(format!("Task failed: {msg}")));
    m
}
