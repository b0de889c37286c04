//! `become_method: sudo` with a password on the local connection: the same prompt /
//! success-marker exchange as over SSH ([`Gate`]), so the password goes only to sudo's
//! prompt — never to the command's input when sudo asks for none (root, NOPASSWD).

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use modules::runtime::{ExecOutput, RemoteError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::sudo_gate::{Gate, GateEvent};

/// Runs `line` (from [`Gate::sudo`]) with `sh -c`, answering sudo's prompt with the
/// password and feeding `input` once the command itself runs.
pub async fn run_gated(
    shell: &str,
    line: &str,
    mut gate: Gate,
    input: Option<&[u8]>,
) -> Result<ExecOutput, RemoteError> {
    let failed = |what: &str, e: std::io::Error| RemoteError {
        message: format!("{what} sudo: {e}"),
    };
    let mut child = tokio::process::Command::new(shell)
        .args(["-c", line])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed("failed to run", e))?;
    let mut stdin = child.stdin.take();
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(RemoteError {
            message: "sudo's output pipes are missing".into(),
        });
    };
    let mut out = ExecOutput::default();
    let (mut out_buf, mut err_buf) = (vec![0u8; 65536], vec![0u8; 65536]);
    let (mut out_open, mut err_open) = (true, true);
    let mut writer = None;
    while out_open || err_open {
        let event = tokio::select! {
            n = stdout.read(&mut out_buf), if out_open => match n {
                Ok(0) | Err(_) => { out_open = false; GateEvent::Wait }
                Ok(n) => gate.on_stdout(&out_buf[..n], &mut out),
            },
            n = stderr.read(&mut err_buf), if err_open => match n {
                Ok(0) | Err(_) => { err_open = false; GateEvent::Wait }
                Ok(n) => gate.on_stderr(&err_buf[..n], &mut out),
            },
        };
        match event {
            GateEvent::Wait => {}
            GateEvent::SendPassword => {
                if let Some(pipe) = stdin.as_mut() {
                    let line = format!("{}\n", gate.password);
                    let _ = pipe.write_all(line.as_bytes()).await;
                }
            }
            GateEvent::WrongPassword => stdin = None,
            GateEvent::Released => {
                // The command runs: its input, then EOF, written concurrently so a
                // command that writes before reading cannot deadlock against us.
                if let Some(mut pipe) = stdin.take() {
                    let data = input.map(<[u8]>::to_vec).unwrap_or_default();
                    writer = Some(tokio::spawn(async move {
                        let _ = pipe.write_all(&data).await;
                        let _ = pipe.shutdown().await;
                    }));
                }
            }
        }
    }
    drop(stdin);
    let status = child.wait().await.map_err(|e| failed("waiting for", e))?;
    if let Some(w) = writer {
        let _ = w.await;
    }
    out.rc = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => -signal,
        (None, None) => -1,
    };
    Ok(out)
}
