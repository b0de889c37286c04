//! `systemd`/`systemd_service` and `service` against real systemd (PID 1 of a fleet
//! host booted by systemd-nspawn: tests/fleet/systemd_host.rs) over ringmaster's SSH
//! transport; expected results recorded from ansible-playbook 2.19 on the same kind of
//! host.

use crate::fleet::SystemdHost;

/// Keeps a systemd host up for experiments: prints its inventory; `touch DIR/stop` ends it.
#[test]
#[ignore]
fn hold_a_systemd_host() {
    let host = SystemdHost::start().expect("systemd host");
    println!("{}\n{}", host.dir().display(), host.inventory_ini());
    std::fs::write(host.dir().join("inventory.ini"), host.inventory_ini()).unwrap();
    while !host.dir().join("stop").exists() {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
