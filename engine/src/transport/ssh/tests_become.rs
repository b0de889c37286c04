//! Become (sudo, su) over SSH against real sshd processes.

use std::time::Duration;

use modules::runtime::{Become, Remote};

use super::test_sshd::{self, Sshd};
use super::tests::{connect, rt};
use crate::transport::connect::HostConnection;

#[test]
fn become_sudo_runs_as_the_become_user() {
    assert!(
        std::path::Path::new("/usr/bin/sudo").exists(),
        "sudo is needed (tests/run.sh installs it)"
    );
    let sshd = Sshd::start();
    let hc = HostConnection {
        become_: Some(Become {
            method: "sudo".into(),
            user: "nobody".into(),
            password: None,
        }),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        let out = r.exec("id -un; cat", Some(b"input")).await.unwrap();
        assert_eq!(
            (out.rc, out.stdout_text()),
            (0, "nobody\ninput".to_string())
        );
    });
}

/// Latency on this machine: `cargo test -p ringmaster --lib ssh::tests::latency -- --ignored --nocapture`.
#[test]
fn become_su_runs_commands_and_writes_files_as_the_become_user() {
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().to_str().unwrap().to_string();
    let status = std::process::Command::new("chown")
        .args([test_sshd::PASSWORD_USER, &scratch])
        .status()
        .unwrap();
    assert!(status.success());
    let su = Become {
        method: "su".into(),
        user: test_sshd::PASSWORD_USER.into(),
        password: None,
    };
    let hc = HostConnection {
        become_: Some(su.clone()),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        let out = r.exec("id -un; cat", Some(b"in")).await.unwrap();
        assert_eq!(
            out.stdout_text(),
            format!("{}\nin", test_sshd::PASSWORD_USER)
        );
        let path = format!("{scratch}/owned by rmtest");
        r.put(b"data", &path, Some(0o600)).await.unwrap();
        let owner = r
            .exec(
                &format!("stat -c %U {}", modules::runtime::quote(&path)),
                None,
            )
            .await
            .unwrap();
        assert_eq!(owner.stdout_text().trim(), test_sshd::PASSWORD_USER);
        assert_eq!(r.get(&path).await.unwrap(), b"data");

        // su with a password runs on a pty (tests/become_su.rs covers a real password
        // prompt on a fleet host); logged in as root, su asks nothing and the password
        // is never sent; input bytes arrive unchanged, even tty control characters.
        let with_password = HostConnection {
            become_: Some(Become {
                password: Some("unused-password".into()),
                ..su
            }),
            ..hc.clone()
        };
        let r = connect(&with_password).await.unwrap();
        let out = r.exec("id -un; cat", Some(b"x\x03\x04y")).await.unwrap();
        assert_eq!(out.rc, 0, "{}", out.stderr_text());
        assert_eq!(
            out.stdout,
            format!("{}\nx\x03\x04y", test_sshd::PASSWORD_USER).into_bytes()
        );
    });
}

#[test]
fn become_sudo_password_is_sent_only_to_a_sudo_prompt() {
    assert!(
        std::path::Path::new("/usr/bin/sudo").exists(),
        "sudo is needed (tests/run.sh installs it)"
    );
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let sudo = |password: &str| Become {
        method: "sudo".into(),
        user: "nobody".into(),
        password: Some(password.into()),
    };
    rt().block_on(async {
        // root: sudo asks nothing, so the password must not become the command's input.
        let root = HostConnection {
            become_: Some(sudo("s3cret-pw")),
            ..sshd.host("id_ed25519")
        };
        let r = connect(&root).await.unwrap();
        let out = r.exec("id -un; cat", Some(b"input")).await.unwrap();
        assert_eq!(
            (out.rc, out.stdout_text(), out.stderr_text()),
            (0, "nobody\ninput".to_string(), String::new())
        );

        // The test user is asked for its password (and then refused by the sudoers
        // policy): the prompt never shows, the password never reaches the output.
        let user = HostConnection {
            user: Some(test_sshd::PASSWORD_USER.into()),
            become_: Some(sudo(test_sshd::PASSWORD)),
            ..sshd.host("id_ed25519")
        };
        let r = connect(&user).await.unwrap();
        let out = r.exec("id -un", None).await.unwrap();
        assert_ne!(out.rc, 0);
        assert!(
            out.stderr_text().contains("not in the sudoers file"),
            "{out:?}"
        );
        assert!(
            !out.stderr_text().contains("[sudo via ringmaster"),
            "{out:?}"
        );
        assert!(!out.stdout_text().contains(test_sshd::PASSWORD));

        let wrong = HostConnection {
            become_: Some(sudo("wrong-password")),
            ..user
        };
        let r = connect(&wrong).await.unwrap();
        let out = tokio::time::timeout(Duration::from_secs(20), r.exec("id -un", None))
            .await
            .expect("a wrong sudo password hung")
            .unwrap();
        assert_ne!(out.rc, 0);
        assert!(out.stderr_text().contains("Sorry, try again."), "{out:?}");
    });
}
