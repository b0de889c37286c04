//! LocalRemote against real processes and a temp dir.

use super::conformance;
use super::local::{LocalRemote, become_argv};
use modules::runtime::{Become, Remote, quote};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs one conformance check against a fresh LocalRemote and scratch dir.
fn conform<F, Fut>(check: F)
where
    F: FnOnce(LocalRemote, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().to_str().unwrap().to_string();
    rt().block_on(check(LocalRemote::new(), scratch));
    drop(dir); // The scratch dir lives until the check is done.
}

#[test]
fn conformance_exit_codes_and_streams() {
    conform(|r, _| async move { conformance::exit_codes_and_streams(&r).await });
}

#[test]
fn conformance_stdin() {
    conform(|r, _| async move { conformance::stdin_is_passed_and_optional(&r).await });
}

#[test]
fn conformance_large_output() {
    conform(|r, _| async move { conformance::large_output_is_whole(&r).await });
}

#[test]
fn conformance_hostile_words() {
    conform(|r, _| async move { conformance::hostile_words_survive_quoting(&r).await });
}

#[test]
fn conformance_files_round_trip() {
    conform(|r, s| async move { conformance::files_round_trip_atomically(&r, &s).await });
}

#[test]
fn conformance_failed_puts() {
    conform(|r, s| async move { conformance::failed_puts_leave_nothing(&r, &s).await });
}

#[test]
fn conformance_concurrent_execs() {
    conform(|r, _| async move { conformance::concurrent_execs_stay_apart(&r).await });
}

#[test]
fn killed_command_reports_minus_signal() {
    rt().block_on(async {
        let out = LocalRemote::new().exec("kill -9 $$", None).await.unwrap();
        assert_eq!(out.rc, -9);
    });
}

#[test]
fn put_into_a_read_only_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    rt().block_on(async {
        let r = LocalRemote::new();
        r.exec(&format!("chmod 555 {}", quote(ro.to_str().unwrap())), None)
            .await
            .unwrap();
        // Root ignores directory modes; only check where the mode is enforced.
        let is_root = r.exec("id -u", None).await.unwrap().stdout_text().trim() == "0";
        let result = r.put(b"x", ro.join("f").to_str().unwrap(), None).await;
        if !is_root {
            assert!(result.is_err());
        }
    });
    let left: Vec<_> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("ringmaster"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn become_wraps_like_ansible_and_keeps_password_off_the_command_line() {
    let b = Become {
        method: "sudo".into(),
        user: "deploy".into(),
        password: None,
    };
    assert_eq!(
        become_argv(&b, "echo 'hi'").unwrap(),
        [
            "sudo",
            "-H",
            "-S",
            "-n",
            "-u",
            "deploy",
            "/bin/sh",
            "-c",
            "echo 'hi'"
        ]
    );
    let with_password = Become {
        password: Some("s3cret".into()),
        ..b.clone()
    };
    let argv = become_argv(&with_password, "id").unwrap();
    assert!(argv.iter().all(|a| !a.contains("s3cret")));
    assert_eq!(argv[..6], ["sudo", "-H", "-S", "-k", "-p", ""]);
    let su = Become {
        method: "su".into(),
        user: "root".into(),
        password: None,
    };
    assert_eq!(
        become_argv(&su, "echo $HOME").unwrap(),
        ["su", "root", "-c", "/bin/sh -c 'echo $HOME'"]
    );
    let err = become_argv(
        &Become {
            method: "doas".into(),
            ..su
        },
        "id",
    )
    .unwrap_err();
    assert!(err.message.contains("become_method 'doas'"));
}

#[test]
fn su_become_to_the_current_root_user_runs_the_command() {
    rt().block_on(async {
        let plain = LocalRemote::new();
        let is_root = plain
            .exec("id -u", None)
            .await
            .unwrap()
            .stdout_text()
            .trim()
            == "0";
        let has_su = plain.exec("command -v su", None).await.unwrap().rc == 0;
        if !is_root || !has_su {
            return;
        }
        let r = LocalRemote::with_become(Become {
            method: "su".into(),
            user: "root".into(),
            password: None,
        });
        let out = r
            .exec("printf %s \"$(id -un)\"; cat", Some(b"in"))
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), "rootin");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b e");
        r.put(b"data", path.to_str().unwrap(), Some(0o600))
            .await
            .unwrap();
        assert_eq!(r.get(path.to_str().unwrap()).await.unwrap(), b"data");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    });
}

/// As root, sudo asks for no password: the password must not become the command's
/// input (nor a file's content when a module writes with become).
#[test]
fn sudo_password_never_reaches_the_command_when_sudo_does_not_ask() {
    rt().block_on(async {
        let plain = LocalRemote::new();
        let id = plain.exec("id -u", None).await.unwrap().stdout_text();
        assert_eq!(id.trim(), "0", "this test runs as root (CI does)");
        let r = LocalRemote::with_become(Become {
            method: "sudo".into(),
            user: "nobody".into(),
            password: Some("s3cret".into()),
        });
        let out = r
            .exec("printf '%s:' \"$(id -un)\"; cat", Some(b"input"))
            .await
            .unwrap();
        assert_eq!((out.rc, out.stdout_text().as_str()), (0, "nobody:input"));
        assert!(!out.stderr_text().contains("s3cret"));
        let out = r.exec("cat", None).await.unwrap();
        assert_eq!(out.stdout_text(), "");
        let root = LocalRemote::with_become(Become {
            method: "sudo".into(),
            user: "root".into(),
            password: Some("s3cret".into()),
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("written with become");
        root.put(b"data", path.to_str().unwrap(), Some(0o600))
            .await
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"data");
    });
}

#[test]
fn conformance_many_execs_at_once() {
    conform(|r, _| async move { conformance::many_execs_at_once(&r).await });
}
