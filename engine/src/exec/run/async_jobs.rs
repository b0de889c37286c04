//! `async:`/`poll:` and `async_status`, as ansible-core 2.19's task_executor and
//! async_wrapper behave, with the job kept in the controller: a background tokio task
//! runs the action over the host's pooled connection (no process on the host waits for
//! it), and its result is kept in the host's run state under the job id.
//!
//! Timing follows async_wrapper: the job is stopped after `async` seconds (checked in
//! steps of 5 s, or of half the limit when it is 5 s or less) and its "Timeout exceeded"
//! result appears 1 s later; `poll: P` checks every P s, `ceil(async / P)` times.
//!
//! Deliberate difference: jobs still running when the run ends are cancelled (ansible
//! leaves them running on the host; here they live in the controller process).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use modules::runtime::{Remote, RemoteError};
use rand::Rng;
use serde_json::{Map, Value as J};

use super::actions::obj;
use super::state::with_state;
use super::task::{HostJob, ItemResult, number, run_action};
use crate::report::Event;
use crate::template::{Scope, py_str};

/// One job started with `async:` (kept per host, by job id).
#[derive(Debug, Clone)]
pub struct AsyncJob {
    /// The action's final result, once it is known.
    result: Arc<Mutex<Option<Map<String, J>>>>,
    /// Where ansible would keep the job's status file (reported, never written).
    results_file: String,
    /// `async_status: mode=cleanup` forgot the job.
    erased: bool,
    abort: tokio::task::AbortHandle,
}

impl AsyncJob {
    fn finished(&self) -> Option<Map<String, J>> {
        match self.result.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

/// Cancels every job still running (the run is over).
pub(super) fn cancel_all(states: &super::States) {
    let guard = match states.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    for state in guard.values() {
        for job in state.async_jobs.values() {
            job.abort.abort();
        }
    }
}

fn short(action: &str) -> &str {
    action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .unwrap_or(action)
}

/// Whether `action` is `async_status`.
pub(super) fn is_async_status(action: &str) -> bool {
    short(action) == "async_status"
}

/// Actions whose ansible action plugin refuses `async` ("does not support async").
fn refuses_async(action: &str) -> bool {
    matches!(
        short(action),
        "add_host"
            | "assemble"
            | "assert"
            | "async_status"
            | "copy"
            | "debug"
            | "fail"
            | "fetch"
            | "gather_facts"
            | "group_by"
            | "include_vars"
            | "pause"
            | "raw"
            | "reboot"
            | "script"
            | "set_fact"
            | "set_stats"
            | "template"
            | "unarchive"
            | "validate_argument_spec"
            | "wait_for_connection"
    )
}

/// The action, run as `async:`/`poll:` say (plainly without `async`).
pub(super) async fn run_maybe_async(
    job: &HostJob,
    scope: &Arc<Scope>,
    delegate: Option<&str>,
) -> ItemResult {
    let limit = match number(job, scope, "async") {
        Ok(Some(n)) if n.trunc() > 0.0 => n.trunc() as u64,
        Ok(_) => return run_action(job, scope, delegate).await,
        Err(msg) => return ItemResult::of(super::actions::failed(msg)),
    };
    // Recorded default: `poll` is 15 (DEFAULT_POLL_INTERVAL).
    let poll = match number(job, scope, "poll") {
        Ok(Some(p)) => p.trunc().max(0.0) as u64,
        Ok(None) => 15,
        Err(msg) => return ItemResult::of(super::actions::failed(msg)),
    };
    if refuses_async(&job.task.action) {
        let msg = format!(
            "This action ({}) does not support async.",
            job.task.action_as_written
        );
        let mut m = Map::new();
        m.insert("failed".into(), J::Bool(true));
        m.insert(
            modules::runtime::ERROR_SUMMARY_KEY.into(),
            J::String(format!("Task failed: {msg}")),
        );
        m.insert("msg".into(), J::String(msg));
        return ItemResult::of(m);
    }
    if super::actions::is_engine_action(&job.task.action) {
        // `meta` and the includes are run by the strategy in ansible: `async` has no
        // effect on them.
        return run_action(job, scope, delegate).await;
    }
    let jid = format!(
        "j{}.{}",
        rand::rng().random_range(0..999_999_999_999u64),
        std::process::id()
    );
    let results_file = match results_file(job, scope, delegate, &jid).await {
        Ok(f) => f,
        // As ansible: a host that cannot be reached fails the launch, no job starts.
        Err(e) => return ItemResult::of(super::module::unreachable(&e.message)),
    };
    let started = Instant::now();
    let slot: Arc<Mutex<Option<Map<String, J>>>> = Arc::new(Mutex::new(None));
    let handle = {
        let (job, scope, slot) = (job.clone(), scope.clone(), slot.clone());
        let delegate = delegate.map(str::to_string);
        tokio::spawn(async move {
            let result = match tokio::time::timeout(
                kill_after(limit),
                run_action(&job, &scope, delegate.as_deref()),
            )
            .await
            {
                Ok(one) => one.result,
                Err(_) => {
                    // async_wrapper writes its verdict a second after the kill.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    obj(&[
                        ("failed", J::Bool(true)),
                        ("msg", J::String("Timeout exceeded".into())),
                    ])
                }
            };
            let mut guard = match slot.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            *guard = Some(result);
        })
    };
    let entry = AsyncJob {
        result: slot,
        results_file: results_file.clone(),
        erased: false,
        abort: handle.abort_handle(),
    };
    with_state(&job.play.states, &job.host, |s| {
        s.async_jobs.insert(jid.clone(), entry.clone())
    });
    if poll == 0 {
        // Recorded: the task returns at once, reported as changed.
        return ItemResult::of(obj(&[
            ("ansible_job_id", J::String(jid)),
            ("changed", J::Bool(true)),
            ("failed", J::Bool(false)),
            ("finished", J::Bool(false)),
            ("results_file", J::String(results_file)),
            ("started", J::Bool(true)),
        ]));
    }
    // task_executor._poll_async_result: sleep `poll`, check, until `async` is used up.
    let checks = limit.div_ceil(poll);
    let mut last = Map::new();
    for n in 1..=checks {
        let at = started + Duration::from_secs(n * poll);
        tokio::time::sleep_until(at.into()).await;
        last = status(&jid, &entry, "status");
        if last.get("finished") == Some(&J::Bool(true)) {
            break;
        }
        display(
            job,
            format!(
                "ASYNC POLL on {}: jid={jid} started=True finished=False",
                job.host
            ),
        )
        .await;
    }
    if last.get("finished") != Some(&J::Bool(true)) {
        display(job, format!("ASYNC FAILED on {}: jid={jid}", job.host)).await;
        // The job is of no use any more.
        entry.abort.abort();
        let msg = format!("async task did not complete within the requested time - {limit}s");
        return ItemResult::of(obj(&[
            ("async_result", J::Object(last)),
            ("changed", J::Bool(false)),
            ("failed", J::Bool(true)),
            (
                modules::runtime::ERROR_SUMMARY_KEY,
                J::String(format!("Task failed: Action failed: {msg}")),
            ),
            ("msg", J::String(msg)),
        ]));
    }
    let verdict = if last.get("failed") == Some(&J::Bool(true)) {
        "FAILED"
    } else {
        "OK"
    };
    display(job, format!("ASYNC {verdict} on {}: jid={jid}", job.host)).await;
    // ansible cleans the finished job's status file up.
    with_state(&job.play.states, &job.host, |s| s.async_jobs.remove(&jid));
    ItemResult::of(last)
}

async fn display(job: &HostJob, text: String) {
    let _ = job.events.send(Event::Display { text }).await;
}

/// When async_wrapper kills a job of `limit` seconds: its first check after the limit,
/// checking every 5 s (every `limit / 2` s for limits of 5 s or less).
fn kill_after(limit: u64) -> Duration {
    if limit <= 5 {
        Duration::from_secs(limit)
    } else {
        Duration::from_secs(limit.div_ceil(5) * 5)
    }
}

/// `~/.ansible_async/<jid>` (or the `ansible_async_dir` variable's directory) with `~`
/// expanded on the host, as the async_status action reports it. Fails when the host
/// cannot be reached.
async fn results_file(
    job: &HostJob,
    scope: &Arc<Scope>,
    delegate: Option<&str>,
    jid: &str,
) -> Result<String, RemoteError> {
    let (target, target_scope) = match delegate {
        Some(d) => (d.to_string(), job.play.host_scope(d, &[])),
        None => (job.host.clone(), scope.clone()),
    };
    let remote = job.connector.connect(&target, &target_scope).await?;
    let dir = Some("ansible_async_dir")
        .filter(|name| scope.contains(name))
        .and_then(|name| {
            job.templar
                .eval_expr(name, &job.task.action_span, scope)
                .ok()
        })
        .map(|v| py_str(&v))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "~/.ansible_async".into());
    let dir = match dir.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            match remote_home(job, scope, remote.as_ref()).await {
                Some(home) => format!("{home}{rest}"),
                None => dir,
            }
        }
        _ => dir,
    };
    Ok(format!("{}/{jid}", dir.trim_end_matches('/')))
}

/// The home directory ansible reports: `~<become user>` under become, else
/// `~<remote user>` (from the user database, not `$HOME`).
async fn remote_home(job: &HostJob, scope: &Arc<Scope>, remote: &dyn Remote) -> Option<String> {
    let user = become_user(job, scope).filter(|u| {
        u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    });
    let cmd = match user {
        Some(u) => format!("echo ~{u}"),
        None => "eval echo ~$(id -un)".to_string(),
    };
    let out = remote.exec(&cmd, None).await.ok()?;
    let home = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.rc == 0 && home.starts_with('/')).then_some(home)
}

/// The user `become` switches to for this task, if it is on: the task's `become*`
/// keywords over the `ansible_become*` variables, as the connector reads them (ansible's
/// default user is root).
fn become_user(job: &HostJob, scope: &Arc<Scope>) -> Option<String> {
    let keywords = super::module::become_vars(job, scope).ok()?;
    let merged = Arc::new(Scope::child(scope, keywords));
    let var = |name: &str| {
        merged
            .contains(name)
            .then(|| {
                job.templar
                    .eval_expr(name, &job.task.action_span, &merged)
                    .ok()
            })
            .flatten()
    };
    let on = var("ansible_become").is_some_and(|v| match v.as_str() {
        Some(s) => crate::cli::parse_bool(s).unwrap_or(false),
        None => v.is_true(),
    });
    if !on {
        return None;
    }
    let user = var("ansible_become_user")
        .map(|v| py_str(&v))
        .filter(|u| !u.is_empty());
    Some(user.unwrap_or_else(|| "root".into()))
}

/// `async_status: jid=... mode=...` on this host.
pub(super) async fn async_status(
    job: &HostJob,
    scope: &Arc<Scope>,
    delegate: Option<&str>,
    args: &Map<String, J>,
) -> ItemResult {
    let jid = super::actions::arg_str(args, "jid").unwrap_or_default();
    let mode = super::actions::arg_str(args, "mode").unwrap_or_else(|| "status".into());
    let known = with_state(&job.play.states, &job.host, |s| {
        s.async_jobs.get(&jid).filter(|j| !j.erased).cloned()
    });
    match known {
        Some(entry) => {
            if mode == "cleanup" {
                with_state(&job.play.states, &job.host, |s| {
                    if let Some(j) = s.async_jobs.get_mut(&jid) {
                        j.erased = true;
                    }
                });
            }
            let mut m = status(&jid, &entry, &mode);
            m.entry("changed").or_insert(J::Bool(false));
            ItemResult::of(m)
        }
        None => {
            let file = match results_file(job, scope, delegate, &jid).await {
                Ok(f) => f,
                Err(e) => return ItemResult::of(super::module::unreachable(&e.message)),
            };
            let mut m = base(&jid, Some(&file), &mode);
            m.insert("changed".into(), J::Bool(false));
            m.insert("failed".into(), J::Bool(true));
            m.insert("finished".into(), J::Bool(true));
            m.insert("msg".into(), J::String("could not find job".into()));
            m.insert("started".into(), J::Bool(true));
            ItemResult::of(m)
        }
    }
}

/// What the async_status action starts its result with.
fn base(jid: &str, results_file: Option<&str>, mode: &str) -> Map<String, J> {
    let file = results_file.map(str::to_string).unwrap_or_default();
    let mut m = obj(&[
        ("ansible_job_id", J::String(jid.to_string())),
        ("finished", J::Bool(false)),
        ("started", J::Bool(false)),
        ("stderr", J::String(String::new())),
        ("stderr_lines", J::Array(Vec::new())),
        ("stdout", J::String(String::new())),
        ("stdout_lines", J::Array(Vec::new())),
    ]);
    if mode == "cleanup" {
        m.insert("erased".into(), J::String(file));
    } else {
        m.insert("results_file".into(), J::String(file));
        m.insert("started".into(), J::Bool(true));
    }
    m
}

/// The job's status as async_status reports it: running, or its result, finished.
fn status(jid: &str, entry: &AsyncJob, mode: &str) -> Map<String, J> {
    let mut m = base(jid, Some(&entry.results_file), mode);
    if mode == "cleanup" {
        m.insert("changed".into(), J::Bool(false));
        return m;
    }
    if let Some(result) = entry.finished() {
        for (k, v) in result {
            m.insert(k, v);
        }
        m.insert("finished".into(), J::Bool(true));
        m.insert("started".into(), J::Bool(true));
        m.entry("changed").or_insert(J::Bool(false));
    }
    m
}
