//! `validate`: post-patch health checks in one task. Every check runs (unless
//! `fail_fast`), with its own `retries`/`delay`; the result lists every check's verdict
//! and the task fails when any check failed, naming the failed ones.

use std::time::Duration;

use serde_json::{Map, Value};

use super::checks::{Check, From, Kind, host_command, parse_check};
use super::http_client::http_get;
use super::judge::{Verdict, judge, judge_http};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

/// `ringmaster.builtin.validate`.
pub struct ValidateModule;

impl Module for ValidateModule {
    fn name(&self) -> &'static str {
        "ringmaster.builtin.validate"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let checks = parse_args(args).map_err(ModuleError::Args)?;
            let fail_fast = args
                .get("fail_fast")
                .and_then(crate::command::args::parse_bool)
                .unwrap_or(false);
            let mut results = Vec::new();
            let mut failed: Vec<(String, String)> = Vec::new();
            for check in &checks {
                if fail_fast && !failed.is_empty() {
                    results.push(entry(check, None, 0, "not run (fail_fast)"));
                    continue;
                }
                if cx.check_mode && matches!(check.kind, Kind::Command { .. }) {
                    // A command may change the host; check mode changes nothing.
                    results.push(entry(check, None, 0, "skipped in check mode"));
                    continue;
                }
                let (verdict, attempts) = run_with_retries(cx, check).await?;
                if !verdict.ok {
                    failed.push((check.name.clone(), verdict.msg.clone()));
                }
                let msg = verdict.msg.clone();
                results.push(entry(check, Some(verdict), attempts, &msg));
            }
            let total = checks.len();
            let mut outcome = if failed.is_empty() {
                let mut o = Outcome::ok();
                o.msg = Some(format!("all {total} checks passed"));
                o
            } else {
                Outcome::failed(format!(
                    "{} of {total} checks failed: {}",
                    failed.len(),
                    failed
                        .iter()
                        .map(|(name, msg)| format!("{name}: {msg}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            };
            outcome = outcome.with("checks", Value::Array(results)).with(
                "failed_checks",
                Value::Array(
                    failed
                        .iter()
                        .map(|(name, _)| Value::String(name.clone()))
                        .collect(),
                ),
            );
            Ok(outcome)
        })
    }
}

fn parse_args(args: &Map<String, Value>) -> Result<Vec<Check>, String> {
    for key in args.keys() {
        if key != "checks" && key != "fail_fast" {
            return Err(format!(
                "validate: unknown argument '{key}' (expected checks, fail_fast)"
            ));
        }
    }
    match args.get("checks") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, v)| parse_check(i, v))
            .collect(),
        Some(Value::Array(_)) => Err("validate: 'checks' is empty".to_string()),
        Some(other) => Err(format!(
            "validate: 'checks' must be a list of checks, got {other}"
        )),
        None => Err("validate: missing required argument: checks".to_string()),
    }
}

/// A check's entry in the result.
fn entry(check: &Check, verdict: Option<Verdict>, attempts: u32, msg: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), check.name.clone().into());
    m.insert("ok".into(), verdict.as_ref().is_some_and(|v| v.ok).into());
    m.insert("ran".into(), verdict.is_some().into());
    m.insert("attempts".into(), attempts.into());
    m.insert("msg".into(), msg.into());
    if let Some(v) = verdict {
        m.extend(v.details);
    }
    Value::Object(m)
}

async fn run_with_retries(cx: &TaskCx<'_>, check: &Check) -> Result<(Verdict, u32), ModuleError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let verdict = run_once(cx, check).await?;
        if verdict.ok || attempt > check.retries {
            return Ok((verdict, attempt));
        }
        tokio::time::sleep(check.delay).await;
    }
}

async fn run_once(cx: &TaskCx<'_>, check: &Check) -> Result<Verdict, ModuleError> {
    if let Some(cmd) = host_command(&check.kind) {
        let out = cx.remote.exec(&cmd, None).await?;
        return Ok(judge(&check.kind, &out));
    }
    Ok(match &check.kind {
        Kind::Port {
            port,
            host,
            listening,
            from: From::Controller,
        } => {
            // As ssh would: `ansible_host` when the inventory gives one, else the name.
            let target = host.clone().unwrap_or_else(|| {
                cx.controller
                    .var("ansible_host")
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| cx.host.to_string())
            });
            let open = tcp_connect(&target, *port, Duration::from_secs(5))
                .await
                .is_ok();
            let msg = format!("{target}:{port} is {}", state(open));
            Verdict::of(open == *listening, msg.clone(), msg)
        }
        Kind::Http {
            url,
            status,
            body,
            timeout,
            trust,
            ..
        } => match http_get(url, Duration::from_secs(*timeout), trust).await {
            Ok((code, text)) => judge_http(Some(code), &text, status, body.as_ref(), ""),
            Err(e) => judge_http(None, "", status, body.as_ref(), &format!(": {e}")),
        },
        _ => Verdict::of(false, "", "this check cannot run from the controller"),
    })
}

fn state(open: bool) -> &'static str {
    if open { "reachable" } else { "not reachable" }
}

pub(super) async fn tcp_connect(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<tokio::net::TcpStream, String> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(io_reason(&e)),
        Err(_) => Err(format!("timed out after {} s", timeout.as_secs())),
    }
}

/// An I/O error in words, without Rust's `(os error N)` suffix.
pub(super) fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
