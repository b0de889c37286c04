//! The test harness: a connection that runs `/bin/sh` locally (hosts named `down*`
//! are unreachable), test modules (`command`, `setup`, a `ping` that panics on h2),
//! and a runner that collects the events of a playbook run.

use std::sync::Arc;

use clap::Parser as _;
use modules::runtime::{
    BoxFuture, ExecOutput, Module, ModuleError, Outcome, Remote, RemoteError, ShellKind, TaskCx,
};
use serde_json::{Map, Value as J};

use super::*;
use crate::cli::{Args, load};
use crate::report::{Event, HostStatus, TaskKindTag};
use crate::template::Scope;

struct ShRemote;

impl Remote for ShRemote {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        _stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move {
            let o = tokio::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(cmd)
                .kill_on_drop(true)
                .output()
                .await
                .map_err(|e| RemoteError {
                    message: e.to_string(),
                })?;
            Ok(ExecOutput {
                rc: o.status.code().unwrap_or(-1),
                stdout: o.stdout,
                stderr: o.stderr,
            })
        })
    }
    fn put<'a>(
        &'a self,
        _data: &'a [u8],
        _path: &'a str,
        _mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async { Ok(()) })
    }
    fn get<'a>(&'a self, _path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
}

/// Hosts whose name starts with `down` are unreachable.
struct TestConnector;

impl Connector for TestConnector {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        _vars: &'a Arc<Scope>,
    ) -> BoxFuture<'a, Result<Arc<dyn Remote>, RemoteError>> {
        Box::pin(async move {
            if host.starts_with("down") {
                return Err(RemoteError {
                    message: format!("Failed to connect to the host via ssh: {host}"),
                });
            }
            Ok(Arc::new(ShRemote) as Arc<dyn Remote>)
        })
    }

    fn reset<'a>(&'a self, host: &'a str, _vars: &'a Arc<Scope>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(mut resets) = RESETS.lock() {
                resets.push(host.to_string());
            }
        })
    }
}

/// Hosts whose connection `meta: reset_connection` reset (all tests, in order).
pub(super) static RESETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// `command`: runs `_raw_params` with `sh -c`; `panic`: panics.
struct ShellModule;

impl Module for ShellModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.command"
    }
    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, J>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let cmd = args
                .get("_raw_params")
                .and_then(J::as_str)
                .ok_or_else(|| ModuleError::Args("no command given".into()))?;
            let out = cx.remote.exec(cmd, None).await?;
            let mut o = Outcome::changed(!cx.check_mode).with("check_mode", cx.check_mode);
            o.rc = Some(out.rc);
            o.stdout = Some(out.stdout_text().trim_end().to_string());
            o.stderr = Some(out.stderr_text().trim_end().to_string());
            if out.rc != 0 {
                o.failed = true;
                o.msg = Some("non-zero return code".into());
            }
            Ok(o)
        })
    }
}

struct PanicModule;

impl Module for PanicModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.ping"
    }
    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        _args: &'a Map<String, J>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            if cx.host == "h2" {
                panic!("boom");
            }
            Ok(Outcome::ok().with("ping", "pong"))
        })
    }
}

/// `setup`: two facts, one of them per host.
struct SetupModule;

impl Module for SetupModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.setup"
    }
    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        _args: &'a Map<String, J>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let facts = serde_json::json!({
                "ansible_os_family": "TestOS",
                "ansible_hostname": format!("{}-name", cx.host),
            });
            Ok(Outcome::ok().with("ansible_facts", facts))
        })
    }
}

fn lookup(name: &str) -> Option<&'static dyn Module> {
    static SHELL: ShellModule = ShellModule;
    static PANIC: PanicModule = PanicModule;
    static SETUP: SetupModule = SetupModule;
    match name {
        "ansible.builtin.setup" => Some(&SETUP),
        "ansible.builtin.command" | "ansible.builtin.shell" => Some(&SHELL),
        "ansible.builtin.ping" => Some(&PANIC),
        "ansible.builtin.wait_for" => modules::runtime::registry::builtin(name),
        _ => None,
    }
}

pub(super) struct Run {
    pub(super) events: Vec<Event>,
    pub(super) summary: RunSummary,
}

impl Run {
    /// Events as short lines: `TASK name`, `HANDLER name`, `PLAY name [hosts]`,
    /// `<status> host` (`<status> host (item)` for loop items; aggregated loop
    /// results are left out), `...ignoring`, `NO MORE HOSTS`, `RETRY host n`.
    pub(super) fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.events {
            match e {
                Event::PlayStart { name, batch } => {
                    out.push(format!("PLAY {name} [{}]", batch.join(",")))
                }
                Event::TaskStart { name, kind, .. } => out.push(match kind {
                    TaskKindTag::Task => format!("TASK {name}"),
                    TaskKindTag::Handler => format!("HANDLER {name}"),
                }),
                Event::HostResult {
                    host,
                    status,
                    item_label,
                    ignored,
                    result,
                    ..
                } => {
                    let s = match status {
                        HostStatus::Ok => "ok",
                        HostStatus::Changed => "changed",
                        HostStatus::Skipped => "skipping",
                        HostStatus::Failed => "failed",
                        HostStatus::Unreachable => "unreachable",
                    };
                    let ign = if *ignored { " ignoring" } else { "" };
                    let has_items = result
                        .get("results")
                        .and_then(J::as_array)
                        .is_some_and(|r| !r.is_empty());
                    if item_label.is_none() && has_items {
                        continue;
                    }
                    match item_label {
                        Some(J::String(l)) => out.push(format!("{s} {host} ({l}){ign}")),
                        Some(l) => out.push(format!("{s} {host} ({l}){ign}")),
                        None => out.push(format!("{s} {host}{ign}")),
                    }
                }
                Event::Retry {
                    host, retries_left, ..
                } => out.push(format!("RETRY {host} {retries_left}")),
                Event::NoMoreHosts => out.push("NO MORE HOSTS".into()),
                Event::NoHostsMatched => out.push("NO HOSTS MATCHED".into()),
                Event::Included {
                    path,
                    hosts,
                    item_label,
                } => {
                    let file = path.rsplit('/').next().unwrap_or_default();
                    let item = match item_label {
                        Some(J::String(l)) => format!(" ({l})"),
                        Some(l) => format!(" ({l})"),
                        None => String::new(),
                    };
                    out.push(format!("included {file} for {}{item}", hosts.join(", ")))
                }
                _ => {}
            }
        }
        out
    }

    /// The lines of one task (between its banner and the next banner), host lines
    /// sorted as the corpus normalises them.
    pub(super) fn task(&self, name: &str) -> Vec<String> {
        let lines = self.lines();
        let start = lines
            .iter()
            .position(|l| l == &format!("TASK {name}") || l == &format!("HANDLER {name}"))
            .unwrap_or_else(|| panic!("no task {name} in {lines:#?}"));
        let mut body: Vec<String> = lines[start + 1..]
            .iter()
            .take_while(|l| {
                !l.starts_with("TASK ") && !l.starts_with("HANDLER ") && !l.starts_with("PLAY ")
            })
            .cloned()
            .collect();
        body.sort();
        body
    }

    pub(super) fn recap(&self, host: &str) -> String {
        let c = counters_of(&self.summary, host);
        format!(
            "ok={} changed={} unreachable={} failed={} skipped={} rescued={} ignored={}",
            c.ok, c.changed, c.unreachable, c.failed, c.skipped, c.rescued, c.ignored
        )
    }

    /// The last registered value printed by `debug: var=<name>` on `host`.
    pub(super) fn var(&self, host_name: &str, name: &str) -> J {
        self.events
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::HostResult { host, result, .. } if host == host_name => {
                    result.get(name).cloned()
                }
                _ => None,
            })
            .unwrap_or(J::Null)
    }
}

pub(super) fn run_with(inventory: &str, playbook: &str, extra: &[&str]) -> Run {
    run_files(inventory, playbook, &[], extra)
}

/// Runs `playbook` next to `files` (name, text).
pub(super) fn run_files(
    inventory: &str,
    playbook: &str,
    files: &[(&str, &str)],
    extra: &[&str],
) -> Run {
    run_cancellable(inventory, playbook, files, extra, Default::default())
}

/// Like [`run_files`], with a cancellation token the test may cancel.
pub(super) fn run_cancellable(
    inventory: &str,
    playbook: &str,
    files: &[(&str, &str)],
    extra: &[&str],
    cancel: tokio_util::sync::CancellationToken,
) -> Run {
    run_configured(inventory, playbook, files, extra, cancel, &|_| {})
}

/// Like [`run_files`], with the settings (`ansible.cfg`) changed by `configure`.
pub(super) fn run_configured(
    inventory: &str,
    playbook: &str,
    files: &[(&str, &str)],
    extra: &[&str],
    cancel: tokio_util::sync::CancellationToken,
    configure: &dyn Fn(&mut crate::cli::Config),
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(dir.path().join("inv.ini"), inventory).unwrap();
    std::fs::write(dir.path().join("pb.yml"), playbook).unwrap();
    let mut argv = vec!["ringmaster", "-i", "inv.ini"];
    argv.extend_from_slice(extra);
    argv.push("pb.yml");
    let args = Args::try_parse_from(argv).unwrap();
    let mut loaded = match load(&args, dir.path()) {
        Ok(l) => l,
        Err(f) => panic!("{}", f.error.render()),
    };
    configure(&mut loaded.config);
    let opts = RunOptions {
        modules: lookup,
        connector: Arc::new(TestConnector),
        check: args.check,
        diff: args.diff,
        forks: args.forks.unwrap_or(5),
        verbosity: args.verbose,
        tags: TagFilter::from_cli(&args.tag_list(), &args.skip_tag_list()),
        start_at_task: args.start_at_task.clone(),
        force_handlers: args.force_handlers,
        flush_cache: false,
        unreachable_rule: UnreachableRule::AnsibleCompatible,
        run: RunFacts::default(),
        roles_path: Vec::new(),
        random_seed: 0,
        cancel: cancel.clone(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let summary = rt.block_on(async {
        let collector = tokio::spawn(async move {
            let mut events = Vec::new();
            while let Some(e) = rx.recv().await {
                events.push(e);
            }
            events
        });
        let summary = run_playbooks(&loaded, &opts, tx).await;
        (summary, collector)
    });
    let events = rt.block_on(summary.1).unwrap();
    Run {
        events,
        summary: summary.0,
    }
}

pub(super) fn run(inventory: &str, playbook: &str) -> Run {
    run_with(inventory, playbook, &[])
}
