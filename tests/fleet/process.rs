//! Processes identified by PID *and* start time, so a recorded PID that the kernel has
//! since given to an unrelated process is never signalled.

use std::path::Path;
use std::process::{Command, Stdio};

/// One process: its PID and its start time (clock ticks after boot, /proc/PID/stat field 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcId {
    pub pid: u32,
    pub start_time: u64,
}

impl ProcId {
    /// The process with this PID now, if there is one.
    pub fn of(pid: u32) -> Option<ProcId> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) is in parentheses and may hold spaces or ')'.
        let after_name = &stat[stat.rfind(')')? + 1..];
        // Fields from 3 (state) on; the start time is field 22.
        let start_time = after_name.split_whitespace().nth(19)?.parse().ok()?;
        Some(ProcId { pid, start_time })
    }

    /// Whether this very process still exists (a zombie counts as gone: it runs nothing).
    pub fn is_alive(&self) -> bool {
        if ProcId::of(self.pid) != Some(*self) {
            return false;
        }
        let state = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        let state = state
            .rfind(')')
            .and_then(|at| state[at + 1..].split_whitespace().next().map(str::to_owned));
        !matches!(state.as_deref(), Some("Z") | Some("X") | None)
    }

    /// SIGKILL, only if the PID still names this process.
    pub fn kill(&self) {
        kill_all(&[*self]);
    }

    /// The first child of this process (the host's PID 1 is the only child of `unshare`).
    pub fn first_child(&self) -> Option<ProcId> {
        let children =
            std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", self.pid)).ok()?;
        let pid = children.split_whitespace().next()?.parse().ok()?;
        ProcId::of(pid)
    }

    pub fn to_record(self) -> String {
        format!("{} {}", self.pid, self.start_time)
    }

    pub fn from_record(line: &str) -> Option<ProcId> {
        let mut words = line.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        let start_time = words.next()?.parse().ok()?;
        Some(ProcId { pid, start_time })
    }
}

/// SIGKILL to those of `processes` that still exist, with one kill(1) (signalling needs no
/// `unsafe` that way; one process for all keeps ending 500 hosts fast).
pub fn kill_all(processes: &[ProcId]) {
    let alive: Vec<String> = processes
        .iter()
        .filter(|p| p.is_alive())
        .map(|p| p.pid.to_string())
        .collect();
    if alive.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .args(alive)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Every process recorded in a `pids` file (one "PID START_TIME" per line).
pub fn read_records(path: &Path) -> Vec<ProcId> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(ProcId::from_record)
        .collect()
}

/// This test process, as the owner of a fleet.
pub fn current() -> Option<ProcId> {
    ProcId::of(std::process::id())
}

/// The effective user id, from /proc (no libc call needed).
pub fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}
