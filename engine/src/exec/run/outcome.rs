//! How a host's outcome of a task is reported: the `HostResult` event, ansible
//! 2.19's `[ERROR]` block before a failure, the status read from a result, and the
//! failure raised before an action ran.

use serde_json::{Map, Value as J};

use super::task::{HostJob, HostOutcome, NO_LOG_MSG, task_failed};
use crate::report::{Event, HostStatus};

/// ansible adds `failed: false` to the result of every action that ran and did not
/// fail (a module's own `skipped` too), but not to a task or item skipped by its
/// `when` nor to a loop's aggregate result.
pub(super) fn default_failed(status: HostStatus, result: &mut Map<String, J>) {
    let failing = matches!(status, HostStatus::Failed | HostStatus::Unreachable);
    if !failing && !result.contains_key("false_condition") {
        result.entry("failed").or_insert(J::Bool(false));
    }
}

pub(super) async fn emit(job: &HostJob, out: &HostOutcome, item_label: Option<J>) {
    // ansible-core 2.19 prints a located `[ERROR]: Task failed: ...` block before each
    // failing line (the console prints identical blocks once per run). A loop's
    // aggregate result has no line of its own, so no block either.
    let failing = matches!(out.status, HostStatus::Failed | HostStatus::Unreachable);
    if failing && !out.ignored_loop_aggregate(item_label.is_some()) {
        let _ = job
            .events
            .send(Event::HostError {
                host: job.host.clone(),
                text: task_failed_block(job, out),
            })
            .await;
    }
    let result = if out.no_log {
        let mut m = Map::new();
        m.insert("censored".into(), J::String(NO_LOG_MSG.into()));
        m.insert("changed".into(), J::Bool(out.changed()));
        m
    } else {
        out.result.clone()
    };
    let _ = job
        .events
        .send(Event::HostResult {
            host: job.host.clone(),
            delegated_to: out.delegated_to.clone(),
            status: out.status,
            ignored: out.ignored,
            item_label,
            result,
            no_log: out.no_log,
        })
        .await;
}

/// The error block Ansible prints for a failed task on a host: where the task is, and
/// whether a module or an action (run by the engine) failed.
pub(super) fn task_failed_error(job: &HostJob, out: &HostOutcome) -> crate::source::SourceError {
    let msg = out
        .result
        .get(modules::runtime::ERROR_SUMMARY_KEY)
        .or_else(|| out.result.get("msg"))
        .and_then(J::as_str)
        .unwrap_or_default();
    let text = if msg.starts_with("Task failed:") {
        msg.to_string()
    } else if out.status == HostStatus::Unreachable {
        format!("Task failed: {msg}")
    } else {
        // A failure decided by `failed_when` is the action's, not the module's.
        let by_failed_when = out.result.contains_key("failed_when_result");
        let kind = if by_failed_when || super::is_engine_action(&job.task.action) {
            "Action"
        } else {
            "Module"
        };
        if msg.is_empty() {
            format!("Task failed: {kind} failed.")
        } else {
            format!("Task failed: {kind} failed: {msg}")
        }
    };
    crate::source::SourceError::new(&job.task.span, text)
}

/// The `[ERROR]` block before a failing host's line: one located message, or (for a
/// failure with known causes) `Task failed.` at the task and each cause after it.
pub(super) fn task_failed_block(job: &HostJob, out: &HostOutcome) -> String {
    let err = task_failed_error(job, out);
    match out.result.get(ERROR_CAUSES).and_then(J::as_str) {
        Some(causes) => format!(
            "[ERROR]: {}\n\n{}{CAUSED_BY}{causes}",
            err.message,
            section(&job.task.span, "Task failed.")
        ),
        None => err.render(),
    }
}

pub(super) fn status_of(result: &Map<String, J>) -> HostStatus {
    let is = |k: &str| result.get(k).and_then(J::as_bool).unwrap_or(false);
    if is("unreachable") {
        HostStatus::Unreachable
    } else if is("failed") {
        HostStatus::Failed
    } else if is("skipped") {
        HostStatus::Skipped
    } else if is("changed") {
        HostStatus::Changed
    } else {
        HostStatus::Ok
    }
}

/// Result key carrying the rendered `<<< caused by >>>` sections of a task that
/// failed before its action ran (the console and `register` drop `_ansible_*` keys).
pub(super) const ERROR_CAUSES: &str = "_ansible_error_causes";

/// A failure before the action ran: the message, and where ansible 2.19 says it
/// came from (rendered cause sections), when known.
pub(super) struct Failure {
    pub(super) msg: String,
    pub(super) causes: Option<String>,
}

impl From<String> for Failure {
    fn from(msg: String) -> Self {
        Failure { msg, causes: None }
    }
}

impl Failure {
    pub(super) fn into_result(self, changed: Option<bool>) -> Map<String, J> {
        let mut m = task_failed(&self.msg, changed);
        if let Some(c) = self.causes {
            m.insert(ERROR_CAUSES.into(), J::String(c));
        }
        m
    }
}

/// One section of a chained error: message, `Origin:` and source excerpt.
pub(super) fn section(span: &crate::source::Span, msg: &str) -> String {
    let text = crate::source::SourceError::new(span, msg).render_as("X");
    text.strip_prefix("[X]: ").unwrap_or(&text).to_string()
}

pub(super) const CAUSED_BY: &str = "\n\n<<< caused by >>>\n\n";
