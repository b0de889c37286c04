//! dnf/yum and zypper, pure: the commands `patch` runs on RPM hosts and the parsing of
//! their replies. The fixtures of the unit tests are real outputs of dnf 4.14 and zypper
//! 1.14 (Debian bookworm's, on the test fleet's RPM hosts), where `patch` also runs end
//! to end (tests/patch/rpm.rs).

use std::cmp::Ordering;

use indexmap::IndexMap;

pub(crate) use crate::rollout::version::rpmvercmp;
use crate::runtime::quote;

/// The RPM package managers `patch` drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpmTool {
    Dnf,
    /// RHEL 8/9's `yum` is dnf under another name: same commands.
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

    /// The tool's command prefix: C locale, never a question, metadata as it is (a
    /// refresh is its own step: [`refresh_command`]); dnf fails at once when another
    /// process holds its lock (`exit_on_lock`, exit code 200) instead of waiting
    /// forever, so that `patch` waits with its own `lock_timeout`.
    fn prefix(self) -> String {
        match self {
            RpmTool::Dnf | RpmTool::Yum => {
                format!("LC_ALL=C {} -y --setopt=exit_on_lock=True", self.name())
            }
            RpmTool::Zypper => "LC_ALL=C zypper --non-interactive --no-refresh".to_string(),
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

/// What `patch` lists first to plan the updates.
///
/// - dnf/yum, all updates: `check-update` (exit code 100 when there are some).
/// - dnf/yum, security: `updateinfo list --security --updates`: every security
///   advisory's fixed package newer than the installed one (`check-update --security`
///   would name the newest version of such a package, advisory or not, which is what
///   `dnf upgrade --security` installs; `patch` takes the erratum's version).
/// - zypper, all updates: `list-updates`; security: `list-patches --category
///   security` (the needed patches), then [`zypper_patch_info_command`].
pub fn list_updates_command(tool: RpmTool, security_only: bool) -> String {
    let p = tool.prefix();
    match (tool, security_only) {
        (RpmTool::Dnf | RpmTool::Yum, false) => format!("{p} -q check-update"),
        (RpmTool::Dnf | RpmTool::Yum, true) => {
            format!("{p} -q updateinfo list --security --updates")
        }
        (RpmTool::Zypper, false) => format!("{p} list-updates"),
        (RpmTool::Zypper, true) => format!("{p} list-patches --category security"),
    }
}

/// `update_cache`: fetch the repositories' metadata anew (zypper's repositories need
/// not be set to refresh by themselves).
pub fn refresh_command(tool: RpmTool) -> String {
    match tool {
        RpmTool::Dnf | RpmTool::Yum => format!("{} -q makecache --refresh", tool.prefix()),
        RpmTool::Zypper => "LC_ALL=C zypper --non-interactive refresh".to_string(),
    }
}

/// `zypper info -t patch ...`: each patch's `Conflicts` name the fixed versions.
pub fn zypper_patch_info_command(patches: &[String]) -> String {
    let ids: Vec<String> = patches.iter().map(|p| quote(p)).collect();
    format!(
        "{} info -t patch {}",
        RpmTool::Zypper.prefix(),
        ids.join(" ")
    )
}

/// Whether the listing's exit code means success (`check-update`: 0 none, 100 some).
pub fn list_updates_ok(tool: RpmTool, rc: i32) -> bool {
    match tool {
        RpmTool::Dnf | RpmTool::Yum => rc == 0 || rc == 100,
        // zypper: 0 ok, 100-103 "updates/patches needed" info codes.
        RpmTool::Zypper => rc == 0 || (100..=103).contains(&rc),
    }
}

/// `name.arch  [epoch:]version-release  repo` lines of `check-update`, up to
/// `Obsoleting Packages` (dnf 4 starts with an empty line).
pub fn parse_check_update(stdout: &str) -> Vec<(String, String)> {
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

/// `ADVISORY  Severity/Sec.  name-[epoch:]version-release.arch` lines of `dnf updateinfo
/// list`: `(name, [epoch:]version-release)` of each fixed package.
pub fn parse_updateinfo_list(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [_id, _kind, nevra] = fields[..] else {
                return None;
            };
            split_nevra(nevra)
        })
        .collect()
}

/// `name-[epoch:]version-release.arch` → `(name, [epoch:]version-release)`.
pub fn split_nevra(nevra: &str) -> Option<(String, String)> {
    let (nevr, _arch) = nevra.rsplit_once('.')?;
    let (nev, release) = nevr.rsplit_once('-')?;
    let (name, version) = nev.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_string(), format!("{version}-{release}")))
}

/// The rows of a zypper table as `header → cell` maps (`list-updates`, `list-patches`,
/// `packages`); the other lines are skipped.
fn zypper_rows(stdout: &str) -> Vec<IndexMap<String, String>> {
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for line in stdout.lines() {
        if !line.contains('|') {
            continue;
        }
        let cells: Vec<String> = line.split('|').map(|c| c.trim().to_string()).collect();
        match &header {
            None => header = Some(cells),
            Some(h) if cells.len() == h.len() => {
                rows.push(h.iter().cloned().zip(cells).collect());
            }
            Some(_) => {}
        }
    }
    rows
}

/// `zypper list-updates`: `(Name, Available Version)` of each row.
pub fn parse_zypper_list_updates(stdout: &str) -> Vec<(String, String)> {
    zypper_rows(stdout)
        .into_iter()
        .filter_map(|r| Some((r.get("Name")?.clone(), r.get("Available Version")?.clone())))
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .collect()
}

/// `zypper list-patches`: the names of the patches whose status is `needed`.
pub fn parse_zypper_needed_patches(stdout: &str) -> Vec<String> {
    zypper_rows(stdout)
        .into_iter()
        .filter(|r| r.get("Status").is_some_and(|s| s == "needed"))
        .filter_map(|r| r.get("Name").cloned())
        .collect()
}

/// `zypper packages --unneeded`: the names of the unneeded installed packages.
pub fn parse_zypper_unneeded(stdout: &str) -> Vec<String> {
    let mut names: Vec<String> = zypper_rows(stdout)
        .into_iter()
        .filter(|r| r.get("S").is_some_and(|s| s.starts_with('i')))
        .filter_map(|r| r.get("Name").cloned())
        .collect();
    names.dedup();
    names
}

/// The `Conflicts` of `zypper info -t patch`: `name < version` (optionally `name.arch`):
/// the patch is satisfied once `name` is at `version` or newer.
pub fn parse_zypper_patch_conflicts(stdout: &str) -> Vec<(String, String)> {
    const ARCHES: &[&str] = &[
        "noarch", "x86_64", "i586", "i686", "aarch64", "ppc64le", "s390x",
    ];
    let mut fixed = Vec::new();
    let mut in_conflicts = false;
    for line in stdout.lines() {
        if line.starts_with("Conflicts") {
            in_conflicts = true;
            continue;
        }
        if !line.starts_with(' ') {
            in_conflicts = false;
            continue;
        }
        if !in_conflicts {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let [name, "<", version] = fields[..] {
            let name = match name.rsplit_once('.') {
                Some((base, arch)) if ARCHES.contains(&arch) => base,
                _ => name,
            };
            fixed.push((name.to_string(), version.to_string()));
        }
    }
    fixed
}

/// For each installed package among `fixed`, the newest fixed version above the
/// installed one (by name; sorted by name).
pub fn newest_fixes(
    fixed: &[(String, String)],
    installed: &IndexMap<String, String>,
) -> Vec<(String, String)> {
    let mut best: IndexMap<String, String> = IndexMap::new();
    for (name, version) in fixed {
        let Some(current) = installed.get(name) else {
            continue;
        };
        if evr_cmp(version, current) != Ordering::Greater {
            continue;
        }
        match best.get(name) {
            Some(b) if evr_cmp(b, version) != Ordering::Less => {}
            _ => {
                best.insert(name.clone(), version.clone());
            }
        }
    }
    best.sort_keys();
    best.into_iter().collect()
}

/// Compares two `[epoch:]version[-release]` as rpm does.
pub fn evr_cmp(a: &str, b: &str) -> Ordering {
    fn split(s: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => (e.parse().unwrap_or(0), rest),
            None => (0, s),
        };
        let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
        (epoch, version, release)
    }
    let (ea, va, ra) = split(a);
    let (eb, vb, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| rpmvercmp(va, vb))
        .then_with(|| rpmvercmp(ra, rb))
}

/// Installs exactly `targets` (`name`, `[epoch:]version-release`): `dnf upgrade
/// name-version ...` (an exact NEVR), `zypper install --oldpackage name=version ...`;
/// `download_only` only fetches.
pub fn install_command(tool: RpmTool, targets: &[(String, String)], download_only: bool) -> String {
    let p = tool.prefix();
    match tool {
        RpmTool::Dnf | RpmTool::Yum => {
            let specs: Vec<String> = targets
                .iter()
                .map(|(n, v)| quote(&format!("{n}-{v}")))
                .collect();
            format!(
                "{p}{} upgrade {}",
                if download_only { " --downloadonly" } else { "" },
                specs.join(" ")
            )
        }
        RpmTool::Zypper => {
            let specs: Vec<String> = targets
                .iter()
                .map(|(n, v)| quote(&format!("{n}={v}")))
                .collect();
            format!(
                "{p} install --no-recommends --oldpackage{} {}",
                if download_only {
                    " --download-only"
                } else {
                    ""
                },
                specs.join(" ")
            )
        }
    }
}

/// dnf/yum: removes the packages nothing needs any more. zypper has no autoremove: its
/// unneeded packages are listed ([`ZYPPER_UNNEEDED_COMMAND`]) and removed by name.
pub fn autoremove_command(tool: RpmTool) -> String {
    format!("{} autoremove", tool.prefix())
}

/// Lists the packages installed only as dependencies that nothing needs now.
pub const ZYPPER_UNNEEDED_COMMAND: &str =
    "LC_ALL=C zypper --non-interactive --no-refresh packages --unneeded";

/// Removes `names` (zypper's autoremove).
pub fn zypper_remove_command(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
    format!("{} remove {}", RpmTool::Zypper.prefix(), names.join(" "))
}

/// Whether the host needs a reboot, RHEL/SUSE style: `/var/run/reboot-required` (some
/// packages' scriptlets), else dnf's `needs-restarting -r` (exit code 1 and "Reboot is
/// required": a core package or one of `needs-restarting.d` changed since boot; the
/// text check keeps a missing plugin — "No such command", also exit code 1 — from
/// counting), or zypper's `needs-rebooting` (exit code 102).
pub fn reboot_required_command(tool: RpmTool) -> String {
    let check = match tool {
        RpmTool::Dnf | RpmTool::Yum => format!(
            "out=$(LC_ALL=C {} -q needs-restarting -r 2>&1); rc=$?; \
             [ $rc -eq 1 ] && printf '%s' \"$out\" | grep -q 'Reboot is required'",
            tool.name()
        ),
        RpmTool::Zypper => {
            "LC_ALL=C zypper --non-interactive needs-rebooting >/dev/null 2>&1; [ $? -eq 102 ]"
                .to_string()
        }
    };
    format!(
        "if [ -e /var/run/reboot-required ]; then echo required; \
         elif {check}; then echo required; else echo none; fi"
    )
}

/// Whether the tool failed because another process holds its lock.
pub fn is_lock_error(stderr: &str) -> bool {
    stderr.contains("already locked by")
        || stderr.contains("Another app is currently holding the yum lock")
        || stderr.contains("System management is locked")
        || stderr.contains("Waiting for process with pid")
}

/// The tool's error output without the noise of Debian's rpm build ("RPM should not be
/// used directly", printed on every install) and blank lines.
pub fn errors(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| {
            !l.trim().is_empty()
                && !l.contains("RPM should not be used directly")
                && !l.contains("assuming you know what you are doing")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a failed command said: the error lines of its output (dnf prints "No match for
/// argument" and rpm's scriptlet errors there) followed by [`errors`] of its stderr.
pub fn failure_detail(stdout: &str, stderr: &str) -> String {
    let mut lines: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("No match for argument")
                || l.starts_with("error:")
                || l.starts_with("Problem:")
                || l.starts_with("Error:")
        })
        .collect();
    let errors = errors(stderr);
    for line in errors.lines() {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
#[path = "rpm_plan_tests.rs"]
mod tests;
