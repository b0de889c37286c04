//! One run of a task's action with `until`/`retries`/`delay`, and `changed_when` /
//! `failed_when` applied after each attempt (task_executor.py's retry loop).

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value as J};

use super::async_jobs::run_maybe_async;
use super::task::{HostJob, HostOutcome, ItemResult, flag, number};
use crate::report::Event;
use crate::template::{Scope, VarValue};
use crate::yaml::Node;

/// Runs the action with `until`/`retries`/`delay`, applying `changed_when` and
/// `failed_when` after each attempt.
pub(super) async fn run_attempts(
    job: &HostJob,
    scope: &Arc<Scope>,
    delegate: Option<&str>,
) -> ItemResult {
    let until = job.task.keywords.get("until").cloned();
    // Total runs, as task_executor.py counts them: the first plus `retries` (3 by
    // default when `until` is set).
    let total = match number(job, scope, "retries") {
        Ok(Some(r)) => 1 + r.max(0.0) as u32,
        Ok(None) if until.is_some() => 4,
        Ok(None) => 1,
        Err(msg) => return ItemResult::of(HostOutcome::failure(&job.host, msg).result),
    };
    let delay = number(job, scope, "delay").ok().flatten().unwrap_or(5.0);
    // `timeout:` seconds for each attempt (0 or less: none).
    let timeout = number(job, scope, "timeout")
        .ok()
        .flatten()
        .filter(|t| *t > 0.0);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let mut one = match timeout {
            Some(secs) => match tokio::time::timeout(
                std::time::Duration::from_secs_f64(secs),
                run_maybe_async(job, scope, delegate),
            )
            .await
            {
                Ok(one) => one,
                Err(_) => ItemResult::of(timed_out(secs)),
            },
            None => run_maybe_async(job, scope, delegate).await,
        };
        apply_conditions(job, scope, &mut one.result);
        if total <= 1 || one.result.contains_key("unreachable") {
            return one;
        }
        one.result.insert("attempts".into(), J::from(attempt));
        let done = match &until {
            Some(until) => {
                let reg = result_scope(job, scope, &one.result);
                job.templar
                    .eval_condition_node(until, &reg)
                    .unwrap_or(false)
            }
            None => one.result.get("failed") != Some(&J::Bool(true)),
        };
        if done {
            return one;
        }
        if attempt >= total {
            // ansible reports one attempt less than it made when it gives up.
            one.result.insert("attempts".into(), J::from(total - 1));
            one.result.insert("failed".into(), J::Bool(true));
            return one;
        }
        // As task_executor.py: a result that will be retried carries the total runs.
        one.result.insert("retries".into(), J::from(total));
        let _ = job
            .events
            .send(Event::Retry {
                host: job.host.clone(),
                task: job.task.display_name(),
                retries_left: total - attempt,
                result: if flag(job, scope, "no_log").ok().flatten().unwrap_or(false) {
                    let mut m = Map::new();
                    m.insert("censored".into(), J::String(super::task::NO_LOG_MSG.into()));
                    m
                } else {
                    one.result.clone()
                },
            })
            .await;
        if delay > 0.0 {
            tokio::time::sleep(std::time::Duration::from_secs_f64(delay)).await;
        }
    }
}

/// A scope where the task's `register` name holds `result` (for `until`,
/// `changed_when`, `failed_when`).
fn result_scope(job: &HostJob, scope: &Arc<Scope>, result: &Map<String, J>) -> Arc<Scope> {
    let mut vars = IndexMap::new();
    if let Some(name) = job.task.keywords.get("register").and_then(Node::as_str) {
        vars.insert(
            name.to_string(),
            VarValue::Data(super::state::json_value(&J::Object(result.clone()))),
        );
    }
    Arc::new(Scope::child(scope, vars))
}

fn apply_conditions(job: &HostJob, scope: &Arc<Scope>, result: &mut Map<String, J>) {
    if result.contains_key("unreachable") || result.get("skipped") == Some(&J::Bool(true)) {
        return;
    }
    if let Some(node) = job.task.keywords.get("changed_when") {
        let reg = result_scope(job, scope, result);
        match job.templar.eval_condition_node(node, &reg) {
            Ok(c) => {
                result.insert("changed".into(), J::Bool(c));
            }
            Err(e) => {
                result.insert("failed".into(), J::Bool(true));
                result.insert("msg".into(), J::String(e.message));
                return;
            }
        }
    }
    if let Some(node) = job.task.keywords.get("failed_when") {
        let reg = result_scope(job, scope, result);
        match job.templar.eval_condition_node(node, &reg) {
            Ok(f) => {
                result.insert("failed_when_result".into(), J::Bool(f));
                if f {
                    result.insert("failed".into(), J::Bool(true));
                } else {
                    result.remove("failed");
                }
            }
            Err(e) => {
                result.insert("failed".into(), J::Bool(true));
                result.insert("msg".into(), J::String(e.message));
            }
        }
    }
}

/// Recorded from ansible 2.19 (`timeout: 1` on `sleep 3`).
fn timed_out(secs: f64) -> Map<String, J> {
    let period = if secs.fract() == 0.0 {
        J::from(secs as i64)
    } else {
        J::from(secs)
    };
    let shown = match &period {
        J::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let mut timedout = Map::new();
    timedout.insert(
        "frame".into(),
        J::String("Configure `DISPLAY_TRACEBACK` to see a traceback on timeout errors.".into()),
    );
    timedout.insert("period".into(), period);
    let mut m = Map::new();
    m.insert("changed".into(), J::Bool(false));
    m.insert("failed".into(), J::Bool(true));
    m.insert(
        "msg".into(),
        J::String(format!("Task failed: Timed out after {shown} second(s).")),
    );
    m.insert("timedout".into(), J::Object(timedout));
    m
}
