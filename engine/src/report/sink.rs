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

    /// Only the JSON-lines stream (`--output json` to stdout: the console stays quiet so
    /// the stream is parseable).
    pub fn json_only(writer: Writer) -> Self {
        Sinks {
            console: None,
            json: Some(writer),
        }
    }
}

/// Writes every event until the channel closes, flushing after each event so output
/// is live. A sink that fails (a closed pipe: `ringmaster ... | head`) is dropped and
/// the others go on; events are still drained so the executor never blocks on a dead
/// reporter. Returns the sinks still alive and the first write error, if any.
pub async fn run_reporter(
    mut rx: Receiver<Event>,
    mut sinks: Sinks,
) -> (Sinks, Option<std::io::Error>) {
    let mut first_error = None;
    while let Some(ev) = rx.recv().await {
        if let Some((console, out, err)) = sinks.console.as_mut() {
            let rendered = console.render(&ev);
            let written = async {
                write_flush(out, &rendered.stdout).await?;
                write_flush(err, &rendered.stderr).await
            }
            .await;
            if let Err(e) = written {
                sinks.console = None;
                first_error.get_or_insert(e);
            }
        }
        if let Some(json) = sinks.json.as_mut()
            && let Err(e) = write_flush(json, &event_line(&ev)).await
        {
            sinks.json = None;
            first_error.get_or_insert(e);
        }
    }
    (sinks, first_error)
}

async fn write_flush(w: &mut Writer, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    w.write_all(text.as_bytes()).await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ConsoleOptions, Recap};
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn one_task_writes_console_and_json_in_event_order() {
        let (out_w, mut out_r) = tokio::io::duplex(1 << 16);
        let (err_w, mut err_r) = tokio::io::duplex(1 << 16);
        let (json_w, mut json_r) = tokio::io::duplex(1 << 16);
        let sinks = Sinks {
            console: Some((
                Console::new(ConsoleOptions::default()),
                Box::new(out_w),
                Box::new(err_w),
            )),
            json: Some(Box::new(json_w)),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let reporter = tokio::spawn(run_reporter(rx, sinks));
        let events = [
            Event::Warning {
                message: "careful".into(),
            },
            Event::NoMoreHosts,
            Event::Recap(Recap::default()),
        ];
        for ev in events {
            tx.send(ev).await.unwrap();
        }
        drop(tx);
        let (sinks, error) = reporter.await.unwrap();
        assert!(error.is_none());
        drop(sinks); // closes the writers so the reads below end
        let mut out = String::new();
        out_r.read_to_string(&mut out).await.unwrap();
        let mut err = String::new();
        err_r.read_to_string(&mut err).await.unwrap();
        let mut json = String::new();
        json_r.read_to_string(&mut json).await.unwrap();
        let stars = |n: usize| "*".repeat(79 - n);
        assert_eq!(
            out,
            format!(
                "\nNO MORE HOSTS LEFT {}\n\nPLAY RECAP {}\n\n",
                stars(18),
                stars(10)
            )
        );
        assert_eq!(err, "[WARNING]: careful\n");
        assert_eq!(
            json,
            "{\"event\":\"warning\",\"message\":\"careful\"}\n{\"event\":\"no_more_hosts\"}\n{\"event\":\"recap\",\"hosts\":{}}\n"
        );
    }

    #[tokio::test]
    async fn a_closed_pipe_drops_that_sink_and_keeps_draining() {
        let (out_w, out_r) = tokio::io::duplex(64);
        drop(out_r); // like `| head` having exited
        let (json_w, mut json_r) = tokio::io::duplex(1 << 16);
        let sinks = Sinks {
            console: Some((
                Console::new(ConsoleOptions::default()),
                Box::new(out_w),
                Box::new(tokio::io::sink()),
            )),
            json: Some(Box::new(json_w)),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let reporter = tokio::spawn(run_reporter(rx, sinks));
        for _ in 0..5 {
            tx.send(Event::NoMoreHosts).await.unwrap();
        }
        drop(tx);
        let (sinks, error) = reporter.await.unwrap();
        assert!(error.is_some());
        assert!(sinks.console.is_none());
        drop(sinks);
        let mut json = String::new();
        json_r.read_to_string(&mut json).await.unwrap();
        assert_eq!(json.lines().count(), 5);
    }
}
