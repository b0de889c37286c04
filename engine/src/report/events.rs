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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A playbook file starts (`ansible-playbook` prints nothing for it by default).
    PlaybookStart { path: String },
    /// `PLAY [name] ***` — emitted once per batch (Ansible repeats the banner per batch).
    PlayStart { name: String, batch: Vec<String> },
    /// The play's pattern matched no host (`skipping: no hosts matched`).
    NoHostsMatched,
    /// `TASK [name] ***` or `RUNNING HANDLER [name] ***`. `name` is what Ansible
    /// prints: `role : task name`, the templated task name, or the action.
    TaskStart { name: String, kind: TaskKindTag },
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
        /// The registered result (already censored when `no_log`).
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
    /// `PLAY RECAP ***` and one line per host.
    Recap(Recap),
}
