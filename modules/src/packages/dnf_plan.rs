//! `dnf`, pure: the installed-package listing, RPM version comparison, package specs as
//! dnf reads them (`name`, `name.arch`, `name-version[-release][.arch]`, `name >= 1.0`,
//! globs), and the parsing of dnf's transaction table (`dnf --assumeno ...`) and
//! `repoquery` listings (errors: [`super::dnf_errors`]). Tested from output captured
//! from dnf 4.14.

use std::cmp::Ordering;

use serde_json::{Map, Value};

pub(crate) use crate::rollout::version::rpmvercmp;

/// Installed packages, one a line: name, epoch (0 when unset), version, release, arch.
pub const RPM_INSTALLED_COMMAND: &str = "LC_ALL=C rpm -qa --qf \
     '%{NAME}\\t%|EPOCH?{%{EPOCH}}:{0}|\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n'";

/// The `--qf` of `dnf repoquery` for [`parse_repoquery`].
pub const REPOQUERY_FORMAT: &str =
    "%{name}\\t%{arch}\\t%{epoch}\\t%{version}\\t%{release}\\t%{repoid}";

/// One installed (or queried) package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rpm {
    pub name: String,
    pub epoch: u64,
    pub version: String,
    pub release: String,
    pub arch: String,
}

impl Rpm {
    /// `name-[epoch:]version-release.arch`, as dnf prints a package (and Ansible's
    /// `results` lines).
    pub fn nevra(&self) -> String {
        format!("{}-{}.{}", self.name, self.evr(), self.arch)
    }

    /// `[epoch:]version-release`.
    pub fn evr(&self) -> String {
        if self.epoch == 0 {
            format!("{}-{}", self.version, self.release)
        } else {
            format!("{}:{}-{}", self.epoch, self.version, self.release)
        }
    }
}

/// Parses [`RPM_INSTALLED_COMMAND`]'s output (`gpg-pubkey` entries are keys, not
/// packages).
pub fn parse_installed(stdout: &str) -> Vec<Rpm> {
    stdout
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [name, epoch, version, release, arch] = f[..] else {
                return None;
            };
            (name != "gpg-pubkey").then(|| Rpm {
                name: name.to_string(),
                epoch: epoch.parse().unwrap_or(0),
                version: version.to_string(),
                release: release.to_string(),
                arch: arch.to_string(),
            })
        })
        .collect()
}

/// Compares `[epoch:]version[-release]` wanted parts with a package: epoch, version,
/// then release when the spec gives one.
fn evr_cmp(pkg: &Rpm, epoch: Option<u64>, version: &str, release: Option<&str>) -> Ordering {
    pkg.epoch
        .cmp(&epoch.unwrap_or(0))
        .then_with(|| rpmvercmp(&pkg.version, version))
        .then_with(|| release.map_or(Ordering::Equal, |r| rpmvercmp(&pkg.release, r)))
}

/// Compares two packages' `epoch:version-release`.
pub fn compare(a: &Rpm, b: &Rpm) -> Ordering {
    evr_cmp(a, Some(b.epoch), &b.version, Some(&b.release))
}

/// Whether dnf treats `spec` as a glob (`dnf.util.is_glob_pattern`).
pub fn is_glob(spec: &str) -> bool {
    spec.contains(['*', '?', '['])
}

/// One reading of a package spec (hawkey's NEVRA forms).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Form<'a> {
    name: &'a str,
    epoch: Option<u64>,
    version: Option<&'a str>,
    release: Option<&'a str>,
    arch: Option<&'a str>,
}

/// `[epoch:]version`.
fn split_epoch(ev: &str) -> Option<(Option<u64>, &str)> {
    match ev.split_once(':') {
        Some((e, v)) => Some((Some(e.parse().ok()?), v)),
        None => Some((None, ev)),
    }
}

/// Splits `name-[epoch:]version[-release]` (release when `with_release`).
fn versioned(nevr: &str, with_release: bool) -> Option<Form<'_>> {
    let (nev, release) = if with_release {
        let (nev, r) = nevr.rsplit_once('-')?;
        (nev, Some(r))
    } else {
        (nevr, None)
    };
    let (name, ev) = nev.rsplit_once('-')?;
    let (epoch, version) = split_epoch(ev)?;
    (!name.is_empty() && !version.is_empty() && release != Some("")).then_some(Form {
        name,
        epoch,
        version: Some(version),
        release,
        arch: None,
    })
}

/// The readings of `spec` in hawkey's order: NEVRA, NA, NAME, NEVR, NEV.
fn forms(spec: &str) -> Vec<Form<'_>> {
    let mut out = Vec::new();
    if let Some((nevr, arch)) = spec.rsplit_once('.') {
        if let Some(f) = versioned(nevr, true) {
            out.push(Form {
                arch: Some(arch),
                ..f
            });
        }
        out.push(Form {
            name: nevr,
            epoch: None,
            version: None,
            release: None,
            arch: Some(arch),
        });
    }
    out.push(Form {
        name: spec,
        epoch: None,
        version: None,
        release: None,
        arch: None,
    });
    out.extend(versioned(spec, true));
    out.extend(versioned(spec, false));
    out
}

/// fnmatch with `*` and `?` (dnf's globs in names, versions, arches).
fn glob_match(pattern: &str, text: &str) -> bool {
    if !is_glob(pattern) {
        return pattern == text;
    }
    super::apt_plan::name_matches(pattern, text)
}

fn form_matches(f: &Form<'_>, p: &Rpm) -> bool {
    glob_match(f.name, &p.name)
        && f.arch.is_none_or(|a| glob_match(a, &p.arch))
        && f.epoch.is_none_or(|e| e == p.epoch)
        && f.version.is_none_or(|v| glob_match(v, &p.version))
        && f.release.is_none_or(|r| glob_match(r, &p.release))
}

/// `name OP [epoch:]version[-release]` (`acme >= 1.0`): the name, operator, version.
fn relational(spec: &str) -> Option<(&str, &str, &str)> {
    let words: Vec<&str> = spec.split_whitespace().collect();
    match words[..] {
        [name, op, evr] if matches!(op, "<" | "<=" | "=" | "==" | ">=" | ">" | "!=") => {
            Some((name, op, evr))
        }
        _ => None,
    }
}

/// Splits `[epoch:]version[-release]`.
fn split_evr(evr: &str) -> (Option<u64>, &str, Option<&str>) {
    let (epoch, vr) = match evr.split_once(':') {
        Some((e, vr)) => (e.parse().ok(), vr),
        None => (None, evr),
    };
    match vr.rsplit_once('-') {
        Some((v, r)) => (epoch, v, Some(r)),
        None => (epoch, vr, None),
    }
}

/// Whether an installed package answers to `spec` (Ansible's `_is_installed`).
pub fn is_installed(spec: &str, installed: &[Rpm]) -> bool {
    if let Some((name, op, evr)) = relational(spec) {
        let (epoch, version, release) = split_evr(evr);
        return installed.iter().any(|p| {
            p.name == name && {
                let ord = evr_cmp(p, epoch, version, release);
                match op {
                    "<" => ord == Ordering::Less,
                    "<=" => ord != Ordering::Greater,
                    ">" => ord == Ordering::Greater,
                    ">=" => ord != Ordering::Less,
                    "!=" => ord != Ordering::Equal,
                    _ => ord == Ordering::Equal,
                }
            }
        });
    }
    forms(spec)
        .iter()
        .any(|f| installed.iter().any(|p| form_matches(f, p)))
}

/// For a versioned spec (`acme-1.0`): whether a newer version of that package is
/// installed (Ansible's `_is_newer_version_installed`; a name alone never is).
pub fn newer_installed(spec: &str, installed: &[Rpm]) -> bool {
    if relational(spec).is_some() {
        return false;
    }
    forms(spec)
        .into_iter()
        .filter(|f| f.version.is_some())
        .find(|f| installed.iter().any(|p| p.name == f.name))
        .is_some_and(|f| {
            installed
                .iter()
                .filter(|p| p.name == f.name && f.arch.is_none_or(|a| a == p.arch))
                .any(|p| {
                    evr_cmp(p, f.epoch, f.version.unwrap_or_default(), f.release)
                        == Ordering::Greater
                })
        })
}

/// What a dnf transaction would install and remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    /// New packages, upgrades, downgrades, reinstalls (`transaction.install_set`).
    pub install: Vec<Rpm>,
    /// Removed packages and the versions replaced by upgrades and downgrades.
    pub remove: Vec<Rpm>,
}

impl Transaction {
    pub fn is_empty(&self) -> bool {
        self.install.is_empty() && self.remove.is_empty()
    }

    /// Adds another step's transaction (a later `dnf` command of the same task).
    pub fn merge(&mut self, other: Transaction) {
        for (mine, theirs) in [
            (&mut self.install, other.install),
            (&mut self.remove, other.remove),
        ] {
            for p in theirs {
                if !mine.contains(&p) {
                    mine.push(p);
                }
            }
        }
    }

    /// Ansible's `results` lines: `Installed: nevra` (`Downloaded:` for download_only)
    /// then `Removed: nevra`, each sorted.
    pub fn results(&self, download_only: bool) -> Vec<String> {
        let verb = if download_only {
            "Downloaded"
        } else {
            "Installed"
        };
        let mut install: Vec<String> = self.install.iter().map(Rpm::nevra).collect();
        let mut remove: Vec<String> = self.remove.iter().map(Rpm::nevra).collect();
        install.sort();
        remove.sort();
        install
            .into_iter()
            .map(|n| format!("{verb}: {n}"))
            .chain(remove.into_iter().map(|n| format!("Removed: {n}")))
            .collect()
    }
}

fn rpm_of(name: &str, arch: &str, evr: &str) -> Rpm {
    let (epoch, version, release) = split_evr(evr);
    Rpm {
        name: name.to_string(),
        epoch: epoch.unwrap_or(0),
        version: version.to_string(),
        release: release.unwrap_or_default().to_string(),
        arch: arch.to_string(),
    }
}

/// Parses the transaction table dnf prints before asking to go on (`--assumeno`):
/// sections `Installing:`, `Upgrading:`, `Downgrading:`, `Reinstalling:`,
/// `Installing dependencies:`, `Installing weak dependencies:`, `Removing:`,
/// `Removing unused dependencies:`, `Removing dependent packages:`; rows
/// ` name arch [epoch:]version-release repo size` (a long name wraps onto the next
/// line); `replacing` rows (obsoleted packages). `installed` gives the versions that
/// upgrades and downgrades replace.
pub fn parse_transaction(out: &str, installed: &[Rpm]) -> Transaction {
    #[derive(PartialEq)]
    enum Section {
        None,
        Install { replaces: bool },
        Remove,
        Skip,
    }
    let mut tx = Transaction::default();
    let mut section = Section::None;
    let mut pending: Vec<String> = Vec::new();
    for line in out.lines() {
        if !line.starts_with(' ') {
            pending.clear();
            section = match line.trim_end() {
                "Installing:"
                | "Installing dependencies:"
                | "Installing weak dependencies:"
                | "Reinstalling:" => Section::Install { replaces: false },
                "Upgrading:" | "Downgrading:" => Section::Install { replaces: true },
                l if l.starts_with("Removing") && l.ends_with(':') => Section::Remove,
                l if l.ends_with(':') && !l.starts_with("Transaction") => Section::Skip,
                _ => Section::None,
            };
            continue;
        }
        if matches!(section, Section::None | Section::Skip) {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"replacing") {
            // `replacing  name.arch  evr`: an obsoleted package goes.
            if let [_, na, evr, ..] = words[..]
                && let Some((name, arch)) = na.rsplit_once('.')
            {
                tx.remove.push(rpm_of(name, arch, evr));
            }
            continue;
        }
        pending.extend(words.iter().map(|w| w.to_string()));
        if pending.len() < 4 {
            continue;
        }
        let row = std::mem::take(&mut pending);
        let pkg = rpm_of(&row[0], &row[1], &row[2]);
        match section {
            Section::Install { replaces } => {
                if replaces {
                    tx.remove.extend(
                        installed
                            .iter()
                            .filter(|p| p.name == pkg.name && p.arch == pkg.arch)
                            .cloned(),
                    );
                }
                tx.install.push(pkg);
            }
            Section::Remove => tx.remove.push(pkg),
            Section::None | Section::Skip => {}
        }
    }
    tx
}

/// Ansible's package dict of a `dnf repoquery --qf REPOQUERY_FORMAT` line.
pub fn parse_repoquery(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [name, arch, epoch, version, release, repo] = f[..] else {
                return None;
            };
            let envra = format!("{epoch}:{name}-{version}-{release}.{arch}");
            let mut m = Map::new();
            for (k, v) in [
                ("name", name),
                ("arch", arch),
                ("epoch", epoch),
                ("release", release),
                ("version", version),
                ("repo", repo),
                ("envra", &envra),
                ("nevra", &envra),
            ] {
                m.insert(k.into(), Value::String(v.to_string()));
            }
            let state = if repo == "@System" {
                "installed"
            } else {
                "available"
            };
            m.insert("yumstate".into(), state.into());
            Some(Value::Object(m))
        })
        .collect()
}

/// The repository ids of `dnf repolist` (after its `repo id  repo name` header).
pub fn parse_repolist(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| !l.starts_with("repo id") && !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}
