//! The security rollout timed on real fleet hosts: `playbooks/security-rollout.yml` with
//! ringmaster against the same rollout written with Ansible's own modules
//! (`rollout/ansible-security-rollout.yml`: apt, stat, reboot, shell) run by
//! ansible-playbook. Each engine gets its own six identical hosts (same packages, same
//! security update, same hosts flagging a reboot), in the same run.

use std::path::Path;
use std::process::Command;

use crate::fleet::Fleet;
use crate::harness::{FLAG_REBOOT, Repo, Suite, acme_versions, sh, use_repo};
use crate::{Measure, measure};

const RINGS: &str =
    "\n[ring0]\nh001\n\n[ring1]\nh002\nh003\n\n[ring2]\nh004\nh005\n\n[ring3]\nh006\n";

/// Six hosts with acme-agent 1.0 (and acme-kernel 1.0 on every other host), and the
/// security update of both published (the kernel's flags a reboot).
fn prepared_fleet() -> (Fleet, Repo) {
    let fleet = Fleet::start(6).expect("start the rollout fleet");
    let repo = Repo::new(&fleet);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-kernel", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    for i in 0..6 {
        let extra = if i % 2 == 0 { " acme-kernel" } else { "" };
        sh(
            &fleet,
            i,
            &format!("apt-get install -y -q acme-agent{extra} >/dev/null"),
        );
    }
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    repo.index();
    (fleet, repo)
}

fn check_patched(fleet: &Fleet, engine: &str) {
    for i in 0..6 {
        let v = acme_versions(fleet, i);
        assert!(
            v.starts_with("acme-agent 1.1-1"),
            "{engine}: h00{} has {v}",
            i + 1
        );
    }
}

/// (ringmaster, ansible-playbook) wall times of the whole rollout.
pub fn run(dir: &Path, ansible: Option<&Path>) -> Vec<(&'static str, Measure)> {
    let repo_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut rows = Vec::new();

    let (fleet, _repo) = prepared_fleet();
    let rm_dir = dir.join("rollout-ringmaster");
    std::fs::create_dir_all(&rm_dir).unwrap();
    std::fs::write(rm_dir.join("hosts.ini"), fleet.inventory_ini() + RINGS).unwrap();
    let mut rm = Command::new(env!("CARGO_BIN_EXE_ringmaster"));
    rm.current_dir(&rm_dir)
        .arg("-i")
        .arg("hosts.ini")
        .arg(repo_root.join("playbooks/security-rollout.yml"))
        .args(["-e", "soak_seconds=0", "-e", "reboot_timeout=60"])
        .env("NO_COLOR", "1");
    rows.push(("ringmaster", measure(&mut rm, dir, "rollout-ringmaster")));
    check_patched(&fleet, "ringmaster");
    drop(fleet);

    if let Some(ap) = ansible {
        let (fleet, _repo) = prepared_fleet();
        let an_dir = dir.join("rollout-ansible");
        std::fs::create_dir_all(an_dir.join("cp")).unwrap();
        std::fs::write(an_dir.join("hosts.ini"), fleet.inventory_ini() + RINGS).unwrap();
        std::fs::write(
            an_dir.join("ansible.cfg"),
            format!(
                "[defaults]\nforks = 6\ninterpreter_python = /usr/bin/python3\n\
                 [ssh_connection]\npipelining = True\n\
                 ssh_args = -o ControlMaster=auto -o ControlPersist=60s\n\
                 control_path_dir = {}\n",
                an_dir.join("cp").display()
            ),
        )
        .unwrap();
        let mut an = Command::new(ap);
        an.current_dir(&an_dir)
            .arg("-i")
            .arg("hosts.ini")
            .arg(repo_root.join("tests/bench/rollout/ansible-security-rollout.yml"))
            .env("ANSIBLE_CONFIG", an_dir.join("ansible.cfg"))
            .env("NO_COLOR", "1");
        rows.push(("ansible-playbook", measure(&mut an, dir, "rollout-ansible")));
        check_patched(&fleet, "ansible-playbook");
    }
    rows
}
