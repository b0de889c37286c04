//! A fleet host that boots real systemd as its PID 1, for the tests of the `service` and
//! `systemd` modules: the base variant "systemd" (base + systemd systemd-sysv dbus, see
//! [`super::variant`]) booted by `systemd-nspawn --boot` (package systemd-container),
//! sharing the machine's network namespace with an sshd (started by systemd's own
//! ssh.service) listening on an address of its own, 127.F.0.1, like every fleet host.
//!
//! Processes: the host runs under a watcher, `bash run.sh`, whose stdin is a pipe from
//! the `SystemdHost` (close-on-exec: no other child holds it). The watcher starts
//! `setpriv --pdeathsig KILL unshare --mount --pid --fork --kill-child --mount-proc sh
//! boot.sh`; the boot script mounts the host's overlay and a private /run (nspawn's own
//! state stays in this mount namespace), joins a cgroup of its own (nspawn puts the
//! container's cgroups under the cgroup it runs in: concurrent hosts must not share
//! one), and execs nspawn, which thereby is PID 1 of the PID namespace `unshare` made:
//! when it dies the kernel kills every process in that namespace, the container's
//! systemd and all its services included, and the mounts vanish with their namespace.
//! The host reboots for real: when the container's systemd reboots, nspawn exits with
//! 133 and the watcher boots the host again on the same root (power: [`power`]).
//! When the pipe closes — the host is dropped, or the test process ends, also when it is
//! killed — the watcher halts the host (SIGTERM to nspawn: it tells the container's
//! systemd to halt; SIGKILL to `unshare` after 5 s, whose --kill-child SIGKILLs nspawn),
//! removes the host's cgroups and its directory, and exits: nothing remains. The PIDs are
//! recorded in the fleet's way (`hosts/sd001/pids`), and a later start removes whatever a
//! killed watcher could not.

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use super::base::CACHE_DIR;
use super::process::{self, ProcId};
use super::{USER_NAME, host, slot, variant};

#[path = "systemd_power.rs"]
mod power;

/// What the variant adds to the base.
pub const SYSTEMD_PACKAGES: &[&str] = &["systemd", "systemd-sysv", "dbus"];

/// Run in the variant's chroot after the install: no timer (apt-daily, fstrim...) may
/// fire in the middle of a test.
const VARIANT_SCRIPT: &str = "rm -f /etc/systemd/system/timers.target.wants/*";

/// How long `start` waits for systemd to finish booting (it takes ~2 s here).
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long an orderly halt may take before nspawn is killed.
const HALT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where each cgroup hierarchy gets the hosts' cgroups (`f<F>-<name>` each).
const CGROUP_PARENT: &str = "ringmaster-fleet";
const CGROUP_HIERARCHIES: [&str; 3] = [
    "/sys/fs/cgroup/systemd",
    "/sys/fs/cgroup/unified",
    "/sys/fs/cgroup",
];

/// A running systemd host. Dropping it halts the host and removes its directory.
pub struct SystemdHost {
    /// Its inventory name and hostname.
    pub name: String,
    pub addr: Ipv4Addr,
    pub port: u16,
    dir: PathBuf,
    client_key: PathBuf,
    known_hosts: PathBuf,
    ssh_config: PathBuf,
    cgroup: String,
    /// This process, as recorded in the slot's `owner` file.
    owner: ProcId,
    /// The watcher (`bash run.sh`, see [`power`]); closing its stdin ends the host.
    watcher: Mutex<Option<Child>>,
    watcher_id: Option<ProcId>,
}

impl SystemdHost {
    /// Boots a systemd host (building the cached variant first if needed) and returns
    /// once systemd has finished booting and sshd accepts logins. Needs root and
    /// systemd-nspawn; Err explains what is missing or has the host's console.
    pub fn start() -> Result<SystemdHost, String> {
        super::check_prerequisites()?;
        if !super::on_path("systemd-nspawn") {
            return Err(
                "the systemd host needs systemd-nspawn (package systemd-container); \
                 `bash tests/run.sh` installs it"
                    .into(),
            );
        }
        let variant = variant::ensure_variant("systemd", SYSTEMD_PACKAGES, VARIANT_SCRIPT)?;
        let started = Instant::now();
        let owner = process::current().ok_or("cannot read this process's /proc entry")?;
        let slot = slot::claim(1)?;
        remove_stale_cgroups();
        let name = "sd001".to_owned();
        let mut host = SystemdHost {
            addr: slot::host_addr(slot.number, 0),
            port: slot.port,
            client_key: slot.dir.join("client_ed25519"),
            known_hosts: slot.dir.join("known_hosts"),
            ssh_config: slot.dir.join("ssh_config"),
            cgroup: format!("{CGROUP_PARENT}/f{}-{name}", slot.number),
            owner,
            dir: slot.dir,
            name,
            watcher: Mutex::new(None),
            watcher_id: None,
        };
        // The slot is ours: a cgroup of its number is a killed test process's leftover.
        remove_cgroup_tree(&host.cgroup);
        // From here on, dropping `host` cleans up whatever was started.
        host.prepare(&variant.lowerdir())?;
        let watcher = host.spawn_watcher()?;
        host.watcher_id = ProcId::of(watcher.id());
        *host
            .watcher
            .get_mut()
            .map_err(|_| "systemd host lock poisoned")? = Some(watcher);
        host.record_processes();
        host.wait_until_booted()?;
        super::progress(&format!(
            "systemd host {} up in {:.2} s ({}:{}, {})",
            host.name,
            started.elapsed().as_secs_f64(),
            host.addr,
            host.port,
            host.dir.display()
        ));
        Ok(host)
    }

    /// The systemd host shared by the tests of this process (started on first use; when
    /// the test process ends its watcher halts it and removes its cgroups and directory).
    /// Panics with the reason if it cannot start: tests that need it fail.
    pub fn shared() -> &'static SystemdHost {
        static SHARED: OnceLock<SystemdHost> = OnceLock::new();
        SHARED.get_or_init(|| {
            SystemdHost::start()
                .unwrap_or_else(|message| panic!("the systemd host cannot start: {message}"))
        })
    }

    /// Its scratch directory (a fleet slot: `/dev/shm/ringmaster-fleet/f<F>`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The host's inventory line (name, address, port, root with the client key, strict
    /// host key checking), as the fleet's.
    pub fn inventory_line(&self) -> String {
        format!(
            "{} ansible_host={} ansible_port={} ansible_user=root \
             ansible_ssh_private_key_file={} \
             ansible_ssh_common_args='-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes'",
            self.name,
            self.addr,
            self.port,
            self.client_key.display(),
            self.known_hosts.display(),
        )
    }

    /// An INI inventory with the host in group `systemd`.
    pub fn inventory_ini(&self) -> String {
        format!("[systemd]\n{}\n", self.inventory_line())
    }

    /// Runs `cmd` (a shell command line) on the host as root with the OpenSSH client.
    pub fn exec_ssh(&self, cmd: &str) -> Output {
        Command::new("ssh")
            .arg("-F")
            .arg(&self.ssh_config)
            .arg(&self.name)
            .arg("--")
            .arg(cmd)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run ssh: {e}"))
    }

    /// The console (systemd's boot and shutdown messages), for failure messages.
    pub fn console(&self) -> String {
        fs::read_to_string(self.console_path()).unwrap_or_default()
    }

    /// The host's processes recorded now: the watcher, `unshare` and nspawn (whose death
    /// ends every process of the host).
    pub fn recorded_pids(&self) -> Vec<ProcId> {
        slot::recorded_pids(&self.dir)
    }

    /// The cgroups the host's processes run in (one per hierarchy; those that exist
    /// on this machine).
    pub fn cgroup_dirs(&self) -> Vec<PathBuf> {
        SystemdHost::cgroup_dirs_in(&self.dir)
    }

    /// The cgroups of the systemd host whose directory is (or was) `dir`.
    pub fn cgroup_dirs_in(dir: &Path) -> Vec<PathBuf> {
        let slot = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        CGROUP_HIERARCHIES
            .iter()
            .filter(|h| Path::new(h).join("cgroup.procs").is_file())
            .map(|h| {
                Path::new(h)
                    .join(CGROUP_PARENT)
                    .join(format!("{slot}-sd001"))
            })
            .collect()
    }

    fn host_dir(&self) -> PathBuf {
        self.dir.join("hosts").join(&self.name)
    }

    fn console_path(&self) -> PathBuf {
        self.host_dir().join("console.log")
    }

    /// The host's directory: overlay upper (sshd config, host key, authorized keys,
    /// hostname), the boot script, the client key, known_hosts and ssh_config.
    fn prepare(&self, lowerdir: &str) -> Result<(), String> {
        let dir = self.host_dir();
        let upper = dir.join("upper");
        for sub in ["work", "root", "upper/etc/ssh/fleet_authorized_keys"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
        super::run_checked(
            Command::new("ssh-keygen")
                .args([
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "ringmaster-fleet-client",
                ])
                .arg("-f")
                .arg(&self.client_key),
        )?;
        let client_public = fs::read_to_string(self.client_key.with_extension("pub"))
            .map_err(|e| format!("cannot read the client public key: {e}"))?;
        for user in ["root", USER_NAME] {
            write(
                &upper.join("etc/ssh/fleet_authorized_keys").join(user),
                &client_public,
                0o644,
            )?;
        }
        // The fleet's sshd settings; systemd's ssh.service starts it.
        let sshd_config =
            super::host::sshd_config(&format!("systemd host {}", self.name), self.addr, self.port);
        write(&upper.join("etc/ssh/sshd_config"), &sshd_config, 0o644)?;
        write(
            &upper.join("etc/hostname"),
            &format!("{}\n", self.name),
            0o644,
        )?;
        let hosts = format!(
            "127.0.0.1\tlocalhost\n{}\t{}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
            self.addr, self.name
        );
        write(&upper.join("etc/hosts"), &hosts, 0o644)?;
        host::ensure_host_keys(&[self.name.as_str()])?;
        let cached = Path::new(CACHE_DIR).join("host-keys").join(&self.name);
        let key = upper.join("etc/ssh/ssh_host_ed25519_key");
        for (from, to, mode) in [
            ("key", key.clone(), 0o600),
            ("key.pub", key.with_extension("pub"), 0o644),
        ] {
            fs::copy(cached.join(from), &to)
                .map_err(|e| format!("cannot copy the host key to {}: {e}", to.display()))?;
            fs::set_permissions(&to, fs::Permissions::from_mode(mode))
                .map_err(|e| format!("cannot chmod {}: {e}", to.display()))?;
        }
        let public = fs::read_to_string(key.with_extension("pub"))
            .map_err(|e| format!("cannot read the host key: {e}"))?;
        let public: Vec<&str> = public.split_whitespace().take(2).collect();
        let known_name = if self.port == 22 {
            self.addr.to_string()
        } else {
            format!("[{}]:{}", self.addr, self.port)
        };
        write(
            &self.known_hosts,
            &format!("{known_name} {}\n", public.join(" ")),
            0o644,
        )?;
        let mut ssh_config = String::from("# ringmaster test fleet systemd host\n");
        let _ = write!(
            ssh_config,
            "\nHost {name}\n    HostName {addr}\n    Port {port}\n    User root\n    \
             IdentityFile {key}\n    IdentitiesOnly yes\n    UserKnownHostsFile {kh}\n    \
             StrictHostKeyChecking yes\n    BatchMode yes\n    ConnectTimeout 10\n    \
             ControlMaster auto\n    ControlPath {dir}/cm-%C\n    ControlPersist 10m\n    \
             LogLevel ERROR\n",
            name = self.name,
            addr = self.addr,
            port = self.port,
            key = self.client_key.display(),
            kh = self.known_hosts.display(),
            dir = self.dir.display(),
        );
        write(&self.ssh_config, &ssh_config, 0o644)?;
        let mut join_cgroups = String::new();
        for hierarchy in CGROUP_HIERARCHIES {
            let _ = writeln!(
                join_cgroups,
                "if [ -f {hierarchy}/cgroup.procs ]; then mkdir -p {hierarchy}/{cg} && \
                 echo $$ > {hierarchy}/{cg}/cgroup.procs; fi",
                cg = self.cgroup,
            );
        }
        let boot = format!(
            "#!/bin/sh\nset -e\n\
             mount -t tmpfs -o mode=0755,size=8m tmpfs /run\n\
             mount -t overlay overlay -o 'lowerdir={lowerdir},upperdir={upper},workdir={work}' '{root}'\n\
             {join_cgroups}\
             exec systemd-nspawn --quiet --register=no --keep-unit --link-journal=no \
             --directory='{root}' --machine={name} --boot --console=passive\n",
            upper = upper.display(),
            work = dir.join("work").display(),
            root = dir.join("root").display(),
            name = self.name,
        );
        write(&dir.join("boot.sh"), &boot, 0o755)?;
        let fleets = slot::fleets_dir();
        let cleanup = format!(
            r#"for h in {hierarchies}; do
    if [ -d "$h/{cg}" ]; then find "$h/{cg}" -depth -type d -exec rmdir {{}} \; 2>/dev/null; fi
    rmdir "$h/{parent}" 2>/dev/null
done
# Only while the slot is still ours (under the lock that claims slots).
flock '{fleets}/claim.lock' sh -c '[ "$(cat "$1/owner" 2>/dev/null)" = "$2" ] && rm -rf "$1"' sh '{slot}' '{owner}'
exit 0
"#,
            hierarchies = CGROUP_HIERARCHIES.join(" "),
            cg = self.cgroup,
            parent = CGROUP_PARENT,
            fleets = fleets.display(),
            slot = self.dir.display(),
            owner = self.owner.to_record(),
        );
        let watcher = power::watcher_script(&self.name, &dir.join("boot.sh"), &cleanup);
        write(&dir.join("run.sh"), &watcher, 0o755)
    }

    /// Starts the watcher (`sh run.sh`, stdin a pipe from us), with its output in the
    /// host's console.log.
    fn spawn_watcher(&self) -> Result<Child, String> {
        let console = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.console_path())
            .map_err(|e| format!("cannot open {}: {e}", self.console_path().display()))?;
        let console_err = console
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", self.console_path().display()))?;
        Command::new("/bin/bash")
            .arg(self.host_dir().join("run.sh"))
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::piped())
            .stdout(console)
            .stderr(console_err)
            .spawn()
            .map_err(|e| format!("cannot start the systemd host (sh, setpriv, unshare): {e}"))
    }

    /// Records the watcher, `unshare` and nspawn in `hosts/sd001/pids` (the fleet's
    /// record, which a later start uses to end the host of a killed watcher) once all
    /// three are there.
    fn record_processes(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.current_processes().len() < 3 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits until sshd accepts connections and systemd has finished booting
    /// (`systemctl is-system-running --wait` says `running`, or `degraded`: then the
    /// failed units are named on stderr; else Err has the console).
    fn wait_until_booted(&self) -> Result<(), String> {
        let target = SocketAddr::from((self.addr, self.port));
        let deadline = Instant::now() + BOOT_TIMEOUT;
        let mut down_since = None;
        loop {
            if TcpStream::connect_timeout(&target, Duration::from_millis(500)).is_ok() {
                break;
            }
            let alive = !self.stays_down(&mut down_since);
            if !alive || Instant::now() > deadline {
                return Err(format!(
                    "the systemd host ({target}) {}; its console:\n{}",
                    if alive {
                        "did not accept connections in time"
                    } else {
                        "is down (powered off, halted, or its reboot held)"
                    },
                    self.console()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.record_processes();
        let out =
            self.exec_ssh("systemctl is-system-running --wait; systemctl --failed --no-legend");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        match text.lines().next() {
            Some("running") => Ok(()),
            // A unit of the base that failed (none does here) need not fail the tests.
            Some("degraded") => {
                super::progress(&format!(
                    "systemd host {} is degraded; failed units:\n{}",
                    self.name,
                    text.lines().skip(1).collect::<Vec<_>>().join("\n")
                ));
                Ok(())
            }
            _ => Err(format!(
                "systemd on the systemd host did not boot cleanly: {text}{}; its console:\n{}",
                String::from_utf8_lossy(&out.stderr),
                self.console()
            )),
        }
    }
}

impl Drop for SystemdHost {
    fn drop(&mut self) {
        if let Some(mut watcher) = self.watcher.get_mut().ok().and_then(Option::take) {
            // Closing the pipe tells the watcher to halt the host and clean up.
            drop(watcher.stdin.take());
            let deadline = Instant::now() + HALT_TIMEOUT * 2;
            while matches!(watcher.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            let _ = watcher.kill();
            let _ = watcher.wait();
        }
        // Belt and braces, should the watcher have failed.
        slot::end_stale_fleet(&self.dir);
        remove_cgroup_tree(&self.cgroup);
    }
}

/// Removes a host's cgroup (relative to each hierarchy) and everything under it, deepest
/// first; a cgroup that still has processes stays (its removal fails).
fn remove_cgroup_tree(cgroup: &str) {
    for hierarchy in CGROUP_HIERARCHIES {
        let top = Path::new(hierarchy).join(cgroup);
        if top.is_dir() {
            remove_cgroup_dirs(&top);
        }
        // The common parent too, once no host uses it (fails while one does).
        let _ = fs::remove_dir(Path::new(hierarchy).join(CGROUP_PARENT));
    }
}

fn remove_cgroup_dirs(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_cgroup_dirs(&entry.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

/// The cgroups of systemd hosts whose fleet slot is no longer owned by a live process
/// (their watcher was killed too), under the fleets' claim lock so that no slot is being
/// claimed meanwhile.
fn remove_stale_cgroups() {
    let fleets = slot::fleets_dir();
    let Ok(lock) = fs::File::create(fleets.join("claim.lock")) else {
        return;
    };
    if lock.lock().is_err() {
        return;
    }
    for hierarchy in CGROUP_HIERARCHIES {
        let parent = Path::new(hierarchy).join(CGROUP_PARENT);
        let Ok(entries) = fs::read_dir(&parent) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name
                .strip_prefix('f')
                .and_then(|rest| rest.split('-').next())
            else {
                continue;
            };
            let owner = fs::read_to_string(fleets.join(format!("f{number}")).join("owner"))
                .ok()
                .and_then(|text| ProcId::from_record(&text));
            if !owner.is_some_and(|o| o.is_alive()) && entry.path().is_dir() {
                remove_cgroup_dirs(&entry.path());
            }
        }
    }
}

fn write(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot chmod {}: {e}", path.display()))
}
