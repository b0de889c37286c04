//! The project's own test fleet: N real `sshd` hosts on this machine, each a Debian root
//! (a copy-on-write overlay of one cached base) running `sshd` as PID 1 of its own mount,
//! UTS, IPC and PID namespaces, listening on its own loopback address 127.F.x.y. Hosts
//! reboot for real (`shutdown -r` inside takes them down and brings them back with a new
//! boot id), can be crashed and booted, and every process is tracked and ended by PID.
//! Needs root. How it works and what it costs: tests/fleet/README.md.
//!
//! Test-only credentials baked into every host: root's password is [`ROOT_PASSWORD`]
//! (root may log in by key only: `PermitRootLogin prohibit-password`; the password serves
//! `su`), and the user [`USER_NAME`] (password [`USER_PASSWORD`], in group `sudo`, sudo asks
//! for the password) may log in by password or by the fleet's client key.
//!
//! Used by the integration tests (`mod fleet;`; the fleet's own tests are `fleet/tests.rs`,
//! a module of the test binary) and by benchmarks (`#[path = "../fleet/mod.rs"] mod
//! fleet;`): each binary uses a part of the API.
#![allow(dead_code)]

mod base;
mod host;
mod process;
mod rpm;
mod slot;
mod supervisor;
mod systemd_host;
mod variant;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use host::{HostDir, HostSetup};
use supervisor::Request;

pub use process::ProcId;
#[allow(unused_imports)] // the benchmarks do not use it
pub use rpm::RpmFlavor;
#[allow(unused_imports)] // the benchmarks do not use it
pub use systemd_host::SystemdHost;

/// Root's password on every host (test-only).
pub const ROOT_PASSWORD: &str = "fleet-root-pw";
/// An unprivileged user on every host, in group `sudo` (sudo asks for the password).
pub const USER_NAME: &str = "fleet";
/// [`USER_NAME`]'s password (test-only).
pub const USER_PASSWORD: &str = "fleet-user-pw";

/// How long `start`/`boot` wait for a host's sshd to accept connections.
const BOOT_TIMEOUT: Duration = Duration::from_secs(30);

/// One host of a fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetHost {
    /// "h001", "h002", ... (also its hostname and its `Host` in [`Fleet::ssh_config`]).
    pub name: String,
    pub addr: Ipv4Addr,
    pub port: u16,
    /// Its position in [`Fleet::hosts`] (the `i` of the methods below).
    pub index: usize,
}

/// A running fleet. Dropping it ends every host process (by PID) and removes its directory.
pub struct Fleet {
    hosts: Vec<FleetHost>,
    dir: PathBuf,
    base: PathBuf,
    client_key: PathBuf,
    known_hosts: PathBuf,
    ssh_config: PathBuf,
    repo: PathBuf,
    supervisor: Mutex<Option<(Sender<Request>, JoinHandle<()>)>>,
}

impl Fleet {
    /// Starts `n` hosts; builds (or reuses the cached) base rootfs first. Needs root.
    /// Err explains what is missing (not root, a tool, debootstrap failed...).
    pub fn start(n: usize) -> Result<Fleet, String> {
        Fleet::start_with(n, false)
    }

    /// Like [`Fleet::start`], with each host's root changes on a btrfs filesystem of its
    /// own, seen inside the host at `/.rootfs` (subvolume `/.rootfs/root`): snapshots of
    /// it and their revert (effective at the next boot) roll the whole host back.
    /// `host_root` then shows only the files prepared before the first boot.
    pub fn start_btrfs_root(n: usize) -> Result<Fleet, String> {
        Fleet::start_with(n, true)
    }

    fn start_with(n: usize, btrfs_root: bool) -> Result<Fleet, String> {
        check_prerequisites()?;
        let base = base::ensure_base()?;
        let started = Instant::now();
        let slot = slot::claim(n)?;
        let mut fleet = Fleet {
            hosts: (0..n)
                .map(|index| FleetHost {
                    name: format!("h{:03}", index + 1),
                    addr: slot::host_addr(slot.number, index),
                    port: slot.port,
                    index,
                })
                .collect(),
            client_key: slot.dir.join("client_ed25519"),
            known_hosts: slot.dir.join("known_hosts"),
            ssh_config: slot.dir.join("ssh_config"),
            repo: slot.dir.join("repo"),
            dir: slot.dir,
            base,
            supervisor: Mutex::new(None),
        };
        // From here on, dropping `fleet` cleans up whatever was started.
        fleet.prepare(btrfs_root)?;
        let dirs = fleet
            .hosts
            .iter()
            .map(|h| HostDir::new(&fleet.dir, h))
            .collect();
        *fleet
            .supervisor
            .get_mut()
            .map_err(|_| "fleet lock poisoned")? = Some(supervisor::spawn(dirs)?);
        fleet.request(|reply| Request::Boot((0..n).collect(), reply))?;
        for index in 0..n {
            fleet.wait_until_up(index)?;
        }
        base::progress(&format!(
            "{n} hosts up in {:.2} s ({}, 127.{}.x.y:{})",
            started.elapsed().as_secs_f64(),
            fleet.dir.display(),
            fleet.hosts.first().map_or(0, |h| h.addr.octets()[1]),
            slot.port,
        ));
        Ok(fleet)
    }

    /// The one fleet shared by the tests of this process (6 hosts, started on first use),
    /// for tests that neither crash nor reboot hosts. Its hosts die with the test process
    /// (pdeathsig); a later run removes its directory. Panics with the reason if the fleet
    /// cannot start (not root...): tests that need it fail, they are never skipped.
    pub fn shared() -> &'static Fleet {
        static SHARED: OnceLock<Fleet> = OnceLock::new();
        SHARED.get_or_init(|| {
            Fleet::start(6)
                .unwrap_or_else(|message| panic!("the test fleet cannot start: {message}"))
        })
    }

    pub fn hosts(&self) -> &[FleetHost] {
        &self.hosts
    }

    /// This fleet's scratch directory (`/dev/shm/ringmaster-fleet/f<F>`, or under /var/tmp).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Private key (ed25519, no passphrase) that logs in as root (and as [`USER_NAME`]) on
    /// every host.
    pub fn client_key(&self) -> &Path {
        &self.client_key
    }

    /// known_hosts with every host's ed25519 key ("127.F.x.y ssh-ed25519 ...", or
    /// "[127.F.x.y]:port ..." if the port is not 22).
    pub fn known_hosts(&self) -> &Path {
        &self.known_hosts
    }

    /// OpenSSH client config: `Host h001` ... with HostName, Port, User root, the client
    /// key, strict checking against [`Fleet::known_hosts`], and a ControlMaster in `dir`.
    pub fn ssh_config(&self) -> &Path {
        &self.ssh_config
    }

    /// The fleet's apt repository, bind-mounted read-only at /srv/repo in every host, whose
    /// only apt source is `deb [trusted=yes] file:/srv/repo ./`. Starts with an empty index.
    pub fn repo_dir(&self) -> &Path {
        &self.repo
    }

    /// An INI inventory of group `fleet`, usable by ringmaster and by real ansible-playbook.
    pub fn inventory_ini(&self) -> String {
        let mut text = String::from("[fleet]\n");
        for host in &self.hosts {
            let _ = writeln!(
                text,
                "{} ansible_host={} ansible_port={} ansible_user=root \
                 ansible_ssh_private_key_file={} \
                 ansible_ssh_common_args='-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes'",
                host.name,
                host.addr,
                host.port,
                self.client_key.display(),
                self.known_hosts.display(),
            );
        }
        text
    }

    /// SIGKILL the host's PID 1 now (its connections drop); it stays down until `boot`.
    pub fn crash(&self, i: usize) {
        self.request(|reply| Request::Kill(i, reply))
            .unwrap_or_else(|message| panic!("crashing host {i}: {message}"));
    }

    /// Power off host `i` (like a pulled plug: same as `crash`); it stays down.
    pub fn power_off(&self, i: usize) {
        self.crash(i);
    }

    /// Starts host `i` again (with a new boot id) and waits until its sshd accepts TCP.
    /// Does nothing to a host that is up.
    pub fn boot(&self, i: usize) {
        self.request(|reply| Request::Boot(vec![i], reply))
            .and_then(|()| self.wait_until_up(i))
            .unwrap_or_else(|message| panic!("booting host {i}: {message}"));
    }

    /// The host's current boot id as the host sees it (`cat /proc/sys/kernel/random/boot_id`
    /// inside shows this file).
    pub fn boot_id(&self, i: usize) -> String {
        let path = HostDir::new(&self.dir, &self.hosts[i]).boot_id();
        std::fs::read_to_string(&path)
            .map(|id| id.trim().to_owned())
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    /// The host's overlay upper dir: every file the host created or changed (under the path
    /// it has inside, e.g. `host_root(i).join("tmp/x")` for its /tmp/x); files it only read
    /// from the base are not there. Survives reboots. /run is a tmpfs and is not here.
    pub fn host_root(&self, i: usize) -> PathBuf {
        HostDir::new(&self.dir, &self.hosts[i]).upper()
    }

    /// Runs `cmd` (a shell command line) on host `i` with the OpenSSH client, as root.
    pub fn exec_ssh(&self, i: usize, cmd: &str) -> Output {
        self.ssh_command(i)
            .arg("--")
            .arg(cmd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run ssh: {e}"))
    }

    /// `ssh -F <ssh_config> hNNN` with stdin closed, to add options and a command to.
    pub fn ssh_command(&self, i: usize) -> Command {
        let mut command = Command::new("ssh");
        command
            .arg("-F")
            .arg(&self.ssh_config)
            .arg(&self.hosts[i].name)
            .stdin(Stdio::null());
        command
    }

    /// Every host process recorded now (for tests that check nothing is left behind).
    pub fn recorded_pids(&self) -> Vec<ProcId> {
        slot::recorded_pids(&self.dir)
    }

    /// The host's sshd output (`sshd -e`), for failure messages.
    pub fn console(&self, i: usize) -> String {
        std::fs::read_to_string(HostDir::new(&self.dir, &self.hosts[i]).console())
            .unwrap_or_default()
    }

    /// Client key, known_hosts, ssh_config, repo, and every host's directory.
    fn prepare(&self, btrfs_root: bool) -> Result<(), String> {
        run_checked(
            Command::new("ssh-keygen")
                .args([
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "ringmaster-fleet-client",
                    "-f",
                ])
                .arg(&self.client_key),
        )?;
        let client_public = std::fs::read_to_string(self.client_key.with_extension("pub"))
            .map_err(|e| format!("cannot read the client public key: {e}"))?;
        std::fs::create_dir_all(&self.repo).map_err(|e| format!("cannot create repo/: {e}"))?;
        // An empty index: `apt-get update` works (no Release file needed with trusted=yes).
        let packages = self.repo.join("Packages");
        if !packages.exists() {
            std::fs::write(&packages, "").map_err(|e| format!("cannot write Packages: {e}"))?;
        }
        std::fs::create_dir_all(self.dir.join("cm"))
            .map_err(|e| format!("cannot create cm/: {e}"))?;
        let names: Vec<&str> = self.hosts.iter().map(|h| h.name.as_str()).collect();
        host::ensure_host_keys(&names)?;
        for host in &self.hosts {
            let setup = HostSetup {
                host,
                base: &self.base,
                repo: &self.repo,
                client_public_key: &client_public,
                btrfs_root,
            };
            host::prepare(&setup, &HostDir::new(&self.dir, host))?;
        }
        let mut known_hosts = String::new();
        let mut ssh_config = String::from("# ringmaster test fleet\n");
        for host in &self.hosts {
            let key = HostDir::new(&self.dir, host).host_public_key()?;
            let _ = writeln!(known_hosts, "{} {key}", known_hosts_name(host));
            let _ = write!(
                ssh_config,
                "\nHost {name}\n    HostName {addr}\n    Port {port}\n    User root\n    \
                 IdentityFile {key}\n    IdentitiesOnly yes\n    UserKnownHostsFile {kh}\n    \
                 StrictHostKeyChecking yes\n    BatchMode yes\n    ConnectTimeout 10\n    \
                 ControlMaster auto\n    ControlPath {dir}/cm/%C\n    ControlPersist 10m\n    \
                 LogLevel ERROR\n",
                name = host.name,
                addr = host.addr,
                port = host.port,
                key = self.client_key.display(),
                kh = self.known_hosts.display(),
                dir = self.dir.display(),
            );
        }
        std::fs::write(&self.known_hosts, known_hosts)
            .map_err(|e| format!("cannot write known_hosts: {e}"))?;
        std::fs::write(&self.ssh_config, ssh_config)
            .map_err(|e| format!("cannot write ssh_config: {e}"))
    }

    fn request(&self, make: impl FnOnce(supervisor::Reply) -> Request) -> Result<(), String> {
        let (reply, answer) = mpsc::channel();
        {
            let guard = self.supervisor.lock().map_err(|_| "fleet lock poisoned")?;
            let (sender, _) = guard.as_ref().ok_or("the fleet is stopped")?;
            sender
                .send(make(reply))
                .map_err(|_| "the fleet supervisor has ended")?;
        }
        answer
            .recv()
            .map_err(|_| "the fleet supervisor has ended".to_owned())?
    }

    /// Whether host `i`'s sshd accepts TCP connections now (a host that is down refuses).
    pub fn accepts_connections(&self, i: usize) -> bool {
        let host = &self.hosts[i];
        let target = SocketAddr::from((host.addr, host.port));
        TcpStream::connect_timeout(&target, Duration::from_millis(500)).is_ok()
    }

    /// Whether host `i` is running or on its way up (rebooting), as the supervisor sees it.
    fn is_powered(&self, i: usize) -> bool {
        let (reply, answer) = mpsc::channel();
        let sent = self.supervisor.lock().is_ok_and(|guard| {
            guard
                .as_ref()
                .is_some_and(|(sender, _)| sender.send(Request::Powered(i, reply)).is_ok())
        });
        sent && answer.recv().unwrap_or(false)
    }

    /// Waits (up to 30 s) until host `i`'s sshd accepts TCP connections, e.g. after a
    /// reboot; Err has the host's console.
    pub fn wait_until_up(&self, i: usize) -> Result<(), String> {
        let host = &self.hosts[i];
        let target = SocketAddr::from((host.addr, host.port));
        let deadline = Instant::now() + BOOT_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&target, Duration::from_millis(500)).is_ok() {
                return Ok(());
            }
            // A host that is off (its boot failed, or it was powered off) fails at once.
            let died = !self.is_powered(i);
            if died || Instant::now() > deadline {
                return Err(format!(
                    "host {} ({target}) {}; its console:\n{}",
                    host.name,
                    if died {
                        "is off (its boot failed, or it was crashed or powered off)".to_owned()
                    } else {
                        format!("did not accept connections within {BOOT_TIMEOUT:?}")
                    },
                    self.console(i)
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let taken = self.supervisor.get_mut().ok().and_then(Option::take);
        if let Some((sender, handle)) = taken {
            let (reply, answer) = mpsc::channel();
            if sender.send(Request::Stop(reply)).is_ok() {
                let _ = answer.recv();
            }
            drop(sender);
            let _ = handle.join();
        }
        // Belt and braces: anything still recorded (the supervisor removes records of the
        // hosts it ended).
        slot::end_stale_fleet(&self.dir);
    }
}

/// Builds the base rootfs if it is not cached yet (what `Fleet::start` does first); for
/// callers that time `Fleet::start` and want the one-off build out of the measurement.
pub fn ensure_base() -> Result<PathBuf, String> {
    check_prerequisites()?;
    base::ensure_base()
}

/// A progress line on stderr, past the test harness's output capture.
pub fn progress(message: &str) {
    base::progress(message);
}

/// Where fleets keep their directories (`f<F>` each).
pub fn fleets_dir() -> PathBuf {
    slot::fleets_dir()
}

/// The host processes recorded under any fleet directory (also one of a dead process).
pub fn recorded_pids_in(dir: &Path) -> Vec<ProcId> {
    slot::recorded_pids(dir)
}

fn known_hosts_name(host: &FleetHost) -> String {
    if host.port == 22 {
        host.addr.to_string()
    } else {
        format!("[{}]:{}", host.addr, host.port)
    }
}

fn check_prerequisites() -> Result<(), String> {
    match process::effective_uid() {
        Some(0) => {}
        uid => {
            return Err(format!(
                "the test fleet needs root (it mounts overlays in private namespaces); \
                 running as uid {}. Run the tests as root (CI does).",
                uid.map_or_else(|| "?".to_owned(), |u| u.to_string())
            ));
        }
    }
    let tools = [
        ("debootstrap", "debootstrap"),
        ("unshare", "util-linux"),
        ("setpriv", "util-linux"),
        ("ssh", "openssh-client"),
        ("ssh-keygen", "openssh-client"),
        ("kill", "procps"),
        ("mount", "mount"),
    ];
    let missing: Vec<String> = tools
        .iter()
        .filter(|(tool, _)| !on_path(tool))
        .map(|(tool, package)| format!("{tool} (package {package})"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the test fleet needs {}; `bash tests/run.sh` installs them",
            missing.join(", ")
        ))
    }
}

fn on_path(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|dir| dir.join(tool).is_file())
}

fn run_checked(command: &mut Command) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
