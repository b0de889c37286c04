//! A real OpenSSH `sshd` for the tests: its own config, fresh host keys and authorized
//! client keys in a temp dir, listening on a free port of an unusual loopback address.
//! Processes are tracked by PID and killed (with every descendant) on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use modules::runtime::Become;

use super::super::connect::HostConnection;

pub const SSHD: &str = "/usr/sbin/sshd";
/// A loopback address no other service here listens on.
pub const ADDRESS: &str = "127.77.0.1";
/// The throwaway account the tests log in as (created if missing): its shell is plain
/// `/bin/sh`, so no login script of this machine (root's `~/.bashrc`) adds output or
/// time to the commands. Password authentication is tested with it too.
pub const PASSWORD_USER: &str = "rmtest";
pub const PASSWORD: &str = "rm-test-pw-7f3a";

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn keygen(kind: &str, path: &Path) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-t", kind, "-C", "ringmaster-test", "-f"])
        .arg(path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    run(&mut cmd);
}

/// A port for the next sshd: taken in turn from a range that depends on this process,
/// so the tests of one run never get the same port, and checked to be free now.
fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = 20_000 + (std::process::id() % 1000) * 30;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(20_000 + (base - 20_000 + n) % 40_000).unwrap_or(20_000);
        if std::net::TcpListener::bind((ADDRESS, port)).is_ok() {
            return port;
        }
    }
}

/// Every descendant of `pid` (children first found through /proc).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse().ok());
            if let Some(ppid) = ppid {
                parents.push((child, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

/// One running sshd (restartable on the same port with the same host keys).
pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub config: PathBuf,
    child: Option<Child>,
}

impl Sshd {
    /// A fresh sshd with an ed25519 host key, accepting the test's client keys.
    pub fn start() -> Sshd {
        Sshd::start_with("")
    }

    /// As [`Sshd::start`] with extra `sshd_config` lines.
    pub fn start_with(extra_config: &str) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: install openssh-server (tests/run.sh does) to run the ssh tests"
        );
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next().map(str::to_string));
        assert_eq!(
            uid.as_deref(),
            Some("0"),
            "the ssh tests run a real sshd and need root (as CI runs them)"
        );
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        keygen("ed25519", &d.join("host_ed25519"));
        for kind in ["ed25519", "ecdsa", "rsa"] {
            keygen(kind, &d.join(format!("id_{kind}")));
        }
        keygen("ed25519", &d.join("id_unauthorized"));
        let authorized: String = ["ed25519", "ecdsa", "rsa"]
            .iter()
            .map(|k| std::fs::read_to_string(d.join(format!("id_{k}.pub"))).expect("pub key"))
            .collect();
        std::fs::write(d.join("authorized_keys"), authorized).expect("authorized_keys");
        let config = d.join("sshd_config");
        let mut sshd = Sshd {
            dir,
            port: 0,
            config,
            child: None,
        };
        // A port another process took in between makes sshd exit: try another one.
        let mut last_error = String::new();
        for _ in 0..5 {
            sshd.port = free_port();
            sshd.write_config(extra_config);
            match sshd.launch() {
                Ok(()) => return sshd,
                Err(e) => last_error = e,
            }
        }
        panic!("{last_error}");
    }

    fn write_config(&self, extra_config: &str) {
        let d = self.dir.path();
        std::fs::write(
            &self.config,
            format!(
                "ListenAddress {ADDRESS}:{port}\n\
                 HostKey {host_key}\n\
                 AuthorizedKeysFile {d}/authorized_keys\n\
                 PidFile none\n\
                 UsePAM no\n\
                 StrictModes no\n\
                 PermitRootLogin yes\n\
                 PasswordAuthentication yes\n\
                 KbdInteractiveAuthentication no\n\
                 AllowTcpForwarding yes\n\
                 MaxStartups 100:30:200\n\
                 LogLevel ERROR\n\
                 {extra_config}\n",
                port = self.port,
                host_key = d.join("host_ed25519").display(),
                d = d.display(),
            ),
        )
        .expect("sshd_config");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn launch(&mut self) -> Result<(), String> {
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {SSHD}: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let listening = std::net::TcpStream::connect((ADDRESS, self.port)).is_ok();
            // Still running: the listener is ours, not another process's on that port.
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "sshd exited at start ({status}); config {}",
                    self.config.display()
                ));
            }
            if listening {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err("sshd did not start listening".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills sshd and every process it started (connections and their commands).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let mut pids = descendants(child.id());
            pids.push(child.id());
            // The shell's builtin `kill`: procps (/bin/kill) may be missing on CI.
            let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
            let _ = Command::new("/bin/sh")
                .args(["-c", &format!("kill -9 {} 2>/dev/null", pids.join(" "))])
                .status();
            let _ = child.wait();
        }
    }

    /// Starts sshd again on the same port with the same keys.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(e) = self.launch() {
            panic!("{e}");
        }
    }

    /// A known_hosts file that knows this server's host key.
    pub fn known_hosts(&self) -> PathBuf {
        let public = std::fs::read_to_string(self.path("host_ed25519.pub")).expect("host key");
        let mut fields = public.split_whitespace();
        let (kind, blob) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        let path = self.path("known_hosts");
        std::fs::write(&path, format!("[{ADDRESS}]:{} {kind} {blob}\n", self.port))
            .expect("known_hosts");
        path
    }

    /// Connection settings for root with the given key, checking host keys against
    /// [`Sshd::known_hosts`].
    pub fn host(&self, key: &str) -> HostConnection {
        let known = self.known_hosts();
        HostConnection {
            inventory_name: "testhost".into(),
            connection: "ssh".into(),
            address: ADDRESS.into(),
            port: Some(self.port),
            user: Some("root".into()),
            private_key_file: Some(self.path(key)),
            password: None,
            ssh_common_args: Some(format!(
                "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o ControlMaster=auto -F /dev/null",
                known.display()
            )),
            ssh_extra_args: None,
            host_key_checking: true,
            timeout: Duration::from_secs(10),
            become_: None::<Become>,
        }
    }
}

impl Sshd {
    /// Connection settings for `address` with no test server behind them.
    pub fn host_without_server(address: &str) -> HostConnection {
        HostConnection {
            inventory_name: "testhost".into(),
            connection: "ssh".into(),
            address: address.into(),
            port: None,
            user: Some("root".into()),
            private_key_file: None,
            password: None,
            ssh_common_args: Some("-F /dev/null -o UserKnownHostsFile=/dev/null".into()),
            ssh_extra_args: None,
            host_key_checking: true,
            timeout: Duration::from_secs(10),
            become_: None,
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Makes sure the password test account exists with [`PASSWORD`]. Changes this
/// machine's user database (once, idempotently): the only way to test password login
/// against a real sshd without PAM.
pub fn ensure_password_user() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(create_password_user);
}

fn create_password_user() {
    let exists = Command::new("id")
        .arg(PASSWORD_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        run(Command::new("useradd").args(["-M", "-d", "/tmp", "-s", "/bin/sh", PASSWORD_USER]));
    }
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .expect("chpasswd");
    if let Some(stdin) = chpasswd.stdin.as_mut() {
        use std::io::Write;
        let _ = writeln!(stdin, "{PASSWORD_USER}:{PASSWORD}");
    }
    drop(chpasswd.stdin.take());
    assert!(
        chpasswd.wait().is_ok_and(|s| s.success()),
        "chpasswd failed"
    );
}
