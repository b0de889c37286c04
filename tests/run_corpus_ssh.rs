//! The recorded run corpus again, over SSH: every case's hosts become hosts of the
//! project's fleet (real sshd), reached by ringmaster's SSH transport with strict host
//! key checking, and the expected output and exit codes are the same as over the local
//! connection.

use std::path::Path;

use crate::fleet::Fleet;
use crate::run_corpus::{WORK_ROOT, WORK_ROOT_LOCK, check_case, corpus_dir, passing_cases};

/// Cases whose recorded output depends on running on the controller itself, with why.
const LOCAL_ONLY: &[(&str, &str)] = &[];

/// The case's inventory with every local host turned into an SSH host of the fleet
/// (all on the fleet's first host, sharing one connection, as many inventory names for
/// one machine do).
fn ssh_inventory(ini: &str, fleet: &Fleet) -> String {
    let h = &fleet.hosts()[0];
    let common = format!(
        "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes",
        fleet.known_hosts().display()
    );
    let vars = [
        "ansible_connection=ssh".to_string(),
        format!("ansible_host={}", h.addr),
        format!("ansible_port={}", h.port),
        "ansible_user=root".to_string(),
        format!(
            "ansible_ssh_private_key_file={}",
            fleet.client_key().display()
        ),
        format!("ansible_ssh_common_args='{common}'"),
    ];
    ini.lines()
        .map(|line| {
            if line.trim() == "ansible_connection=local" {
                vars.join("\n")
            } else {
                line.replace("ansible_connection=local", &vars.join(" "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn run_corpus_passes_over_ssh_against_fleet_hosts() {
    let fleet = Fleet::shared();
    let _one_at_a_time = WORK_ROOT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().expect("temp home");
    let cases = tempfile::tempdir().expect("temp cases");
    let mut failures = Vec::new();
    let passing = passing_cases();
    let mut ran = 0;
    for name in &passing {
        if LOCAL_ONLY.iter().any(|(n, _)| n == name) {
            continue;
        }
        let case = cases.path().join(name);
        copy_dir(&corpus_dir().join(name), &case);
        let ini = std::fs::read_to_string(case.join("hosts.ini")).unwrap();
        std::fs::write(case.join("hosts.ini"), ssh_inventory(&ini, fleet)).unwrap();
        let prepare = |work: &Path| {
            let cmd = format!("rm -rf {0} && mkdir -p {0}", work.display());
            let out = fleet.exec_ssh(0, &cmd);
            assert!(
                out.status.success(),
                "preparing {WORK_ROOT} on the fleet host failed"
            );
        };
        failures.extend(check_case(name, &case, home.path(), &prepare));
        ran += 1;
    }
    assert!(ran >= 60, "only {ran} cases ran over ssh");
    assert!(
        failures.is_empty(),
        "{} of {ran} run-corpus cases fail over ssh:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
