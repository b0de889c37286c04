//! `wait_for_connection`: Ansible's action (plugins/action/wait_for_connection.py):
//! after `delay`, reset the connection and try a round trip on the host every `sleep`
//! seconds until it works or `timeout` passes. Skipped in check mode.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

/// `ansible.builtin.wait_for_connection`.
pub struct WaitForConnectionModule;

fn seconds(args: &Map<String, Value>, key: &str, default: u64) -> Result<u64, ModuleError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or(default)),
        Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => {
            Ok(s.trim().parse().unwrap_or(default))
        }
        Some(other) => Err(ModuleError::Args(format!(
            "wait_for_connection: '{key}' must be a whole number of seconds, got {other}"
        ))),
    }
}

impl Module for WaitForConnectionModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.wait_for_connection"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let connect_timeout = seconds(args, "connect_timeout", 5)?;
            let delay = seconds(args, "delay", 0)?;
            let sleep = seconds(args, "sleep", 1)?;
            let timeout = seconds(args, "timeout", 600)?;
            if cx.check_mode {
                let mut o = Outcome::ok();
                o.skipped = true;
                return Ok(o);
            }
            let start = tokio::time::Instant::now();
            tokio::time::sleep(Duration::from_secs(delay)).await;
            let end = tokio::time::Instant::now() + Duration::from_secs(timeout);
            let mut error = String::new();
            while tokio::time::Instant::now() < end {
                cx.remote.reset().await;
                // The ping module's round trip: a command through the host's shell.
                let attempt = tokio::time::timeout(
                    Duration::from_secs(connect_timeout.max(1)),
                    cx.remote.exec("echo pong", None),
                )
                .await;
                match attempt {
                    Ok(Ok(out)) if out.rc == 0 && out.stdout_text().trim() == "pong" => {
                        return Ok(Outcome::ok().with("elapsed", start.elapsed().as_secs()));
                    }
                    Ok(Ok(_)) => error = "ping test failed".into(),
                    Ok(Err(e)) => error = e.message,
                    Err(_) => error = format!("timed out after {connect_timeout} s"),
                }
                tokio::time::sleep(Duration::from_secs(sleep)).await;
            }
            let mut o = Outcome::failed(format!("timed out waiting for ping module test: {error}"));
            o = o.with("elapsed", start.elapsed().as_secs());
            Ok(o)
        })
    }
}
