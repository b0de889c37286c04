//! The events of a run, in the order the executor emits them.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

/// How a host ended a task (or one loop item of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostStatus {
    Ok,
    Changed,
    Skipped,
    Failed,
    Unreachable,
}

/// What kind of task a banner is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKindTag {
    /// `TASK [...]`
    Task,
    /// `RUNNING HANDLER [...]`
    Handler,
}

/// Per-host counters of the PLAY RECAP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HostCounters {
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
}

/// The PLAY RECAP: hosts sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recap {
    pub hosts: IndexMap<String, HostCounters>,
}

/// One thing that happened during a run.
///
/// What the console relies on to print what ansible-playbook prints:
/// - `PlayStart` once per batch; `TaskStart` before the task's results (again per
///   included file's task); a loop's item results, then its aggregated result.
/// - Strategy `free`: results carry no task, so emit `TaskStart` again before a result
///   whose task is not the last one announced (Ansible re-prints the banner then).
/// - `HostError` immediately before the failing `HostResult` (item or not) it belongs
///   to, for every failure Ansible shows an `[ERROR]` block for.
/// - A `max_fail_percentage` breach: ansible-playbook 2.19 prints `NO MORE HOSTS LEFT`
///   for the breach and again when it then finds every host of the batch failed, so
///   emit `NoMoreHosts` for each of those two checks.
/// - `Recap` last, hosts in any order (the console sorts them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A playbook file starts (`ansible-playbook` prints nothing for it by default).
    PlaybookStart {
        /// The playbook path as given on the command line.
        path: String,
        /// How many plays it has (`-vv` prints `N plays in path`).
        plays: usize,
    },
    /// `PLAY [name] ***` — emitted once per batch (Ansible repeats the banner per batch).
    /// `name` is what Ansible prints: the play's name, or its host pattern if unnamed.
    PlayStart { name: String, batch: Vec<String> },
    /// The play's pattern matched no host (`skipping: no hosts matched`).
    NoHostsMatched,
    /// `TASK [name] ***` or `RUNNING HANDLER [name] ***`. `name` is what Ansible
    /// prints: `role : task name`, the templated task name, or the action.
    TaskStart {
        name: String,
        kind: TaskKindTag,
        /// The task's action as written (`debug`, `ansible.builtin.command`, ...): the
        /// console trims `debug` results the way Ansible does.
        action: String,
        /// `file:line` of the task (`-vv` prints `task path: ...`); `None` for
        /// implicit tasks.
        path: Option<String>,
    },
    /// A host's result for a task. With a loop, one `HostResult` per item (with
    /// `item_label`) and then the aggregated one (`item_label: None`, `result.results`).
    HostResult {
        host: String,
        /// `delegate_to` target, printed as `[host -> target]`.
        delegated_to: Option<String>,
        status: HostStatus,
        /// `...ignoring` follows (ignore_errors / ignore_unreachable).
        ignored: bool,
        /// The loop item label (`loop_control.label` or the item itself), if a loop item.
        item_label: Option<Value>,
        /// The registered result (already censored when `no_log`). It may carry Ansible's
        /// display hints, which the console honours and strips like every `_ansible_*`
        /// key: `_ansible_verbose_always` (debug, assert), `_ansible_verbose_override`
        /// (fact gathering), `_ansible_item_label`, `_ansible_delegated_vars`. A `diff`
        /// key (dict or list of dicts) is printed as a unified diff when `changed`; the
        /// executor only includes it when the task runs in diff mode.
        result: Map<String, Value>,
        /// The task has `no_log: true` (the console prints the censored message).
        no_log: bool,
    },
    /// `included: <file> for h1, h2`: an `include_tasks` file loaded for these hosts
    /// (each counts ok in the recap; no `HostResult` is sent for the include itself).
    /// With a loop, one per item (`=> (item=...)`).
    Included {
        path: String,
        hosts: Vec<String>,
        item_label: Option<Value>,
    },
    /// A retry of `until:` (`FAILED - RETRYING: [host]: name (N retries left).`).
    Retry {
        host: String,
        task: String,
        retries_left: u32,
        result: Map<String, Value>,
    },
    /// `NO MORE HOSTS LEFT ***` (a max-fail breach or every host failed).
    NoMoreHosts,
    /// A line an action prints itself, as is (`Pausing for 5 seconds`).
    Display { text: String },
    /// `[ERROR]: ...`: an error that ends the run (exit code 1, no recap follows;
    /// after Ctrl-C, "User interrupted execution", the recap follows, exit code 99).
    Error { message: String },
    /// `[WARNING]: ...`
    Warning { message: String },
    /// Ansible 2.19's error block printed just before a failing host's `fatal:`/`failed:`
    /// line: `text` is the rendered `[ERROR]: Task failed: ...` message with its
    /// `Origin:` and source excerpt (`SourceError::render()`); surrounding whitespace is
    /// ignored (a multi-line block is followed by a blank line, as in Ansible).
    HostError { host: String, text: String },
    /// A handler was notified for a host (`NOTIFIED HANDLER name for host` at `-vv`).
    HandlerNotified { handler: String, host: String },
    /// A message shown from `-v` x `level` on (e.g. `Notification for handler x has
    /// been saved.` at `-vv`).
    Verbose { level: u8, message: String },
    /// `[DEPRECATION WARNING]: ...` (stderr). `message` is everything after the prefix:
    /// the message with Ansible's removal sentence, and any `Origin:` excerpt and help.
    Deprecation { message: String },
    /// Ctrl-C: `[ERROR]: User interrupted execution` on stderr (ansible-playbook then
    /// exits 99 without a recap).
    Interrupted,
    /// `PLAY RECAP ***` and one line per host.
    Recap(Recap),
}
