//! The RPM side of the package tests' harness: tiny noarch `.rpm`s built here with
//! `rpmbuild`, published into the fleet's rpm repository (`createrepo_c`, security
//! advisories as `updateinfo.xml` added with `modifyrepo_c`), and checks read from the
//! hosts' rpm databases with OpenSSH.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use crate::fleet::{Fleet, RpmFlavor};

use super::harness::{run_ok, sh};

/// What a test package's scriptlets do, as shell lines (`$1` is rpm's instance count: 2
/// or more on an upgrade).
#[derive(Default, Clone, Copy)]
pub(crate) struct Scripts<'a> {
    /// `%pre`: a failure here makes rpm skip the package (its install fails).
    pub(crate) pre: Option<&'a str>,
    pub(crate) post: Option<&'a str>,
    pub(crate) requires: Option<&'a str>,
}

/// A security advisory: its id and the `(name, version-release)` it fixes.
type Advisory = (String, Vec<(String, String)>);

/// The fleet's rpm repository.
pub(crate) struct RpmRepo {
    dir: PathBuf,
    build: tempfile::TempDir,
    /// The security errata of updateinfo.xml.
    advisories: Mutex<Vec<Advisory>>,
}

impl RpmRepo {
    pub(crate) fn new(fleet: &Fleet) -> RpmRepo {
        let repo = RpmRepo {
            dir: fleet.rpm_repo_dir(),
            build: tempfile::tempdir().unwrap(),
            advisories: Mutex::new(Vec::new()),
        };
        std::fs::create_dir_all(&repo.dir).unwrap();
        repo.index();
        repo
    }

    /// Builds `name-version-release.noarch.rpm` (version "1.1-1") into the repository.
    pub(crate) fn publish(&self, name: &str, version: &str, scripts: Scripts) {
        let (ver, rel) = version.split_once('-').unwrap();
        let mut spec = format!(
            "Name: {name}\nVersion: {ver}\nRelease: {rel}\nSummary: ringmaster test package\n\
             License: MIT\nBuildArch: noarch\n{requires}%description\nringmaster test package\n\
             %install\nmkdir -p %{{buildroot}}/usr/share/{name}\n\
             echo {version} > %{{buildroot}}/usr/share/{name}/version\n\
             %files\n/usr/share/{name}/version\n",
            requires = scripts
                .requires
                .map_or(String::new(), |r| format!("Requires: {r}\n")),
        );
        if let Some(pre) = scripts.pre {
            spec.push_str(&format!("%pre\n{pre}\n"));
        }
        if let Some(post) = scripts.post {
            spec.push_str(&format!("%post\n{post}\n"));
        }
        let spec_path = self.build.path().join(format!("{name}-{version}.spec"));
        std::fs::write(&spec_path, spec).unwrap();
        run_ok(
            Command::new("rpmbuild")
                .arg("--quiet")
                .arg("--define")
                .arg(format!(
                    "_topdir {}",
                    self.build.path().join("top").display()
                ))
                .arg("--define")
                .arg(format!("_rpmdir {}", self.dir.display()))
                .arg("--define")
                .arg("_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm")
                .arg("-bb")
                .arg(&spec_path),
        );
    }

    /// A security advisory fixing `packages` (`(name, version-release)`).
    pub(crate) fn advisory(&self, id: &str, packages: &[(&str, &str)]) {
        self.advisories.lock().unwrap().push((
            id.to_string(),
            packages
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        ));
    }

    /// Regenerates the index and the advisories (`updateinfo.xml`).
    pub(crate) fn index(&self) {
        run_ok(Command::new("createrepo_c").arg("-q").arg(&self.dir));
        let advisories = self.advisories.lock().unwrap();
        if advisories.is_empty() {
            return;
        }
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n");
        for (id, packages) in advisories.iter() {
            xml.push_str(&format!(
                "  <update from=\"security@acme.example\" status=\"stable\" type=\"security\" version=\"1\">\n\
                 \x20   <id>{id}</id>\n    <title>Important: {id} security update</title>\n\
                 \x20   <issued date=\"2026-11-20 00:00:00\"/>\n    <severity>Important</severity>\n\
                 \x20   <description>Fixes CVE-2026-0001.</description>\n    <pkglist>\n\
                 \x20     <collection short=\"acme\">\n        <name>acme</name>\n"
            ));
            for (name, version) in packages {
                let (ver, rel) = version.split_once('-').unwrap();
                xml.push_str(&format!(
                    "        <package name=\"{name}\" version=\"{ver}\" release=\"{rel}\" epoch=\"0\" arch=\"noarch\">\n\
                     \x20         <filename>{name}-{version}.noarch.rpm</filename>\n        </package>\n"
                ));
            }
            xml.push_str("      </collection>\n    </pkglist>\n  </update>\n");
        }
        xml.push_str("</updates>\n");
        let path = self.build.path().join("updateinfo.xml");
        std::fs::write(&path, xml).unwrap();
        run_ok(
            Command::new("modifyrepo_c")
                .arg("--mdtype=updateinfo")
                .arg(&path)
                .arg(self.dir.join("repodata")),
        );
    }
}

/// `n` hosts of `flavor` and the repository they use.
pub(crate) fn start_rpm(n: usize, flavor: RpmFlavor) -> (Fleet, RpmRepo) {
    let fleet = Fleet::start(n).unwrap_or_else(|e| panic!("fleet: {e}"));
    let repo = RpmRepo::new(&fleet);
    for i in 0..n {
        fleet
            .make_rpm_host(i, flavor)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    (fleet, repo)
}

/// Installs `packages` on host `i` with the host's own tool (metadata refreshed first).
pub(crate) fn rpm_install(fleet: &Fleet, i: usize, flavor: RpmFlavor, packages: &str) {
    let cmd = match flavor {
        RpmFlavor::Dnf => format!("dnf -q -y install {packages} >/dev/null"),
        RpmFlavor::Zypper => format!(
            "zypper -n -q refresh >/dev/null && zypper -n -q install {packages} >/dev/null 2>&1"
        ),
    };
    sh(fleet, i, &cmd);
}

/// Refreshes host `i`'s metadata (what `update_cache` does), for check-mode runs.
pub(crate) fn rpm_refresh(fleet: &Fleet, i: usize, flavor: RpmFlavor) {
    sh(
        fleet,
        i,
        match flavor {
            RpmFlavor::Dnf => "dnf -q makecache >/dev/null 2>&1",
            RpmFlavor::Zypper => "zypper -n -q refresh >/dev/null",
        },
    );
}

/// Makes `package` one whose update needs a reboot, the distributions' own way: dnf's
/// `needs-restarting.d` (like kernel, glibc, systemd on RHEL), zypp's `needreboot`.
pub(crate) fn needs_reboot_after(fleet: &Fleet, i: usize, flavor: RpmFlavor, package: &str) {
    let file = match flavor {
        RpmFlavor::Dnf => "/etc/dnf/plugins/needs-restarting.d/acme.conf",
        RpmFlavor::Zypper => "/etc/zypp/needreboot",
    };
    sh(
        fleet,
        i,
        &format!("mkdir -p $(dirname {file}) && echo {package} >> {file}"),
    );
}

/// Restarts host `i` (PID 1 anew: what `needs-restarting` calls boot time).
pub(crate) fn restart(fleet: &Fleet, i: usize) {
    fleet.crash(i);
    fleet.boot(i);
}

/// `name version-release` of each acme-* package in host `i`'s rpm database.
pub(crate) fn rpm_versions(fleet: &Fleet, i: usize) -> String {
    sh(
        fleet,
        i,
        "rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' 'acme-*' | sort",
    )
}

/// Holds the package manager's lock on host `i` for `secs` seconds the way the tool
/// itself does: dnf's `/var/lib/dnf/rpmdb_lock.pid`, zypp's `/run/zypp.pid`, naming a
/// live process; returns that process's PID (to end it early with `kill PID`).
pub(crate) fn hold_rpm_lock(fleet: &Fleet, i: usize, flavor: RpmFlavor, secs: u32) -> String {
    let file = match flavor {
        RpmFlavor::Dnf => "/var/lib/dnf/rpmdb_lock.pid",
        RpmFlavor::Zypper => "/run/zypp.pid",
    };
    sh(
        fleet,
        i,
        &format!("nohup sleep {secs} >/dev/null 2>&1 & echo $! > {file}; echo $!"),
    )
    .trim()
    .to_string()
}
