//! `reboot`: Ansible's algorithm (ansible/plugins/action/reboot.py, 2.19): read the boot
//! id, run `shutdown -r`, then — with the connection reset — poll with exponential
//! back-off (2^n s plus jitter, at most 12 s) until the boot id differs, then until the
//! test command succeeds, both within `reboot_timeout`. A dropped connection while the
//! shutdown command runs is success, as in Ansible.
//!
//! ringmaster's addition: `only_if_required: true` reboots only a host that says it
//! needs one (`/var/run/reboot-required`, or `needs-restarting -r` on RHEL).

use std::time::Duration;

use serde_json::{Map, Value};

use crate::runtime::{
    BoxFuture, ERROR_SUMMARY_KEY, ExecOutput, Module, ModuleError, Outcome, Remote, TaskCx, quote,
};

const DEFAULT_REBOOT_TIMEOUT: u64 = 600;
const DEFAULT_TEST_COMMAND: &str = "whoami";
const DEFAULT_BOOT_TIME_COMMAND: &str = "cat /proc/sys/kernel/random/boot_id";
const DEFAULT_REBOOT_MESSAGE: &str = "Reboot initiated by Ansible";
const DEFAULT_SEARCH_PATHS: &[&str] =
    &["/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"];
/// Ansible's cap on the back-off between attempts.
const MAX_FAIL_SLEEP: f64 = 12.0;
/// How long one attempt may take when `connect_timeout` is not given.
const DEFAULT_ATTEMPT_TIMEOUT: u64 = 20;

/// Whether the host says it needs a reboot (Debian's update-notifier file, RHEL's
/// `needs-restarting -r` exit code 1).
pub const REBOOT_REQUIRED_COMMAND: &str = "if [ -e /var/run/reboot-required ]; then echo required; \
     elif command -v needs-restarting >/dev/null 2>&1; then \
     needs-restarting -r >/dev/null 2>&1; [ $? -eq 1 ] && echo required || echo none; \
     else echo none; fi";

/// The task's arguments, as Ansible reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct RebootArgs {
    pub reboot_timeout: u64,
    pub connect_timeout: Option<u64>,
    pub pre_reboot_delay: u64,
    pub post_reboot_delay: u64,
    pub test_command: String,
    pub boot_time_command: String,
    pub msg: String,
    pub reboot_command: Option<String>,
    pub search_paths: Vec<String>,
    pub only_if_required: bool,
}

fn int_arg(args: &Map<String, Value>, key: &str, default: u64) -> Result<u64, ModuleError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => Ok(n.as_i64().map_or(default, |v| v.max(0) as u64)),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(|v| v.max(0) as u64)
            .map_err(|_| {
                ModuleError::Args(format!(
                    "reboot: '{key}' must be a whole number of seconds, got '{s}'"
                ))
            }),
        Some(other) => Err(ModuleError::Args(format!(
            "reboot: '{key}' must be a whole number of seconds, got {other}"
        ))),
    }
}

fn str_arg(args: &Map<String, Value>, key: &str) -> Result<Option<String>, ModuleError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ModuleError::Args(format!(
            "Invalid value given for '{key}': {other} is not a string."
        ))),
    }
}

impl RebootArgs {
    pub fn parse(args: &Map<String, Value>) -> Result<RebootArgs, ModuleError> {
        let search_paths = match args.get("search_paths") {
            None | Some(Value::Null) => {
                DEFAULT_SEARCH_PATHS.iter().map(|s| s.to_string()).collect()
            }
            Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).collect(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(other) => {
                return Err(ModuleError::Args(format!(
                    "'search_paths' must be a string or flat list of strings, got {other}"
                )));
            }
        };
        Ok(RebootArgs {
            reboot_timeout: int_arg(args, "reboot_timeout", DEFAULT_REBOOT_TIMEOUT)?,
            connect_timeout: match args.get("connect_timeout") {
                None | Some(Value::Null) => None,
                Some(_) => Some(int_arg(args, "connect_timeout", 0)?).filter(|t| *t > 0),
            },
            pre_reboot_delay: int_arg(args, "pre_reboot_delay", 0)?,
            post_reboot_delay: int_arg(args, "post_reboot_delay", 0)?,
            test_command: str_arg(args, "test_command")?
                .unwrap_or_else(|| DEFAULT_TEST_COMMAND.into()),
            boot_time_command: str_arg(args, "boot_time_command")?
                .unwrap_or_else(|| DEFAULT_BOOT_TIME_COMMAND.into()),
            msg: match args.get("msg") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => DEFAULT_REBOOT_MESSAGE.into(),
                Some(other) => other.to_string(),
            },
            reboot_command: str_arg(args, "reboot_command")?,
            search_paths,
            only_if_required: args
                .get("only_if_required")
                .and_then(crate::command::args::parse_bool)
                .unwrap_or(false),
        })
    }

    /// The shutdown program (a bare name is looked up in `search_paths`) and its
    /// arguments: `-r {pre_reboot_delay // 60} "{msg}"` unless `reboot_command` is given.
    pub fn shutdown_parts(&self) -> (String, String) {
        match &self.reboot_command {
            Some(cmd) => match cmd.split_once(' ') {
                Some((bin, rest)) => (bin.to_string(), rest.to_string()),
                None => (cmd.clone(), String::new()),
            },
            None => (
                "shutdown".to_string(),
                format!("-r {} {}", self.pre_reboot_delay / 60, quote(&self.msg)),
            ),
        }
    }

    /// A host command printing the first `bin` found in `search_paths`.
    pub fn find_command(&self, bin: &str) -> String {
        let dirs: Vec<String> = self.search_paths.iter().map(|d| quote(d)).collect();
        format!(
            "for d in {}; do if [ -e \"$d\"/{} ]; then echo \"$d\"/{}; break; fi; done",
            dirs.join(" "),
            quote(bin),
            quote(bin)
        )
    }

    fn attempt_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
    }
}

/// `ansible.builtin.reboot`.
pub struct RebootModule;

impl Module for RebootModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.reboot"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move { run_reboot(cx, args).await.map(action_failure) })
    }
}

async fn run_reboot(cx: &TaskCx<'_>, args: &Map<String, Value>) -> Result<Outcome, ModuleError> {
    let a = RebootArgs::parse(args)?;
    if cx.remote.is_controller() {
        return Ok(result(false, false, 0)
            .failing("Running reboot with local connection would reboot the control node."));
    }
    if a.only_if_required {
        let out = cx.remote.exec(REBOOT_REQUIRED_COMMAND, None).await?;
        if out.stdout_text().trim() != "required" {
            let mut o = result(false, false, 0);
            o.msg = Some("no reboot required".into());
            return Ok(o);
        }
    }
    if cx.check_mode {
        return Ok(result(true, true, 0));
    }
    Ok(reboot(cx.remote, &a).await)
}

/// Ansible's reboot is an action plugin: its failures read `Task failed: Action
/// failed: MSG` on the console, not `Module failed: MSG`.
fn action_failure(mut outcome: Outcome) -> Outcome {
    let msg = outcome.msg.clone().unwrap_or_default();
    if outcome.failed && !msg.starts_with("Task failed:") {
        outcome.data.insert(
            ERROR_SUMMARY_KEY.to_string(),
            Value::String(format!("Task failed: Action failed: {msg}")),
        );
    }
    outcome
}

fn result(changed: bool, rebooted: bool, elapsed: u64) -> Outcome {
    Outcome::changed(changed)
        .with("elapsed", elapsed)
        .with("rebooted", rebooted)
}

trait Failing {
    fn failing(self, msg: impl Into<String>) -> Self;
}

impl Failing for Outcome {
    fn failing(mut self, msg: impl Into<String>) -> Self {
        self.failed = true;
        self.msg = Some(msg.into());
        self
    }
}

/// The whole algorithm after the checks: boot id, shutdown, wait, test.
pub async fn reboot(remote: &dyn Remote, a: &RebootArgs) -> Outcome {
    let previous = match boot_id(remote, a).await {
        Ok(id) => id,
        Err(msg) => {
            // Ansible's result carries `reboot` (sic) here.
            let mut o = Outcome::failed(msg).with("reboot", false);
            o.changed = false;
            return o;
        }
    };
    let (bin, shutdown_args) = a.shutdown_parts();
    let path = if bin.starts_with('/') {
        bin.clone()
    } else {
        match remote.exec(&a.find_command(&bin), None).await {
            Ok(out) if !out.stdout_text().trim().is_empty() => out
                .stdout_text()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
            Ok(_) => {
                // Raised as an error in Ansible: no `rebooted`, and the message is the
                // whole error summary.
                let paths: Vec<String> = a.search_paths.iter().map(|p| format!("'{p}'")).collect();
                return Outcome::failed(format!(
                    "Task failed: Unable to find command \"{bin}\" in search paths: [{}]",
                    paths.join(", ")
                ));
            }
            Err(e) => return Outcome::failed(e.message).with("rebooted", false),
        }
    };
    let command = if shutdown_args.is_empty() {
        quote(&path)
    } else {
        format!("{} {shutdown_args}", quote(&path))
    };
    // A connection dropped by the shutdown itself counts as success.
    let rc = match remote.exec(&command, None).await {
        Ok(out) if out.rc != 0 => Err(out),
        _ => Ok(()),
    };
    let start = tokio::time::Instant::now();
    let started_at = std::time::SystemTime::now();
    let elapsed = || start.elapsed().as_secs();
    if let Err(out) = rc {
        // Ansible's result keeps its `start` here (an ISO 8601 UTC time).
        return result(false, false, elapsed())
            .with("start", iso_utc(started_at))
            .failing(format!(
                "Reboot command failed. Error was: '{}, {}'",
                out.stdout_text().trim(),
                out.stderr_text().trim()
            ));
    }
    if a.post_reboot_delay > 0 {
        tokio::time::sleep(Duration::from_secs(a.post_reboot_delay)).await;
    }
    remote.reset().await;
    let deadline = Duration::from_secs(a.reboot_timeout);
    let changed_boot = until_success(
        remote,
        a,
        deadline,
        "last boot time check",
        |out| {
            let id = out.stdout_text().trim().to_string();
            if out.rc != 0 {
                Err(boot_id_error(out))
            } else if id.is_empty() || id == previous {
                Err("boot time has not changed".to_string())
            } else {
                Ok(())
            }
        },
        &a.boot_time_command,
    )
    .await;
    if let Err(msg) = changed_boot {
        return result(false, true, elapsed()).failing(msg);
    }
    let tested = until_success(
        remote,
        a,
        deadline,
        "post-reboot test command",
        |out| {
            if out.rc == 0 {
                Ok(())
            } else {
                Err(format!(
                    "Test command failed: {} {}",
                    out.stderr_text(),
                    out.stdout_text()
                ))
            }
        },
        &a.test_command,
    )
    .await;
    match tested {
        Ok(()) => result(true, true, elapsed()),
        Err(msg) => result(false, true, elapsed()).failing(msg),
    }
}

/// Python's `datetime.now(timezone.utc).isoformat()`: `2026-11-22T20:08:39.110484+00:00`
/// (no fraction when the microseconds are 0).
fn iso_utc(t: std::time::SystemTime) -> String {
    let stamp = crate::command::clock::timestamp(t).replacen(' ', "T", 1);
    let stamp = stamp.strip_suffix(".000000").unwrap_or(&stamp);
    format!("{stamp}+00:00")
}

fn boot_id_error(out: &ExecOutput) -> String {
    format!(
        "reboot: failed to get host boot time info, rc: {}, stdout: {}, stderr: {}",
        out.rc,
        out.stdout_text(),
        out.stderr_text()
    )
}

async fn boot_id(remote: &dyn Remote, a: &RebootArgs) -> Result<String, String> {
    let out = remote
        .exec(&a.boot_time_command, None)
        .await
        .map_err(|e| e.message)?;
    if out.rc != 0 {
        return Err(boot_id_error(&out));
    }
    Ok(out.stdout_text().trim().to_string())
}

/// Ansible's `do_until_success_or_timeout`: runs `cmd` until `judge` accepts its
/// output, resetting the connection after a connection failure and sleeping
/// 2^n s (+ up to 1 s of jitter, capped at 12 s) between attempts.
async fn until_success(
    remote: &dyn Remote,
    a: &RebootArgs,
    timeout: Duration,
    desc: &str,
    judge: impl Fn(&ExecOutput) -> Result<(), String>,
    cmd: &str,
) -> Result<(), String> {
    let end = tokio::time::Instant::now() + timeout;
    let mut fail_count: i32 = 0;
    while tokio::time::Instant::now() < end {
        let attempt = tokio::time::timeout(a.attempt_timeout(), remote.exec(cmd, None)).await;
        match attempt {
            Ok(Ok(out)) => match judge(&out) {
                Ok(()) => return Ok(()),
                Err(_why) => {}
            },
            Ok(Err(_)) | Err(_) => remote.reset().await,
        }
        let jitter = jitter();
        let mut sleep = 2f64.powi(fail_count) + jitter;
        if sleep > MAX_FAIL_SLEEP {
            sleep = MAX_FAIL_SLEEP + jitter;
        }
        fail_count += 1;
        tokio::time::sleep(Duration::from_secs_f64(sleep)).await;
    }
    Err(format!(
        "Timed out waiting for {desc} (timeout={})",
        timeout.as_secs()
    ))
}

/// Up to one second of randomness, so many hosts do not poll in step.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1000) / 1000.0
}

#[cfg(test)]
#[path = "reboot_tests.rs"]
mod tests;
