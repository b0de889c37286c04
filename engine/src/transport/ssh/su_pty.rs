//! `become_method: su` with a password over SSH. su reads the password from a terminal,
//! so the channel gets a pty (echo off). The exchange, keyed by a random marker:
//! 1. su prompts (`Password:`) → we send the password line;
//! 2. the become user's shell prints `<marker>`, switches the tty to raw mode (bytes pass
//!    unmodified, no line editing or signal keys) and prints `<marker>R`;
//! 3. we send exactly the command's input: the shell feeds it through `head -c N` (a pty
//!    has no end-of-file), with the command's stderr captured in a temp file and printed
//!    after `<marker>E` once it exits — a pty merges the two streams otherwise.
//!
//! A wrong password never reaches the marker: su's own message is the failure.

use modules::runtime::{ExecOutput, quote};
use russh::{ChannelMsg, Pty};

use super::remote::ExecError;
use super::session::Client;

/// What we are waiting for.
enum Phase {
    Prompt,
    Marker,
    Ready,
    Running,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The line su runs as the become user.
fn inner_script(marker: &str, cmd: &str, input_len: usize) -> String {
    let run = if input_len == 0 {
        format!("/bin/sh -c {} </dev/null 2>\"$e\"", quote(cmd))
    } else {
        format!("head -c {input_len} | /bin/sh -c {} 2>\"$e\"", quote(cmd))
    };
    format!(
        "e=$(mktemp) || exit 1; printf '%s\\n' {m}; stty raw -echo 2>/dev/null; printf '%s' {m}R; \
         {run}; rc=$?; printf '%s' {m}E; cat \"$e\"; rm -f \"$e\"; exit $rc",
        m = quote(marker)
    )
}

/// Runs `cmd` as `user` through `su` with `password` on a new pty channel.
pub(super) async fn run_su(
    handle: &russh::client::Handle<Client>,
    user: &str,
    password: &str,
    cmd: &str,
    stdin: Option<&[u8]>,
) -> Result<ExecOutput, ExecError> {
    let marker = format!(
        "SU-SUCCESS-{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    let input = stdin.unwrap_or_default();
    let user = if user.is_empty() { "root" } else { user };
    let line = format!(
        "exec su -s /bin/sh {} -c {}",
        quote(user),
        quote(&inner_script(&marker, cmd, input.len()))
    );
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| ExecError::NotStarted(e.to_string()))?;
    channel
        .request_pty(false, "dumb", 200, 24, 0, 0, &[(Pty::ECHO, 0)])
        .await
        .map_err(|e| ExecError::NotStarted(e.to_string()))?;
    channel
        .exec(true, line.as_bytes())
        .await
        .map_err(|e| ExecError::NotStarted(e.to_string()))?;
    let (mut reader, writer) = channel.split();
    let (go, ready_rx) = tokio::sync::oneshot::channel::<()>();
    let mut go = Some(go);
    // The input goes out while output is read (no deadlock on a command that writes a
    // lot before reading), and only once the tty is raw.
    let feed = async {
        if ready_rx.await.is_ok() && !input.is_empty() {
            let _ = writer.data(input).await;
        }
    };
    tokio::pin!(feed);
    let mut fed = false;
    let mut phase = Phase::Prompt;
    let mut buf: Vec<u8> = Vec::new();
    let mut status = None;
    let started = format!("{marker}\r\n").into_bytes();
    let ready = format!("{marker}R").into_bytes();
    let err_mark = format!("{marker}E").into_bytes();
    let mut password_line = Some(format!("{password}\n"));
    loop {
        let msg = tokio::select! {
            () = &mut feed, if !fed => {
                fed = true;
                continue;
            }
            msg = reader.wait() => msg,
        };
        match msg {
            Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                buf.extend_from_slice(&data)
            }
            Some(ChannelMsg::ExitStatus { exit_status }) => {
                status = Some(i32::try_from(exit_status).unwrap_or(255));
                continue;
            }
            Some(ChannelMsg::Close) | None => break,
            Some(_) => continue,
        }
        loop {
            match phase {
                Phase::Prompt => {
                    let text = String::from_utf8_lossy(&buf).to_lowercase();
                    if let Some(at) = find(&buf, &started) {
                        // No prompt: su did not ask (the login user is root).
                        buf.drain(..at + started.len());
                        phase = Phase::Ready;
                        continue;
                    }
                    if text.trim_end().ends_with(':') && text.contains("password") {
                        buf.clear();
                        phase = Phase::Marker;
                        if let Some(line) = password_line.take() {
                            // Sent once: a second prompt means a wrong password.
                            let _ = writer.data(line.as_bytes()).await;
                        }
                        continue;
                    }
                }
                Phase::Marker => {
                    if let Some(at) = find(&buf, &started) {
                        buf.drain(..at + started.len());
                        phase = Phase::Ready;
                        continue;
                    }
                }
                Phase::Ready => {
                    if let Some(at) = find(&buf, &ready) {
                        buf.drain(..at + ready.len());
                        phase = Phase::Running;
                        if let Some(g) = go.take() {
                            let _ = g.send(());
                        }
                        continue;
                    }
                }
                Phase::Running => {}
            }
            break;
        }
    }
    let rc = match status {
        Some(rc) => rc,
        None if handle.is_closed() => return Err(ExecError::Lost),
        None => 255,
    };
    let mut out = ExecOutput {
        rc,
        ..ExecOutput::default()
    };
    match phase {
        Phase::Running => match find(&buf, &err_mark) {
            Some(at) => {
                out.stdout = buf[..at].to_vec();
                out.stderr = buf[at + err_mark.len()..].to_vec();
            }
            None => out.stdout = buf,
        },
        // su failed before the command: its words are the error.
        _ => {
            out.stderr = String::from_utf8_lossy(&buf).trim().as_bytes().to_vec();
            if out.rc == 0 {
                out.rc = 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::inner_script;

    #[test]
    fn the_inner_script_reads_exactly_the_input_length() {
        let s = inner_script("M", "cat > '/tmp/a b'", 12);
        assert!(
            s.contains("head -c 12 | /bin/sh -c 'cat > '\"'\"'/tmp/a b'\"'\"''"),
            "{s}"
        );
        assert!(inner_script("M", "id", 0).contains("/bin/sh -c id </dev/null"));
    }
}
