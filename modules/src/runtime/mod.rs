//! What a module is at run time: it receives typed arguments and a [`TaskCx`] (the
//! host it acts on, check/diff mode, controller-side files) and returns an [`Outcome`]
//! shaped exactly like Ansible's registered result.
//!
//! Boundaries (ansible-core's plugin split): a [`Remote`] moves bytes and runs commands;
//! the shell layer ([`quote`]) quotes; become wraps commands (done by the transport
//! from [`Become`]); modules compose commands from args + facts and parse replies,
//! keeping that part pure so it is tested from fixtures.

mod outcome;
pub mod registry;
mod remote;

pub use outcome::{Diff, Outcome};
pub use remote::{Become, BoxFuture, ExecOutput, Remote, RemoteError, ShellKind, quote};

/// Result key for the text of Ansible's `[ERROR]: Task failed: ...` block when it is not
/// `Module failed: <msg>` (an action's own failure, or a module exception's detail).
/// Reporters and `register` drop every `_ansible_*` key, so it is never shown.
pub const ERROR_SUMMARY_KEY: &str = "_ansible_error_summary";

use std::path::PathBuf;

/// An error that stops a module before it has a result: bad arguments that only show at
/// run time, or a host that cannot be reached. (A command that fails on the host is an
/// [`Outcome`] with `failed`, not an error.)
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// The arguments are wrong (reported as a failed task naming the argument).
    #[error("{0}")]
    Args(String),
    /// The connection to the host failed: the host is UNREACHABLE.
    #[error(transparent)]
    Unreachable(#[from] RemoteError),
    /// Anything else that makes the task fail, with Ansible's message.
    #[error("{0}")]
    Failed(String),
}

/// Controller-side services a module may need, provided by the engine: finding files
/// in the role/playbook search path and rendering templates with the task's variables.
pub trait Controller: Send + Sync {
    /// Finds `name` as Ansible does for `copy: src=` (`kind` = "files") or
    /// `template: src=` (`kind` = "templates"): role dir, playbook dir, absolute path.
    fn find_file(&self, kind: &str, name: &str) -> Result<PathBuf, String>;
    /// Renders a template file with the task's variables.
    fn render_template(&self, path: &std::path::Path) -> Result<String, String>;
    /// One of the host's facts (`ansible_facts[name]`, e.g. `pkg_mgr`) when gathered or
    /// set; `None` when unknown, and modules then ask the host themselves (as Ansible's
    /// `package` action runs `setup` when `ansible_pkg_mgr` is missing).
    fn fact(&self, _name: &str) -> Option<serde_json::Value> {
        None
    }
    /// A variable of the task's host, templated (e.g. `ansible_host`); `None` when
    /// undefined.
    fn var(&self, _name: &str) -> Option<serde_json::Value> {
        None
    }
}

/// Everything a module may use while it runs on one host.
pub struct TaskCx<'a> {
    pub remote: &'a dyn Remote,
    pub controller: &'a dyn Controller,
    /// `--check` / `check_mode: true`: report what would change, change nothing.
    pub check_mode: bool,
    /// `--diff` / `diff: true`: fill `Outcome::diff` where Ansible gives one.
    pub diff: bool,
    /// The host's name in the inventory (for messages).
    pub host: &'a str,
}

/// A module: a name and an async run over JSON arguments (already templated, `omit`
/// removed). Modules deserialize `args` into their own typed struct.
pub trait Module: Send + Sync {
    /// The FQCN, e.g. `ansible.builtin.copy`.
    fn name(&self) -> &'static str;
    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>>;
}

/// Deserializes module arguments into `T`, with an Ansible-like message on error.
pub fn parse_args<T: serde::de::DeserializeOwned>(
    module: &str,
    args: &serde_json::Map<String, serde_json::Value>,
) -> Result<T, ModuleError> {
    serde_json::from_value(serde_json::Value::Object(args.clone()))
        .map_err(|e| ModuleError::Args(format!("{module}: {e}")))
}
