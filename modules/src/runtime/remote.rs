//! The connection boundary: what a module may do to a host.

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so traits with async methods stay object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which shell the host's commands go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Posix,
    PowerShell,
}

/// What one command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Privilege escalation for a command (`become`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Become {
    /// `sudo` or `su`.
    pub method: String,
    pub user: String,
    /// Sent on stdin, never on a command line; never printed.
    pub password: Option<String>,
}

/// A transport failure: the host is unreachable (connection refused, timeout, auth
/// failure, host key mismatch, connection dropped).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    pub message: String,
}

/// What a module may do to a host. Implemented by the engine's transports (`local`,
/// `ssh`, `winrm`); every implementation passes the same conformance tests.
pub trait Remote: Send + Sync {
    /// Runs `cmd` through the host's shell (`sh -c` / PowerShell), with `stdin`.
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>>;
    /// Writes `data` to `path` atomically (a temp file in the same directory, then a
    /// rename), with `mode` if given; never leaves a half-written file.
    fn put<'a>(
        &'a self,
        data: &'a [u8],
        path: &'a str,
        mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>>;
    /// Reads the whole file at `path`.
    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>>;
    fn shell_kind(&self) -> ShellKind;
    /// Drops the connection so the next command opens a new one (after a reboot, or
    /// `meta: reset_connection`). Connectionless transports have nothing to drop.
    fn reset(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    /// Whether commands run on the controller itself (`connection: local`), where
    /// `reboot` must refuse to run.
    fn is_controller(&self) -> bool {
        false
    }
}

/// Quotes one word for a POSIX shell (as Python's `shlex.quote`): safe for any input,
/// including `$(...)`, backticks, `;`, newlines and unicode.
pub fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quote_matches_python_shlex_quote() {
        // Values from python3: shlex.quote(...)
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\"'\"'s'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("a\nb"), "'a\nb'");
    }
}
