//! Running playbooks: the executor on a tokio runtime, events to one reporter task,
//! Ctrl-C stops cleanly with a recap (exit 99), and the exit code is Ansible's.

use std::io::IsTerminal as _;
use std::sync::Arc;

use modules::runtime::{Remote, RemoteError};

use crate::exec::budget::UnreachableRule;
use crate::exec::run::{Connector, RunOptions, run_playbooks};
use crate::playbook::TagFilter;
use crate::report::{Console, ConsoleOptions, Event, Sinks, run_reporter};
use crate::template::{Scope, py_str};
use crate::transport::local::LocalRemote;
use crate::vars::RunFacts;

use super::{Args, Loaded, exit};

/// Exit code of a run stopped by Ctrl-C.
const INTERRUPTED: i32 = 99;

/// Connections by `ansible_connection`. Only `local` exists so far; other hosts are
/// UNREACHABLE with a message saying why (the SSH transport is the next milestone).
struct Connections {
    default_connection: Option<String>,
    templar: crate::template::Templar,
}

impl Connector for Connections {
    fn connect(&self, host: &str, vars: &Arc<Scope>) -> Result<Arc<dyn Remote>, RemoteError> {
        let conn = vars
            .resolve("ansible_connection", &self.templar)
            .ok()
            .flatten()
            .map(|v| py_str(&v))
            .or_else(|| self.default_connection.clone())
            .unwrap_or_else(|| "ssh".to_string());
        match conn.as_str() {
            "local" => Ok(Arc::new(LocalRemote::new())),
            other => Err(RemoteError {
                message: format!(
                    "Failed to connect to the host via {other}: ringmaster does not have the '{other}' connection yet \
                     (host {host}); use ansible_connection=local or -c local"
                ),
            }),
        }
    }
}

/// Runs the loaded playbooks; returns the exit code.
pub fn execute(args: &Args, loaded: &Loaded) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("[ERROR]: could not start the async runtime: {e}");
            return exit::ERROR;
        }
    };
    runtime.block_on(execute_async(args, loaded))
}

async fn execute_async(args: &Args, loaded: &Loaded) -> i32 {
    // Ansible's `-v` first line, before any event.
    if args.verbose > 0 {
        match &loaded.config.path {
            Some(p) => println!("Using {} as config file", p.display()),
            None => println!("No config file found; using defaults"),
        }
    }
    let color =
        !loaded.config.nocolor && (loaded.config.force_color || std::io::stdout().is_terminal());
    let console = Console::new(ConsoleOptions {
        verbosity: args.verbose,
        color,
        ..ConsoleOptions::default()
    });
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(1024);
    let reporter = tokio::spawn(run_reporter(rx, Sinks::console(console)));
    let forks = args.forks.unwrap_or(loaded.config.forks).max(1);
    let opts = RunOptions {
        modules: modules::runtime::registry::builtin,
        connector: Arc::new(Connections {
            default_connection: args.connection.clone(),
            templar: loaded.templar.clone(),
        }),
        check: args.check,
        diff: args.diff,
        forks,
        verbosity: args.verbose,
        tags: TagFilter::from_cli(&args.tag_list(), &args.skip_tag_list()),
        start_at_task: args.start_at_task.clone(),
        force_handlers: args.force_handlers,
        unreachable_rule: UnreachableRule::AnsibleCompatible,
        run: RunFacts {
            check_mode: args.check,
            diff_mode: args.diff,
            forks,
            verbosity: args.verbose,
            run_tags: args.tag_list(),
            skip_tags: args.skip_tag_list(),
            limit: args.limit.clone(),
            config_file: loaded.config.path.as_ref().map(|p| p.display().to_string()),
            ..RunFacts::default()
        },
        roles_path: loaded.config.roles_path.clone(),
        random_seed: 0,
        cancel: tokio_util::sync::CancellationToken::new(),
    };
    // Ctrl-C cancels the run; the executor stops starting tasks and still reports.
    let cancel = opts.cancel.clone();
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = interrupted.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            cancel.cancel();
        }
    });
    let summary = run_playbooks(loaded, &opts, tx).await;
    watcher.abort();
    let code = if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        INTERRUPTED
    } else {
        summary.exit_code
    };
    // The sender is gone once the run ends, so the reporter drains and stops.
    let _ = reporter.await;
    code
}
