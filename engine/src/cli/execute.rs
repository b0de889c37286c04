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
    /// Connect timeout (`-T`, `timeout` in ansible.cfg).
    timeout: std::time::Duration,
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
            "ssh" | "paramiko" | "smart" => Err(self.ssh_unavailable(host, vars)),
            other => Err(RemoteError {
                message: format!(
                    "ringmaster does not have the '{other}' connection yet (host {host}); \
                     use ansible_connection=local or -c local"
                ),
            }),
        }
    }
}

impl Connections {
    fn var(&self, vars: &Arc<Scope>, name: &str) -> Option<String> {
        vars.resolve(name, &self.templar)
            .ok()
            .flatten()
            .map(|v| py_str(&v))
    }

    /// Until the SSH transport lands, an SSH host is reached at the TCP level only, so
    /// a host that is down or refuses connections is reported exactly as OpenSSH words
    /// it; a host that answers is reported as not manageable yet.
    fn ssh_unavailable(&self, host: &str, vars: &Arc<Scope>) -> RemoteError {
        let address = self
            .var(vars, "ansible_host")
            .unwrap_or_else(|| host.to_string());
        let port: u16 = self
            .var(vars, "ansible_port")
            .and_then(|p| p.parse().ok())
            .unwrap_or(22);
        let message = match ssh_unreachable_reason(&address, port, self.timeout) {
            Some(reason) => format!("Failed to connect to the host via ssh: {reason}"),
            None => format!(
                "ringmaster cannot manage {host} over SSH yet ({address}:{port} answers, but the \
                 SSH transport is the next milestone); use ansible_connection=local"
            ),
        };
        RemoteError { message }
    }
}

/// Why OpenSSH could not reach `address:port`, in its words (`ssh: connect to host
/// 127.0.0.1 port 1: Connection refused`), or `None` when the port answers. Until the
/// SSH transport exists this probe tells unreachable hosts apart as ansible reports them;
/// it blocks for at most `timeout`.
fn ssh_unreachable_reason(
    address: &str,
    port: u16,
    timeout: std::time::Duration,
) -> Option<String> {
    use std::net::{TcpStream, ToSocketAddrs};
    let Ok(addrs) = (address, port).to_socket_addrs() else {
        return Some(format!(
            "ssh: Could not resolve hostname {address}: Name or service not known"
        ));
    };
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return None,
            Err(e) => last = Some(e),
        }
    }
    let why = match last {
        None => {
            return Some(format!(
                "ssh: Could not resolve hostname {address}: Name or service not known"
            ));
        }
        Some(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "Connection refused".to_string(),
            std::io::ErrorKind::TimedOut => "Connection timed out".to_string(),
            std::io::ErrorKind::HostUnreachable => "No route to host".to_string(),
            std::io::ErrorKind::NetworkUnreachable => "Network is unreachable".to_string(),
            _ => e.to_string(),
        },
    };
    Some(format!("ssh: connect to host {address} port {port}: {why}"))
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
        connector: Arc::new(Connections {
            default_connection: args.connection.clone(),
            templar: loaded.templar.clone(),
            timeout: std::time::Duration::from_secs(
                args.timeout.unwrap_or(loaded.config.timeout).max(1),
            ),
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

#[cfg(test)]
mod ssh_probe_tests {
    use super::ssh_unreachable_reason;

    /// Recorded (12, 13, 73, 91): OpenSSH's words for a refused port.
    #[test]
    fn a_refused_port_is_worded_as_openssh_and_an_open_one_is_not_a_reason() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().port();
        let t = std::time::Duration::from_secs(2);
        assert_eq!(ssh_unreachable_reason("127.0.0.1", open, t), None);
        drop(listener);
        assert_eq!(
            ssh_unreachable_reason("127.0.0.1", 1, t).as_deref(),
            Some("ssh: connect to host 127.0.0.1 port 1: Connection refused")
        );
    }
}
