//! [`SshRemote`]: the [`Remote`] of an SSH host. Every command is one `exec` channel on
//! the host's shared connection (many may run at once); files move through `cat` with a
//! temp file and a rename, so a reader never sees a half-written file.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use modules::runtime::{Become, BoxFuture, ExecOutput, Remote, RemoteError, ShellKind, quote};
use russh::{ChannelMsg, Sig};

use super::Link;
use super::session::Client;
use crate::transport::local::become_argv;
use crate::transport::sudo_gate::{Gate, GateEvent};

const SHELL: &str = "/bin/sh";

/// Why a command did not complete.
pub(crate) enum ExecError {
    /// The channel could not be opened: the command never started, so it is safe to
    /// reconnect and try again.
    NotStarted(String),
    /// The server refused a new channel on a live connection (its `MaxSessions` is
    /// lower than ours): retry once another command has finished.
    Refused(String),
    /// The connection went away while the command ran.
    Lost,
}

/// The signal number OpenSSH's `exit-signal` names (Linux numbering).
fn signal_number(signal: &Sig) -> i32 {
    match signal {
        Sig::HUP => 1,
        Sig::INT => 2,
        Sig::QUIT => 3,
        Sig::ILL => 4,
        Sig::ABRT => 6,
        Sig::FPE => 8,
        Sig::KILL => 9,
        Sig::USR1 => 10,
        Sig::SEGV => 11,
        Sig::PIPE => 13,
        Sig::ALRM => 14,
        Sig::TERM => 15,
        Sig::Custom(name) => match name.as_str() {
            "BUS" => 7,
            "USR2" => 12,
            "CHLD" => 17,
            "CONT" => 18,
            "STOP" => 19,
            "TSTP" => 20,
            "XCPU" => 24,
            "XFSZ" => 25,
            "SYS" => 31,
            _ => 0,
        },
    }
}

/// Runs `line` (already a complete command line for the remote user's shell) in a new
/// channel, feeding `stdin` then EOF while collecting stdout and stderr. With a sudo
/// `gate`, the password and the input wait for sudo's prompt and the success marker.
pub(super) async fn run_channel(
    handle: &russh::client::Handle<Client>,
    line: &str,
    stdin: Option<&[u8]>,
    mut gate: Option<&mut Gate>,
) -> Result<ExecOutput, ExecError> {
    let channel = handle.channel_open_session().await.map_err(|e| match e {
        russh::Error::ChannelOpenFailure(_) if !handle.is_closed() => {
            ExecError::Refused(e.to_string())
        }
        _ => ExecError::NotStarted(e.to_string()),
    })?;
    channel
        .exec(true, line.as_bytes())
        .await
        .map_err(|e| ExecError::NotStarted(e.to_string()))?;
    let (mut reader, writer) = channel.split();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let mut release = Some(release);
    if gate.is_none()
        && let Some(go) = release.take()
    {
        let _ = go.send(());
    }
    // Input is sent while output is read: a command that writes a lot before reading
    // (or never reads) must not deadlock against us.
    let feed = async {
        if released.await.is_err() {
            return; // Never released (wrong sudo password): EOF is sent by the reader.
        }
        if let Some(data) = stdin {
            let _ = writer.data(data).await;
        }
        let _ = writer.eof().await;
    };
    tokio::pin!(feed);
    let mut fed = false;
    let mut out = ExecOutput::default();
    let mut status = None;
    loop {
        let event = tokio::select! {
            () = &mut feed, if !fed => {
                fed = true;
                continue;
            }
            msg = reader.wait() => match msg {
                Some(ChannelMsg::Data { data }) => match gate.as_deref_mut() {
                    Some(g) => g.on_stdout(&data, &mut out),
                    None => {
                        out.stdout.extend_from_slice(&data);
                        continue;
                    }
                },
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => match gate.as_deref_mut() {
                    Some(g) => g.on_stderr(&data, &mut out),
                    None => {
                        out.stderr.extend_from_slice(&data);
                        continue;
                    }
                },
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    status = Some(i32::try_from(exit_status).unwrap_or(255));
                    continue;
                }
                // Killed by a signal: -N, as the local connection (Python's subprocess).
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    status = Some(-signal_number(&signal_name));
                    continue;
                }
                Some(ChannelMsg::Failure) => {
                    return Err(ExecError::NotStarted("the server refused to run the command".into()));
                }
                Some(ChannelMsg::Close) | None => break,
                Some(_) => continue,
            },
        };
        match event {
            GateEvent::Wait => {}
            GateEvent::SendPassword => {
                if let Some(g) = gate.as_deref() {
                    let line = format!("{}\n", g.password);
                    let _ = writer.data(line.as_bytes()).await;
                }
            }
            GateEvent::Released => {
                if let Some(go) = release.take() {
                    let _ = go.send(());
                }
            }
            GateEvent::WrongPassword => {
                release = None;
                let _ = writer.eof().await;
            }
        }
    }
    match status {
        Some(rc) => {
            out.rc = rc;
            Ok(out)
        }
        None if handle.is_closed() => Err(ExecError::Lost),
        // Closed without a status (OpenSSH's client reports 255 then).
        None => {
            out.rc = 255;
            Ok(out)
        }
    }
}

/// A host reached over SSH; cheap to clone, all clones share one connection.
#[derive(Clone)]
pub struct SshRemote {
    pub(super) link: Arc<Link>,
    pub(super) become_: Option<Become>,
}

impl std::fmt::Debug for SshRemote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshRemote")
            .field("target", &self.link.target)
            .finish_non_exhaustive()
    }
}

impl SshRemote {
    /// The command line for the remote shell: plain `/bin/sh -c CMD`, or wrapped by the
    /// become method (sudo with a password gets a prompt/marker [`Gate`]).
    /// `exec` replaces the user's login shell (one process less, and a signal that
    /// kills the command reaches us as `exit-signal`, as with the local connection).
    fn wrap(&self, cmd: &str) -> Result<(String, Option<Gate>), RemoteError> {
        let Some(b) = &self.become_ else {
            return Ok((format!("exec {SHELL} -c {}", quote(cmd)), None));
        };
        match (b.method.as_str(), &b.password) {
            ("sudo", Some(password)) => {
                let (line, gate) = Gate::sudo(&b.user, password, cmd);
                Ok((line, Some(gate)))
            }
            _ => {
                let argv = become_argv(b, cmd)?;
                let words: Vec<String> = argv.iter().map(|a| quote(a)).collect();
                Ok((format!("exec {}", words.join(" ")), None))
            }
        }
    }

    async fn run(&self, cmd: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, RemoteError> {
        if let Some(b) = &self.become_
            && let ("su", Some(password)) = (b.method.as_str(), &b.password)
        {
            return self.link.exec_su(&b.user, password, cmd, stdin).await;
        }
        let (line, gate) = self.wrap(cmd)?;
        self.link.exec_line(&line, stdin, gate).await
    }
}

/// A name for a temp file next to `path` that no concurrent writer will pick.
fn temp_path_next_to(path: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let p = Path::new(path);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = format!(".{name}.ringmaster-{}-{n}-{nanos}.tmp", std::process::id());
    p.with_file_name(tmp).to_string_lossy().into_owned()
}

/// The shell script of an atomic write: data from stdin into a temp file next to the
/// destination, flushed, given its mode (the one asked for, else the replaced file's),
/// renamed over the destination; on any failure the temp file is removed.
fn put_script(path: &str, mode: Option<u32>) -> String {
    let tmp = quote(&temp_path_next_to(path));
    let dest = quote(path);
    let chmod = match mode {
        Some(m) => format!("chmod {m:o} {tmp}"),
        None => {
            format!("{{ [ ! -e {dest} ] || chmod --reference={dest} {tmp} 2>/dev/null || :; }}")
        }
    };
    format!(
        "if [ -d {dest} ]; then printf '%s: Is a directory\\n' {dest} >&2; exit 1; fi; \
         cat > {tmp} && {{ sync -- {tmp} 2>/dev/null || :; }} && {chmod} && mv -f -- {tmp} {dest} \
         || {{ rc=$?; rm -f -- {tmp}; exit $rc; }}"
    )
}

impl Remote for SshRemote {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(self.run(cmd, stdin))
    }

    fn put<'a>(
        &'a self,
        data: &'a [u8],
        path: &'a str,
        mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            if Path::new(path).file_name().is_none() {
                return Err(RemoteError {
                    message: format!("failed to write {path}: not a file path"),
                });
            }
            let out = self.run(&put_script(path, mode), Some(data)).await?;
            if out.rc != 0 {
                return Err(RemoteError {
                    message: format!("failed to write {path}: {}", out.stderr_text().trim()),
                });
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async move {
            let out = self.run(&format!("cat -- {}", quote(path)), None).await?;
            if out.rc != 0 {
                return Err(RemoteError {
                    message: format!("failed to read {path}: {}", out.stderr_text().trim()),
                });
            }
            Ok(out.stdout)
        })
    }

    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
    fn reset(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.link.reset())
    }
}
