//! One command that tells which init system manages a host and which service tools it
//! has (ansible's `service_mgr` fact plus `LinuxService.get_service_tools`), and its
//! parsed reply.

use crate::runtime::quote;

/// Where the tools are looked for: the PATH ansible's `get_bin_path` searches on a
/// Debian host (plus `LinuxService`'s sbin dirs, already in it).
const TOOL_DIRS: &str = "/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin";

/// The tools the probe looks for, by the key it prints.
const TOOLS: &[&str] = &[
    "systemctl",
    "service",
    "update-rc.d",
    "insserv",
    "chkconfig",
    "rc-service",
    "initctl",
];

/// The probe: `key=value` lines (`systemctl=/usr/bin/systemctl`, `booted=yes`, ...);
/// with a service name also whether its init script, upstart job and rc?.d links exist.
pub fn probe_command(name: Option<&str>) -> String {
    let mut cmd = format!(
        "b() {{ for d in {TOOL_DIRS}; do if [ -x \"$d/$1\" ]; then echo \"$d/$1\"; return; fi; done; }}; "
    );
    for tool in TOOLS {
        cmd.push_str(&format!("echo \"{tool}=$(b {tool})\"; "));
    }
    // sd_booted()'s canaries, as ansible's is_systemd_managed.
    cmd.push_str(
        "for c in /run/systemd/system /dev/.run/systemd /dev/.systemd; do \
         if [ -d \"$c\" ]; then echo booted=yes; break; fi; done; ",
    );
    cmd.push_str("echo \"pid1=$(cat /proc/1/comm 2>/dev/null)\"; ");
    if let Some(name) = name {
        let q = quote(name);
        cmd.push_str(&format!(
            "if [ -f /etc/init.d/{q} ]; then echo initscript=yes; fi; \
             if [ -f /etc/init/{q}.conf ]; then echo upstart_conf=yes; fi; \
             for f in /etc/rc?.d/S??{q}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo s_links=yes; break; fi; done; \
             for f in /etc/rc?.d/K??{q}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo k_links=yes; break; fi; done; "
        ));
    }
    cmd.push_str("true");
    cmd
}

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostTools {
    pub systemctl: Option<String>,
    pub service: Option<String>,
    pub update_rc_d: Option<String>,
    pub insserv: Option<String>,
    pub chkconfig: Option<String>,
    pub rc_service: Option<String>,
    pub initctl: Option<String>,
    /// One of systemd's "booted" canaries exists (`/run/systemd/system`).
    pub systemd_booted: bool,
    /// `/proc/1/comm`.
    pub pid1: String,
    /// `/etc/init.d/NAME` is a file.
    pub initscript: bool,
    /// `/etc/init/NAME.conf` (an upstart job) exists.
    pub upstart_conf: bool,
    /// `/etc/rc?.d/S??NAME` exists: enabled for SysV.
    pub s_links: bool,
    /// `/etc/rc?.d/K??NAME` exists.
    pub k_links: bool,
}

/// Which init system manages the host, as ringmaster acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitSystem {
    Systemd,
    Upstart,
    OpenRc,
    /// SysV init scripts (also the fallback when only `/etc/init.d` scripts exist).
    SysV,
    /// No init system ringmaster can drive (a container running one daemon as PID 1).
    None,
}

impl HostTools {
    pub fn parse(out: &str) -> HostTools {
        let mut t = HostTools::default();
        for line in out.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let path = (!value.trim().is_empty()).then(|| value.trim().to_string());
            match key {
                "systemctl" => t.systemctl = path,
                "service" => t.service = path,
                "update-rc.d" => t.update_rc_d = path,
                "insserv" => t.insserv = path,
                "chkconfig" => t.chkconfig = path,
                "rc-service" => t.rc_service = path,
                "initctl" => t.initctl = path,
                "booted" => t.systemd_booted = value == "yes",
                "pid1" => t.pid1 = value.trim().to_string(),
                "initscript" => t.initscript = value == "yes",
                "upstart_conf" => t.upstart_conf = value == "yes",
                "s_links" => t.s_links = value == "yes",
                "k_links" => t.k_links = value == "yes",
                _ => {}
            }
        }
        t
    }

    /// Whether systemd manages the host: systemctl installed and systemd booted (or
    /// PID 1 is systemd), as ansible's `is_systemd_managed`.
    pub fn systemd_managed(&self) -> bool {
        self.systemctl.is_some() && (self.systemd_booted || self.pid1 == "systemd")
    }

    /// The init system that manages the named service, in the order of ansible's
    /// `LinuxService.get_service_tools`.
    pub fn init_system(&self) -> InitSystem {
        if self.systemd_managed() {
            InitSystem::Systemd
        } else if self.initctl.is_some() && self.upstart_conf {
            InitSystem::Upstart
        } else if self.rc_service.is_some() {
            InitSystem::OpenRc
        } else if self.initscript {
            InitSystem::SysV
        } else {
            InitSystem::None
        }
    }

    /// A phrase for messages: what runs as PID 1.
    pub fn pid1_phrase(&self) -> String {
        if self.pid1.is_empty() {
            "PID 1 is unknown".to_string()
        } else {
            format!("PID 1 is '{}'", self.pid1)
        }
    }
}
