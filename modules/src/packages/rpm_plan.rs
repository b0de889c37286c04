//! dnf/yum and zypper, pure: the commands `patch` runs on RPM hosts and the parsing of
//! their listings. Tested from fixtures copied from the tools' documented output
//! formats; NOT exercised end to end here (the test fleet is Debian only).

use indexmap::IndexMap;

use crate::runtime::quote;

/// The RPM package managers `patch` drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpmTool {
    Dnf,
    Yum,
    Zypper,
}

impl RpmTool {
    pub fn name(self) -> &'static str {
        match self {
            RpmTool::Dnf => "dnf",
            RpmTool::Yum => "yum",
            RpmTool::Zypper => "zypper",
        }
    }
}

/// Installed packages: name, `[epoch:]version-release` (epoch only when set, as
/// `check-update` prints it), arch.
pub const RPM_LIST_COMMAND: &str =
    "LC_ALL=C rpm -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'";

/// Parses [`RPM_LIST_COMMAND`]'s output into name → version (`name.arch` for a second
/// architecture of the same name).
pub fn parse_rpm_list(stdout: &str) -> IndexMap<String, String> {
    let mut map = IndexMap::new();
    for line in stdout.lines() {
        let mut f = line.split('\t');
        let (Some(name), Some(version), arch) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if name.is_empty() || name == "gpg-pubkey" {
            continue;
        }
        let key = if map.contains_key(name) {
            format!("{name}.{}", arch.unwrap_or(""))
        } else {
            name.to_string()
        };
        map.insert(key, version.to_string());
    }
    map
}

/// Lists the available updates: `dnf/yum check-update [--security] [--refresh]`
/// (exit code 100 when updates exist), `zypper list-updates`, or for zypper security
/// updates a dry run of `zypper patch --category security`.
pub fn list_updates_command(tool: RpmTool, security_only: bool, refresh: bool) -> String {
    match tool {
        RpmTool::Dnf | RpmTool::Yum => format!(
            "LC_ALL=C {} -q check-update{}{}",
            tool.name(),
            if security_only { " --security" } else { "" },
            if refresh && tool == RpmTool::Dnf {
                " --refresh"
            } else {
                ""
            }
        ),
        RpmTool::Zypper => format!(
            "LC_ALL=C zypper --non-interactive{} {}",
            if refresh { "" } else { " --no-refresh" },
            if security_only {
                "patch --category security --dry-run --details"
            } else {
                "list-updates"
            }
        ),
    }
}

/// Whether the listing's exit code means success (`check-update`: 0 none, 100 some).
pub fn list_updates_ok(tool: RpmTool, rc: i32) -> bool {
    match tool {
        RpmTool::Dnf | RpmTool::Yum => rc == 0 || rc == 100,
        // zypper: 0 ok, 100-103 "updates/patches needed" info codes.
        RpmTool::Zypper => rc == 0 || (100..=103).contains(&rc),
    }
}

/// `(name, version)` of each available update. For zypper's security dry run the
/// version is empty (it prints names only) and the package is installed by name.
pub fn parse_updates(tool: RpmTool, stdout: &str) -> Vec<(String, String)> {
    match tool {
        RpmTool::Dnf | RpmTool::Yum => parse_check_update(stdout),
        RpmTool::Zypper if stdout.contains("going to be upgraded") => parse_zypper_dry_run(stdout),
        RpmTool::Zypper => parse_zypper_table(stdout),
    }
}

/// `name.arch  [epoch:]version-release  repo` lines, up to `Obsoleting Packages`.
fn parse_check_update(stdout: &str) -> Vec<(String, String)> {
    let mut updates = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("Obsoleting") || line.starts_with("Security:") {
            break;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name_arch, version, _repo] = fields[..] else {
            continue;
        };
        let Some((name, _arch)) = name_arch.rsplit_once('.') else {
            continue;
        };
        if !version.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        updates.push((name.to_string(), version.to_string()));
    }
    updates
}

/// `zypper list-updates`: `S | Repository | Name | Current Version | Available Version | Arch`.
fn parse_zypper_table(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('|').map(str::trim).collect();
            if cols.len() < 6 || cols[0] == "S" || cols[2].is_empty() {
                return None;
            }
            Some((cols[2].to_string(), cols[4].to_string()))
        })
        .collect()
}

/// The names after `The following N packages are going to be upgraded:`.
fn parse_zypper_dry_run(stdout: &str) -> Vec<(String, String)> {
    let mut names = Vec::new();
    let mut in_list = false;
    for line in stdout.lines() {
        if line.contains("going to be upgraded:") {
            in_list = true;
            continue;
        }
        if in_list {
            if line.trim().is_empty() {
                in_list = false;
                continue;
            }
            if !line.starts_with(' ') {
                in_list = false;
                continue;
            }
            names.extend(
                line.split_whitespace()
                    .map(|n| (n.to_string(), String::new())),
            );
        }
    }
    names
}

/// Installs exactly `targets`: `dnf -y upgrade name-version ...`, `zypper install
/// name=version ...`; `download_only` only fetches; `autoremove` removes leftovers after.
pub fn install_command(
    tool: RpmTool,
    targets: &[(String, String)],
    download_only: bool,
    autoremove: bool,
) -> String {
    match tool {
        RpmTool::Dnf | RpmTool::Yum => {
            let specs: Vec<String> = targets
                .iter()
                .map(|(n, v)| {
                    if v.is_empty() {
                        quote(n)
                    } else {
                        quote(&format!("{n}-{v}"))
                    }
                })
                .collect();
            let mut cmd = format!(
                "LC_ALL=C {} -y{} upgrade {}",
                tool.name(),
                if download_only { " --downloadonly" } else { "" },
                specs.join(" ")
            );
            if autoremove && !download_only {
                cmd.push_str(&format!(" && LC_ALL=C {} -y autoremove", tool.name()));
            }
            cmd
        }
        RpmTool::Zypper => {
            let specs: Vec<String> = targets
                .iter()
                .map(|(n, v)| {
                    if v.is_empty() {
                        quote(n)
                    } else {
                        quote(&format!("{n}={v}"))
                    }
                })
                .collect();
            let mut cmd = format!(
                "LC_ALL=C zypper --non-interactive install --no-recommends{} {}",
                if download_only {
                    " --download-only"
                } else {
                    ""
                },
                specs.join(" ")
            );
            if autoremove && !download_only {
                // zypper has no autoremove; removing unneeded packages is its own tool.
                cmd.push_str(
                    " && LC_ALL=C zypper --non-interactive packages --unneeded >/dev/null",
                );
            }
            cmd
        }
    }
}

/// Whether the tool failed because another process holds its lock (dnf itself waits).
pub fn is_lock_error(stderr: &str) -> bool {
    stderr.contains("Another app is currently holding the yum lock")
        || stderr.contains("System management is locked")
        || stderr.contains("Waiting for process with pid")
}
