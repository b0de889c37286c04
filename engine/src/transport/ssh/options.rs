//! From a [`HostConnection`] to the SSH target OpenSSH would connect to: Ansible's
//! variables first, then `-o`/`-i`/`-p`/`-J` in `ansible_ssh_common_args` and
//! `ansible_ssh_extra_args`, then `~/.ssh/config` (or `-F FILE`), then OpenSSH's defaults.
//! As in OpenSSH, the first value obtained for an option wins; identity files add up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ssh2_config::{ParseRule, SshConfig};

use super::super::connect::HostConnection;

/// How unknown and changed host keys are treated (`StrictHostKeyChecking`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// `yes` / `ask` (ringmaster never prompts): unknown and changed keys are refused.
    Yes,
    /// `accept-new`: unknown keys are accepted, changed ones refused.
    AcceptNew,
    /// `no` / `off`, or Ansible's `host_key_checking=False`: any key is accepted.
    No,
}

/// One SSH server to authenticate to: the target itself or a `ProxyJump` bastion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// What to dial (`HostName`, else the name given).
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Identity files to try, in order (explicit ones, else OpenSSH's defaults).
    pub identity_files: Vec<PathBuf>,
}

/// Everything needed to open (and reopen) one SSH connection.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub endpoint: Endpoint,
    /// Bastions, outermost first.
    pub jumps: Vec<Endpoint>,
    /// `ProxyCommand`, with `%h`, `%p`, `%r` and `%%` already expanded.
    pub proxy_command: Option<String>,
    /// Never printed.
    pub password: Option<String>,
    pub known_hosts: Vec<PathBuf>,
    /// `HostKeyAlias`: the name the target's key is recorded under.
    pub host_key_alias: Option<String>,
    pub strictness: Strictness,
    /// The ssh-agent socket (`IdentityAgent`, else `SSH_AUTH_SOCK`); `None`: no agent.
    pub agent: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub keepalive: Duration,
}

impl std::fmt::Debug for Target {
    // By hand, so a password never reaches a log or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("endpoint", &self.endpoint)
            .field("jumps", &self.jumps)
            .field("proxy_command", &self.proxy_command)
            .field("known_hosts", &self.known_hosts)
            .field("strictness", &self.strictness)
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// The connection this one goes through: the last `ProxyJump` host, reached in turn
    /// through the ones before it. Its key is checked against the same files; the
    /// password and `HostKeyAlias` are the target's own.
    pub fn bastion(&self) -> Option<Target> {
        let (last, before) = self.jumps.split_last()?;
        Some(Target {
            endpoint: last.clone(),
            jumps: before.to_vec(),
            proxy_command: None,
            password: None,
            host_key_alias: None,
            ..self.clone()
        })
    }
}

/// Options from the ssh command line (`ansible_ssh_common_args` and friends).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// `-o Key=Value` / `-o "Key Value"`, keys lowercased, in order.
    pub options: Vec<(String, String)>,
    pub identity_files: Vec<String>,
    pub port: Option<String>,
    pub config_file: Option<String>,
    pub jump: Option<String>,
    pub login: Option<String>,
}

impl CommandLine {
    /// Parses ssh arguments as a shell would split them; options ringmaster has no use
    /// for (`ControlMaster`, `-C`, `-v`, ...) are ignored silently.
    pub fn parse(args: &str) -> Result<CommandLine, String> {
        let words = shlex::split(args).ok_or_else(|| {
            format!("cannot split the ssh arguments {args:?} (unbalanced quotes)")
        })?;
        let mut cl = CommandLine::default();
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let Some(flag) = word.strip_prefix('-').and_then(|f| f.chars().next()) else {
                continue;
            };
            if !"oipFJlbcDeEILmOQRSwWBE".contains(flag) {
                continue; // A flag without an argument (-C, -q, -v, -4, -T, ...).
            }
            let inline = &word[2..];
            let value = if inline.is_empty() {
                match words.next() {
                    Some(v) => v,
                    None => break,
                }
            } else {
                inline.to_string()
            };
            match flag {
                'o' => {
                    let (key, val) = match value.split_once(['=', ' ', '\t']) {
                        Some((k, v)) => (k.trim(), v.trim().trim_start_matches('=').trim()),
                        None => (value.as_str(), ""),
                    };
                    cl.options.push((key.to_ascii_lowercase(), val.to_string()));
                }
                'i' => cl.identity_files.push(value),
                'p' => cl.port = cl.port.take().or(Some(value)),
                'F' => cl.config_file = cl.config_file.take().or(Some(value)),
                'J' => cl.jump = cl.jump.take().or(Some(value)),
                'l' => cl.login = cl.login.take().or(Some(value)),
                _ => {}
            }
        }
        Ok(cl)
    }

    fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// `~/x` → `$HOME/x`.
pub fn expand_tilde(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home().join(rest),
        None if path == "~" => home(),
        None => PathBuf::from(path),
    }
}

fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".to_string())
}

/// Options that may be given several times, all values counting.
const MULTI_VALUED: &[&str] = &[
    "identityfile",
    "certificatefile",
    "localforward",
    "remoteforward",
    "dynamicforward",
    "sendenv",
    "setenv",
    "include",
];

/// Rewrites a config so the parser reads it as OpenSSH does: the first value of an
/// option wins (the parser keeps the last one of a block), and `Match` blocks, which the
/// parser does not understand and would merge into the block before, never apply.
fn openssh_semantics(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut seen = std::collections::HashSet::new();
    for line in text.lines() {
        let keyword = line
            .trim_start()
            .split([' ', '\t', '='])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if keyword == "match" {
            seen.clear();
            out.push_str("Host ringmaster-unsupported-match-block.invalid\n");
            continue;
        }
        if keyword == "host" {
            seen.clear();
        } else if !keyword.is_empty()
            && !keyword.starts_with('#')
            && !MULTI_VALUED.contains(&keyword.as_str())
            && !seen.insert(keyword)
        {
            continue; // A repeated option: the first one counts.
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Reads `~/.ssh/config` (or `file`); a missing default file is an empty config.
pub fn load_config(file: Option<&Path>) -> Result<SshConfig, String> {
    let (path, required) = match file {
        Some(p) => (p.to_path_buf(), true),
        None => (home().join(".ssh").join("config"), false),
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(SshConfig::default());
        }
        Err(e) => return Err(format!("cannot read ssh config {}: {e}", path.display())),
    };
    let text = openssh_semantics(&String::from_utf8_lossy(&text));
    SshConfig::default()
        .parse(
            &mut text.as_bytes(),
            ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
        )
        .map_err(|e| format!("cannot parse ssh config {}: {e}", path.display()))
}

/// OpenSSH's default identity files, those that exist.
fn default_identities() -> Vec<PathBuf> {
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| home().join(".ssh").join(n))
        .filter(|p| p.exists())
        .collect()
}

/// `[user@]host[:port]` of a `ProxyJump` / `-J` entry.
fn parse_jump(spec: &str) -> (Option<String>, String, Option<u16>) {
    let spec = spec.trim().trim_start_matches("ssh://");
    let (user, rest) = match spec.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, spec),
    };
    if let Some(inner) = rest.strip_prefix('[')
        && let Some((host, tail)) = inner.split_once(']')
    {
        return (
            user,
            host.to_string(),
            tail.strip_prefix(':').and_then(|p| p.parse().ok()),
        );
    }
    match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (user, h.to_string(), p.parse().ok()),
        _ => (user, rest.to_string(), None),
    }
}

/// A bastion's endpoint: its own `~/.ssh/config` section applies, as in OpenSSH.
fn jump_endpoint(config: &SshConfig, spec: &str) -> Endpoint {
    let (user, name, port) = parse_jump(spec);
    let params = config.query(&name);
    let identity_files = match &params.identity_file {
        Some(files) if !files.is_empty() => files.clone(),
        _ => default_identities(),
    };
    Endpoint {
        host: params.host_name.clone().unwrap_or(name),
        port: port.or(params.port).unwrap_or(22),
        user: user.or(params.user.clone()).unwrap_or_else(local_user),
        identity_files,
    }
}

/// OpenSSH's `%h`, `%p`, `%r`, `%%` tokens of `ProxyCommand`.
fn expand_tokens(command: &str, host: &str, port: u16, user: &str) -> String {
    let mut out = String::new();
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(host),
            Some('p') => out.push_str(&port.to_string()),
            Some('r') => out.push_str(user),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

fn parse_strictness(value: &str) -> Strictness {
    match value.to_ascii_lowercase().as_str() {
        "no" | "off" | "false" => Strictness::No,
        "accept-new" => Strictness::AcceptNew,
        _ => Strictness::Yes,
    }
}

/// Resolves `hc` to the target OpenSSH would connect to.
pub fn resolve(hc: &HostConnection) -> Result<Target, String> {
    let mut cl = CommandLine::default();
    for args in [&hc.ssh_common_args, &hc.ssh_extra_args]
        .into_iter()
        .flatten()
    {
        let more = CommandLine::parse(args)?;
        cl.options.extend(more.options);
        cl.identity_files.extend(more.identity_files);
        cl.port = cl.port.or(more.port);
        cl.config_file = cl.config_file.or(more.config_file);
        cl.jump = cl.jump.or(more.jump);
        cl.login = cl.login.or(more.login);
    }
    let config = load_config(cl.config_file.as_deref().map(expand_tilde).as_deref())?;
    let params = config.query(&hc.address);
    let unsupported = |key: &str| {
        params
            .unsupported_fields
            .get(key)
            .or_else(|| params.ignored_fields.get(key))
            .cloned()
    };

    let host = cl
        .option("hostname")
        .map(str::to_string)
        .or(params.host_name.clone())
        .unwrap_or_else(|| hc.address.clone());
    let bad_port = |p: &str| format!("Bad port '{p}'");
    let port = match (hc.port, cl.option("port").or(cl.port.as_deref())) {
        (Some(p), _) => p,
        (None, Some(p)) => p.parse().map_err(|_| bad_port(p))?,
        (None, None) => params.port.unwrap_or(22),
    };
    let user = hc
        .user
        .clone()
        .or_else(|| cl.option("user").map(str::to_string))
        .or(cl.login.clone())
        .or(params.user.clone())
        .unwrap_or_else(local_user);

    let mut identity_files: Vec<PathBuf> = hc
        .private_key_file
        .iter()
        .map(|p| expand_tilde(&p.to_string_lossy()))
        .collect();
    identity_files.extend(cl.identity_files.iter().map(|f| expand_tilde(f)));
    identity_files.extend(
        cl.options
            .iter()
            .filter(|(k, _)| k == "identityfile")
            .map(|(_, v)| expand_tilde(v)),
    );
    identity_files.extend(params.identity_file.clone().unwrap_or_default());
    if identity_files.is_empty() {
        identity_files = default_identities();
    }
    identity_files.dedup();

    let mut known_hosts: Vec<PathBuf> = match cl
        .option("userknownhostsfile")
        .map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .or_else(|| unsupported("userknownhostsfile"))
    {
        Some(files) => files.iter().map(|f| expand_tilde(f)).collect(),
        None => vec![
            home().join(".ssh").join("known_hosts"),
            home().join(".ssh").join("known_hosts2"),
        ],
    };
    // The system-wide files are read after the user's (and never written to).
    match cl
        .option("globalknownhostsfile")
        .map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .or_else(|| unsupported("globalknownhostsfile"))
    {
        Some(files) => known_hosts.extend(files.iter().map(|f| expand_tilde(f))),
        None => known_hosts
            .extend(["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"].map(PathBuf::from)),
    }
    let strictness = if !hc.host_key_checking {
        Strictness::No
    } else {
        cl.option("stricthostkeychecking")
            .map(str::to_string)
            .or_else(|| unsupported("stricthostkeychecking").and_then(|v| v.first().cloned()))
            .map(|v| parse_strictness(&v))
            .unwrap_or(Strictness::Yes)
    };

    let identities_only = cl
        .option("identitiesonly")
        .map(str::to_string)
        .or_else(|| unsupported("identitiesonly").and_then(|v| v.first().cloned()))
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let agent = match cl
        .option("identityagent")
        .map(str::to_string)
        .or_else(|| unsupported("identityagent").and_then(|v| v.first().cloned()))
    {
        _ if identities_only => None,
        Some(v) if v.eq_ignore_ascii_case("none") => None,
        Some(v) if v != "SSH_AUTH_SOCK" => Some(expand_tilde(&v)),
        _ => std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from),
    };

    let jump_spec = cl
        .option("proxyjump")
        .map(str::to_string)
        .or(cl.jump.clone())
        .or_else(|| params.proxy_jump.clone().map(|j| j.join(",")));
    let host_key_alias = cl.option("hostkeyalias").map(str::to_string).or_else(|| {
        params
            .ignored_fields
            .get("hostkeyalias")
            .or(params.unsupported_fields.get("hostkeyalias"))
            .and_then(|v| v.first().cloned())
    });
    let proxy_command = cl
        .option("proxycommand")
        .map(str::to_string)
        .or_else(|| unsupported("proxycommand").map(|v| v.join(" ")))
        .filter(|c| c != "none" && !c.is_empty())
        .map(|c| expand_tokens(&c, &host, port, &user));
    let jumps = match jump_spec.as_deref() {
        None | Some("none") | Some("") => Vec::new(),
        Some(spec) => spec.split(',').map(|j| jump_endpoint(&config, j)).collect(),
    };

    // Ansible always passes `-o ConnectTimeout=<timeout>` ahead of the user's options.
    let connect_timeout = hc.timeout.max(Duration::from_secs(1));
    let keepalive = cl
        .option("serveraliveinterval")
        .and_then(|t| t.parse().ok())
        .map(Duration::from_secs)
        .or(params.server_alive_interval)
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(15));

    Ok(Target {
        endpoint: Endpoint {
            host,
            port,
            user,
            identity_files,
        },
        jumps,
        proxy_command,
        password: hc.password.clone(),
        known_hosts,
        host_key_alias,
        strictness,
        agent,
        connect_timeout,
        keepalive,
    })
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
