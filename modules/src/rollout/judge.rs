//! Judging a check from its host command's reply: pure functions over the reply text,
//! tested from fixtures.

use serde_json::{Map, Value};

use super::checks::{Amount, Kind};
use super::version::Scheme;
use crate::runtime::ExecOutput;

/// One attempt's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub ok: bool,
    pub msg: String,
    /// What was observed (`version`, `status`, `free_bytes`, ...), for the result.
    pub details: Map<String, Value>,
}

impl Verdict {
    fn pass(msg: impl Into<String>) -> Self {
        Verdict {
            ok: true,
            msg: msg.into(),
            details: Map::new(),
        }
    }
    fn fail(msg: impl Into<String>) -> Self {
        Verdict {
            ok: false,
            msg: msg.into(),
            details: Map::new(),
        }
    }
    pub(super) fn of(ok: bool, yes: impl Into<String>, no: impl Into<String>) -> Self {
        if ok { Self::pass(yes) } else { Self::fail(no) }
    }
    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

/// Judges the reply of [`super::checks::host_command`] for `kind`.
pub fn judge(kind: &Kind, out: &ExecOutput) -> Verdict {
    let text = out.stdout_text();
    match kind {
        Kind::Service {
            name,
            active,
            enabled,
        } => service(name, *active, *enabled, &text),
        Kind::Port {
            port, listening, ..
        } => {
            let open = listening_ports(&text).contains(port);
            Verdict::of(
                open == *listening,
                format!(
                    "port {port} is {}",
                    if open { "listening" } else { "closed" }
                ),
                format!(
                    "port {port} is {}",
                    if open {
                        "listening (expected closed)"
                    } else {
                        "not listening"
                    }
                ),
            )
        }
        Kind::Http { status, body, .. } => http_reply(out, status, body.as_ref()),
        Kind::Command { rc, stdout, .. } => {
            // As the registered `stdout` of a command: trailing newlines removed.
            let text = text.trim_end_matches(['\n', '\r']);
            let mut v = if out.rc != *rc {
                Verdict::fail(format!(
                    "exit code {} (expected {rc}){}",
                    out.rc,
                    tail(&out.stderr_text())
                ))
            } else if let Some(rx) = stdout.as_ref().filter(|rx| !rx.is_match(text)) {
                Verdict::fail(format!("output does not match '{}'", rx.as_str()))
            } else {
                Verdict::pass(format!("exit code {}", out.rc))
            };
            v = v.with("rc", out.rc).with("stdout", text.to_string());
            v
        }
        Kind::Package {
            name,
            present,
            version,
        } => {
            let mut lines = text.lines();
            let scheme = match lines.next() {
                Some("scheme=debian") => Scheme::Debian,
                Some("scheme=rpm") => Scheme::Rpm,
                _ => return Verdict::fail("the host has neither dpkg nor rpm"),
            };
            let installed = lines.find_map(|l| l.strip_prefix("installed ")).map(|v| {
                // rpm reports epoch 0 explicitly; drop it so messages read as usual.
                v.strip_prefix("0:").unwrap_or(v).trim().to_string()
            });
            match (installed, present) {
                (None, true) => Verdict::fail(format!("{name} is not installed")),
                (None, false) => Verdict::pass(format!("{name} is not installed")),
                (Some(v), false) => {
                    Verdict::fail(format!("{name} {v} is installed (expected absent)"))
                        .with("version", v)
                }
                (Some(v), true) => match version {
                    Some(req) if !req.holds(&v, scheme) => Verdict::fail(format!(
                        "{name} {v} is installed, which is not {}",
                        requirement_text(req)
                    ))
                    .with("version", v),
                    _ => Verdict::pass(format!("{name} {v} is installed")).with("version", v),
                },
            }
        }
        Kind::File {
            path,
            present,
            checksum,
        } => {
            let mut lines = text.lines();
            let exists = lines.next() == Some("present");
            if exists != *present {
                return Verdict::fail(if exists {
                    format!("{path} exists (expected absent)")
                } else {
                    format!("{path} does not exist")
                });
            }
            match (exists, checksum) {
                (true, Some((algo, want))) => {
                    let got = lines
                        .next()
                        .and_then(|l| l.split_whitespace().next())
                        .unwrap_or_default()
                        .to_string();
                    Verdict::of(
                        &got == want,
                        format!("{path} has {algo} {got}"),
                        format!("{path} has {algo} {got} (expected {want})"),
                    )
                    .with("checksum", got)
                }
                _ => Verdict::pass(if exists {
                    format!("{path} exists")
                } else {
                    format!("{path} does not exist")
                }),
            }
        }
        Kind::RebootPending { expected } => {
            let pending = text.trim() == "required";
            Verdict::of(
                pending == *expected,
                format!("reboot {}", if pending { "pending" } else { "not pending" }),
                if pending {
                    "a reboot is pending".to_string()
                } else {
                    "no reboot is pending (expected one)".to_string()
                },
            )
            .with("reboot_pending", pending)
        }
        Kind::DiskFree { path, min } => match df_free(&text) {
            None => Verdict::fail(format!(
                "cannot read free space of {path}{}",
                tail(&out.stderr_text())
            )),
            Some((free, total)) => {
                let (ok, want) = match min {
                    Amount::Bytes(b) => (free >= *b, format!("{} B", b)),
                    Amount::Percent(p) => (
                        total > 0 && free as f64 * 100.0 / total as f64 >= *p,
                        format!("{p}%"),
                    ),
                };
                let pct = if total == 0 {
                    0.0
                } else {
                    free as f64 * 100.0 / total as f64
                };
                Verdict::of(
                    ok,
                    format!("{path}: {free} B free ({pct:.1}%)"),
                    format!("{path}: {free} B free ({pct:.1}%), below the minimum {want}"),
                )
                .with("free_bytes", free)
                .with("size_bytes", total)
            }
        },
        Kind::Process { name, running } => {
            // /proc/PID/comm holds at most 15 bytes of the name.
            let short: String = name.chars().take(15).collect();
            let count = text.lines().filter(|l| *l == short).count();
            Verdict::of(
                (count > 0) == *running,
                format!("{count} {name} process(es)"),
                if count > 0 {
                    format!("{count} {name} process(es) running (expected none)")
                } else {
                    format!("no {name} process is running")
                },
            )
            .with("count", count)
        }
        Kind::Uptime { seconds } => {
            let up = text
                .split_whitespace()
                .next()
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(0.0);
            Verdict::of(
                up >= *seconds as f64,
                format!("up {up:.0} s"),
                format!("up only {up:.0} s (expected at least {seconds} s)"),
            )
            .with("uptime_seconds", up as u64)
        }
    }
}

fn requirement_text(req: &super::version::Requirement) -> String {
    use super::version::Op;
    let op = match req.op {
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Eq => "==",
        Op::Ne => "!=",
        Op::Ge => ">=",
        Op::Gt => ">",
    };
    format!("{op} {}", req.version)
}

/// `: <last line of stderr>` when there is one.
fn tail(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", l.trim()))
        .unwrap_or_default()
}

fn service(name: &str, active: bool, enabled: Option<bool>, text: &str) -> Verdict {
    if text.trim() == "no-init-system" {
        return Verdict::fail(format!(
            "cannot check service {name}: the host runs neither systemd nor an init script for it"
        ));
    }
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let state = field("active=");
    let is_active = state == "active";
    let en = field("enabled=");
    let is_enabled = matches!(
        en.as_str(),
        "enabled" | "static" | "alias" | "enabled-runtime"
    );
    if is_active != active {
        return Verdict::fail(format!(
            "service {name} is {} (expected {})",
            if state.is_empty() { "unknown" } else { &state },
            if active { "active" } else { "inactive" }
        ))
        .with("state", state);
    }
    if let Some(want) = enabled
        && want != is_enabled
    {
        return Verdict::fail(format!(
            "service {name} is {} (expected {})",
            if en.is_empty() { "not installed" } else { &en },
            if want { "enabled" } else { "disabled" }
        ))
        .with("state", state)
        .with("enabled", en);
    }
    Verdict::pass(format!("service {name} is {state}"))
        .with("state", state)
        .with("enabled", en)
}

/// Ports in LISTEN state (`0A`) in `/proc/net/tcp` and `tcp6` text.
pub fn listening_ports(text: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = text
        .lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let _slot = f.next()?;
            let local = f.next()?;
            let _remote = f.next()?;
            let state = f.next()?;
            if state != "0A" {
                return None;
            }
            let (_, port) = local.rsplit_once(':')?;
            u16::from_str_radix(port, 16).ok()
        })
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// `(available bytes, size bytes)` from `df -Pk` output.
pub fn df_free(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().nth(1)?;
    let f: Vec<&str> = line.split_whitespace().collect();
    let total: u64 = f.get(1)?.parse().ok()?;
    let avail: u64 = f.get(3)?.parse().ok()?;
    Some((avail * 1024, total * 1024))
}

/// Judges an HTTP reply fetched on the host (curl: body then the status on the last
/// line; wget: body on stdout, headers on stderr).
fn http_reply(out: &ExecOutput, want: &[u16], body_rx: Option<&regex::Regex>) -> Verdict {
    let stderr = out.stderr_text();
    let stdout = out.stdout_text();
    let (code, body) = if stderr.starts_with("via=wget") {
        let code = stderr
            .lines()
            .filter_map(|l| l.trim().strip_prefix("HTTP/"))
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter_map(|c| c.parse::<u16>().ok())
            .next_back();
        (code, stdout)
    } else {
        match stdout.rsplit_once('\n') {
            Some((body, code)) => (
                code.trim().parse().ok().filter(|c| *c != 0),
                body.to_string(),
            ),
            None => (
                stdout.trim().parse().ok().filter(|c| *c != 0),
                String::new(),
            ),
        }
    };
    judge_http(code, &body, want, body_rx, &tail(&stderr))
}

/// The shared part of host- and controller-side HTTP checks.
pub fn judge_http(
    code: Option<u16>,
    body: &str,
    want: &[u16],
    body_rx: Option<&regex::Regex>,
    error: &str,
) -> Verdict {
    let Some(code) = code else {
        return Verdict::fail(format!("no HTTP response{error}"));
    };
    let v = if !want.contains(&code) {
        Verdict::fail(format!(
            "status {code} (expected {})",
            want.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        ))
    } else if let Some(rx) = body_rx.filter(|rx| !rx.is_match(body)) {
        Verdict::fail(format!(
            "status {code}, but the body does not match '{}'",
            rx.as_str()
        ))
    } else {
        Verdict::pass(format!("status {code}"))
    };
    v.with("status", code)
}
