//! The one task that writes reports, so lines from parallel hosts never interleave.

use super::console::Console;
use super::events::Event;
use super::json::event_line;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::Receiver;

/// A byte sink (stdout, stderr, a file, a buffer in tests).
pub type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// Where reports go.
pub struct Sinks {
    /// Ansible-style console output: the formatter, its stdout and its stderr.
    pub console: Option<(Console, Writer, Writer)>,
    /// `--output json`: the JSON-lines stream (a file, or stdout when the console is off).
    pub json: Option<Writer>,
}

impl Sinks {
    /// The console on the process's stdout and stderr.
    pub fn console(console: Console) -> Self {
        Sinks {
            console: Some((
                console,
                Box::new(tokio::io::stdout()),
                Box::new(tokio::io::stderr()),
            )),
            json: None,
        }
    }
}

/// Writes every event until the channel closes; flushes after each event so output is
/// live. Returns the sinks (for tests reading buffers back) or the first write error.
pub async fn run_reporter(mut rx: Receiver<Event>, mut sinks: Sinks) -> std::io::Result<Sinks> {
    while let Some(ev) = rx.recv().await {
        if let Some((console, out, err)) = sinks.console.as_mut() {
            let rendered = console.render(&ev);
            if !rendered.stdout.is_empty() {
                out.write_all(rendered.stdout.as_bytes()).await?;
                out.flush().await?;
            }
            if !rendered.stderr.is_empty() {
                err.write_all(rendered.stderr.as_bytes()).await?;
                err.flush().await?;
            }
        }
        if let Some(json) = sinks.json.as_mut() {
            json.write_all(event_line(&ev).as_bytes()).await?;
            json.flush().await?;
        }
    }
    Ok(sinks)
}
