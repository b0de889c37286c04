//! `connection: local`: commands run as `/bin/sh -c CMD` child processes; files are
//! written with a temp file in the destination directory, fsync and rename, so a reader
//! never sees a half-written file.
//!
//! Become wraps the command as Ansible's `sudo`/`su` become plugins do. A sudo password
//! is answered only to sudo's own prompt ([`super::local_sudo`]), never put on a command
//! line or in a message.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};

use modules::runtime::{Become, BoxFuture, ExecOutput, Remote, RemoteError, ShellKind, quote};
use tokio::io::AsyncWriteExt;

use super::local_sudo::run_gated;
use super::sudo_gate::Gate;

/// The shell every command goes through, as Ansible's `sh` shell plugin.
const SHELL: &str = "/bin/sh";

/// Runs commands and moves files on the machine ringmaster runs on.
#[derive(Debug, Clone, Default)]
pub struct LocalRemote {
    become_: Option<Become>,
}

impl LocalRemote {
    pub fn new() -> Self {
        LocalRemote { become_: None }
    }

    /// Every command (and file transfer) runs through `become`'s method as its user.
    pub fn with_become(become_: Become) -> Self {
        LocalRemote {
            become_: Some(become_),
        }
    }

    async fn run(&self, cmd: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, RemoteError> {
        let (argv, input) = match &self.become_ {
            None => (
                vec![SHELL.to_string(), "-c".to_string(), cmd.to_string()],
                stdin.map(<[u8]>::to_vec),
            ),
            Some(b) => {
                if let (Some(password), "sudo") = (&b.password, b.method.as_str()) {
                    let (line, gate) = Gate::sudo(&b.user, password, cmd);
                    return run_gated(SHELL, &line, gate, stdin).await;
                }
                (become_argv(b, cmd)?, stdin.map(<[u8]>::to_vec))
            }
        };
        spawn_and_wait(&argv, input).await
    }
}

/// The command line that runs `cmd` as `b.user` (Ansible's become plugins: sudo with
/// `-H -S -n` without a password, `-H -S -p ''` with one; su with `-c`).
pub fn become_argv(b: &Become, cmd: &str) -> Result<Vec<String>, RemoteError> {
    let shell_cmd = format!("{SHELL} -c {}", quote(cmd));
    let user = if b.user.is_empty() { "root" } else { &b.user };
    match b.method.as_str() {
        "sudo" => {
            let mut argv: Vec<String> = ["sudo", "-H", "-S"].map(String::from).to_vec();
            if b.password.is_some() {
                // -k: ignore cached credentials, so sudo always reads the password line
                // we send and never passes it on to the command's stdin.
                argv.extend(["-k", "-p", ""].map(String::from));
            } else {
                argv.push("-n".into());
            }
            argv.extend(["-u".to_string(), user.to_string()]);
            argv.extend([SHELL.to_string(), "-c".to_string(), cmd.to_string()]);
            Ok(argv)
        }
        "su" => {
            if b.password.is_some() {
                return Err(RemoteError {
                    message: "become_method su reads its password from a terminal, which \
                              connection local does not provide; use become_method sudo"
                        .into(),
                });
            }
            Ok(vec!["su".into(), user.to_string(), "-c".into(), shell_cmd])
        }
        other => Err(RemoteError {
            message: format!(
                "become_method '{other}' is not supported by connection local (use sudo or su)"
            ),
        }),
    }
}

async fn spawn_and_wait(
    argv: &[String],
    input: Option<Vec<u8>>,
) -> Result<ExecOutput, RemoteError> {
    let (program, args) = argv.split_first().ok_or_else(|| RemoteError {
        message: "empty command line".into(),
    })?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| RemoteError {
        message: format!("failed to run {program}: {e}"),
    })?;
    // Feed stdin concurrently with reading the output: a command that writes a lot
    // before reading (or never reads) must not deadlock against us.
    let writer = match (child.stdin.take(), input) {
        (Some(mut pipe), Some(data)) => Some(tokio::spawn(async move {
            // A command that exits without reading its input closes the pipe: that is
            // its business, not a transport failure.
            let _ = pipe.write_all(&data).await;
            let _ = pipe.shutdown().await;
        })),
        _ => None,
    };
    let output = child.wait_with_output().await.map_err(|e| RemoteError {
        message: format!("failed to read the output of {program}: {e}"),
    })?;
    if let Some(writer) = writer {
        let _ = writer.await;
    }
    // A command killed by a signal reports -signal, as Python's subprocess (and so
    // Ansible's local connection) does.
    let rc = match (output.status.code(), output.status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => -signal,
        (None, None) => -1,
    };
    Ok(ExecOutput {
        rc,
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

/// A name for a temp file next to `path` that no concurrent writer will pick.
fn temp_path_next_to(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = format!(".{name}.ringmaster-{}-{n}-{nanos}.tmp", std::process::id());
    path.with_file_name(tmp)
}

/// Writes `data` to `path` atomically: temp file in the same directory, fsync, mode,
/// rename. On any failure the temp file is removed and `path` is untouched.
fn write_atomic(data: &[u8], path: &Path, mode: Option<u32>) -> std::io::Result<()> {
    if path.file_name().is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file path",
        ));
    }
    let tmp = temp_path_next_to(path);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        // Mode: the one asked for, else the replaced file's, else the umask default.
        let keep = std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777);
        if let Some(mode) = mode.or(keep) {
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))?;
        }
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl Remote for LocalRemote {
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
            if self.become_.is_some() {
                return self.put_as_become_user(data, path, mode).await;
            }
            let target = PathBuf::from(path);
            let data = data.to_vec();
            tokio::task::spawn_blocking(move || write_atomic(&data, &target, mode))
                .await
                .map_err(|e| RemoteError {
                    message: format!("writing {path} was interrupted: {e}"),
                })?
                .map_err(|e| RemoteError {
                    message: format!("failed to write {path}: {e}"),
                })
        })
    }

    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async move {
            if self.become_.is_some() {
                let out = self.run(&format!("cat -- {}", quote(path)), None).await?;
                if out.rc != 0 {
                    return Err(RemoteError {
                        message: format!("failed to read {path}: {}", out.stderr_text().trim()),
                    });
                }
                return Ok(out.stdout);
            }
            tokio::fs::read(path).await.map_err(|e| RemoteError {
                message: format!("failed to read {path}: {e}"),
            })
        })
    }

    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
    fn is_controller(&self) -> bool {
        true
    }
}

impl LocalRemote {
    /// `put` as the become user: the same temp-file-and-rename, done by a shell command
    /// running as that user with the data on stdin.
    async fn put_as_become_user(
        &self,
        data: &[u8],
        path: &str,
        mode: Option<u32>,
    ) -> Result<(), RemoteError> {
        let tmp = temp_path_next_to(Path::new(path));
        let tmp = quote(&tmp.to_string_lossy());
        let dest = quote(path);
        let chmod = match mode {
            Some(m) => format!(" && chmod {m:o} {tmp}"),
            None => String::new(),
        };
        // `sync FILE` flushes just the temp file (GNU coreutils); elsewhere the rename
        // alone still guarantees readers never see a partial file.
        let script = format!(
            "cat > {tmp} && {{ sync -- {tmp} 2>/dev/null || :; }}{chmod} && mv -f -- {tmp} {dest} || {{ rc=$?; rm -f -- {tmp}; exit $rc; }}"
        );
        let out = self.run(&script, Some(data)).await?;
        if out.rc != 0 {
            return Err(RemoteError {
                message: format!("failed to write {path}: {}", out.stderr_text().trim()),
            });
        }
        Ok(())
    }
}
