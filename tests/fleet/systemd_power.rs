//! Power for the systemd host: its watcher script and the calls that drive it.
//!
//! The watcher (`bash run.sh`) runs the host as the one child it has (setpriv, unshare,
//! nspawn) and reads commands on its stdin, a pipe from the `SystemdHost`, one a line:
//! `boot` (start the host if it is down), `halt` (orderly power off: SIGTERM to nspawn,
//! which tells the container's systemd to power off), `hold` (the next reboot does not
//! come back: the host stays down as after a hang in firmware). EOF — the host was
//! dropped, or the test process ended, also when killed — halts the host and removes what
//! it leaves. What happens when the host goes down follows its exit status, which nspawn
//! passes on through unshare:
//! - 133: the container's systemd rebooted (`shutdown -r`, `systemctl reboot`; nspawn
//!   with --keep-unit exits so, as systemd-nspawn@.service's `RestartForceExitStatus=133`
//!   expects): the watcher boots the host again on the same root. A real reboot: every
//!   service starts again, /run and /tmp are fresh tmpfs, and nspawn gives each boot a
//!   fresh random /proc/sys/kernel/random/boot_id (it binds a new UUID over it).
//! - anything else (`poweroff`/`halt` inside: 0; nspawn killed): the host stays down
//!   until `boot`.
//!
//! The console (`console.log`) gets a `fleet: boot N` line before each boot and
//! `fleet: down (...)` when the host stays down.

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::{ProcId, SystemdHost};

/// How long the host may be without a running nspawn before a wait for it gives up
/// (a reboot leaves it without one for a few milliseconds only).
const DOWN_GRACE: Duration = Duration::from_secs(2);

/// The watcher script. `boot` is the boot script; `cleanup` the shell commands that
/// remove the host's cgroups and directory once it has ended.
pub(super) fn watcher_script(name: &str, boot: &Path, cleanup: &str) -> String {
    format!(
        r#"#!/bin/bash
# The systemd host {name}'s watcher (see tests/fleet/systemd_power.rs): runs the host,
# reboots it when it asks to (nspawn's exit status 133), obeys `boot`, `halt` and `hold`
# on stdin, and at EOF halts the host and removes what it leaves.
host=
held=
halting=
line=
boots=0
start() {{
    boots=$((boots + 1))
    echo "fleet: boot $boots"
    setpriv --pdeathsig KILL -- unshare --mount --pid --fork --kill-child --mount-proc -- /bin/sh '{boot}' &
    host=$!
}}
# Whether $host still runs (bash reaps its children as they end: an ended one is gone;
# a zombie not yet reaped counts as ended).
alive() {{
    [ -n "$host" ] || return 1
    local stat
    {{ read -r stat < /proc/$host/stat; }} 2>/dev/null || return 1
    stat=${{stat##*) }}
    [ "${{stat%% *}}" != Z ]
}}
# SIGTERM to nspawn: the container's systemd powers off in an orderly way. Fails while
# there is no nspawn yet (the host is starting): the caller tries again.
halt() {{
    local nspawn=
    {{ read -r nspawn < /proc/$host/task/$host/children; }} 2>/dev/null
    [ -n "$nspawn" ] && kill -TERM $nspawn 2>/dev/null
}}
start
while :; do
    # A line may arrive across a timeout: read keeps the part it got.
    read -r -t 0.2 part
    rc=$?
    line=$line$part
    if [ $rc -eq 0 ]; then
        command=$line
        line=
        case $command in
            boot) alive || start ;;
            halt) halting=1 ;;
            hold) held=1 ;;
        esac
    elif [ $rc -le 128 ]; then
        break
    fi
    if [ -n "$halting" ] && {{ ! alive || halt; }}; then halting=; fi
    if [ -n "$host" ] && ! alive; then
        wait $host
        status=$?
        host=
        if [ $status -eq 133 ] && [ -z "$held" ]; then
            start
        else
            echo "fleet: down (exit status $status${{held:+, reboot held}})"
            held=
        fi
    fi
done
if alive; then
    # Orderly (nspawn may not be there yet when the host is just starting), else killed.
    halted=
    i=0
    while alive && [ $i -lt 50 ]; do
        if [ -z "$halted" ] && halt; then halted=1; fi
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL $host 2>/dev/null
    wait $host
fi
{cleanup}"#,
        boot = boot.display(),
    )
}

impl SystemdHost {
    /// The host's boot id (`/proc/sys/kernel/random/boot_id`, fresh each boot).
    pub fn boot_id(&self) -> String {
        let out = self.exec_ssh("cat /proc/sys/kernel/random/boot_id");
        assert!(out.status.success(), "cannot read the boot id: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// How many times the host has booted (the first boot is 1).
    pub fn boots(&self) -> usize {
        // Anywhere on a line: the container's last words may lack a newline.
        self.console().matches("fleet: boot ").count()
    }

    /// Whether sshd accepts TCP connections now (a host that is down refuses).
    pub fn accepts_connections(&self) -> bool {
        let target = SocketAddr::from((self.addr, self.port));
        TcpStream::connect_timeout(&target, Duration::from_millis(500)).is_ok()
    }

    /// Whether the host runs now (nspawn is there: booting, up or going down).
    pub fn is_running(&self) -> bool {
        self.current_processes().len() == 3
    }

    /// Boots the host if it is down and waits until systemd has finished booting.
    pub fn boot(&self) -> Result<(), String> {
        self.send("boot")?;
        self.wait_until_up()
    }

    /// Powers the host off in an orderly way (as `systemctl poweroff` inside) and
    /// returns once it is down; it stays down until [`SystemdHost::boot`].
    pub fn power_off(&self) -> Result<(), String> {
        self.send("halt")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.is_running() {
            if Instant::now() > deadline {
                return Err(format!(
                    "the host did not halt; its console:\n{}",
                    self.console()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// The host's next reboot does not come back: it goes down and stays down (until
    /// [`SystemdHost::boot`]), like a machine that hangs in its firmware.
    pub fn hold_next_reboot(&self) -> Result<(), String> {
        self.send("hold")
    }

    /// Waits until the host is up again (e.g. after a reboot) and systemd has finished
    /// booting; Err (with the console) when it stays down or does not boot in time.
    pub fn wait_until_up(&self) -> Result<(), String> {
        self.wait_until_booted()
    }

    /// The watcher, `unshare` and nspawn now (fewer while the host is down), recorded in
    /// `hosts/sd001/pids` for the cleanup after a killed test process.
    pub(super) fn current_processes(&self) -> Vec<ProcId> {
        let Some(watcher) = self.watcher_id else {
            return Vec::new();
        };
        let unshare = watcher.first_child();
        let nspawn = unshare.and_then(|u| u.first_child());
        let found: Vec<ProcId> = [Some(watcher), unshare, nspawn]
            .into_iter()
            .flatten()
            .collect();
        let records: String = found.iter().map(|p| p.to_record() + "\n").collect();
        let _ = std::fs::write(self.host_dir().join("pids"), records);
        found
    }

    /// Whether the host has been without nspawn for [`DOWN_GRACE`] (`since` holds when it
    /// was first seen without one).
    pub(super) fn stays_down(&self, since: &mut Option<Instant>) -> bool {
        if self.is_running() {
            *since = None;
            return false;
        }
        since.get_or_insert_with(Instant::now).elapsed() > DOWN_GRACE
    }

    fn send(&self, command: &str) -> Result<(), String> {
        let mut guard = self
            .watcher
            .lock()
            .map_err(|_| "systemd host lock poisoned")?;
        let stdin = guard
            .as_mut()
            .and_then(|w| w.stdin.as_mut())
            .ok_or("the systemd host is stopped")?;
        writeln!(stdin, "{command}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("the systemd host's watcher has ended: {e}"))
    }
}
