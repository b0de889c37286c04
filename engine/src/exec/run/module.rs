//! Running a module on a host: the connection (the delegate's when `delegate_to`),
//! check/diff mode, and the controller-side file lookups modules ask for.

use std::path::PathBuf;
use std::sync::Arc;

use modules::runtime::{Controller, ModuleError, TaskCx};
use serde_json::{Map, Value as J};

use super::task::{HostJob, HostOutcome, flag};
use crate::template::{Scope, Templar};

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
    let remote = match job.connector.connect(&target, &target_scope) {
        Ok(r) => r,
        Err(e) => return unreachable(&e.message),
    };
    let controller = TaskController {
        templar: job.templar.clone(),
        scope: scope.clone(),
        dirs: search_dirs(job),
    };
    let cx = TaskCx {
        remote: remote.as_ref(),
        controller: &controller,
        check_mode,
        diff,
        host: &job.host,
    };
    match module.run(&cx, args).await {
        Ok(outcome) => outcome.to_json(),
        Err(ModuleError::Unreachable(e)) => unreachable(&e.message),
        Err(ModuleError::Args(m)) | Err(ModuleError::Failed(m)) => {
            HostOutcome::failure(&job.host, m).result
        }
    }
}

fn unreachable(msg: &str) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("changed".into(), J::Bool(false));
    m.insert("msg".into(), J::String(msg.to_string()));
    m.insert("unreachable".into(), J::Bool(true));
    m
}

/// Where `copy: src=`/`template: src=` look: the role, then the play's directory.
fn search_dirs(job: &HostJob) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(role) = &job.task.role {
        dirs.push(role.path.clone());
    }
    dirs.push(job.basedir.clone());
    dirs
}

struct TaskController {
    templar: Templar,
    scope: Arc<Scope>,
    dirs: Vec<PathBuf>,
}

impl Controller for TaskController {
    fn find_file(&self, kind: &str, name: &str) -> Result<PathBuf, String> {
        let p = std::path::Path::new(name);
        if p.is_absolute() {
            return if p.exists() {
                Ok(p.to_path_buf())
            } else {
                Err(format!("Could not find or access '{name}'"))
            };
        }
        for dir in &self.dirs {
            for cand in [dir.join(kind).join(name), dir.join(name)] {
                if cand.exists() {
                    return Ok(cand);
                }
            }
        }
        Err(format!(
            "Could not find or access '{name}'\nSearched in:\n{}",
            self.dirs
                .iter()
                .flat_map(|d| [d.join(kind).join(name), d.join(name)])
                .map(|p| format!("\t{}", p.display()))
                .collect::<Vec<_>>()
                .join("\n")
        ))
    }

    fn render_template(&self, path: &std::path::Path) -> Result<String, String> {
        let file = crate::source::SourceFile::read(path).map_err(|e| e.message)?;
        let span = crate::source::Span::new(file.clone(), 0, 1, 1);
        self.templar
            .render_text(&file.text, &span, &self.scope)
            .map_err(|e| e.message)
    }
}
