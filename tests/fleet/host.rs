//! One host's directory: its copy-on-write upper layer (host key, sshd config, the fake
//! `shutdown`/`reboot`), the boot script that becomes the host's PID 1, its boot id file
//! and the control directory through which it asks the supervisor for a reboot.
//!
//! Layout of `hosts/hNNN/`: `upper/` + `work/` (overlay layers), `root/` (mount point, only
//! mounted inside the host's own mount namespace), `ctl/` (seen as /run/fleet inside),
//! `boot_id`, `boot.sh`, `console.log` (sshd -e output), `pids` (recorded processes).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::base::CACHE_DIR;
use super::{FleetHost, USER_NAME};

/// Paths of one host's directory.
pub struct HostDir {
    pub dir: PathBuf,
}

impl HostDir {
    pub fn new(fleet_dir: &Path, host: &FleetHost) -> HostDir {
        HostDir {
            dir: fleet_dir.join("hosts").join(&host.name),
        }
    }
    pub fn upper(&self) -> PathBuf {
        self.dir.join("upper")
    }
    pub fn ctl(&self) -> PathBuf {
        self.dir.join("ctl")
    }
    pub fn boot_id(&self) -> PathBuf {
        self.dir.join("boot_id")
    }
    pub fn boot_script(&self) -> PathBuf {
        self.dir.join("boot.sh")
    }
    pub fn console(&self) -> PathBuf {
        self.dir.join("console.log")
    }
    pub fn pids(&self) -> PathBuf {
        self.dir.join("pids")
    }
    /// The reboot/power-off request the host's `shutdown` writes.
    pub fn request(&self) -> PathBuf {
        self.ctl().join("request")
    }
    fn host_key(&self) -> PathBuf {
        self.upper().join("etc/ssh/ssh_host_ed25519_key")
    }
    /// The public host key ("ssh-ed25519 AAAA...").
    pub fn host_public_key(&self) -> Result<String, String> {
        let path = self.host_key().with_extension("pub");
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut words = text.split_whitespace();
        match (words.next(), words.next()) {
            (Some(kind), Some(key)) => Ok(format!("{kind} {key}")),
            _ => Err(format!("{} is not a public key", path.display())),
        }
    }
}

/// Everything a host needs that does not depend on the base.
pub struct HostSetup<'a> {
    pub host: &'a FleetHost,
    pub base: &'a Path,
    pub repo: &'a Path,
    pub client_public_key: &'a str,
    /// The host's root changes live on its own btrfs filesystem (see [`btrfs_boot`]).
    pub btrfs_root: bool,
}

/// Writes the host's directory (its host key must be cached: [`ensure_host_keys`]).
pub fn prepare(setup: &HostSetup, dir: &HostDir) -> Result<(), String> {
    let host = setup.host;
    let upper = dir.upper();
    for sub in [
        "work",
        "root",
        "ctl",
        "upper/etc/ssh/fleet_authorized_keys",
        "upper/usr/sbin",
    ] {
        let path = dir.dir.join(sub);
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    }
    let sshd_config = sshd_config(&format!("host {}", host.name), host.addr, host.port);
    write(&upper.join("etc/ssh/sshd_config"), &sshd_config, 0o644)?;
    // The controller key logs in as root and as the unprivileged user, independent of the
    // users' own ~/.ssh/authorized_keys (which tests may manage).
    for user in ["root", USER_NAME] {
        let path = upper.join("etc/ssh/fleet_authorized_keys").join(user);
        write(&path, setup.client_public_key, 0o644)?;
    }
    write(
        &upper.join("etc/hostname"),
        &format!("{}\n", host.name),
        0o644,
    )?;
    let hosts = format!(
        "127.0.0.1\tlocalhost\n{}\t{}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
        host.addr, host.name
    );
    write(&upper.join("etc/hosts"), &hosts, 0o644)?;
    for name in ["shutdown", "reboot", "poweroff", "halt"] {
        write(&upper.join("usr/sbin").join(name), SHUTDOWN_SCRIPT, 0o755)?;
    }
    if setup.btrfs_root {
        make_btrfs_image(dir)?;
    }
    write(&dir.dir.join("fstab"), &fstab(setup, dir), 0o644)?;
    write(&dir.boot_script(), &boot_script(setup, dir), 0o755)?;
    let cached = host_keys_dir().join(&host.name);
    for (from, to, mode) in [
        ("key", dir.host_key(), 0o600),
        ("key.pub", dir.host_key().with_extension("pub"), 0o644),
    ] {
        fs::copy(cached.join(from), &to)
            .map_err(|e| format!("cannot copy the host key to {}: {e}", to.display()))?;
        fs::set_permissions(&to, fs::Permissions::from_mode(mode))
            .map_err(|e| format!("cannot chmod {}: {e}", to.display()))?;
    }
    Ok(())
}

/// Host keys are made once per host name and reused by every fleet (`hNNN/key`,
/// `hNNN/key.pub`): generating them was a third of a 500-host start. Each fleet has its
/// own known_hosts, so hosts of two fleets sharing a key is harmless.
fn host_keys_dir() -> PathBuf {
    Path::new(CACHE_DIR).join("host-keys")
}

/// Generates the missing cached host keys, at most 32 `ssh-keygen`s at a time. Each key is
/// made in a private directory renamed into place: concurrent fleets never see half a key.
pub fn ensure_host_keys(names: &[&str]) -> Result<(), String> {
    const AT_ONCE: usize = 32;
    let keys = host_keys_dir();
    fs::create_dir_all(&keys).map_err(|e| format!("cannot create {}: {e}", keys.display()))?;
    // Unique per call: threads of one process may make the same host's key at once.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| !keys.join(n).join("key.pub").is_file())
        .collect();
    for chunk in missing.chunks(AT_ONCE) {
        let mut running = Vec::new();
        for name in chunk {
            let fresh = keys.join(format!(".new-{name}-{}-{call}", std::process::id()));
            let _ = fs::remove_dir_all(&fresh);
            fs::create_dir_all(&fresh)
                .map_err(|e| format!("cannot create {}: {e}", fresh.display()))?;
            let child = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C"])
                .arg(format!("root@{name}"))
                .arg("-f")
                .arg(fresh.join("key"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run ssh-keygen (package openssh-client): {e}"))?;
            running.push((name, fresh, child));
        }
        for (name, fresh, child) in running {
            let out = child
                .wait_with_output()
                .map_err(|e| format!("ssh-keygen: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "ssh-keygen failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            // Another process may have placed this key first: then keep that one.
            if fs::rename(&fresh, keys.join(name)).is_err() {
                let _ = fs::remove_dir_all(&fresh);
            }
        }
    }
    Ok(())
}

/// The host's mounts, made by one `mount -a` inside the host's fresh mount namespace (one
/// process instead of one per mount: with hundreds of hosts starting at once, process
/// start-ups were most of the boot time). Only for this host; they vanish with it.
fn fstab(setup: &HostSetup, dir: &HostDir) -> String {
    let r = dir.dir.join("root");
    let r = r.display();
    let (upper, work, rootfs) = if setup.btrfs_root {
        let bt = dir.dir.join("bt");
        (
            bt.join("root/upper"),
            bt.join("root/work"),
            format!("{} {r}/.rootfs none bind,X-mount.mkdir 0 0\n", bt.display()),
        )
    } else {
        (dir.upper(), dir.dir.join("work"), String::new())
    };
    format!(
        "overlay {r} overlay lowerdir={base},upperdir={upper},workdir={work} 0 0\n\
         proc {r}/proc proc defaults 0 0\n\
         sysfs {r}/sys sysfs ro 0 0\n\
         tmpfs {r}/run tmpfs mode=0755,size=64m 0 0\n\
         tmpfs {r}/run/sshd tmpfs mode=0755,size=1m,X-mount.mkdir 0 0\n\
         tmpfs {r}/run/lock tmpfs mode=1777,size=8m,X-mount.mkdir 0 0\n\
         tmpfs {r}/dev/shm tmpfs mode=1777,size=64m 0 0\n\
         devpts {r}/dev/pts devpts newinstance,ptmxmode=0666,mode=0620,gid=5 0 0\n\
         {r}/dev/pts/ptmx {r}/dev/ptmx none bind 0 0\n\
         {boot_id} {r}/proc/sys/kernel/random/boot_id none bind 0 0\n\
         {ctl} {r}/run/fleet none bind,X-mount.mkdir 0 0\n\
         {repo} {r}/srv/repo none bind,ro 0 0\n{rootfs}",
        base = setup.base.display(),
        upper = upper.display(),
        work = work.display(),
        boot_id = dir.boot_id().display(),
        ctl = dir.ctl().display(),
        repo = setup.repo.display(),
    )
}

/// The host's PID 1 until it execs sshd (fresh mount/UTS/IPC/PID namespaces; the
/// hostname is the UTS namespace's, set without starting `hostname`).
fn boot_script(setup: &HostSetup, dir: &HostDir) -> String {
    format!(
        "#!/bin/sh\nset -e\n{btrfs}mount -a -T '{fstab}'\n\
         echo '{name}' > /proc/sys/kernel/hostname\n\
         exec chroot '{root}' /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config\n",
        btrfs = if setup.btrfs_root {
            btrfs_boot(dir)
        } else {
            String::new()
        },
        fstab = dir.dir.join("fstab").display(),
        name = setup.host.name,
        root = dir.dir.join("root").display(),
    )
}

/// A btrfs-root host: its overlay's upper and work directories live in the subvolume
/// `root` (overlay needs both on one subvolume) of a btrfs image of its own,
/// loop-mounted inside the host's mount namespace only (so it goes away with the host),
/// seen inside the host at `/.rootfs` — so `snapshot: provider=btrfs path=/.rootfs/root`
/// snapshots the host's whole root, and a revert takes effect at the next boot, as a root
/// rollback does. The first boot fills `root/upper` from the prepared `upper/` directory.
fn btrfs_boot(dir: &HostDir) -> String {
    let bt = dir.dir.join("bt");
    format!(
        "mkdir -p '{bt}' && mount -o loop '{img}' '{bt}'\n\
         if [ ! -d '{bt}/root' ]; then btrfs -q subvolume create '{bt}/root' && mkdir '{bt}/root/upper' && cp -a '{staging}/.' '{bt}/root/upper/'; fi\n\
         mkdir -p '{bt}/root/work'\n",
        bt = bt.display(),
        img = dir.dir.join("rootfs.img").display(),
        staging = dir.upper().display(),
    )
}

/// A sparse 512 MB btrfs image for a btrfs-root host.
fn make_btrfs_image(dir: &HostDir) -> Result<(), String> {
    let img = dir.dir.join("rootfs.img");
    if img.exists() {
        return Ok(());
    }
    let file =
        fs::File::create(&img).map_err(|e| format!("cannot create {}: {e}", img.display()))?;
    file.set_len(512 << 20)
        .map_err(|e| format!("cannot size {}: {e}", img.display()))?;
    let out = Command::new("mkfs.btrfs")
        .arg("-q")
        .arg(&img)
        .output()
        .map_err(|e| format!("cannot run mkfs.btrfs: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "mkfs.btrfs {} failed: {}",
            img.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// `shutdown`, `reboot`, `poweroff` and `halt` inside a host: they ask the supervisor
/// outside (through /run/fleet, bind-mounted from the host's `ctl/`) to reboot or power off
/// the host and return at once, like systemd's. Accepts Ansible's `shutdown -r 0 "msg"`,
/// `shutdown -r +N`, `shutdown -r now`, `shutdown -h now` and `shutdown -c`.
const SHUTDOWN_SCRIPT: &str = r#"#!/bin/sh
# ringmaster test fleet: the host's power is handled by the fleet supervisor.
case "$(basename "$0")" in
    reboot) action=reboot ;;
    *) action=poweroff ;;
esac
delay=0
for arg in "$@"; do
    case "$arg" in
        -r|--reboot) action=reboot ;;
        -h|-H|-P|--halt|--poweroff) action=poweroff ;;
        -c) rm -f /run/fleet/request; exit 0 ;;
        -k) exit 0 ;;
        now) delay=0 ;;
        +*) delay=$(( ${arg#+} * 60 )) ;;
        *:*) delay=0 ;;
        [0-9]*) delay=$(( arg * 60 )) ;;
        *) ;;
    esac
done
echo "$action $delay" > /run/fleet/request.new
mv /run/fleet/request.new /run/fleet/request
exit 0
"#;

fn write(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot chmod {}: {e}", path.display()))
}

/// A fresh boot id, formatted like the kernel's (a random UUID).
pub fn new_boot_id() -> String {
    match fs::read_to_string("/proc/sys/kernel/random/uuid") {
        Ok(uuid) => uuid.trim().to_owned(),
        Err(_) => {
            let bits: u128 = rand::random();
            let hex = format!("{bits:032x}");
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            )
        }
    }
}

/// The sshd settings every fleet host runs with (`what` names the host in a comment).
pub(super) fn sshd_config(what: &str, addr: impl std::fmt::Display, port: u16) -> String {
    format!(
        "# ringmaster test fleet {what}\n\
         ListenAddress {addr}:{port}\n\
         HostKey /etc/ssh/ssh_host_ed25519_key\n\
         PermitRootLogin prohibit-password\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication yes\n\
         KbdInteractiveAuthentication no\n\
         UsePAM no\n\
         MaxStartups 200:30:400\n\
         MaxSessions 200\n\
         AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/fleet_authorized_keys/%u\n\
         AcceptEnv LANG LC_*\n\
         Subsystem sftp internal-sftp\n"
    )
}
