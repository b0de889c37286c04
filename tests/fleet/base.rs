//! The base root filesystem every fleet host overlays: Debian bookworm (minbase) with
//! sshd, sudo, and python3 + python3-apt (only so that real ansible-playbook can run
//! against the same hosts; ringmaster must never need them), plus Debian's own RPM stack
//! (`rpm`, `dnf`, `dnf-plugins-core`, `zypper`) and a prebuilt `fleet-release` rpm, from
//! which [`super::rpm`] turns a started host into an RPM host. Built once per recipe and
//! cached; a build that is killed half way never leaves a base that is reused.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::{ROOT_PASSWORD, USER_NAME, USER_PASSWORD};

/// Where built bases live between runs.
pub const CACHE_DIR: &str = "/var/cache/ringmaster-fleet";

const SUITE: &str = "bookworm";

/// The rpm an RPM host starts its database with: no files, only what the system
/// provides outside rpm's knowledge (/bin/sh for scriptlets, the release for dnf).
const RELEASE_SPEC: &str = "Name: fleet-release
Version: 9
Release: 1
Summary: The test fleet's base system (Debian files the rpm database does not know)
License: MIT
BuildArch: noarch
Provides: system-release
Provides: system-release(releasever) = 9
Provides: /bin/sh
%description
The ringmaster test fleet's base system.
%files
";

/// Runs inside the freshly bootstrapped root (chroot, own mount namespace, /proc mounted).
/// Everything here is part of the cache key: change it and a new base is built.
fn chroot_script() -> String {
    format!(
        r#"set -e
export DEBIAN_FRONTEND=noninteractive
# No service may start while the base is built (it would listen on the build machine).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get install -y --no-install-recommends openssh-server python3 python3-apt sudo btrfs-progs \
    rpm dnf dnf-plugins-core libzypp1722 zypper-common libaugeas0 libreadline8 libxml2
# zypper itself: Debian's dnf-plugins-core `Breaks: zypper` (both ship the man page
# needs-restarting.1), so zypper's programs are unpacked outside dpkg (its libraries and
# data above are dpkg's); its `needs-restarting` waits in /usr/share/fleet for zypper hosts.
mkdir -p /usr/share/fleet
cd /tmp && apt-get download zypper && dpkg-deb -x zypper_*.deb /tmp/zypper
cp /tmp/zypper/usr/bin/zypper /usr/bin/zypper
cp /tmp/zypper/usr/sbin/zypp-refresh /tmp/zypper/usr/sbin/zypper-log /usr/sbin/
cp /tmp/zypper/usr/bin/needs-restarting /usr/share/fleet/zypper-needs-restarting
rm -rf /tmp/zypper /tmp/zypper_*.deb
cd /
rm -f /usr/sbin/policy-rc.d
# What an RPM host installs into its fresh rpm database: the "base system" that every
# package's dependencies and dnf's releasever detection expect (see fleet/rpm.rs).
mkdir -p /root/rpmbuild/SPECS
cat > /root/rpmbuild/SPECS/fleet-release.spec <<'SPEC'
{RELEASE_SPEC}SPEC
rpmbuild --quiet -bb /root/rpmbuild/SPECS/fleet-release.spec
mv /root/rpmbuild/RPMS/noarch/fleet-release-9-1.noarch.rpm /usr/share/fleet/
rm -rf /root/rpmbuild
# Every host gets its own host key; none may be shared through the base.
rm -f /etc/ssh/ssh_host_*
echo 'root:{ROOT_PASSWORD}' | chpasswd
useradd --create-home --shell /bin/bash --groups sudo {USER_NAME}
echo '{USER_NAME}:{USER_PASSWORD}' | chpasswd
# The host's only apt source: the fleet's own repository, bind-mounted at boot.
mkdir -p /srv/repo
echo 'deb [trusted=yes] file:/srv/repo ./' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get clean
rm -rf /var/lib/apt/lists/*
"#
    )
}

/// The recipe as one text: what decides the base's contents.
fn recipe() -> String {
    format!(
        "debootstrap --variant=minbase {SUITE} (default mirror)\n--- chroot script ---\n{}",
        chroot_script()
    )
}

/// The cached base for the current recipe, building it first if needed. Concurrent test
/// processes and threads wait for one build (a lock file) instead of building twice.
pub fn ensure_base() -> Result<PathBuf, String> {
    let hash = hex(&Sha256::digest(recipe().as_bytes()));
    let cache = Path::new(CACHE_DIR);
    let base = cache.join(format!("base-{}", &hash[..16]));
    // The rename below is the last step of a build: an existing directory is complete.
    if base.is_dir() {
        return Ok(base);
    }
    fs::create_dir_all(cache).map_err(|e| format!("cannot create {CACHE_DIR}: {e}"))?;
    let lock_path = cache.join("build.lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if base.is_dir() {
        return Ok(base);
    }
    remove_partial_builds(cache);
    let partial = cache.join(format!(
        "base-{}.partial-{}",
        &hash[..16],
        std::process::id()
    ));
    let log_path = cache.join(format!("base-{}.log", &hash[..16]));
    let started = Instant::now();
    progress(&format!(
        "building the base rootfs ({SUITE} minbase + openssh-server python3 python3-apt sudo dnf zypper) \
         into {}; log: {}",
        base.display(),
        log_path.display()
    ));
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let debootstrap = [
        "debootstrap",
        "--variant=minbase",
        SUITE,
        &partial.to_string_lossy(),
    ];
    // debootstrap mounts /proc and /sys in the target; a private mount namespace keeps those
    // mounts off the machine even if the build is killed.
    run_in_namespace(&debootstrap, &log, &log_path)?;
    progress(&format!(
        "debootstrap done after {:.0} s; installing packages",
        started.elapsed().as_secs_f64()
    ));
    let script = format!(
        "mount -t proc proc '{0}/proc' && chroot '{0}' /bin/sh -c \"$1\"",
        partial.display()
    );
    let script_args = ["sh", "-c", &script, "sh", &chroot_script()];
    run_in_namespace(&script_args, &log, &log_path)?;
    fs::write(partial.join("etc/ringmaster-fleet-recipe"), recipe())
        .map_err(|e| format!("cannot write the recipe into the base: {e}"))?;
    fs::rename(&partial, &base).map_err(|e| format!("cannot move the finished base: {e}"))?;
    progress(&format!(
        "base rootfs ready after {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(base)
}

/// Runs `args` as root in its own mount namespace; killed with this process.
pub(super) fn run_in_namespace(args: &[&str], log: &File, log_path: &Path) -> Result<(), String> {
    let out = log
        .try_clone()
        .map_err(|e| format!("cannot use the build log: {e}"))?;
    let err = log
        .try_clone()
        .map_err(|e| format!("cannot use the build log: {e}"))?;
    let status = Command::new("setpriv")
        .args([
            "--pdeathsig",
            "KILL",
            "--",
            "unshare",
            "--mount",
            "--fork",
            "--kill-child",
            "--",
        ])
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    if status.success() {
        return Ok(());
    }
    let text = fs::read_to_string(log_path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(20).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "building the fleet's base rootfs failed: `{}` exited with {status} (Debian's mirror \
         deb.debian.org must be reachable); last lines of {}:\n{}",
        args[0],
        log_path.display(),
        tail.join("\n")
    ))
}

/// Half-built bases of killed runs (we hold the build lock: nobody is building them).
fn remove_partial_builds(cache: &Path) {
    let Ok(entries) = fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().contains(".partial-") {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Progress for a human watching `cargo test`: straight to stderr, past the test harness's
/// output capture (a base build takes a while).
pub fn progress(message: &str) {
    let _ = writeln!(std::io::stderr(), "fleet: {message}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
