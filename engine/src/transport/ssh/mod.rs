//! `connection: ssh`. Until the russh transport lands, an SSH host is reached at the TCP
//! level only, so a host that is down or refuses connections is reported exactly as
//! OpenSSH words it; a host that answers is reported as not manageable yet.

use std::sync::Arc;

use modules::runtime::{Remote, RemoteError};

use super::connect::HostConnection;

/// The run's SSH connections, one per host, reused by every task and play.
#[derive(Default)]
pub struct SshPool {}

impl SshPool {
    pub fn new() -> Self {
        SshPool::default()
    }

    /// The connection to `hc`'s host, opened on first use.
    pub async fn connect(&self, hc: &HostConnection) -> Result<Arc<dyn Remote>, RemoteError> {
        let port = hc.port.unwrap_or(22);
        let message = match unreachable_reason(&hc.address, port, hc.timeout).await {
            Some(reason) => format!("Failed to connect to the host via ssh: {reason}"),
            None => format!(
                "ringmaster cannot manage {} over SSH yet ({}:{port} answers); \
                 use ansible_connection=local",
                hc.inventory_name, hc.address
            ),
        };
        Err(RemoteError { message })
    }
}

/// Why OpenSSH could not reach `address:port`, in its words (`ssh: connect to host
/// 127.0.0.1 port 1: Connection refused`), or `None` when the port answers.
pub async fn unreachable_reason(
    address: &str,
    port: u16,
    timeout: std::time::Duration,
) -> Option<String> {
    let unresolved =
        || format!("ssh: Could not resolve hostname {address}: Name or service not known");
    let Ok(addrs) = tokio::net::lookup_host((address, port)).await else {
        return Some(unresolved());
    };
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return None,
            Ok(Err(e)) => last = Some(e.kind()),
            Err(_) => last = Some(std::io::ErrorKind::TimedOut),
        }
    }
    let why = match last? {
        std::io::ErrorKind::ConnectionRefused => "Connection refused",
        std::io::ErrorKind::TimedOut => "Connection timed out",
        std::io::ErrorKind::HostUnreachable => "No route to host",
        std::io::ErrorKind::NetworkUnreachable => "Network is unreachable",
        _ => "Connection failed",
    };
    Some(format!("ssh: connect to host {address} port {port}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::unreachable_reason;

    /// Recorded (run corpus 12, 13, 73, 91): OpenSSH's words for a refused port.
    #[tokio::test]
    async fn a_refused_port_is_worded_as_openssh_and_an_open_one_is_not_a_reason() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap().port();
        let t = std::time::Duration::from_secs(2);
        assert_eq!(unreachable_reason("127.0.0.1", open, t).await, None);
        drop(listener);
        assert_eq!(
            unreachable_reason("127.0.0.1", 1, t).await.as_deref(),
            Some("ssh: connect to host 127.0.0.1 port 1: Connection refused")
        );
    }
}
