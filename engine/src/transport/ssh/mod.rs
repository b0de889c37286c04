//! `connection: ssh` on russh. One persistent connection per distinct target (address,
//! port, user, keys, bastions, ...) for the whole run, shared by every task and play;
//! each command is its own channel on it, so many run at once. A connection that has
//! dropped (the host rebooted) is reopened by the next command; a command running when
//! it drops fails promptly with [`RemoteError`].
//!
//! Settings come from the host's variables, `ansible_ssh_common_args` /
//! `ansible_ssh_extra_args` (`-o`, `-i`, `-p`, `-F`, `-J`, `-l`) and `~/.ssh/config`
//! ([`options`]); host keys are checked against `known_hosts` ([`known_hosts`]); a
//! `ProxyJump` bastion's connection is pooled too and shared by the targets behind it;
//! `ProxyCommand` runs locally. Errors read as OpenSSH's, after Ansible's "Failed to
//! connect to the host via ssh: ". Become wraps commands as Ansible's plugins do
//! ([`crate::transport::sudo_gate`] for sudo with a password).

mod known_hosts;
mod options;
mod remote;
mod session;
mod su_pty;

#[cfg(test)]
mod test_sshd;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_auth;
#[cfg(test)]
mod tests_become;
#[cfg(test)]
mod tests_modules;
#[cfg(test)]
mod tests_routes;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use modules::runtime::{ExecOutput, Remote, RemoteError};

pub use options::{Strictness, Target};
pub use remote::SshRemote;

use super::connect::HostConnection;
use remote::ExecError;
use session::Connection;

const PREFIX: &str = "Failed to connect to the host via ssh: ";

fn unreachable(message: impl std::fmt::Display) -> RemoteError {
    RemoteError {
        message: format!("{PREFIX}{message}"),
    }
}

/// One target's connection, opened on first use and reopened after it drops.
pub(crate) struct Link {
    target: Target,
    /// Held while connecting, so concurrent first users connect once.
    current: tokio::sync::Mutex<Option<Arc<Connection>>>,
    /// Channels open at once: sshd refuses more than `MaxSessions` (10 by default).
    sessions: tokio::sync::Semaphore,
    /// The bastion's link (`ProxyJump`), shared by every target behind it.
    via: Option<Arc<Link>>,
}

/// OpenSSH's default `MaxSessions`.
const MAX_SESSIONS: usize = 10;

impl Link {
    fn new(target: Target, via: Option<Arc<Link>>) -> Self {
        Link {
            target,
            current: tokio::sync::Mutex::new(None),
            sessions: tokio::sync::Semaphore::new(MAX_SESSIONS),
            via,
        }
    }

    /// The open connection, (re)connecting if there is none or it has closed.
    async fn connection(&self) -> Result<Arc<Connection>, RemoteError> {
        let mut current = self.current.lock().await;
        if let Some(conn) = current.as_ref()
            && !conn.handle.is_closed()
        {
            return Ok(conn.clone());
        }
        *current = None;
        // Locks are taken target first, then bastion: no cycle, bastions have fewer hops.
        let bastion = match &self.via {
            Some(via) => Some(Box::pin(via.connection()).await?),
            None => None,
        };
        let conn = Arc::new(
            session::open(&self.target, bastion)
                .await
                .map_err(unreachable)?,
        );
        *current = Some(conn.clone());
        Ok(conn)
    }

    /// Drops the current connection (after a reboot, `meta: reset_connection`): the
    /// next command connects again; commands still running on it finish.
    async fn reset(&self) {
        *self.current.lock().await = None;
    }

    /// Forgets `dead` (unless another task already replaced it).
    async fn forget(&self, dead: &Arc<Connection>) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, dead)) {
            *current = None;
        }
    }

    /// Runs `cmd` as `user` through `su` with a password (on a pty channel); reconnects
    /// once if the connection turns out to be gone before the command started.
    async fn exec_su(
        &self,
        user: &str,
        password: &str,
        cmd: &str,
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, RemoteError> {
        let _session = self.sessions.acquire().await.ok();
        let mut retried = false;
        loop {
            let conn = self.connection().await?;
            match su_pty::run_su(&conn.handle, user, password, cmd, stdin).await {
                Ok(out) => return Ok(out),
                Err(ExecError::NotStarted(_) | ExecError::Refused(_)) if !retried => {
                    self.forget(&conn).await;
                    retried = true;
                }
                Err(ExecError::NotStarted(why) | ExecError::Refused(why)) => {
                    return Err(unreachable(format!(
                        "cannot start a command on {}: {why}",
                        self.target.endpoint.host
                    )));
                }
                Err(ExecError::Lost) => {
                    self.forget(&conn).await;
                    return Err(unreachable(format!(
                        "Shared connection to {} closed.",
                        self.target.endpoint.host
                    )));
                }
            }
        }
    }

    /// Runs a complete remote command line; reconnects once if the connection turns out
    /// to be gone before the command started.
    async fn exec_line(
        &self,
        line: &str,
        stdin: Option<&[u8]>,
        mut gate: Option<crate::transport::sudo_gate::Gate>,
    ) -> Result<ExecOutput, RemoteError> {
        let mut retried = false;
        let mut refusals: u32 = 0;
        // The semaphore is never closed, so acquiring only waits.
        let _session = self.sessions.acquire().await.ok();
        loop {
            let conn = self.connection().await?;
            match remote::run_channel(&conn.handle, line, stdin, gate.as_mut()).await {
                Ok(out) => return Ok(out),
                Err(ExecError::NotStarted(why)) => {
                    // Most often the connection died since its last use (the host
                    // rebooted): nothing ran yet, so reconnect and try once more.
                    self.forget(&conn).await;
                    if !retried {
                        retried = true;
                        continue;
                    }
                    return Err(unreachable(format!(
                        "cannot start a command on {}: {why}",
                        self.target.endpoint.host
                    )));
                }
                Err(ExecError::Refused(why)) => {
                    refusals += 1;
                    if refusals > 100 {
                        return Err(unreachable(format!(
                            "cannot start a command on {}: {why}",
                            self.target.endpoint.host
                        )));
                    }
                    let pause = Duration::from_millis(10 * u64::from(refusals.min(20)));
                    tokio::time::sleep(pause).await;
                }
                Err(ExecError::Lost) => {
                    self.forget(&conn).await;
                    return Err(unreachable(format!(
                        "Shared connection to {} closed.",
                        self.target.endpoint.host
                    )));
                }
            }
        }
    }
}

/// What identifies a host's connection settings (everything of [`HostConnection`] that
/// reaches [`Target`]), so repeated `connect` calls skip re-reading `~/.ssh/config`.
#[derive(PartialEq, Eq, Hash)]
struct HostKey {
    address: String,
    port: Option<u16>,
    user: Option<String>,
    private_key_file: Option<PathBuf>,
    password: Option<String>,
    ssh_common_args: Option<String>,
    ssh_extra_args: Option<String>,
    host_key_checking: bool,
    timeout: Duration,
}

impl HostKey {
    fn of(hc: &HostConnection) -> Self {
        HostKey {
            address: hc.address.clone(),
            port: hc.port,
            user: hc.user.clone(),
            private_key_file: hc.private_key_file.clone(),
            password: hc.password.clone(),
            ssh_common_args: hc.ssh_common_args.clone(),
            ssh_extra_args: hc.ssh_extra_args.clone(),
            host_key_checking: hc.host_key_checking,
            timeout: hc.timeout,
        }
    }
}

/// The link of `target`, created with the links of its bastions if new.
fn link_for(links: &mut HashMap<Target, Arc<Link>>, target: Target) -> Arc<Link> {
    if let Some(link) = links.get(&target) {
        return link.clone();
    }
    let via = target.bastion().map(|b| link_for(links, b));
    let link = Arc::new(Link::new(target.clone(), via));
    links.insert(target, link.clone());
    link
}

/// The run's SSH connections, one per distinct target, reused by every task and play.
#[derive(Default)]
pub struct SshPool {
    links: std::sync::Mutex<HashMap<Target, Arc<Link>>>,
    by_host: std::sync::Mutex<HashMap<HostKey, Arc<Link>>>,
}

impl SshPool {
    pub fn new() -> Self {
        SshPool::default()
    }

    fn link(&self, hc: &HostConnection) -> Result<Arc<Link>, RemoteError> {
        let key = HostKey::of(hc);
        // A poisoned lock only means another task panicked mid-insert; the map is intact.
        let mut by_host = self.by_host.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(link) = by_host.get(&key) {
            return Ok(link.clone());
        }
        let target = options::resolve(hc).map_err(unreachable)?;
        let mut links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        let link = link_for(&mut links, target);
        by_host.insert(key, link.clone());
        Ok(link)
    }

    /// The connection to `hc`'s host, opened on first use (an unreachable host fails
    /// here, with OpenSSH's words).
    pub async fn connect(&self, hc: &HostConnection) -> Result<Arc<dyn Remote>, RemoteError> {
        Ok(Arc::new(self.connect_ssh(hc).await?))
    }

    /// `meta: reset_connection`: the host's next command opens a new connection.
    pub async fn reset(&self, hc: &HostConnection) {
        let link = self
            .by_host
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&HostKey::of(hc))
            .cloned();
        if let Some(link) = link {
            link.reset().await;
        }
    }

    /// As [`SshPool::connect`], with the concrete type.
    pub async fn connect_ssh(&self, hc: &HostConnection) -> Result<SshRemote, RemoteError> {
        let link = self.link(hc)?;
        link.connection().await?;
        Ok(SshRemote {
            link,
            become_: hc.become_.clone(),
        })
    }
}
