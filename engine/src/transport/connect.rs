//! From a host's variables to a connection: which transport (`ansible_connection`),
//! where (`ansible_host`, `ansible_port`), as whom (`ansible_user`, keys, password) and
//! with which privilege escalation (`ansible_become*`). Command-line flags and
//! `ansible.cfg` give the defaults; host variables win, as in Ansible.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use modules::runtime::{Become, BoxFuture, Remote, RemoteError};

use crate::exec::run::Connector;
use crate::template::{Scope, Templar, py_str};
use crate::transport::local::LocalRemote;

/// Defaults for every host, from the command line and `ansible.cfg`.
#[derive(Debug, Clone, Default)]
pub struct ConnectionDefaults {
    /// `-c`; Ansible's default is `ssh`.
    pub connection: Option<String>,
    /// `-u` / `remote_user`.
    pub remote_user: Option<String>,
    /// `--private-key` / `private_key_file`.
    pub private_key_file: Option<PathBuf>,
    /// `--ssh-common-args`, `--ssh-extra-args`.
    pub ssh_common_args: Option<String>,
    pub ssh_extra_args: Option<String>,
    /// `host_key_checking` (ansible.cfg, `ANSIBLE_HOST_KEY_CHECKING`).
    pub host_key_checking: bool,
    /// `-T` / `timeout`: how long to wait for a connection.
    pub timeout: Duration,
    /// `--connection-password-file` / `-k`.
    pub password: Option<String>,
    /// `-b`, `--become-method`, `--become-user`, `--become-password-file` / `-K`.
    pub become_: bool,
    pub become_method: String,
    pub become_user: String,
    pub become_password: Option<String>,
}

/// Everything needed to reach one host, resolved from its variables.
#[derive(Clone, PartialEq, Eq)]
pub struct HostConnection {
    /// The inventory name (for messages).
    pub inventory_name: String,
    /// `local`, `ssh`, ...
    pub connection: String,
    /// `ansible_host`, else the inventory name.
    pub address: String,
    /// `ansible_port`; `None` lets `~/.ssh/config` (or 22) decide.
    pub port: Option<u16>,
    pub user: Option<String>,
    pub private_key_file: Option<PathBuf>,
    /// Never printed.
    pub password: Option<String>,
    pub ssh_common_args: Option<String>,
    pub ssh_extra_args: Option<String>,
    pub host_key_checking: bool,
    pub timeout: Duration,
    pub become_: Option<Become>,
}

impl std::fmt::Debug for HostConnection {
    // By hand, so a password never reaches a log or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConnection")
            .field("inventory_name", &self.inventory_name)
            .field("connection", &self.connection)
            .field("address", &self.address)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("private_key_file", &self.private_key_file)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("host_key_checking", &self.host_key_checking)
            .finish_non_exhaustive()
    }
}

/// Opens connections by `ansible_connection`.
pub struct Connections {
    pub defaults: ConnectionDefaults,
    pub templar: Templar,
    /// SSH connections live for the whole run, shared by every task and play.
    pub ssh: Arc<super::ssh::SshPool>,
}

impl Connections {
    pub fn new(defaults: ConnectionDefaults, templar: Templar) -> Self {
        Connections {
            defaults,
            templar,
            ssh: Arc::new(super::ssh::SshPool::new()),
        }
    }

    fn var(&self, vars: &Arc<Scope>, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| {
            vars.resolve(name, &self.templar)
                .ok()
                .flatten()
                .filter(|v| !v.is_none() && !v.is_undefined())
                .map(|v| py_str(&v))
        })
    }

    fn flag(&self, vars: &Arc<Scope>, name: &str) -> Option<bool> {
        self.var(vars, &[name]).map(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "1" | "y" | "t"
            )
        })
    }

    /// Resolves the connection settings of `host` from its variables.
    pub fn host_connection(&self, host: &str, vars: &Arc<Scope>) -> HostConnection {
        let d = &self.defaults;
        let connection = self
            .var(vars, &["ansible_connection"])
            .or_else(|| d.connection.clone())
            .unwrap_or_else(|| "ssh".to_string());
        let become_on = self.flag(vars, "ansible_become").unwrap_or(d.become_);
        let become_ = become_on.then(|| Become {
            method: self
                .var(vars, &["ansible_become_method"])
                .unwrap_or_else(|| d.become_method.clone()),
            user: self
                .var(vars, &["ansible_become_user"])
                .unwrap_or_else(|| d.become_user.clone()),
            password: self
                .var(vars, &["ansible_become_password", "ansible_become_pass"])
                .or_else(|| d.become_password.clone()),
        });
        let timeout = self
            .var(vars, &["ansible_ssh_timeout", "ansible_timeout"])
            .and_then(|t| t.parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(d.timeout);
        HostConnection {
            inventory_name: host.to_string(),
            connection,
            address: self
                .var(vars, &["ansible_host", "ansible_ssh_host"])
                .unwrap_or_else(|| host.to_string()),
            port: self
                .var(vars, &["ansible_port", "ansible_ssh_port"])
                .and_then(|p| p.parse().ok()),
            user: self
                .var(vars, &["ansible_user", "ansible_ssh_user"])
                .or_else(|| d.remote_user.clone()),
            private_key_file: self
                .var(
                    vars,
                    &["ansible_ssh_private_key_file", "ansible_private_key_file"],
                )
                .map(PathBuf::from)
                .or_else(|| d.private_key_file.clone()),
            password: self
                .var(vars, &["ansible_password", "ansible_ssh_pass"])
                .or_else(|| d.password.clone()),
            ssh_common_args: self
                .var(vars, &["ansible_ssh_common_args"])
                .or_else(|| d.ssh_common_args.clone()),
            ssh_extra_args: self
                .var(vars, &["ansible_ssh_extra_args"])
                .or_else(|| d.ssh_extra_args.clone()),
            host_key_checking: self
                .flag(vars, "ansible_ssh_host_key_checking")
                .or_else(|| self.flag(vars, "ansible_host_key_checking"))
                .unwrap_or(d.host_key_checking),
            timeout,
            become_,
        }
    }
}

impl Connector for Connections {
    fn connect<'a>(
        &'a self,
        host: &'a str,
        vars: &'a Arc<Scope>,
    ) -> BoxFuture<'a, Result<Arc<dyn Remote>, RemoteError>> {
        Box::pin(async move {
            let hc = self.host_connection(host, vars);
            match hc.connection.as_str() {
                "local" => Ok(Arc::new(match hc.become_ {
                    Some(b) => LocalRemote::with_become(b),
                    None => LocalRemote::new(),
                }) as Arc<dyn Remote>),
                "ssh" | "paramiko" | "smart" | "ansible.builtin.ssh" => self.ssh.connect(&hc).await,
                other => Err(RemoteError {
                    message: format!(
                        "ringmaster has no '{other}' connection (host {host}); \
                         use ansible_connection=ssh or local"
                    ),
                }),
            }
        })
    }

    fn reset<'a>(&'a self, host: &'a str, vars: &'a Arc<Scope>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let hc = self.host_connection(host, vars);
            if hc.connection != "local" {
                self.ssh.reset(&hc).await;
            }
        })
    }
}
