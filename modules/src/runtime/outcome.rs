//! A task's result on one host, shaped like Ansible's registered result.

use serde_json::{Map, Value};

/// A file change for `--diff`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub before_header: Option<String>,
    pub after_header: Option<String>,
    pub before: String,
    pub after: String,
}

/// The result of a module (or engine action) on one host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub changed: bool,
    pub failed: bool,
    pub skipped: bool,
    pub msg: Option<String>,
    pub rc: Option<i32>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub diff: Vec<Diff>,
    /// Module-specific fields (`dest`, `mode`, `stat`, `packages`, ...), in output order.
    pub data: Map<String, Value>,
}

impl Outcome {
    pub fn ok() -> Self {
        Outcome::default()
    }

    pub fn changed(changed: bool) -> Self {
        Outcome {
            changed,
            ..Outcome::default()
        }
    }

    pub fn failed(msg: impl Into<String>) -> Self {
        Outcome {
            failed: true,
            msg: Some(msg.into()),
            ..Outcome::default()
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_string(), value.into());
        self
    }

    /// The registered result as Ansible shapes it: module data, then `changed`, `msg`,
    /// `rc`, `stdout`/`stdout_lines`, `stderr`/`stderr_lines`, `failed` (when true, or
    /// `false` beside `skipped`), `skipped` (only when true).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = self.data.clone();
        m.insert("changed".into(), Value::Bool(self.changed));
        if let Some(msg) = &self.msg {
            m.insert("msg".into(), Value::String(msg.clone()));
        }
        if let Some(rc) = self.rc {
            m.insert("rc".into(), Value::from(rc));
        }
        for (key, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if let Some(text) = text {
                m.insert(key.into(), Value::String(text.clone()));
                let lines: Vec<Value> =
                    text.lines().map(|l| Value::String(l.to_string())).collect();
                m.insert(format!("{key}_lines"), Value::Array(lines));
            }
        }
        if self.failed {
            m.insert("failed".into(), Value::Bool(true));
        }
        if self.skipped {
            m.insert("skipped".into(), Value::Bool(true));
            // Ansible's task executor adds `failed: false` to every action result that
            // lacks it, also one the module itself skipped (recorded: 86, a shell task
            // in check mode); the engine adds it to ok/changed results.
            m.entry("failed").or_insert(Value::Bool(false));
        }
        m
    }
}
