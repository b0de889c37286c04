//! The security rollout playbook (`playbooks/security-rollout.yml`) on systemd hosts:
//! its reboot step is a real systemd reboot. sd001 (ring0) gets a kernel update whose
//! postinst flags a reboot, sd002 (ring1) only an agent update: sd001 reboots (new boot
//! id, its enabled service runs again, /run/reboot-required gone so `validate`'s
//! `reboot_pending: false` holds), sd002 does not. The apt repository is the patch
//! harness's (built in a host-less fleet's repository directory, copied to the hosts).

use std::path::Path;
use std::process::{Command, Stdio};

use super::install_unit;
use crate::fleet::{Fleet, SystemdHost};
use crate::patch::harness::{FLAG_REBOOT, Repo, Suite};

/// Copies the fleet's repository to /srv/repo on the host (replacing what was there).
fn copy_repo(host: &SystemdHost, repo: &Path) {
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(repo)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = Command::new("ssh")
        .arg("-F")
        .arg(host.dir().join("ssh_config"))
        .arg(&host.name)
        .arg("rm -rf /srv/repo && mkdir -p /srv/repo && tar -x -C /srv/repo")
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(tar.wait().unwrap().success());
    assert!(out.status.success(), "{out:?}");
}

fn sh(host: &SystemdHost, cmd: &str) -> String {
    let out = host.exec_ssh(cmd);
    assert!(out.status.success(), "{cmd}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn acme_versions(host: &SystemdHost) -> String {
    sh(
        host,
        "dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n' 'acme-*' 2>/dev/null \
         | grep ' ii' | cut -d' ' -f1,2 | sort || true",
    )
}

#[test]
fn the_rollout_reboots_a_systemd_host_for_real_and_only_it() {
    if super::recording() {
        return; // ringmaster's own playbook (`patch`, `validate`)
    }
    let fleet = Fleet::start(0).expect("fleet (repository only)");
    let repo = Repo::new(&fleet);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-kernel", "1.0-1", None);
    repo.index();
    let hosts = [
        SystemdHost::start().expect("systemd host"),
        SystemdHost::start().expect("systemd host"),
    ];
    for (i, host) in hosts.iter().enumerate() {
        copy_repo(host, fleet.repo_dir());
        let kernel = if i == 0 { " acme-kernel" } else { "" };
        sh(
            host,
            &format!(
                "printf 'deb [trusted=yes] file:/srv/repo/main ./\\ndeb [trusted=yes] file:/srv/repo/security ./\\n' \
                 > /etc/apt/sources.list.d/acme.list && apt-get -q update >/dev/null 2>&1 && \
                 apt-get install -y -q acme-agent{kernel} >/dev/null"
            ),
        );
        install_unit(host, "rmt-agent", "/etc/systemd/system");
        sh(host, "systemctl enable --now rmt-agent");
    }
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    repo.index();
    for host in &hosts {
        copy_repo(host, fleet.repo_dir());
    }
    let before: Vec<String> = hosts.iter().map(SystemdHost::boot_id).collect();

    let dir = tempfile::tempdir().unwrap();
    let second = hosts[1].inventory_line().replacen("sd001 ", "sd002 ", 1);
    let ini = format!(
        "{}\n[ring0]\nsd001\n[ring1]\nsd002\n[ring2]\n[ring3]\n",
        hosts[0].inventory_ini() + &second
    );
    std::fs::write(dir.path().join("hosts.ini"), ini).unwrap();
    let run = crate::rollout::run_rollout_with(dir.path(), &[]);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);

    assert_eq!(
        acme_versions(&hosts[0]),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
    );
    assert_eq!(acme_versions(&hosts[1]), "acme-agent 1.1-1\n");
    assert_ne!(hosts[0].boot_id(), before[0], "sd001 rebooted");
    assert_eq!(hosts[0].boots(), 2);
    assert_eq!(hosts[1].boot_id(), before[1], "sd002 did not reboot");
    assert_eq!(hosts[1].boots(), 1);
    assert_eq!(
        sh(
            &hosts[0],
            "systemctl is-active rmt-agent; cat /run/rmt-agent.log; ls /var/run/reboot-required 2>&1; true"
        ),
        "active\nstart\nls: cannot access '/var/run/reboot-required': No such file or directory\n"
    );
    assert!(
        run.stdout.contains("ok: [sd001] => {\n    \"msg\": [\n        \"acme-agent=1.1-1\",\n        \"acme-kernel=1.1-1\"\n    ]\n}"),
        "{}",
        run.stdout
    );
    // The reboot task's result line per host: changed on sd001 only.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let reboot_results: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[0].starts_with("TASK [Reboot if an update asks for it] "))
        .map(|w| w[1])
        .collect();
    assert_eq!(
        reboot_results,
        ["changed: [sd001]", "ok: [sd002]"],
        "{}",
        run.stdout
    );
    for host in ["sd001", "sd002"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(host) && l.contains("failed=0")),
            "{host}: {}",
            run.stdout
        );
    }
}
