//! The checks of `validate`, as data: parsed from the task's `checks:` list (errors name
//! the check and the key), each one turned into one host command and its reply judged
//! by a pure function — so every check is tested from fixture replies, and the module
//! only runs commands and sleeps between retries.

use std::time::Duration;

use regex::Regex;
use serde_json::{Map, Value};

use super::http_client::TlsTrust;
use super::version::Requirement;
use crate::runtime::quote;

/// Where a network check runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    Host,
    Controller,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Service {
        name: String,
        active: bool,
        enabled: Option<bool>,
    },
    Port {
        port: u16,
        host: Option<String>,
        from: From,
        listening: bool,
    },
    Http {
        url: String,
        status: Vec<u16>,
        body: Option<Regex>,
        from: From,
        timeout: u64,
        trust: TlsTrust,
    },
    Command {
        cmd: String,
        rc: i32,
        stdout: Option<Regex>,
    },
    Package {
        name: String,
        present: bool,
        version: Option<Requirement>,
    },
    File {
        path: String,
        present: bool,
        checksum: Option<(String, String)>,
    },
    RebootPending {
        expected: bool,
    },
    DiskFree {
        path: String,
        min: Amount,
    },
    Process {
        name: String,
        running: bool,
    },
    Uptime {
        seconds: u64,
    },
}

/// A free-space threshold: bytes or a percentage of the filesystem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Bytes(u64),
    Percent(f64),
}

#[derive(Debug, Clone)]
pub struct Check {
    /// `name:`, else a label made from the check (`port 22`).
    pub name: String,
    pub kind: Kind,
    pub retries: u32,
    pub delay: Duration,
}

const TYPES: &[&str] = &[
    "service",
    "port",
    "http",
    "command",
    "package",
    "file",
    "reboot_pending",
    "disk_free",
    "process",
    "uptime",
];

/// Reads one check; `index` is its position in `checks:` (for messages).
pub fn parse_check(index: usize, value: &Value) -> Result<Check, String> {
    let at = format!("checks[{index}]");
    let Value::Object(m) = value else {
        return Err(format!(
            "{at}: expected a mapping like {{port: 22}}, got {value}"
        ));
    };
    let types: Vec<&str> = TYPES
        .iter()
        .copied()
        .filter(|t| m.contains_key(*t))
        .collect();
    let ty = match types.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "{at}: no check type; expected one of: {}",
                TYPES.join(", ")
            ));
        }
        many => {
            return Err(format!(
                "{at}: one check type per entry, got {}",
                many.join(" and ")
            ));
        }
    };
    let allowed: &[&str] = match ty {
        "service" => &["state", "enabled"],
        "port" => &["host", "from", "state"],
        "http" => &[
            "status",
            "body",
            "from",
            "timeout",
            "validate_certs",
            "ca_path",
        ],
        "command" => &["rc", "stdout"],
        "package" => &["state", "version"],
        "file" => &["state", "checksum"],
        "disk_free" => &["min"],
        "process" => &["state"],
        _ => &[],
    };
    for key in m.keys() {
        if key != ty
            && !["name", "retries", "delay"].contains(&key.as_str())
            && !allowed.contains(&key.as_str())
        {
            let mut expected: Vec<&str> = vec!["name", "retries", "delay"];
            expected.extend(allowed);
            return Err(format!(
                "{at} ({ty}): unknown key '{key}'; expected one of: {}",
                expected.join(", ")
            ));
        }
    }
    let k = Keys { m, at: &at, ty };
    let main = &m[ty];
    let kind = match ty {
        "service" => Kind::Service {
            name: k.text(main, ty)?,
            active: k.state(
                "state",
                &["started", "active", "running"],
                &["stopped", "inactive"],
            )?,
            enabled: k.opt_bool("enabled")?,
        },
        "port" => Kind::Port {
            port: k.port(main)?,
            host: k.opt_text("host")?,
            from: k.from()?,
            listening: k.state(
                "state",
                &["listening", "started", "open"],
                &["closed", "stopped"],
            )?,
        },
        "http" => Kind::Http {
            url: k.text(main, ty)?,
            status: k.status()?,
            body: k.opt_regex("body")?,
            from: k.from()?,
            timeout: k.opt_uint("timeout")?.unwrap_or(10),
            trust: TlsTrust {
                validate_certs: k.opt_bool("validate_certs")?.unwrap_or(true),
                ca_path: k.opt_text("ca_path")?,
            },
        },
        "command" => Kind::Command {
            cmd: k.text(main, ty)?,
            rc: k.opt_uint("rc")?.unwrap_or(0) as i32,
            stdout: k.opt_regex("stdout")?,
        },
        "package" => Kind::Package {
            name: k.text(main, ty)?,
            present: k.state("state", &["present", "installed"], &["absent", "removed"])?,
            version: k
                .opt_text("version")?
                .map(|v| Requirement::parse(&v).map_err(|e| format!("{at} (package): {e}")))
                .transpose()?,
        },
        "file" => Kind::File {
            path: k.text(main, ty)?,
            present: k.state("state", &["present", "file", "exists"], &["absent"])?,
            checksum: k.opt_text("checksum")?.map(|c| match c.split_once(':') {
                Some((algo, hex)) => (algo.to_ascii_lowercase(), hex.to_ascii_lowercase()),
                None => ("sha256".to_string(), c.to_ascii_lowercase()),
            }),
        },
        "reboot_pending" => Kind::RebootPending {
            expected: crate::command::args::parse_bool(main)
                .ok_or_else(|| format!("{at} (reboot_pending): expected true or false"))?,
        },
        "disk_free" => Kind::DiskFree {
            path: k.text(main, ty)?,
            min: parse_amount(&k.opt_text("min")?.unwrap_or_else(|| "1%".into()))
                .map_err(|e| format!("{at} (disk_free): {e}"))?,
        },
        "process" => Kind::Process {
            name: k.text(main, ty)?,
            running: k.state(
                "state",
                &["running", "present", "started"],
                &["absent", "stopped"],
            )?,
        },
        "uptime" => Kind::Uptime {
            seconds: k
                .uint(main)
                .ok_or_else(|| format!("{at} (uptime): expected a number of seconds"))?,
        },
        _ => unreachable!("every name in TYPES has a parser"),
    };
    let name = match m.get("name") {
        Some(v) => k.text(v, "name")?,
        None => default_label(&kind),
    };
    Ok(Check {
        name,
        kind,
        retries: k.opt_uint("retries")?.unwrap_or(0) as u32,
        delay: Duration::from_secs(k.opt_uint("delay")?.unwrap_or(5)),
    })
}

/// The label of a check without `name:`.
fn default_label(kind: &Kind) -> String {
    match kind {
        Kind::Service { name, .. } => format!("service {name}"),
        Kind::Port { port, .. } => format!("port {port}"),
        Kind::Http { url, .. } => format!("http {url}"),
        Kind::Command { cmd, .. } => format!("command {cmd}"),
        Kind::Package { name, .. } => format!("package {name}"),
        Kind::File { path, .. } => format!("file {path}"),
        Kind::RebootPending { .. } => "reboot_pending".to_string(),
        Kind::DiskFree { path, .. } => format!("disk_free {path}"),
        Kind::Process { name, .. } => format!("process {name}"),
        Kind::Uptime { .. } => "uptime".to_string(),
    }
}

/// `"500MB"`, `"2G"`, `"1048576"`, `"10%"`.
pub fn parse_amount(text: &str) -> Result<Amount, String> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        return p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p))
            .map(Amount::Percent)
            .ok_or_else(|| format!("'{text}' is not a percentage between 0% and 100%"));
    }
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a size (expected e.g. 500MB, 2G or 10%)"))?;
    let mult: f64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" | "KIB" => 1024.0,
        "M" | "MB" | "MIB" => 1024.0 * 1024.0,
        "G" | "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        "T" | "TB" | "TIB" => 1024.0_f64.powi(4),
        _ => return Err(format!("'{text}': unknown size unit '{unit}'")),
    };
    Ok(Amount::Bytes((num * mult) as u64))
}

/// Typed access to a check's keys, with messages naming the check.
struct Keys<'a> {
    m: &'a Map<String, Value>,
    at: &'a str,
    ty: &'a str,
}

impl Keys<'_> {
    fn err(&self, key: &str, expected: &str, got: &Value) -> String {
        format!(
            "{} ({}): '{key}' must be {expected}, got {got}",
            self.at, self.ty
        )
    }
    fn text(&self, v: &Value, key: &str) -> Result<String, String> {
        match v {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(self.err(key, "a non-empty string", other)),
        }
    }
    fn opt_text(&self, key: &str) -> Result<Option<String>, String> {
        self.m.get(key).map(|v| self.text(v, key)).transpose()
    }
    fn uint(&self, v: &Value) -> Option<u64> {
        match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    fn opt_uint(&self, key: &str) -> Result<Option<u64>, String> {
        self.m
            .get(key)
            .map(|v| {
                self.uint(v)
                    .ok_or_else(|| self.err(key, "a whole number", v))
            })
            .transpose()
    }
    fn opt_bool(&self, key: &str) -> Result<Option<bool>, String> {
        self.m
            .get(key)
            .map(|v| {
                crate::command::args::parse_bool(v).ok_or_else(|| self.err(key, "true or false", v))
            })
            .transpose()
    }
    fn opt_regex(&self, key: &str) -> Result<Option<Regex>, String> {
        self.opt_text(key)?
            .map(|r| {
                Regex::new(&r).map_err(|e| {
                    format!(
                        "{} ({}): '{key}' is not a valid regular expression: {e}",
                        self.at, self.ty
                    )
                })
            })
            .transpose()
    }
    fn port(&self, v: &Value) -> Result<u16, String> {
        self.uint(v)
            .filter(|p| (1..=65535).contains(p))
            .map(|p| p as u16)
            .ok_or_else(|| self.err(self.ty, "a port number (1-65535)", v))
    }
    /// `state:` as a yes/no: one of `yes` (the default) or one of `no`.
    fn state(&self, key: &str, yes: &[&str], no: &[&str]) -> Result<bool, String> {
        match self.opt_text(key)? {
            None => Ok(true),
            Some(s) if yes.contains(&s.as_str()) => Ok(true),
            Some(s) if no.contains(&s.as_str()) => Ok(false),
            Some(s) => Err(format!(
                "{} ({}): '{key}' must be one of {}, got '{s}'",
                self.at,
                self.ty,
                yes.iter().chain(no).copied().collect::<Vec<_>>().join(", ")
            )),
        }
    }
    fn from(&self) -> Result<From, String> {
        match self.opt_text("from")?.as_deref() {
            None | Some("host") => Ok(From::Host),
            Some("controller") => Ok(From::Controller),
            Some(other) => Err(format!(
                "{} ({}): 'from' must be host or controller, got '{other}'",
                self.at, self.ty
            )),
        }
    }
    fn status(&self) -> Result<Vec<u16>, String> {
        let Some(v) = self.m.get("status") else {
            return Ok(vec![200]);
        };
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            one => vec![one],
        };
        items
            .into_iter()
            .map(|i| {
                self.uint(i)
                    .filter(|s| (100..=599).contains(s))
                    .map(|s| s as u16)
                    .ok_or_else(|| self.err("status", "an HTTP status code or a list of them", v))
            })
            .collect()
    }
}

/// The host command a check runs (none for checks made from the controller).
pub fn host_command(kind: &Kind) -> Option<String> {
    Some(match kind {
        Kind::Service { name, .. } => {
            let q = quote(name);
            format!(
                "if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then \
                 echo \"active=$(systemctl is-active -- {q} 2>/dev/null)\"; \
                 echo \"enabled=$(systemctl is-enabled -- {q} 2>/dev/null)\"; \
                 elif [ -x /etc/init.d/{q} ]; then \
                 if /etc/init.d/{q} status >/dev/null 2>&1; then echo active=active; else echo active=inactive; fi; \
                 if ls /etc/rc[2345].d/S*{q} >/dev/null 2>&1; then echo enabled=enabled; else echo enabled=disabled; fi; \
                 else echo no-init-system; fi"
            )
        }
        Kind::Port {
            from: From::Host, ..
        } => "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null".to_string(),
        Kind::Port { .. }
        | Kind::Http {
            from: From::Controller,
            ..
        } => return None,
        Kind::Http {
            url,
            timeout,
            trust,
            ..
        } => {
            let q = quote(url);
            let (curl_tls, wget_tls) = match (&trust.ca_path, trust.validate_certs) {
                (_, false) => ("-k ".to_string(), "--no-check-certificate ".to_string()),
                (Some(ca), true) => (
                    format!("--cacert {} ", quote(ca)),
                    format!("--ca-certificate={} ", quote(ca)),
                ),
                (None, true) => (String::new(), String::new()),
            };
            format!(
                "if command -v curl >/dev/null 2>&1; then curl -sS {curl_tls}--max-time {timeout} -o - -w '\\n%{{http_code}}' -- {q}; \
                 elif command -v wget >/dev/null 2>&1; then echo via=wget >&2; wget -q -S {wget_tls}-O - --timeout={timeout} -- {q}; \
                 else echo 'neither curl nor wget is installed on the host (use from: controller)' >&2; exit 3; fi"
            )
        }
        Kind::Command { cmd, .. } => cmd.clone(),
        Kind::Package { name, .. } => {
            let q = quote(name);
            format!(
                "if command -v dpkg-query >/dev/null 2>&1; then \
                 echo scheme=debian; dpkg-query -W -f='${{db:Status-Status}} ${{Version}}\\n' -- {q} 2>/dev/null; \
                 elif command -v rpm >/dev/null 2>&1; then \
                 echo scheme=rpm; rpm -q --qf 'installed %{{EPOCHNUM}}:%{{VERSION}}-%{{RELEASE}}\\n' -- {q} 2>/dev/null; \
                 else echo scheme=none; fi"
            )
        }
        Kind::File { path, checksum, .. } => {
            let q = quote(path);
            let sum = match checksum.as_ref().map(|(a, _)| a.as_str()) {
                Some("sha1") => "sha1sum",
                Some("md5") => "md5sum",
                Some("sha512") => "sha512sum",
                Some(_) => "sha256sum",
                None => "true",
            };
            format!("if [ -e {q} ]; then echo present; {sum} < {q}; else echo absent; fi")
        }
        Kind::RebootPending { .. } => crate::system::reboot::REBOOT_REQUIRED_COMMAND.to_string(),
        Kind::DiskFree { path, .. } => format!("df -Pk -- {}", quote(path)),
        Kind::Process { .. } => {
            "for p in /proc/[0-9]*; do cat \"$p/comm\" 2>/dev/null; done".to_string()
        }
        Kind::Uptime { .. } => "cat /proc/uptime".to_string(),
    })
}
