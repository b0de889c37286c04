//! `wait_for` (ansible/modules/wait_for.py): polls a port or a path on the host until
//! the wanted state or the timeout. The loop runs on the controller; each probe is one
//! short command on the host (`bash` `/dev/tcp` or `nc` for ports, `test`/`stat` for
//! paths); `search_regex` in a file is matched here with Python-like `re.MULTILINE`.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::command::args::{opt_int, opt_list, opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, Remote, TaskCx, quote};

use super::wait_for_tcp::{
    DEFAULT_STATES, DrainQuery, READ_WINDOW, TABLES_PROBE, active_connections, proc_hex,
    read_probe, resolve_probe, resolved, split_tables, state_id,
};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitForArgs {
    #[serde(default, deserialize_with = "opt_string")]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub port: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub search_regex: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub delay: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub timeout: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub connect_timeout: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub sleep: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub msg: Option<String>,
    #[serde(default, deserialize_with = "opt_list")]
    pub exclude_hosts: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pub active_connection_states: Option<Vec<String>>,
}

/// The argument combinations Ansible refuses before waiting (pure).
pub(crate) fn check_args(a: &WaitForArgs) -> Result<(), String> {
    let state = a.state.as_deref().unwrap_or("started");
    if a.port.is_some() && a.path.is_some() {
        return Err("port and path parameter can not both be passed to wait_for".into());
    }
    if a.path.is_some() && state == "stopped" {
        return Err(
            "state=stopped should only be used for checking a port in the wait_for module".into(),
        );
    }
    if a.path.is_some() && state == "drained" {
        return Err(
            "state=drained should only be used for checking a port in the wait_for module".into(),
        );
    }
    if a.exclude_hosts.is_some() && state != "drained" {
        return Err("exclude_hosts should only be with state=drained".into());
    }
    for s in a.active_connection_states.iter().flatten() {
        if state_id(s).is_none() {
            return Err(format!("unknown active_connection_state ({s}) defined"));
        }
    }
    if state == "drained" && a.port.is_none() {
        return Err("wait_for: state=drained needs a port".into());
    }
    Ok(())
}

/// A command printing `open` when a TCP connection to `host:port` succeeds, else `closed`.
pub(crate) fn port_probe(host: &str, port: i64, connect_timeout: i64) -> String {
    let t = connect_timeout.max(1);
    format!(
        "t=; command -v timeout >/dev/null 2>&1 && t='timeout {t}'; \
         if command -v bash >/dev/null 2>&1; then \
         $t bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' {h} {port} 2>/dev/null && echo open || echo closed; \
         elif command -v nc >/dev/null 2>&1; then nc -z -w {t} {h} {port} 2>/dev/null && echo open || echo closed; \
         else echo noprobe; fi",
        h = quote(host)
    )
}

/// A command printing the file's `uid gid mode size owner group type` line, or `absent`.
pub(crate) fn path_probe(path: &str) -> String {
    format!(
        "p={}; if [ -e \"$p\" ]; then stat -L -c '%u %g %a %s %U %G %F' -- \"$p\"; else echo absent; fi",
        quote(path)
    )
}

/// Ansible's file info (`add_path_info`) from a `path_probe` line.
pub(crate) fn path_info(path: &str, line: &str) -> Map<String, Value> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let mut m = Map::new();
    m.insert("path".into(), json!(path));
    if f.first() == Some(&"absent") || f.len() < 7 {
        m.insert("state".into(), json!("absent"));
        return m;
    }
    let num = |i: usize| f[i].parse::<i64>().map_or(Value::Null, Value::from);
    let kind = f[6..].join(" ");
    let state = if kind == "directory" {
        "directory"
    } else {
        "file"
    };
    m.insert("uid".into(), num(0));
    m.insert("gid".into(), num(1));
    m.insert("owner".into(), json!(f[4]));
    m.insert("group".into(), json!(f[5]));
    m.insert("mode".into(), json!(format!("{:0>4}", f[2])));
    m.insert("size".into(), num(3));
    m.insert("state".into(), json!(state));
    m
}

/// Python's `re.search(pattern, text, re.MULTILINE)`: groups and named groups.
pub(crate) fn search(re: &regex::Regex, text: &str) -> Option<(Vec<Value>, Map<String, Value>)> {
    let caps = re.captures(text)?;
    let groups = caps
        .iter()
        .skip(1)
        .map(|g| g.map_or(Value::Null, |m| json!(m.as_str())))
        .collect();
    let named = re
        .capture_names()
        .flatten()
        .map(|n| {
            (
                n.to_string(),
                caps.name(n).map_or(Value::Null, |m| json!(m.as_str())),
            )
        })
        .collect();
    Some((groups, named))
}

/// The timeout message, as Ansible words it (pure).
pub(crate) fn timeout_message(a: &WaitForArgs, host: &str) -> String {
    if let Some(m) = &a.msg {
        return m.clone();
    }
    let state = a.state.as_deref().unwrap_or("started");
    match (a.port, &a.path, &a.search_regex, state) {
        (Some(p), _, _, "stopped" | "absent") => {
            format!("Timeout when waiting for {host}:{p} to stop.")
        }
        (_, Some(path), _, "absent") => format!("Timeout when waiting for {path} to be absent."),
        (Some(p), _, Some(re), _) => {
            format!("Timeout when waiting for search string {re} in {host}:{p}")
        }
        (Some(p), _, None, _) => format!("Timeout when waiting for {host}:{p}"),
        (_, Some(path), Some(re), _) => {
            format!("Timeout when waiting for search string {re} in {path}")
        }
        (_, Some(path), None, _) => format!("Timeout when waiting for file {path}"),
        _ => "Timeout".into(),
    }
}

/// The connections `state: drained` waits for: `host`'s and the excluded hosts'
/// addresses resolved on the host.
async fn drain_query(
    remote: &dyn Remote,
    a: &WaitForArgs,
    host: &str,
) -> Result<DrainQuery, ModuleError> {
    let excluded = a.exclude_hosts.clone().unwrap_or_default();
    let mut names = vec![host.to_string()];
    names.extend(excluded.iter().cloned());
    let out = remote
        .exec(&resolve_probe(&names), None)
        .await?
        .stdout_text();
    let exclude: Vec<std::net::IpAddr> = excluded.iter().flat_map(|n| resolved(n, &out)).collect();
    let states: Vec<&'static str> = match &a.active_connection_states {
        Some(list) => list.iter().filter_map(|s| state_id(s)).collect(),
        None => DEFAULT_STATES.iter().filter_map(|s| state_id(s)).collect(),
    };
    Ok(DrainQuery {
        port: u16::try_from(a.port.unwrap_or_default()).unwrap_or_default(),
        ips: proc_hex(&resolved(host, &out)),
        exclude: proc_hex(&exclude),
        states,
    })
}

/// `ansible.builtin.wait_for`.
pub struct WaitForModule;

impl Module for WaitForModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.wait_for"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: WaitForArgs = parse(self.name(), args)?;
            if let Err(msg) = check_args(&a) {
                return Ok(Outcome::failed(msg).with("elapsed", 0));
            }
            let regex = match &a.search_regex {
                Some(r) => match regex::Regex::new(&format!("(?m){r}")) {
                    Ok(re) => Some(re),
                    Err(e) => {
                        return Ok(Outcome::failed(format!("Invalid regular expression: {e}")));
                    }
                },
                None => None,
            };
            let host = a.host.clone().unwrap_or_else(|| "127.0.0.1".into());
            let state = a.state.clone().unwrap_or_else(|| "started".into());
            let want_gone = matches!(state.as_str(), "absent" | "stopped");
            let timeout = Duration::from_secs(a.timeout.unwrap_or(300).max(0) as u64);
            let pause = Duration::from_secs(a.sleep.unwrap_or(1).max(0) as u64);
            let start = Instant::now();
            if let Some(d) = a.delay.filter(|d| *d > 0) {
                tokio::time::sleep(Duration::from_secs(d as u64)).await;
            }
            let mut result = Outcome::ok();
            if state == "drained" {
                let deadline = start + timeout;
                let query = drain_query(cx.remote, &a, &host).await?;
                let mut drained = false;
                while Instant::now() < deadline {
                    let out = cx.remote.exec(TABLES_PROBE, None).await?.stdout_text();
                    let (tcp, tcp6) = split_tables(&out);
                    if active_connections(&query, tcp, tcp6) == 0 {
                        drained = true;
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
                if !drained {
                    let port = a.port.unwrap_or_default();
                    let msg = a.msg.clone().unwrap_or_else(|| {
                        format!("Timeout when waiting for {host}:{port} to drain")
                    });
                    return Ok(Outcome::failed(msg).with("elapsed", start.elapsed().as_secs()));
                }
            } else if a.port.is_none() && a.path.is_none() {
                tokio::time::sleep(timeout).await;
            } else {
                let deadline = start + timeout;
                let mut done = false;
                while Instant::now() < deadline {
                    let met = if let (Some(port), Some(re), false) = (a.port, &regex, want_gone) {
                        let left = deadline.saturating_duration_since(Instant::now()).as_secs();
                        let window = READ_WINDOW.min(left.max(1));
                        let ct = a.connect_timeout.unwrap_or(5);
                        let out = cx
                            .remote
                            .exec(&read_probe(&host, port, ct, window), None)
                            .await?;
                        let text = String::from_utf8_lossy(&out.stdout).into_owned();
                        if text.trim() == "noprobe" {
                            return Ok(Outcome::failed(
                                "wait_for needs bash or nc on the host to check a port",
                            ));
                        }
                        match text.split_once("@@open\n") {
                            Some((_, data)) => re.is_match(data),
                            None => false,
                        }
                    } else if let Some(port) = a.port {
                        let probe = port_probe(&host, port, a.connect_timeout.unwrap_or(5));
                        let out = cx.remote.exec(&probe, None).await?.stdout_text();
                        if out.trim() == "noprobe" {
                            return Ok(Outcome::failed(
                                "wait_for needs bash or nc on the host to check a port",
                            ));
                        }
                        let open = out.trim() == "open";
                        open != want_gone
                    } else {
                        let path = a.path.clone().unwrap_or_default();
                        let out = cx
                            .remote
                            .exec(&path_probe(&path), None)
                            .await?
                            .stdout_text();
                        let present = out.trim() != "absent";
                        if want_gone {
                            !present
                        } else if !present {
                            false
                        } else if let Some(re) = &regex {
                            match cx.remote.get(&path).await {
                                Ok(data) => match search(re, &String::from_utf8_lossy(&data)) {
                                    Some((groups, named)) => {
                                        result = result
                                            .with("match_groups", groups)
                                            .with("match_groupdict", named);
                                        true
                                    }
                                    None => false,
                                },
                                Err(_) => false,
                            }
                        } else {
                            true
                        }
                    };
                    if met {
                        done = true;
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
                if !done {
                    return Ok(Outcome::failed(timeout_message(&a, &host))
                        .with("elapsed", start.elapsed().as_secs()));
                }
            }
            let elapsed = start.elapsed().as_secs();
            let mut data = Map::new();
            data.insert("elapsed".into(), json!(elapsed));
            data.insert("match_groupdict".into(), json!({}));
            data.insert("match_groups".into(), json!([]));
            data.insert("path".into(), json!(a.path));
            data.insert("port".into(), json!(a.port));
            data.insert("search_regex".into(), json!(a.search_regex));
            data.insert("state".into(), json!(state));
            data.extend(std::mem::take(&mut result.data));
            if let Some(path) = &a.path {
                let line = cx.remote.exec(&path_probe(path), None).await?.stdout_text();
                data.extend(path_info(path, line.trim()));
            }
            let mut sorted: Vec<(String, Value)> = data.into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Outcome {
                data: sorted.into_iter().collect(),
                ..Outcome::ok()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> WaitForArgs {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn messages_match_ansibles() {
        assert_eq!(
            timeout_message(&args(json!({"port": 9})), "127.0.0.1"),
            "Timeout when waiting for 127.0.0.1:9"
        );
        assert_eq!(
            timeout_message(&args(json!({"port": 22, "state": "stopped"})), "h"),
            "Timeout when waiting for h:22 to stop."
        );
        assert_eq!(
            timeout_message(&args(json!({"path": "/x", "search_regex": "ok"})), "h"),
            "Timeout when waiting for search string ok in /x"
        );
        assert_eq!(
            timeout_message(&args(json!({"path": "/x"})), "h"),
            "Timeout when waiting for file /x"
        );
        assert_eq!(
            timeout_message(&args(json!({"path": "/x", "state": "absent"})), "h"),
            "Timeout when waiting for /x to be absent."
        );
        assert_eq!(
            timeout_message(&args(json!({"port": 1, "msg": "custom"})), "h"),
            "custom"
        );
        assert_eq!(
            check_args(&args(json!({"port": 1, "path": "/x"}))).unwrap_err(),
            "port and path parameter can not both be passed to wait_for"
        );
        assert!(check_args(&args(json!({"path": "/x", "state": "stopped"}))).is_err());
    }

    #[test]
    fn path_info_and_regex_groups() {
        let m = path_info("/etc/passwd", "0 0 644 1221 root root regular file");
        assert_eq!(
            Value::Object(m),
            json!({"path": "/etc/passwd", "uid": 0, "gid": 0, "owner": "root", "group": "root",
                   "mode": "0644", "size": 1221, "state": "file"})
        );
        let re = regex::Regex::new("(?m)^ready (?P<n>\\d+)$").unwrap();
        let (groups, named) = search(&re, "starting\nready 42\n").unwrap();
        assert_eq!(groups, vec![json!("42")]);
        assert_eq!(named["n"], "42");
        assert!(port_probe("h; rm", 80, 5).contains("'h; rm' 80"));
    }
}
