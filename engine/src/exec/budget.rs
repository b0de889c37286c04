//! The failure budget: when failures stop a batch, a play or the whole run.
//!
//! Pure decisions over counts, mirroring ansible-core 2.19's linear strategy
//! (`plugins/strategy/linear.py`) and `executor/playbook_executor.py`. The executor
//! keeps the counts; these functions only say what ansible would do with them.
//! The `free` strategy checks none of this (no `max_fail_percentage`, no
//! `any_errors_fatal`).

use minijinja::value::{Value as JValue, ValueKind};

use super::pyparse::py_float;

/// How one batch stands after a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchCounts {
    /// Hosts in the batch as planned (`PlayIterator.batch_size = len(batch)`),
    /// including hosts that became unreachable during it and hosts that failed in
    /// an earlier play (those still take a slot in a later play's batches, but
    /// are never counted in `failed`).
    pub batch_size: usize,
    /// Hosts of this batch whose failure is final: not rescued, not
    /// `ignore_errors`, including hosts failed by `any_errors_fatal` or a failed
    /// `run_once` task. Counted from zero for each batch (`TaskQueueManager.run`
    /// clears `_failed_hosts` before every batch).
    pub failed: usize,
    /// Hosts of this batch that became unreachable (not `ignore_unreachable`).
    pub unreachable: usize,
}

/// Which hosts the `max_fail_percentage` numerator counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnreachableRule {
    /// Ansible's rule: unreachable hosts stay in the denominator only, so a batch
    /// can lose every host to unreachability without breaching the percentage.
    #[default]
    AnsibleCompatible,
    /// Opt-in stricter rule: an unreachable host counts as failed.
    CountUnreachable,
}

/// Whether `max_fail_percentage` stops the play after a task.
///
/// linear.py:337-340 (ansible-core 2.19):
/// ```text
/// if iterator._play.max_fail_percentage is not None and len(results) > 0:
///     percentage = iterator._play.max_fail_percentage / 100.0
///     if (len(self._tqm._failed_hosts) / iterator.batch_size) > percentage:
/// ```
/// Python 3 true division on both sides, compared strictly: the same `f64`
/// operations here, so boundaries match to the last bit (10 hosts at 30%: 3 failed
/// do not breach, 4 do; 3 hosts at 33.33333333333333%: 1 failed breaches).
/// Consequences kept on purpose: 0% breaches on any failure, 100% never breaches,
/// a negative percentage breaches after the first task even with no failure, and
/// NaN never breaches.
///
/// Call only after a task that produced at least one result (`len(results) > 0`).
/// On a breach every remaining host of the batch is marked failed, the play ends,
/// and no later batch or play runs (`RUN_FAILED_BREAK_PLAY`, exit code 2).
pub fn max_fail_breached(
    max_fail_percentage: f64,
    counts: BatchCounts,
    rule: UnreachableRule,
) -> bool {
    if counts.batch_size == 0 {
        // Unreachable in ansible (a task with results has hosts); never a breach.
        return false;
    }
    let failing = match rule {
        UnreachableRule::AnsibleCompatible => counts.failed,
        UnreachableRule::CountUnreachable => counts.failed + counts.unreachable,
    };
    let percentage = max_fail_percentage / 100.0;
    (failing as f64 / counts.batch_size as f64) > percentage
}

/// Whether the whole run stops after a batch because every host of it failed or
/// became unreachable (playbook_executor.py:199-204: `len(batch) ==
/// failed_hosts_count`, counting failures and unreachables new in this batch;
/// `>=` here is the same for consistent counts and safe for inconsistent ones).
/// So `serial: 1` with one failure stops everything, even without
/// `max_fail_percentage`.
pub fn whole_batch_failed(counts: BatchCounts) -> bool {
    counts.batch_size > 0 && counts.failed + counts.unreachable >= counts.batch_size
}

/// The task keywords [`task_is_fatal`] looks at, already templated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FatalityKeywords {
    /// `any_errors_fatal` inherited from play, block or task.
    pub any_errors_fatal: bool,
    /// `run_once`, or an action that bypasses the host loop, or a meta task other
    /// than noop/reset_connection/end_host/role_complete/flush_handlers/end_role
    /// (linear.py:166-180).
    pub run_once: bool,
    pub ignore_errors: bool,
}

/// Whether a failure of this task fails every remaining host of the batch
/// (linear.py:169 and :182: `(task.any_errors_fatal or run_once) and not
/// task.ignore_errors`).
pub fn task_is_fatal(keywords: FatalityKeywords) -> bool {
    (keywords.any_errors_fatal || keywords.run_once) && !keywords.ignore_errors
}

/// Whether, after a fatal task, its results fail all remaining hosts of the batch:
/// any host failed or became unreachable on it (linear.py:329). `rescue`/`always`
/// sections still run for the hosts failed this way.
pub fn fatal_failure_spreads(
    task_fatal: bool,
    failed_on_task: usize,
    unreachable_on_task: usize,
) -> bool {
    task_fatal && (failed_on_task > 0 || unreachable_on_task > 0)
}

/// A `max_fail_percentage:` value ansible rejects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "max_fail_percentage: {shown} is not a number; expected a percentage such as 30 or \"30%\""
)]
pub struct MaxFailError {
    pub shown: String,
}

/// Reads a templated `max_fail_percentage:` as ansible's `percent` attribute does
/// (`playbook/base.py`: every '%' removed from a string, then `float()`).
/// `None` (absent or null) means no percentage check.
pub fn parse_max_fail_percentage(value: &JValue) -> Result<Option<f64>, MaxFailError> {
    let shown = || MaxFailError {
        shown: value.to_string(),
    };
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Ok(None),
        ValueKind::Bool => Ok(Some(if value.is_true() { 1.0 } else { 0.0 })),
        ValueKind::Number => f64::try_from(value.clone()).map(Some).map_err(|_| shown()),
        ValueKind::String => {
            let text = value.as_str().unwrap_or_default();
            py_float(&text.replace('%', ""))
                .map(Some)
                .ok_or_else(|| MaxFailError {
                    shown: format!("{text:?}"),
                })
        }
        _ => Err(shown()),
    }
}
