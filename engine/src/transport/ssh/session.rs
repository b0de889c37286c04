//! Opening one SSH connection: TCP (or a `direct-tcpip` channel through bastions), the
//! handshake with host key verification, then authentication (identity files, the
//! agent, a password). Errors are worded as OpenSSH prints them.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle, Handler};
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{MethodKind, MethodSet};
use tokio::net::TcpStream;

use super::known_hosts;
use super::options::{Endpoint, Strictness, Target};

/// Our side of a connection: verifies the server's host key.
pub struct Client {
    host: String,
    port: u16,
    known_hosts: Vec<std::path::PathBuf>,
    strictness: Strictness,
}

#[derive(Debug)]
pub enum ClientError {
    Ssh(russh::Error),
    /// The host key was refused; OpenSSH's words.
    HostKey(String),
}

impl From<russh::Error> for ClientError {
    fn from(e: russh::Error) -> Self {
        ClientError::Ssh(e)
    }
}

impl Handler for Client {
    type Error = ClientError;

    async fn check_server_key(
        &mut self,
        offered: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match offered {
            PublicKeyOrCertificate::PublicKey { key, .. } => key,
            PublicKeyOrCertificate::Certificate(cert) => {
                if self.strictness == Strictness::No {
                    return Ok(true);
                }
                return Err(ClientError::HostKey(format!(
                    "host certificate {} for {} is not trusted (ringmaster does not read \
                     @cert-authority lines)",
                    cert.key_id(),
                    known_hosts::host_entry_name(&self.host, self.port)
                )));
            }
        };
        known_hosts::verify(
            &self.known_hosts,
            self.strictness,
            &self.host,
            self.port,
            key,
        )
        .map(|()| true)
        .map_err(ClientError::HostKey)
    }
}

/// An open, authenticated connection.
pub struct Connection {
    pub handle: Handle<Client>,
    /// The bastion's connection this one runs through, kept open while it is used.
    _bastion: Option<Arc<Connection>>,
    /// The `ProxyCommand` process, if any.
    _proxy: Option<tokio::process::Child>,
}

/// The client configuration every connection uses: `TCP_NODELAY`, curve25519 key
/// exchange first (the post-quantum hybrids cost tens of ms per connection), big
/// windows for large outputs, keepalives so a vanished host is noticed.
fn client_config(keepalive: Duration, known: &[russh::keys::Algorithm]) -> Arc<client::Config> {
    use russh::kex;
    let mut preferred = russh::Preferred::default();
    let mut kexes = vec![kex::CURVE25519, kex::CURVE25519_PRE_RFC_8731];
    kexes.extend(
        preferred
            .kex
            .iter()
            .filter(|k| !kexes.contains(k))
            .cloned()
            .collect::<Vec<_>>(),
    );
    preferred.kex = kexes.into();
    // AES-GCM runs on the CPU's AES instructions (ring); chacha20 is the fallback.
    let mut ciphers = vec![russh::cipher::AES_256_GCM, russh::cipher::AES_128_GCM];
    ciphers.extend(
        preferred
            .cipher
            .iter()
            .filter(|c| !ciphers.contains(c))
            .cloned()
            .collect::<Vec<_>>(),
    );
    preferred.cipher = ciphers.into();
    // Host key types already known for the host first, so a host recorded with (say)
    // only its RSA key is verified instead of refused as unknown.
    if !known.is_empty() {
        let rsa = |a: &russh::keys::Algorithm| matches!(a, russh::keys::Algorithm::Rsa { .. });
        let is_known =
            |a: &russh::keys::Algorithm| known.iter().any(|k| k == a || (rsa(k) && rsa(a)));
        let (mut first, rest): (Vec<_>, Vec<_>) =
            preferred.key.iter().cloned().partition(|a| is_known(a));
        first.extend(rest);
        preferred.key = first.into();
    }
    Arc::new(client::Config {
        nodelay: true,
        preferred,
        window_size: 16 << 20,
        channel_buffer_size: 1024,
        keepalive_interval: Some(keepalive),
        keepalive_max: 3,
        ..Default::default()
    })
}

/// OpenSSH's words for a failed TCP connection (`ssh: connect to host H port P: ...`).
pub async fn tcp_connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let Ok(addrs) = tokio::net::lookup_host((host, port)).await else {
        return Err(format!(
            "ssh: Could not resolve hostname {host}: Name or service not known"
        ));
    };
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) => last = Some(e.kind()),
            Err(_) => last = Some(std::io::ErrorKind::TimedOut),
        }
    }
    let why = match last {
        Some(std::io::ErrorKind::ConnectionRefused) => "Connection refused",
        Some(std::io::ErrorKind::TimedOut) => "Connection timed out",
        Some(std::io::ErrorKind::HostUnreachable) => "No route to host",
        Some(std::io::ErrorKind::NetworkUnreachable) => "Network is unreachable",
        None => {
            return Err(format!(
                "ssh: Could not resolve hostname {host}: Name or service not known"
            ));
        }
        _ => "Connection failed",
    };
    Err(format!("ssh: connect to host {host} port {port}: {why}"))
}

/// The host and port `endpoint`'s key is recorded under: its `HostKeyAlias` (a bare
/// name, as OpenSSH records it), else its address and port.
fn key_name(target: &Target, endpoint: &Endpoint) -> (String, u16) {
    match &target.host_key_alias {
        Some(alias) => (alias.clone(), 22),
        None => (endpoint.host.clone(), endpoint.port),
    }
}

/// Handshake and authentication over `stream`, within `timeout`.
async fn establish<S>(
    target: &Target,
    endpoint: &Endpoint,
    stream: S,
    config: Arc<client::Config>,
) -> Result<Handle<Client>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (host, port) = key_name(target, endpoint);
    let client = Client {
        host,
        port,
        known_hosts: target.known_hosts.clone(),
        strictness: target.strictness,
    };
    let where_ = format!("{} port {}", endpoint.host, endpoint.port);
    let handshake = client::connect_stream(config, stream, client);
    let mut handle = match tokio::time::timeout(target.connect_timeout, handshake).await {
        Err(_) => {
            return Err(format!(
                "Connection timed out during banner exchange\r\nConnection to {where_} timed out"
            ));
        }
        Ok(Err(ClientError::HostKey(message))) => return Err(message),
        Ok(Err(ClientError::Ssh(e))) => {
            let why = match e {
                russh::Error::Disconnect | russh::Error::HUP | russh::Error::IO(_) => {
                    "Connection closed by remote host".to_string()
                }
                other => other.to_string(),
            };
            return Err(format!(
                "kex_exchange_identification: {why}\r\nConnection closed by {where_}"
            ));
        }
        Ok(Ok(handle)) => handle,
    };
    let auth = authenticate(&mut handle, endpoint, target);
    match tokio::time::timeout(target.connect_timeout, auth).await {
        Ok(Ok(())) => Ok(handle),
        Ok(Err(message)) => Err(message),
        Err(_) => Err(format!(
            "Connection to {where_} timed out during authentication"
        )),
    }
}

/// Opens the connection to `target`: through `bastion`'s connection (the last of its
/// `ProxyJump` hosts, shared by every target behind it), else by its `ProxyCommand`,
/// else over TCP.
pub async fn open(target: &Target, bastion: Option<Arc<Connection>>) -> Result<Connection, String> {
    let endpoint = &target.endpoint;
    let (host, port) = key_name(target, endpoint);
    let config = client_config(
        target.keepalive,
        &known_hosts::known_algorithms(&target.known_hosts, &host, port),
    );
    let mut proxy = None;
    let handle = match (&bastion, &target.proxy_command) {
        (Some(via), _) => {
            let channel = via
                .handle
                .channel_open_direct_tcpip(
                    endpoint.host.clone(),
                    u32::from(endpoint.port),
                    "127.0.0.1",
                    0,
                )
                .await
                .map_err(|e| {
                    format!(
                        "ssh: connect to host {} port {} through the jump host: open failed: \
                         {e}\r\nstdio forwarding failed",
                        endpoint.host, endpoint.port
                    )
                })?;
            establish(target, endpoint, channel.into_stream(), config).await?
        }
        (None, Some(command)) => {
            let (child, stream) = spawn_proxy(command)?;
            proxy = Some(child);
            establish(target, endpoint, stream, config).await?
        }
        (None, None) => {
            let stream = tcp_connect(&endpoint.host, endpoint.port, target.connect_timeout).await?;
            establish(target, endpoint, stream, config).await?
        }
    };
    Ok(Connection {
        handle,
        _bastion: bastion,
        _proxy: proxy,
    })
}

/// Runs `ProxyCommand` through the local shell; its stdin/stdout carry the connection.
/// The process is killed when the connection is dropped.
fn spawn_proxy(
    command: &str,
) -> Result<
    (
        tokio::process::Child,
        tokio::io::Join<tokio::process::ChildStdout, tokio::process::ChildStdin>,
    ),
    String,
> {
    let mut child = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("exec {command}"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("ssh: cannot run ProxyCommand {command:?}: {e}"))?;
    match (child.stdout.take(), child.stdin.take()) {
        (Some(out), Some(input)) => Ok((child, tokio::io::join(out, input))),
        _ => Err(format!(
            "ssh: cannot run ProxyCommand {command:?}: no pipes"
        )),
    }
}

fn rsa_hash(best: Result<Option<Option<HashAlg>>, russh::Error>) -> Option<HashAlg> {
    // No server-sig-algs extension: assume a modern server (rsa-sha2-256).
    best.ok().flatten().unwrap_or(Some(HashAlg::Sha256))
}

/// Whether authentication succeeded; on failure, remembers what the server still offers.
fn succeeded(methods: &mut Option<MethodSet>, result: client::AuthResult) -> bool {
    match result {
        client::AuthResult::Success => true,
        client::AuthResult::Failure {
            remaining_methods, ..
        } => {
            *methods = Some(remaining_methods);
            false
        }
    }
}

/// Tries identity files, then the agent's keys, then the password, as OpenSSH does.
async fn authenticate(
    handle: &mut Handle<Client>,
    endpoint: &Endpoint,
    target: &Target,
) -> Result<(), String> {
    // Ansible's password is the target's; bastions authenticate with keys.
    let password = target
        .password
        .as_deref()
        .filter(|_| *endpoint == target.endpoint);
    let user = endpoint.user.as_str();
    let mut methods: Option<MethodSet> = None;
    for path in &endpoint.identity_files {
        // Unreadable or passphrase-protected keys are skipped, as OpenSSH in batch mode.
        let Ok(key) = russh::keys::load_secret_key(path, None) else {
            continue;
        };
        let hash = if key.algorithm().is_rsa() {
            rsa_hash(handle.best_supported_rsa_hash().await)
        } else {
            None
        };
        let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
        match handle.authenticate_publickey(user, key).await {
            Ok(result) => {
                if succeeded(&mut methods, result) {
                    return Ok(());
                }
            }
            Err(e) => {
                return Err(format!(
                    "{user}@{}: authentication failed: {e}",
                    endpoint.host
                ));
            }
        }
    }
    let agent = match &target.agent {
        Some(socket) => AgentClient::connect_uds(socket).await.ok(),
        None => None,
    };
    if let Some(mut agent) = agent {
        let identities = agent.request_identities().await.unwrap_or_default();
        for identity in identities {
            let AgentIdentity::PublicKey { key, .. } = identity else {
                continue;
            };
            let hash = if key.algorithm().is_rsa() {
                rsa_hash(handle.best_supported_rsa_hash().await)
            } else {
                None
            };
            if let Ok(result) = handle
                .authenticate_publickey_with(user, key, hash, &mut agent)
                .await
                && succeeded(&mut methods, result)
            {
                return Ok(());
            }
        }
    }
    if let Some(password) = password {
        match handle.authenticate_password(user, password).await {
            Ok(result) => {
                if succeeded(&mut methods, result) {
                    return Ok(());
                }
            }
            Err(e) => {
                return Err(format!(
                    "{user}@{}: authentication failed: {e}",
                    endpoint.host
                ));
            }
        }
    }
    if methods.is_none()
        && let Ok(result) = handle.authenticate_none(user).await
        && succeeded(&mut methods, result)
    {
        return Ok(());
    }
    let listed: Vec<&str> = methods
        .as_ref()
        .map(|m| m.iter().map(<&str>::from).collect())
        .unwrap_or_else(|| vec![<&str>::from(&MethodKind::PublicKey)]);
    Err(format!(
        "{user}@{}: Permission denied ({}).",
        endpoint.host,
        listed.join(",")
    ))
}
