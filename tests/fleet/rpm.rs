//! RPM hosts: a started fleet host turned into a RHEL-like (dnf) or SUSE-like (zypper)
//! system with Debian's own RPM stack from the base (see base.rs). Its rpm database
//! starts with only `fleet-release` (what the Debian files provide: /bin/sh,
//! `system-release(releasever) = 9`); apt is gone, os-release and (for dnf)
//! /etc/redhat-release say Rocky Linux 9.3 or openSUSE Leap 15.5, so both ringmaster's
//! facts and Ansible's call the package manager `dnf` or `zypper`; the only repository is
//! the fleet's rpm repository [`Fleet::rpm_repo_dir`], seen inside at /srv/repo/rpm.
//! Reboot semantics are the real tools': `needs-restarting -r` (on a dnf host the RHEL
//! `dnf-utils` link to dnf's plugin; on a zypper host zypper's own script, which asks
//! `zypper needs-rebooting`).

use std::path::PathBuf;

use super::Fleet;

/// Which package manager an RPM host has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpmFlavor {
    /// Rocky Linux 9.3: dnf (and `yum`, a link to dnf as on RHEL 8/9).
    Dnf,
    /// openSUSE Leap 15.5: zypper only.
    Zypper,
}

const ROCKY_OS_RELEASE: &str = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\n\
ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPLATFORM_ID=\"platform:el9\"\n\
PRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\nANSI_COLOR=\"0;32\"\nHOME_URL=\"https://rockylinux.org/\"\n";

const LEAP_OS_RELEASE: &str = "NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\n\
ID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"openSUSE Leap 15.5\"\n\
ANSI_COLOR=\"0;32\"\nHOME_URL=\"https://www.opensuse.org/\"\n";

/// The dnf repository file: the fleet's repository only, metadata always re-checked
/// (tests republish it between runs).
const DNF_REPO: &str =
    "[fleet]\nname=fleet\nbaseurl=file:///srv/repo/rpm\ngpgcheck=0\nenabled=1\nmetadata_expire=0\n";

fn script(flavor: RpmFlavor) -> String {
    let common = "set -e\n\
         mkdir -p /etc/rpm /srv/repo/rpm\n\
         echo '%_dbpath /var/lib/rpm' > /etc/rpm/macros\n\
         rpm --initdb\n\
         rpm -i /usr/share/fleet/fleet-release-9-1.noarch.rpm 2>/dev/null\n\
         rm -f /usr/bin/apt-get /usr/bin/apt /usr/bin/apt-cache /etc/debian_version /etc/os-release\n";
    match flavor {
        RpmFlavor::Dnf => format!(
            "{common}printf '%s' '{ROCKY_OS_RELEASE}' > /etc/os-release\n\
             echo 'Rocky Linux release 9.3 (Blue Onyx)' > /etc/redhat-release\n\
             mkdir -p /etc/yum.repos.d\n\
             printf '%s' '{DNF_REPO}' > /etc/yum.repos.d/fleet.repo\n\
             # dnf-plugins-core's 'local' plugin is a separate package on RHEL, not installed.\n\
             printf '[main]\\nenabled = false\\n' > /etc/dnf/plugins/local.conf\n\
             ln -sf /usr/libexec/dnf-utils-3 /usr/bin/needs-restarting\n\
             ln -sf dnf-3 /usr/bin/yum\n\
             rm -f /usr/bin/zypper\n"
        ),
        RpmFlavor::Zypper => format!(
            "{common}printf '%s' '{LEAP_OS_RELEASE}' > /etc/os-release\n\
             rm -f /usr/bin/dnf /usr/bin/dnf-3\n\
             ln -sf /usr/share/fleet/zypper-needs-restarting /usr/bin/needs-restarting\n\
             # As an installer leaves it: the base packages were asked for (else zypp\n\
             # calls fleet-release an unneeded dependency and autoremove takes it).\n\
             mkdir -p /var/lib/zypp && printf '# AutoInstalled\\n#\\n' > /var/lib/zypp/AutoInstalled\n\
             zypper --non-interactive --quiet addrepo --no-check --no-gpgcheck \
             file:///srv/repo/rpm fleet\n"
        ),
    }
}

impl Fleet {
    /// The fleet's rpm repository (`repo_dir()/rpm`, /srv/repo/rpm inside every host):
    /// put `.rpm`s and a `createrepo_c` index there.
    pub fn rpm_repo_dir(&self) -> PathBuf {
        self.repo.join("rpm")
    }

    /// Turns host `i` (started, untouched) into an RPM host of `flavor`.
    pub fn make_rpm_host(&self, i: usize, flavor: RpmFlavor) -> Result<(), String> {
        std::fs::create_dir_all(self.rpm_repo_dir())
            .map_err(|e| format!("cannot create the rpm repository: {e}"))?;
        let out = self.exec_ssh(i, &script(flavor));
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "making {} an RPM host failed: {}{}",
                self.hosts[i].name,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Starts `n` RPM hosts of `flavor`.
    pub fn start_rpm(n: usize, flavor: RpmFlavor) -> Result<Fleet, String> {
        let fleet = Fleet::start(n)?;
        for i in 0..n {
            fleet.make_rpm_host(i, flavor)?;
        }
        Ok(fleet)
    }
}
