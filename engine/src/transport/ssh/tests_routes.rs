//! Reaching hosts through ssh config, ProxyJump and ProxyCommand, against real sshd processes.

use std::time::Duration;

use modules::runtime::Remote;

use super::test_sshd::{ADDRESS, Sshd};
use super::tests::{connect, rt};
use crate::transport::connect::HostConnection;

#[test]
fn ssh_config_host_alias_with_include_gives_hostname_port_user_and_identity() {
    let sshd = Sshd::start();
    let known = sshd.known_hosts();
    std::fs::write(
        sshd.path("included.conf"),
        format!(
            "Host alias-of-test\n  HostName {ADDRESS}\n  Port {}\n  User root\n  IdentityFile {}\n",
            sshd.port,
            sshd.path("id_ecdsa").display()
        ),
    )
    .unwrap();
    std::fs::write(
        sshd.path("ssh_config"),
        format!(
            "Include {}\nHost *\n  UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n",
            sshd.path("included.conf").display(),
            known.display()
        ),
    )
    .unwrap();
    let hc = HostConnection {
        address: "alias-of-test".into(),
        port: None,
        user: None,
        private_key_file: None,
        ssh_common_args: Some(format!("-F {}", sshd.path("ssh_config").display())),
        ..sshd.host("id_ed25519")
    };
    let out = rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        r.exec("id -un", None).await.unwrap()
    });
    assert_eq!(out.stdout_text(), "root\n");
}

#[test]
fn proxy_jump_goes_through_the_bastion() {
    let mut bastion = Sshd::start();
    let target = Sshd::start();
    let bastion_key = std::fs::read_to_string(bastion.path("host_ed25519.pub")).unwrap();
    let target_key = std::fs::read_to_string(target.path("host_ed25519.pub")).unwrap();
    let entry = |port: u16, key: &str| {
        let mut f = key.split_whitespace();
        format!(
            "[{ADDRESS}]:{port} {} {}\n",
            f.next().unwrap(),
            f.next().unwrap()
        )
    };
    let known = target.path("both_known_hosts");
    std::fs::write(
        &known,
        entry(bastion.port, &bastion_key) + &entry(target.port, &target_key),
    )
    .unwrap();
    let config = target.path("jump_config");
    std::fs::write(
        &config,
        format!(
            "Host bastion\n  HostName {ADDRESS}\n  Port {}\n  User root\n  IdentityFile {}\n",
            bastion.port,
            bastion.path("id_ed25519").display()
        ),
    )
    .unwrap();
    let hc = HostConnection {
        ssh_common_args: Some(format!(
            "-F {} -o UserKnownHostsFile={} -J bastion",
            config.display(),
            known.display()
        )),
        ..target.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        assert_eq!(
            r.exec("echo via", None).await.unwrap().stdout_text(),
            "via\n"
        );
        // The connection really runs through the bastion: without it, it is gone.
        bastion.kill();
        let mut failed = false;
        for _ in 0..50 {
            if r.exec("true", None).await.is_err() {
                failed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(failed, "commands still ran with the bastion down");
    });
}

#[test]
fn proxy_command_carries_the_connection() {
    let mut bastion = Sshd::start();
    let target = Sshd::start();
    let bastion_known = bastion.known_hosts();
    let proxy = format!(
        "ssh -q -F /dev/null -o BatchMode=yes -o UserKnownHostsFile={} -i {} -p {} -W %h:%p root@{ADDRESS}",
        bastion_known.display(),
        bastion.path("id_ed25519").display(),
        bastion.port
    );
    let base = target.host("id_ed25519");
    let hc = HostConnection {
        ssh_common_args: Some(format!(
            "{} -o ProxyCommand=\"{proxy}\"",
            base.ssh_common_args.clone().unwrap()
        )),
        ..base
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        assert_eq!(
            r.exec("echo via", None).await.unwrap().stdout_text(),
            "via\n"
        );
        bastion.kill();
        let mut failed = false;
        for _ in 0..50 {
            if r.exec("true", None).await.is_err() {
                failed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(failed, "commands still ran with the proxy's bastion down");
    });
}

fn known_entry(sshd: &Sshd) -> String {
    let key = std::fs::read_to_string(sshd.path("host_ed25519.pub")).unwrap();
    let mut f = key.split_whitespace();
    format!(
        "[{ADDRESS}]:{} {} {}\n",
        sshd.port,
        f.next().unwrap(),
        f.next().unwrap()
    )
}

#[test]
fn proxy_jump_from_ssh_config_chains_two_bastions() {
    let first = Sshd::start();
    let mut second = Sshd::start();
    let target = Sshd::start();
    let known = target.path("all_known_hosts");
    std::fs::write(
        &known,
        known_entry(&first) + &known_entry(&second) + &known_entry(&target),
    )
    .unwrap();
    let config = target.path("chain_config");
    std::fs::write(
        &config,
        format!(
            "Host first-bastion\n  HostName {ADDRESS}\n  Port {}\n  User root\n  IdentityFile {}\n\
             Host {ADDRESS}\n  IdentityFile {}\n\
             Host behind-two\n  HostName {ADDRESS}\n  Port {}\n  User root\n  IdentityFile {}\n  \
             ProxyJump first-bastion,root@{ADDRESS}:{}\n\
             Host *\n  UserKnownHostsFile {}\n",
            first.port,
            first.path("id_ed25519").display(),
            second.path("id_ecdsa").display(),
            target.port,
            target.path("id_rsa").display(),
            second.port,
            known.display()
        ),
    )
    .unwrap();
    let hc = HostConnection {
        address: "behind-two".into(),
        port: None,
        user: None,
        private_key_file: None,
        ssh_common_args: Some(format!("-F {}", config.display())),
        ..target.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        assert_eq!(
            r.exec("echo far", None).await.unwrap().stdout_text(),
            "far\n"
        );
        second.kill();
        let mut failed = false;
        for _ in 0..50 {
            if r.exec("true", None).await.is_err() {
                failed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(failed, "commands still ran with the second bastion down");
    });
}

#[test]
fn targets_behind_one_bastion_share_its_connection() {
    let bastion = Sshd::start();
    let targets = [Sshd::start(), Sshd::start()];
    let known = bastion.path("shared_known_hosts");
    std::fs::write(
        &known,
        known_entry(&bastion) + &known_entry(&targets[0]) + &known_entry(&targets[1]),
    )
    .unwrap();
    let config = bastion.path("shared_config");
    std::fs::write(
        &config,
        format!(
            "Host bastion\n  HostName {ADDRESS}\n  Port {}\n  User root\n  IdentityFile {}\n",
            bastion.port,
            bastion.path("id_ed25519").display()
        ),
    )
    .unwrap();
    let pool = super::SshPool::new();
    rt().block_on(async {
        let mut remotes = Vec::new();
        for t in &targets {
            let hc = HostConnection {
                ssh_common_args: Some(format!(
                    "-F {} -o UserKnownHostsFile={} -J bastion",
                    config.display(),
                    known.display()
                )),
                ..t.host("id_ed25519")
            };
            let r = pool.connect_ssh(&hc).await.unwrap();
            assert_eq!(r.exec("echo hi", None).await.unwrap().stdout_text(), "hi\n");
            remotes.push(r);
        }
        let (a, b) = (
            remotes[0].link.via.clone().unwrap(),
            remotes[1].link.via.clone().unwrap(),
        );
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        assert!(std::sync::Arc::ptr_eq(
            &a.connection().await.unwrap(),
            &b.connection().await.unwrap()
        ));
    });
}
