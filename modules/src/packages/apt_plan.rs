//! apt, pure: the commands the apt-based modules run and the parsing of apt's and
//! dpkg's replies (`apt-get -s` simulations, `dpkg-query` listings). Tested from
//! recorded outputs in tests/fixtures/apt/.

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::runtime::quote;

/// Environment every apt command runs with: no prompts, C messages (parsed here).
pub const APT_ENV: &str = "DEBIAN_FRONTEND=noninteractive LC_ALL=C";

/// What `dpkg-query` prints per package: name, version, arch, status, section.
pub const DPKG_LIST_COMMAND: &str = "LC_ALL=C dpkg-query -W -f='${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Section}\\n'";

/// One line of `apt-get -s`: `Inst name [old] (new origin, origin [arch])` or
/// `Remv name [old]` / `Purg name [old]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAction {
    pub name: String,
    /// Installed version (absent for a new package).
    pub from: Option<String>,
    /// Version to install (absent for a removal).
    pub to: Option<String>,
    /// The candidate's release descriptions, e.g. `Debian-Security:12/stable-security`.
    pub origins: Vec<String>,
    pub arch: Option<String>,
}

impl SimAction {
    pub fn is_upgrade(&self) -> bool {
        self.from.is_some() && self.to.is_some()
    }

    /// Whether the candidate comes from a security archive: a suite ending in
    /// `-security` (Debian `bookworm-security`, Ubuntu `jammy-security`) or the label
    /// `Debian-Security`.
    pub fn is_security(&self) -> bool {
        self.origins.iter().any(|o| {
            let o = o.to_ascii_lowercase();
            o.contains("-security") || o.starts_with("debian-security")
        })
    }

    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "from": self.from, "to": self.to})
    }
}

/// Parses the `Inst`/`Remv`/`Purg` lines of an `apt-get -s` run (`Conf` lines repeat
/// `Inst` and are skipped).
pub fn parse_simulation(stdout: &str) -> Vec<SimAction> {
    stdout.lines().filter_map(parse_sim_line).collect()
}

fn parse_sim_line(line: &str) -> Option<SimAction> {
    let (install, rest) = if let Some(rest) = line.strip_prefix("Inst ") {
        (true, rest)
    } else if let Some(rest) = line
        .strip_prefix("Remv ")
        .or_else(|| line.strip_prefix("Purg "))
    {
        (false, rest)
    } else {
        return None;
    };
    let (name, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let mut from = None;
    if let Some(r) = rest.strip_prefix('[') {
        let (old, after) = r.split_once(']')?;
        from = Some(old.to_string());
        rest = after.trim_start();
    }
    let mut action = SimAction {
        name: name.to_string(),
        from,
        to: None,
        origins: Vec::new(),
        arch: None,
    };
    if install {
        let inner = rest.strip_prefix('(')?;
        let inner = &inner[..inner.rfind(')')?];
        let (version, described) = inner.split_once(' ').unwrap_or((inner, ""));
        action.to = Some(version.to_string());
        let (origins, arch) = match described.rfind(" [") {
            Some(i) if described.ends_with(']') => (
                &described[..i],
                Some(described[i + 2..described.len() - 1].to_string()),
            ),
            _ if described.starts_with('[') && described.ends_with(']') => {
                ("", Some(described[1..described.len() - 1].to_string()))
            }
            _ => (described, None),
        };
        action.origins = origins
            .split(", ")
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .collect();
        action.arch = arch;
    }
    Some(action)
}

/// One installed package as dpkg knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub name: String,
    pub version: String,
    pub arch: String,
    pub section: String,
}

/// Parses [`DPKG_LIST_COMMAND`]'s output: only packages with an installed version
/// (dpkg status not `n`ot-installed or `c`onfig-files, as python-apt's `is_installed`).
pub fn parse_dpkg_list(stdout: &str) -> Vec<Installed> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let name = f.next()?;
            let version = f.next()?;
            let arch = f.next()?;
            let status = f.next()?;
            let section = f.next().unwrap_or("");
            let state = status.chars().nth(1)?;
            (!name.is_empty() && !matches!(state, 'n' | 'c')).then(|| Installed {
                name: name.to_string(),
                version: version.to_string(),
                arch: arch.to_string(),
                section: section.to_string(),
            })
        })
        .collect()
}

/// Installed versions keyed by package name (`name:arch` for a second architecture).
pub fn version_map(installed: &[Installed]) -> IndexMap<String, String> {
    let mut map = IndexMap::new();
    for p in installed {
        let key = if map.contains_key(&p.name) {
            format!("{}:{}", p.name, p.arch)
        } else {
            p.name.clone()
        };
        map.insert(key, p.version.clone());
    }
    map
}

/// What really changed between two [`version_map`]s: `{name, from, to}` (`from` null
/// for a new package, `to` null for a removed one), sorted by name.
pub fn changes(before: &IndexMap<String, String>, after: &IndexMap<String, String>) -> Vec<Value> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| before.get(*n) != after.get(*n))
        .map(|n| json!({"name": n, "from": before.get(n), "to": after.get(n)}))
        .collect()
}

/// Shell-style match of a package name against a pattern with `*` and `?`.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let base: Vec<char> = name.split(':').next().unwrap_or(name).chars().collect();
    go(&p, &n) || go(&p, &base)
}

/// Splits `name=version` (also `name==version`); `None` version for a bare name.
pub fn split_pin(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('=') {
        Some((name, version)) => (name.trim(), Some(version.trim_start_matches('=').trim())),
        None => (spec.trim(), None),
    }
}

/// Options every changing apt-get run gets: keep changed config files, wait for the
/// dpkg lock up to `lock_timeout` seconds.
pub fn dpkg_options(lock_timeout: u64) -> String {
    format!(
        "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
         -o DPkg::Lock::Timeout={lock_timeout}"
    )
}

/// `apt-get update`.
pub fn update_command() -> String {
    format!("{APT_ENV} apt-get -q update")
}

/// Simulates every upgrade apt would do (`dist-upgrade`: may add or remove packages).
pub fn simulate_all_command() -> String {
    format!("{APT_ENV} apt-get -s -q dist-upgrade")
}

/// Installs (or with `simulate`, simulates installing) exactly `specs` (`name=version`),
/// only where the package is already installed.
pub fn install_specs_command(
    specs: &[String],
    lock_timeout: u64,
    simulate: bool,
    download_only: bool,
) -> String {
    let words: Vec<String> = specs.iter().map(|s| quote(s)).collect();
    format!(
        "{APT_ENV} apt-get -y -q {}{}{} install --only-upgrade {}",
        dpkg_options(lock_timeout),
        if simulate { " -s" } else { "" },
        if download_only { " -d" } else { "" },
        words.join(" ")
    )
}

/// `apt-get autoremove`.
pub fn autoremove_command(lock_timeout: u64, simulate: bool) -> String {
    format!(
        "{APT_ENV} apt-get -y -q {}{} autoremove",
        dpkg_options(lock_timeout),
        if simulate { " -s" } else { "" }
    )
}

/// Whether apt failed because another process holds one of its locks.
pub fn is_lock_error(stderr: &str) -> bool {
    stderr.contains("Could not get lock")
        || stderr.contains("Unable to acquire the dpkg frontend lock")
        || stderr.contains("Unable to lock directory")
        || stderr.contains("Unable to lock the administration directory")
}

/// The `E:` lines of apt's stderr (its error messages), else the whole text trimmed.
pub fn apt_errors(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("E: ") || l.starts_with("dpkg: "))
        .collect();
    if errors.is_empty() {
        stderr.trim().to_string()
    } else {
        errors.join("\n")
    }
}

/// `apt-cache policy` without packages: every package file and its release.
pub const POLICY_COMMAND: &str = "LC_ALL=C apt-cache policy";

/// The package files (`file:/srv/repo/security ./ Packages`, `http://deb.debian.org/
/// debian-security bookworm-security/main amd64 Packages`) whose release is a security
/// archive (`a=`/`n=` ending in `-security`, or `l=Debian-Security`), from
/// [`POLICY_COMMAND`]'s output.
pub fn security_sources(global_policy: &str) -> Vec<String> {
    let mut sources = Vec::new();
    let mut current: Option<String> = None;
    for line in global_policy.lines() {
        let trimmed = line.trim();
        if let Some(release) = trimmed.strip_prefix("release ") {
            let security = release.split(',').any(|field| match field.split_once('=') {
                Some(("a" | "n", v)) => v.ends_with("-security"),
                Some(("l", v)) => v == "Debian-Security",
                _ => false,
            });
            if let (true, Some(source)) = (security, current.take()) {
                sources.push(source);
            }
        } else if let Some((priority, source)) = trimmed.split_once(' ')
            && line.starts_with(' ')
            && priority.parse::<i32>().is_ok()
        {
            current = Some(source.to_string());
        }
    }
    sources
}

/// One version in a package's `apt-cache policy` version table (highest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version: String,
    pub installed: bool,
    pub sources: Vec<String>,
}

/// The version tables of `apt-cache policy NAME...`, by package name.
pub fn version_tables(policy: &str) -> IndexMap<String, Vec<PolicyVersion>> {
    let mut tables: IndexMap<String, Vec<PolicyVersion>> = IndexMap::new();
    let mut name: Option<String> = None;
    for line in policy.lines() {
        if !line.starts_with(' ') {
            name = line.strip_suffix(':').map(str::to_string);
            continue;
        }
        let Some(name) = &name else { continue };
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if trimmed.contains(':') && indent <= 2 {
            continue; // Installed:, Candidate:, Version table:
        }
        let table = tables.entry(name.clone()).or_default();
        if let Some(rest) = trimmed.strip_prefix("*** ") {
            if let Some((version, _)) = rest.split_once(' ') {
                table.push(PolicyVersion {
                    version: version.to_string(),
                    installed: true,
                    sources: Vec::new(),
                });
            }
        } else if indent == 5 {
            if let Some((version, _)) = trimmed.split_once(' ') {
                table.push(PolicyVersion {
                    version: version.to_string(),
                    installed: false,
                    sources: Vec::new(),
                });
            }
        } else if let (Some(last), Some((_, source))) = (table.last_mut(), trimmed.split_once(' '))
        {
            last.sources.push(source.to_string());
        }
    }
    tables
}

/// The newest version above the installed one that a security archive offers, as
/// unattended-upgrades picks it when a newer non-security version is the candidate.
pub fn newest_security_version(table: &[PolicyVersion], security: &[String]) -> Option<String> {
    table
        .iter()
        .take_while(|v| !v.installed)
        .find(|v| v.sources.iter().any(|s| security.contains(s)))
        .map(|v| v.version.clone())
}
