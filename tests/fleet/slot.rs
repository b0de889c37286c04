//! Which fleet number (the F of 127.F.x.y) and scratch directory a new fleet gets, so that
//! fleets of concurrent test processes, threads and benchmarks never collide; and the
//! cleanup of fleets whose test process was killed.

use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

use super::process::{self, ProcId};

/// Every fleet's scratch directory lives under here, as `f<F>`: in RAM if /dev/shm is a
/// tmpfs (creating a file on this machine's disk costs ~0.5 ms, and a host is some 30 files:
/// 500 hosts took 7 s to prepare on disk, 0.2 s in RAM), else on disk.
pub fn fleets_dir() -> PathBuf {
    let shm_is_tmpfs = fs::read_to_string("/proc/self/mounts").is_ok_and(|mounts| {
        mounts.lines().any(|line| {
            let mut fields = line.split_whitespace().skip(1);
            fields.next() == Some("/dev/shm") && fields.next() == Some("tmpfs")
        })
    });
    if shm_is_tmpfs {
        PathBuf::from("/dev/shm/ringmaster-fleet")
    } else {
        PathBuf::from("/var/tmp/ringmaster-fleet")
    }
}

/// Ports tried in order; 22 unless something on the machine (a system sshd on 0.0.0.0:22)
/// holds it.
const PORTS: [u16; 3] = [22, 2222, 22022];

/// Host `index`'s address in fleet `number`.
pub fn host_addr(number: u8, index: usize) -> Ipv4Addr {
    // 254 addresses per /24 (never .0 nor .255); 254 * 256 hosts are far more than needed.
    let third = u8::try_from(index / 254).unwrap_or(u8::MAX);
    let fourth = u8::try_from(index % 254 + 1).unwrap_or(u8::MAX);
    Ipv4Addr::new(127, number, third, fourth)
}

/// A claimed fleet slot.
pub struct Slot {
    pub number: u8,
    pub port: u16,
    pub dir: PathBuf,
}

/// Claims a free fleet number whose `hosts` addresses are all free, and creates its
/// directory (owned by this process). Ends and removes the fleets of dead test processes.
pub fn claim(hosts: usize) -> Result<Slot, String> {
    let root = &fleets_dir();
    fs::create_dir_all(root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let lock_path = root.join("claim.lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let mut taken = [false; 256];
    taken[0] = true; // 127.0.x.y: the machine's own services
    for entry in fs::read_dir(root)
        .map_err(|e| format!("cannot list {}: {e}", root.display()))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(number) = name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) else {
            continue;
        };
        let owner = fs::read_to_string(entry.path().join("owner")).unwrap_or_default();
        match ProcId::from_record(&owner) {
            Some(owner) if owner.is_alive() => taken[usize::from(number)] = true,
            _ => end_stale_fleet(&entry.path()),
        }
    }
    let owner = process::current().ok_or("cannot read this process's /proc entry")?;
    for port in PORTS {
        for number in 1..=u8::MAX {
            if taken[usize::from(number)] || !addresses_free(number, hosts, port) {
                continue;
            }
            let dir = root.join(format!("f{number}"));
            fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            fs::write(dir.join("owner"), owner.to_record())
                .map_err(|e| format!("cannot write {}/owner: {e}", dir.display()))?;
            return Ok(Slot { number, port, dir });
        }
    }
    Err(format!(
        "no free fleet address range 127.F.0.0/16 (ports {PORTS:?}) for {hosts} hosts"
    ))
}

/// Whether every host address of fleet `number` can listen on `port` now.
fn addresses_free(number: u8, hosts: usize, port: u16) -> bool {
    (0..hosts).all(|index| TcpListener::bind((host_addr(number, index), port)).is_ok())
}

/// A fleet whose owner process is gone: end its hosts by their recorded PIDs (normally
/// already ended by the kernel through pdeathsig) and remove its directory.
pub fn end_stale_fleet(dir: &Path) {
    process::kill_all(&recorded_pids(dir));
    let _ = fs::remove_dir_all(dir);
}

/// Every host process recorded under a fleet directory (`hosts/*/pids`).
pub fn recorded_pids(dir: &Path) -> Vec<ProcId> {
    let Ok(hosts) = fs::read_dir(dir.join("hosts")) else {
        return Vec::new();
    };
    hosts
        .flatten()
        .flat_map(|host| process::read_records(&host.path().join("pids")))
        .collect()
}
