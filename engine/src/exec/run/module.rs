//! Running a module on a host: the connection (the delegate's when `delegate_to`),
//! check/diff mode, and the controller-side file lookups modules ask for.

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use modules::runtime::{
    BoxFuture, ExecOutput, ModuleError, Remote, RemoteError, ShellKind, TaskCx, quote,
};
use serde_json::{Map, Value as J};

use super::task::{HostJob, HostOutcome, flag};
use crate::template::{Scope, VarValue, py_str};

pub(super) async fn run_module(
    job: &HostJob,
    scope: &Arc<Scope>,
    delegate: Option<&str>,
    args: &Map<String, J>,
) -> Map<String, J> {
    let Some(module) = (job.modules)(&job.task.action) else {
        return HostOutcome::failure(
            &job.host,
            format!(
                "ringmaster has no built-in module '{}' (the task's action)",
                job.task.action_as_written
            ),
        )
        .result;
    };
    let check_mode = flag(job, scope, "check_mode")
        .ok()
        .flatten()
        .unwrap_or(job.check_mode);
    let diff = flag(job, scope, "diff").ok().flatten().unwrap_or(job.diff);
    let (target, target_scope) = match delegate {
        Some(d) => (d.to_string(), job.play.host_scope(d, &[])),
        None => (job.host.clone(), scope.clone()),
    };
    let connect_scope = match become_vars(job, scope) {
        Ok(v) if v.is_empty() => target_scope,
        Ok(v) => Arc::new(Scope::child(&target_scope, v)),
        Err(msg) => return HostOutcome::failure(&job.host, msg).result,
    };
    let remote: Arc<dyn Remote> = if job.task.action == WAIT_FOR_CONNECTION {
        // Its whole point is a host that may not answer yet: it connects per attempt.
        Arc::new(ConnectPerCommand {
            connector: job.connector.clone(),
            host: target.clone(),
            scope: connect_scope.clone(),
        })
    } else {
        match job.connector.connect(&target, &connect_scope).await {
            Ok(r) => r,
            Err(e) => return unreachable(&e.message),
        }
    };
    let remote: Arc<dyn Remote> = match environment(job, scope) {
        Ok(env) if env.is_empty() => remote,
        Ok(env) => Arc::new(EnvRemote { inner: remote, env }),
        Err(msg) => return HostOutcome::failure(&job.host, msg).result,
    };
    let controller = crate::exec::controller::TaskController {
        templar: job.templar.clone(),
        scope: scope.clone(),
        role_path: job.task.role.as_ref().map(|r| r.path.clone()),
        task_dir: task_dir(job),
        playbook_dir: job.basedir.clone(),
    };
    let cx = TaskCx {
        remote: remote.as_ref(),
        controller: &controller,
        check_mode,
        diff,
        host: &job.host,
    };
    match module.run(&cx, args).await {
        Ok(outcome) => with_diff(&outcome),
        Err(ModuleError::Unreachable(e)) => unreachable(&e.message),
        Err(ModuleError::Args(m)) | Err(ModuleError::Failed(m)) => {
            HostOutcome::failure(&job.host, m).result
        }
    }
}

pub(super) fn unreachable(msg: &str) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("changed".into(), J::Bool(false));
    // ansible-core 2.19 words it as a task failure: "Task failed: Failed to connect ...".
    m.insert("msg".into(), J::String(format!("Task failed: {msg}")));
    m.insert("unreachable".into(), J::Bool(true));
    m
}

/// The directory of the file the task is written in (absolute, as ansible's search
/// paths are).
fn task_dir(job: &HostJob) -> PathBuf {
    let file = &job.task.span.file.path;
    let dir = file.parent().unwrap_or(file);
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Task/block/play `become*` keywords as the connection variables the connector reads
/// (`ansible_become`, `ansible_become_user`, `ansible_become_method`).
pub(super) fn become_vars(
    job: &HostJob,
    scope: &Arc<Scope>,
) -> Result<IndexMap<String, VarValue>, String> {
    let mut vars = IndexMap::new();
    for (kw, var) in [
        ("become", "ansible_become"),
        ("become_user", "ansible_become_user"),
        ("become_method", "ansible_become_method"),
    ] {
        if let Some(node) = job.kw.get(kw) {
            let v = job
                .templar
                .render_node(node, scope)
                .map_err(|e| e.message)?;
            vars.insert(var.to_string(), VarValue::Data(v));
        }
    }
    Ok(vars)
}

/// The `environment:` keyword, templated: names and values as strings.
fn environment(job: &HostJob, scope: &Arc<Scope>) -> Result<Vec<(String, String)>, String> {
    let Some(node) = job.kw.get("environment") else {
        return Ok(Vec::new());
    };
    let v = job
        .templar
        .render_node(node, scope)
        .map_err(|e| e.message)?;
    // A list of mappings is merged in order, as ansible does.
    let maps: Vec<minijinja::Value> = match v.kind() {
        minijinja::value::ValueKind::Seq => v.try_iter().into_iter().flatten().collect(),
        minijinja::value::ValueKind::Map => vec![v],
        minijinja::value::ValueKind::None | minijinja::value::ValueKind::Undefined => Vec::new(),
        _ => {
            return Err(format!(
                "environment must be a dictionary, got {}",
                py_str(&v)
            ));
        }
    };
    let mut env: IndexMap<String, String> = IndexMap::new();
    for m in maps {
        for k in m.try_iter().into_iter().flatten() {
            let val = m.get_item(&k).unwrap_or_default();
            let name = py_str(&k);
            let mut chars = name.chars();
            let valid = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "environment: '{name}' is not a valid variable name"
                ));
            }
            env.insert(name, py_str(&val));
        }
    }
    Ok(env.into_iter().collect())
}

const WAIT_FOR_CONNECTION: &str = "ansible.builtin.wait_for_connection";

/// A host reached anew for every command (through the connector's pool, so a live
/// connection is reused), for `wait_for_connection`: a host that is down makes each
/// command fail, not the task.
struct ConnectPerCommand {
    connector: Arc<dyn super::task::Connector>,
    host: String,
    scope: Arc<Scope>,
}

impl Remote for ConnectPerCommand {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move {
            let remote = self.connector.connect(&self.host, &self.scope).await?;
            remote.exec(cmd, stdin).await
        })
    }
    fn put<'a>(
        &'a self,
        data: &'a [u8],
        path: &'a str,
        mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let remote = self.connector.connect(&self.host, &self.scope).await?;
            remote.put(data, path, mode).await
        })
    }
    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async move {
            let remote = self.connector.connect(&self.host, &self.scope).await?;
            remote.get(path).await
        })
    }
    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
    fn reset(&self) -> BoxFuture<'_, ()> {
        self.connector.reset(&self.host, &self.scope)
    }
}

/// A connection whose commands run with extra environment variables (`environment:`),
/// exported by the host's shell before each command.
struct EnvRemote {
    inner: Arc<dyn Remote>,
    env: Vec<(String, String)>,
}

impl Remote for EnvRemote {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move {
            let mut full = String::new();
            for (k, v) in &self.env {
                full.push_str(&format!("export {}={}; ", k, quote(v)));
            }
            full.push_str(cmd);
            self.inner.exec(&full, stdin).await
        })
    }
    fn put<'a>(
        &'a self,
        data: &'a [u8],
        path: &'a str,
        mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        self.inner.put(data, path, mode)
    }
    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        self.inner.get(path)
    }
    fn shell_kind(&self) -> ShellKind {
        self.inner.shell_kind()
    }
    fn reset(&self) -> BoxFuture<'_, ()> {
        self.inner.reset()
    }
    fn is_controller(&self) -> bool {
        self.inner.is_controller()
    }
}

/// The module's result with its diffs under `diff` (a list of `before`/`after`
/// mappings with optional headers, as ansible modules return them) for `--diff`.
fn with_diff(outcome: &modules::runtime::Outcome) -> Map<String, J> {
    let mut m = outcome.to_json();
    if !outcome.diff.is_empty() {
        let diffs = outcome
            .diff
            .iter()
            .map(|d| {
                let mut e = Map::new();
                e.insert("before".into(), J::String(d.before.clone()));
                e.insert("after".into(), J::String(d.after.clone()));
                if let Some(h) = &d.before_header {
                    e.insert("before_header".into(), J::String(h.clone()));
                }
                if let Some(h) = &d.after_header {
                    e.insert("after_header".into(), J::String(h.clone()));
                }
                J::Object(e)
            })
            .collect();
        m.insert("diff".into(), J::Array(diffs));
    }
    m
}
