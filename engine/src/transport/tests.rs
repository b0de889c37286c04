//! LocalRemote against real processes and a temp dir.

use super::local::{LocalRemote, become_argv};
use modules::runtime::{Become, Remote, quote};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn exit_codes_stdout_and_stderr_are_reported() {
    rt().block_on(async {
        let r = LocalRemote::new();
        let out = r
            .exec("echo out; echo err >&2; exit 3", None)
            .await
            .unwrap();
        assert_eq!(out.rc, 3);
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(r.exec("true", None).await.unwrap().rc, 0);
        assert_eq!(r.exec("no-such-command-xyz", None).await.unwrap().rc, 127);
    });
}

#[test]
fn killed_command_reports_minus_signal() {
    rt().block_on(async {
        let out = LocalRemote::new().exec("kill -9 $$", None).await.unwrap();
        assert_eq!(out.rc, -9);
    });
}

#[test]
fn stdin_reaches_the_command() {
    rt().block_on(async {
        let r = LocalRemote::new();
        let out = r
            .exec("cat; printf end", Some(b"line1\nline2"))
            .await
            .unwrap();
        assert_eq!(out.stdout, b"line1\nline2end");
        // Without stdin the command reads an empty input instead of hanging.
        let out = r.exec("cat", None).await.unwrap();
        assert_eq!(out.stdout, b"");
        // A command that ignores a large stdin does not deadlock.
        let big = vec![b'x'; 4 << 20];
        let out = r.exec("echo ignored", Some(&big)).await.unwrap();
        assert_eq!(out.rc, 0);
    });
}

#[test]
fn ten_megabytes_of_output_are_captured_whole() {
    rt().block_on(async {
        let out = LocalRemote::new()
            .exec(
                "head -c 10485760 /dev/zero; head -c 1048576 /dev/zero >&2",
                None,
            )
            .await
            .unwrap();
        assert_eq!(out.stdout.len(), 10 << 20);
        assert_eq!(out.stderr.len(), 1 << 20);
    });
}

#[test]
fn binary_files_round_trip_through_put_and_get() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("it's a \"file\" with spaces.bin");
    let path = path.to_str().unwrap();
    let data: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    rt().block_on(async {
        let r = LocalRemote::new();
        r.put(&data, path, Some(0o640)).await.unwrap();
        assert_eq!(r.get(path).await.unwrap(), data);
        let out = r
            .exec(&format!("stat -c %a {}", quote(path)), None)
            .await
            .unwrap();
        assert_eq!(out.stdout_text().trim(), "640");
        // Replacing keeps the mode when none is given.
        r.put(b"new", path, None).await.unwrap();
        assert_eq!(r.get(path).await.unwrap(), b"new");
        let out = r
            .exec(&format!("stat -c %a {}", quote(path)), None)
            .await
            .unwrap();
        assert_eq!(out.stdout_text().trim(), "640");
    });
    // No temp files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn put_into_an_unwritable_place_fails_without_leaving_anything() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/file");
    let target = dir.path().join("file");
    std::fs::write(&target, b"old").unwrap();
    rt().block_on(async {
        let r = LocalRemote::new();
        let err = r
            .put(b"x", missing.to_str().unwrap(), None)
            .await
            .unwrap_err();
        assert!(err.message.contains("failed to write"), "{}", err.message);
        assert!(err.message.contains("no/such/dir/file"), "{}", err.message);
        // A directory in the way of the rename: the old content stays, no temp file.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("keep"), b"k").unwrap();
        assert!(r.put(b"x", sub.to_str().unwrap(), None).await.is_err());
        assert!(
            r.get(dir.path().join("nope").to_str().unwrap())
                .await
                .is_err()
        );
    });
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
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
fn hostile_strings_reach_the_command_unchanged_when_quoted() {
    let hostile = [
        "$(echo pwned)",
        "`echo pwned`",
        "a; echo pwned",
        "line1\nline2",
        "it's \"quoted\"",
        "ünïcødé ✓ 日本",
        "$HOME ${PATH} \\ * ? [a] ~ # & | < > !",
        "",
        "-n",
    ];
    rt().block_on(async {
        let r = LocalRemote::new();
        for s in hostile {
            let out = r
                .exec(&format!("printf %s {}", quote(s)), None)
                .await
                .unwrap();
            assert_eq!(out.stdout_text(), s);
        }
    });
}

#[test]
fn concurrent_execs_do_not_mix_outputs() {
    rt().block_on(async {
        let r = std::sync::Arc::new(LocalRemote::new());
        let mut handles = Vec::new();
        for i in 0..32 {
            let r = r.clone();
            handles.push(tokio::spawn(async move {
                let out = r
                    .exec(&format!("sleep 0.0$(({i} % 5)); echo {i}"), None)
                    .await
                    .unwrap();
                (i, out.stdout_text())
            }));
        }
        for h in handles {
            let (i, text) = h.await.unwrap();
            assert_eq!(text, format!("{i}\n"));
        }
    });
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
