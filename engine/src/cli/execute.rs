//! Running playbooks: the executor on a tokio runtime, events to one reporter task,
//! Ctrl-C stops cleanly with a recap (exit 99), and the exit code is Ansible's.

use std::io::IsTerminal as _;
use std::sync::Arc;

use crate::exec::budget::UnreachableRule;
use crate::exec::run::{RunOptions, run_playbooks};
use crate::playbook::TagFilter;
use crate::report::{Console, ConsoleOptions, Event, Sinks, run_reporter};
use crate::transport::connect::{ConnectionDefaults, Connections};
use crate::vars::RunFacts;

use super::{Args, Loaded, exit};

/// Exit code of a run stopped by Ctrl-C.
const INTERRUPTED: i32 = 99;

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
    let defaults = match connection_defaults(args, loaded) {
        Ok(d) => d,
        Err(code) => return code,
    };
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
    let sinks = match args.output.as_deref() {
        None => Sinks::console(console),
        Some("json") => Sinks::json_only(Box::new(tokio::io::stdout())),
        Some(other) => {
            let Some(path) = other.strip_prefix("json:") else {
                eprintln!("[ERROR]: --output expects 'json' or 'json:PATH', got '{other}'");
                return exit::BAD_OPTIONS;
            };
            match tokio::fs::File::create(path).await {
                Ok(file) => {
                    let mut sinks = Sinks::console(console);
                    sinks.json = Some(Box::new(file));
                    sinks
                }
                Err(e) => {
                    eprintln!("[ERROR]: cannot write the event stream to '{path}': {e}");
                    return exit::ERROR;
                }
            }
        }
    };
    let reporter = tokio::spawn(run_reporter(rx, sinks));
    let forks = args.forks.unwrap_or(loaded.config.forks).max(1);
    let opts = RunOptions {
        modules: modules::runtime::registry::builtin,
        connector: Arc::new(Connections::new(defaults, loaded.templar.clone())),
        check: args.check,
        diff: args.diff,
        forks,
        verbosity: args.verbose,
        tags: TagFilter::from_cli(&args.tag_list(), &args.skip_tag_list()),
        start_at_task: args.start_at_task.clone(),
        force_handlers: args.force_handlers,
        flush_cache: args.flush_cache,
        unreachable_rule: if args.count_unreachable_in_budget {
            UnreachableRule::CountUnreachable
        } else {
            UnreachableRule::AnsibleCompatible
        },
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

/// Connection defaults for every host from the command line and `ansible.cfg`; a
/// password file that cannot be read is an error before anything runs.
fn connection_defaults(args: &Args, loaded: &Loaded) -> Result<ConnectionDefaults, i32> {
    let read_secret = |path: &Option<std::path::PathBuf>| -> Result<Option<String>, i32> {
        let Some(path) = path else { return Ok(None) };
        match std::fs::read_to_string(path) {
            // The first line, as ansible reads password files.
            Ok(text) => Ok(Some(text.lines().next().unwrap_or_default().to_string())),
            Err(e) => {
                eprintln!(
                    "[ERROR]: cannot read the password file '{}': {e}",
                    path.display()
                );
                Err(exit::ERROR)
            }
        }
    };
    let config = &loaded.config;
    Ok(ConnectionDefaults {
        connection: args.connection.clone(),
        remote_user: args.user.clone().or_else(|| config.remote_user.clone()),
        private_key_file: args
            .private_key
            .clone()
            .or_else(|| config.private_key_file.clone()),
        ssh_common_args: args.ssh_common_args.clone(),
        ssh_extra_args: args.ssh_extra_args.clone(),
        host_key_checking: config.host_key_checking,
        timeout: std::time::Duration::from_secs(args.timeout.unwrap_or(config.timeout).max(1)),
        password: read_secret(&args.connection_password_file)?,
        become_: args.become_ || config.become_,
        become_method: args
            .become_method
            .clone()
            .unwrap_or_else(|| config.become_method.clone()),
        become_user: args
            .become_user
            .clone()
            .unwrap_or_else(|| config.become_user.clone()),
        become_password: read_secret(&args.become_password_file)?,
    })
}
