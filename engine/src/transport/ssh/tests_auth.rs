//! SSH host key checking and authentication against real sshd processes.

use std::time::{Duration, Instant};

use modules::runtime::Remote;

use super::test_sshd::{self, ADDRESS, Sshd, keygen};
use super::tests::{connect, rt};
use crate::transport::connect::HostConnection;

#[test]
fn an_unknown_host_key_is_refused_with_strict_checking() {
    let sshd = Sshd::start();
    let mut hc = sshd.host("id_ed25519");
    let empty = sshd.path("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    hc.ssh_common_args = Some(format!(
        "-o UserKnownHostsFile={} -F /dev/null",
        empty.display()
    ));
    let err = rt().block_on(connect(&hc)).unwrap_err();
    // Recorded from ansible-playbook 2.19 (OpenSSH 9.2 client) for an unknown host.
    assert_eq!(
        err,
        "Failed to connect to the host via ssh: Host key verification failed."
    );
}

fn fingerprint_of(pub_file: &std::path::Path) -> String {
    let out = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_file)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

#[test]
fn a_changed_host_key_names_the_host_the_offered_fingerprint_and_the_known_hosts_line() {
    let sshd = Sshd::start();
    let hc = sshd.host("id_ed25519");
    keygen("ed25519", &sshd.path("other_host_key"));
    let other = std::fs::read_to_string(sshd.path("other_host_key.pub")).unwrap();
    let mut other = other.split_whitespace();
    let (kind, blob) = (other.next().unwrap(), other.next().unwrap());
    std::fs::write(
        sshd.path("known_hosts"),
        format!(
            "# managed by tests\n[{ADDRESS}]:{} {kind} {blob}\n",
            sshd.port
        ),
    )
    .unwrap();
    let err = rt().block_on(connect(&hc)).unwrap_err();
    let offered = fingerprint_of(&sshd.path("host_ed25519.pub"));
    let file = sshd.path("known_hosts");
    let file = file.display();
    let port = sshd.port;
    // The shape recorded from ansible-playbook 2.19 (OpenSSH 9.2 client), this host's
    // values filled in.
    let expected = format!(
        "Failed to connect to the host via ssh: \
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n\
         @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n\
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n\
         IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\n\
         Someone could be eavesdropping on you right now (man-in-the-middle attack)!\r\n\
         It is also possible that a host key has just been changed.\r\n\
         The fingerprint for the ED25519 key sent by the remote host is\n\
         {offered}.\r\n\
         Please contact your system administrator.\r\n\
         Add correct host key in {file} to get rid of this message.\r\n\
         Offending ED25519 key in {file}:2\r\n  \
         remove with:\r\n  \
         ssh-keygen -f \"{file}\" -R \"[{ADDRESS}]:{port}\"\r\n\
         Host key for [{ADDRESS}]:{port} has changed and you have requested strict checking.\r\n\
         Host key verification failed."
    );
    assert_eq!(err, expected);

    // host_key_checking=False accepts any key.
    let unchecked = HostConnection {
        host_key_checking: false,
        ..hc
    };
    let r = rt().block_on(connect(&unchecked)).unwrap();
    let out = rt().block_on(r.exec("echo ok", None)).unwrap();
    assert_eq!(out.stdout_text(), "ok\n");
}

#[test]
fn hashed_known_hosts_entries_are_recognised() {
    let sshd = Sshd::start();
    let hc = sshd.host("id_ed25519");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-H", "-f"])
        .arg(sshd.path("known_hosts"))
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(sshd.path("known_hosts")).unwrap();
    assert!(text.starts_with("|1|"), "{text}");
    assert!(rt().block_on(connect(&hc)).is_ok());
}

#[test]
fn ed25519_ecdsa_and_rsa_keys_log_in() {
    let sshd = Sshd::start();
    rt().block_on(async {
        for key in ["id_ed25519", "id_ecdsa", "id_rsa"] {
            let r = connect(&sshd.host(key)).await.unwrap();
            let out = r.exec("id -un", None).await.unwrap();
            assert_eq!(out.stdout_text(), "root\n", "{key}");
        }
    });
}

#[test]
fn a_key_the_host_does_not_accept_is_permission_denied() {
    let sshd = Sshd::start();
    let err = rt()
        .block_on(connect(&sshd.host("id_unauthorized")))
        .unwrap_err();
    assert_eq!(
        err,
        format!(
            "Failed to connect to the host via ssh: root@{ADDRESS}: Permission denied \
             (publickey,password)."
        )
    );
}

#[test]
fn password_authentication_logs_in_and_a_wrong_password_is_denied() {
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let hc = HostConnection {
        user: Some(test_sshd::PASSWORD_USER.into()),
        private_key_file: None,
        password: Some(test_sshd::PASSWORD.into()),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        let out = r.exec("id -un", None).await.unwrap();
        assert_eq!(out.stdout_text(), format!("{}\n", test_sshd::PASSWORD_USER));
        let wrong = HostConnection {
            password: Some("not-the-password".into()),
            ..hc.clone()
        };
        let err = connect(&wrong).await.unwrap_err();
        assert!(
            err.ends_with("Permission denied (publickey,password)."),
            "{err}"
        );
    });
}

/// An ssh-agent of the test's own (tracked by PID, killed on drop).
struct Agent {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Agent {
    fn start(dir: &std::path::Path, keys: &[std::path::PathBuf]) -> Agent {
        let socket = dir.join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent");
        let agent = Agent { child, socket };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !agent.socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        for key in keys {
            let status = std::process::Command::new("ssh-add")
                .arg("-q")
                .arg(key)
                .env("SSH_AUTH_SOCK", &agent.socket)
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "ssh-add {}", key.display());
        }
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn keys_held_by_an_ssh_agent_log_in() {
    let sshd = Sshd::start();
    for key in ["id_ed25519", "id_rsa"] {
        let agent = Agent::start(sshd.dir.path(), &[sshd.path(key)]);
        let base = sshd.host(key);
        let hc = HostConnection {
            private_key_file: None,
            ssh_common_args: Some(format!(
                "{} -o IdentityAgent={}",
                base.ssh_common_args.clone().unwrap(),
                agent.socket.display()
            )),
            ..base
        };
        let out = rt().block_on(async {
            let r = connect(&hc).await.unwrap();
            r.exec("id -un", None).await.unwrap()
        });
        assert_eq!(out.stdout_text(), "root\n", "{key}");
        drop(agent);
        let _ = std::fs::remove_file(sshd.path("agent.sock"));
    }
}

#[test]
fn a_host_known_only_by_its_rsa_key_is_asked_for_that_key() {
    let host_rsa = tempfile::tempdir().unwrap();
    let rsa_key = host_rsa.path().join("host_rsa");
    keygen("rsa", &rsa_key);
    let sshd = Sshd::start_with(&format!("HostKey {}", rsa_key.display()));
    let hc = sshd.host("id_ed25519");
    let public = std::fs::read_to_string(rsa_key.with_extension("pub")).unwrap();
    let mut f = public.split_whitespace();
    std::fs::write(
        sshd.path("known_hosts"),
        format!(
            "[{ADDRESS}]:{} {} {}\n",
            sshd.port,
            f.next().unwrap(),
            f.next().unwrap()
        ),
    )
    .unwrap();
    let out = rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        r.exec("echo ok", None).await.unwrap()
    });
    assert_eq!(out.stdout_text(), "ok\n");
}

#[test]
fn accept_new_records_an_unknown_host_and_then_checks_it() {
    let sshd = Sshd::start();
    let learned = sshd.path("learned_known_hosts");
    let hc = HostConnection {
        ssh_common_args: Some(format!(
            "-F /dev/null -o UserKnownHostsFile={} -o StrictHostKeyChecking=accept-new",
            learned.display()
        )),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(connect(&hc)).unwrap();
    let text = std::fs::read_to_string(&learned).unwrap();
    assert!(
        text.starts_with(&format!("[{ADDRESS}]:{} ssh-ed25519 ", sshd.port)),
        "{text}"
    );
    let strict = HostConnection {
        ssh_common_args: Some(format!(
            "-F /dev/null -o UserKnownHostsFile={}",
            learned.display()
        )),
        ..hc
    };
    assert!(rt().block_on(connect(&strict)).is_ok());
}

#[test]
fn host_key_alias_names_the_known_hosts_entry() {
    let sshd = Sshd::start();
    let base = sshd.host("id_ed25519");
    let public = std::fs::read_to_string(sshd.path("host_ed25519.pub")).unwrap();
    let mut f = public.split_whitespace();
    let known = sshd.path("alias_known_hosts");
    std::fs::write(
        &known,
        format!("web-alias {} {}\n", f.next().unwrap(), f.next().unwrap()),
    )
    .unwrap();
    let hc = HostConnection {
        ssh_common_args: Some(format!(
            "-F /dev/null -o UserKnownHostsFile={} -o HostKeyAlias=web-alias",
            known.display()
        )),
        ..base.clone()
    };
    assert!(rt().block_on(connect(&hc)).is_ok());
    let without = HostConnection {
        ssh_common_args: Some(format!(
            "-F /dev/null -o UserKnownHostsFile={}",
            known.display()
        )),
        ..base
    };
    assert!(rt().block_on(connect(&without)).is_err());
}
