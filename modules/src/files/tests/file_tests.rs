//! The `file` module on this machine, compared with results recorded from
//! `ansible -m file` (ansible-core 2.19, `-c local`): keys, values and messages.

use serde_json::json;

use super::support::{Runner, keys, mode_of};
use crate::files::FileModule;

const STAT_KEYS: [&str; 7] = ["gid", "group", "mode", "owner", "size", "state", "uid"];

fn with_stat(extra: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = STAT_KEYS
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn directory_created_then_unchanged() {
    let r = Runner::new();
    let d = r.path("d");
    let args = json!({"path": d, "state": "directory", "mode": "u=rwx,g=rx"});
    let out = r.run(&FileModule, args.clone(), false, true).await.unwrap();
    // Recorded: {"path", "changed": true, "diff": {before: {path, state: absent},
    // after: {path, state: directory}}, uid.., "mode": "0755", "state": "directory"}
    assert!(out.changed);
    assert_eq!(keys(&out), with_stat(&["changed", "path"]));
    assert_eq!(out.data["state"], "directory");
    assert_eq!(out.data["mode"], "0755");
    assert_eq!(out.diff.len(), 1);
    assert_eq!(
        out.diff[0].before,
        format!("{{\n    \"path\": \"{d}\",\n    \"state\": \"absent\"\n}}\n")
    );
    assert!(out.diff[0].after.contains("\"state\": \"directory\""));
    let again = r.ok(&FileModule, args).await;
    assert!(!again.changed);
    assert!(again.diff.is_empty());
}

#[tokio::test]
async fn file_state_on_missing_and_on_directory() {
    let r = Runner::new();
    let missing = r.path("nope");
    let out = r.ok(&FileModule, json!({"path": missing})).await;
    assert!(out.failed);
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("file ({missing}) is absent, cannot continue").as_str())
    );
    assert_eq!(out.data["state"], "absent");
    let dir = r.path("files");
    let out = r
        .ok(&FileModule, json!({"path": dir, "state": "file"}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("file ({dir}) is directory, cannot continue").as_str())
    );
    assert_eq!(out.data["state"], "directory");
}

#[tokio::test]
async fn mode_change_reports_diff_and_is_idempotent() {
    let r = Runner::new();
    let f = r.path("a.txt");
    std::fs::write(&f, "hello\n").unwrap();
    let args = json!({"path": f, "mode": "0600"});
    let out = r.run(&FileModule, args.clone(), false, true).await.unwrap();
    // Recorded: diff {before: {path, mode: "0644"}, after: {path, mode: "0600"}}
    assert!(out.changed);
    assert_eq!(mode_of(&f), 0o600);
    assert_eq!(out.data["mode"], "0600");
    assert_eq!(out.data["size"], 6);
    assert!(out.diff[0].before.contains("\"mode\": \"0644\""));
    assert!(out.diff[0].after.contains("\"mode\": \"0600\""));
    assert!(!r.ok(&FileModule, args).await.changed);
    // YAML 0644 arrives as the int 420.
    let out = r.ok(&FileModule, json!({"path": f, "mode": 420})).await;
    assert!(out.changed);
    assert_eq!(mode_of(&f), 0o644);
}

#[tokio::test]
async fn check_mode_changes_nothing() {
    let r = Runner::new();
    let d = r.path("dc");
    let out = r
        .run(
            &FileModule,
            json!({"path": d, "state": "directory"}),
            true,
            false,
        )
        .await
        .unwrap();
    // Recorded: {"path": ..., "changed": true}
    assert!(out.changed);
    assert_eq!(keys(&out), ["changed", "path"]);
    assert!(!std::path::Path::new(&d).exists());
    let f = r.path("f");
    std::fs::write(&f, "").unwrap();
    let out = r
        .run(&FileModule, json!({"path": f, "mode": "0600"}), true, false)
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(mode_of(&f), 0o644);
}

#[tokio::test]
async fn touch_then_absent() {
    let r = Runner::new();
    let t = r.path("t");
    let out = r
        .run(
            &FileModule,
            json!({"path": t, "state": "touch", "mode": "0600"}),
            false,
            true,
        )
        .await
        .unwrap();
    // Recorded: {"dest", "changed": true, ..., "mode": "0600", "state": "file", "size": 0}
    assert!(out.changed);
    assert_eq!(keys(&out), with_stat(&["changed", "dest"]));
    assert_eq!(out.data["state"], "file");
    assert_eq!(out.data["mode"], "0600");
    // touch always changes (times).
    assert!(
        r.ok(&FileModule, json!({"path": t, "state": "touch"}))
            .await
            .changed
    );
    let out = r
        .ok(&FileModule, json!({"path": t, "state": "absent"}))
        .await;
    assert!(out.changed);
    assert_eq!(keys(&out), ["changed", "path", "state"]);
    assert!(!std::path::Path::new(&t).exists());
    let out = r
        .ok(&FileModule, json!({"path": t, "state": "absent"}))
        .await;
    assert!(!out.changed);
}

#[tokio::test]
async fn symlinks_like_ansible() {
    let r = Runner::new();
    let f2 = r.path("f2");
    let t = r.path("t");
    std::fs::write(&f2, "").unwrap();
    std::fs::write(&t, "").unwrap();
    let l = r.path("l");
    let out = r
        .ok(
            &FileModule,
            json!({"path": l, "state": "link", "src": "f2"}),
        )
        .await;
    // Recorded: {"dest", "src": "f2", "changed": true, ..., "mode": "0777", "state": "link", "size": 2}
    assert!(out.changed);
    assert_eq!(keys(&out), with_stat(&["changed", "dest", "src"]));
    assert_eq!(out.data["src"], "f2");
    assert_eq!(out.data["state"], "link");
    assert_eq!(out.data["mode"], "0777");
    assert_eq!(out.data["size"], 2);
    let out = r
        .ok(
            &FileModule,
            json!({"path": l, "state": "link", "src": "f2"}),
        )
        .await;
    assert!(!out.changed);
    let out = r
        .run(
            &FileModule,
            json!({"path": l, "state": "link", "src": "t"}),
            false,
            true,
        )
        .await
        .unwrap();
    assert!(out.changed);
    assert!(out.diff[0].before.contains("\"src\": \"f2\""));
    assert!(out.diff[0].after.contains("\"src\": \"t\""));
    assert_eq!(std::fs::read_link(&l).unwrap().to_str(), Some("t"));
    // A regular file is not replaced without force.
    let out = r
        .ok(&FileModule, json!({"path": t, "state": "link", "src": f2}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("refusing to convert from file to symlink for {t}").as_str())
    );
    let out = r
        .ok(&FileModule, json!({"path": r.path("l2"), "state": "link"}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some("src is required for creating new symlinks")
    );
}

#[tokio::test]
async fn hard_links() {
    let r = Runner::new();
    let f2 = r.path("f2");
    std::fs::write(&f2, "").unwrap();
    let h = r.path("h");
    let out = r
        .ok(&FileModule, json!({"path": h, "state": "hard", "src": f2}))
        .await;
    // Recorded: {"dest", "src", "changed": true, ..., "state": "hard", "size": 0}
    assert!(out.changed);
    assert_eq!(out.data["state"], "hard");
    assert_eq!(keys(&out), with_stat(&["changed", "dest", "src"]));
    let out = r
        .ok(&FileModule, json!({"path": h, "state": "hard", "src": f2}))
        .await;
    assert!(!out.changed);
    // Recorded: "/tmp/anst/f2 already exists as a hard"
    let out = r
        .ok(&FileModule, json!({"path": f2, "state": "directory"}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("{f2} already exists as a hard").as_str())
    );
}

#[tokio::test]
async fn owner_group_and_lookup_failures() {
    let r = Runner::new();
    let f = r.path("o");
    std::fs::write(&f, "").unwrap();
    let out = r
        .ok(
            &FileModule,
            json!({"path": f, "owner": "nobody", "group": "65534"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(out.data["owner"], "nobody");
    assert_eq!(out.data["gid"], 65534);
    assert!(
        !r.ok(
            &FileModule,
            json!({"path": f, "owner": "nobody", "group": "65534"})
        )
        .await
        .changed
    );
    let out = r
        .ok(&FileModule, json!({"path": f, "owner": "nosuchuser"}))
        .await;
    assert!(out.failed);
    assert_eq!(
        out.msg.as_deref(),
        Some("chown failed: failed to look up user nosuchuser")
    );
    let out = r
        .ok(&FileModule, json!({"path": f, "group": "nosuchgroup"}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some("chgrp failed: failed to look up group nosuchgroup")
    );
}

#[tokio::test]
async fn recurse_applies_below() {
    let r = Runner::new();
    let d = r.path("d");
    std::fs::create_dir_all(format!("{d}/e")).unwrap();
    std::fs::write(format!("{d}/e/f"), "").unwrap();
    let args = json!({"path": d, "state": "directory", "mode": "u=rwX,g=rX,o=", "recurse": true});
    let out = r.ok(&FileModule, args.clone()).await;
    assert!(out.changed);
    assert_eq!(mode_of(&d), 0o750);
    assert_eq!(mode_of(&format!("{d}/e")), 0o750);
    assert_eq!(mode_of(&format!("{d}/e/f")), 0o640);
    assert!(!r.ok(&FileModule, args).await.changed);
}

#[tokio::test]
async fn bad_arguments_name_the_argument() {
    let r = Runner::new();
    let err = r
        .run(
            &FileModule,
            json!({"path": r.path("x"), "state": "bogus"}),
            false,
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "value of state must be one of: absent, directory, file, hard, link, touch, got: bogus"
    );
    let err = r
        .run(&FileModule, json!({"state": "file"}), false, false)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "missing required arguments: path");
    let err = r
        .run(
            &FileModule,
            json!({"path": r.path("x"), "recurse": "maybe"}),
            false,
            false,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("argument 'recurse' is of type str")
    );
}

#[tokio::test]
async fn hostile_paths_are_quoted() {
    let r = Runner::new();
    for name in [
        "with space",
        "it's",
        "$(touch pwned)",
        "new\nline",
        "`id`;x",
    ] {
        let p = r.path(name);
        let out = r
            .ok(&FileModule, json!({"path": p, "state": "directory"}))
            .await;
        assert!(out.changed, "{name}");
        assert!(std::path::Path::new(&p).is_dir(), "{name}");
        let out = r
            .ok(&FileModule, json!({"path": p, "state": "absent"}))
            .await;
        assert!(out.changed, "{name}");
    }
    assert!(!std::path::Path::new("pwned").exists());
    assert!(!std::path::Path::new(&r.path("pwned")).exists());
}

#[tokio::test]
async fn created_parents_get_the_mode_too() {
    let r = Runner::new();
    let leaf = r.path("nest/a/b");
    let out = r
        .ok(
            &FileModule,
            json!({"path": leaf, "state": "directory", "mode": "0700"}),
        )
        .await;
    // Recorded (ansible -m file path=.../nest/a/b state=directory mode=0700): 700 for all three.
    assert!(out.changed);
    for p in ["nest", "nest/a", "nest/a/b"] {
        assert_eq!(mode_of(&r.path(p)), 0o700, "{p}");
    }
    // An existing parent is left alone.
    assert_eq!(mode_of(&r.scratch.dir.display().to_string()) & 0o777, 0o755);
}

#[tokio::test]
async fn tilde_expands_to_the_host_home() {
    let r = Runner::new();
    let home = std::env::var("HOME").unwrap();
    let out = r
        .ok(&FileModule, json!({"path": "~", "state": "directory"}))
        .await;
    assert_eq!(out.data["path"], home.as_str());
    assert!(!out.changed);
}

#[tokio::test]
async fn link_to_missing_src_and_absent_in_check_mode() {
    let r = Runner::new();
    let l = r.path("l");
    let out = r
        .ok(
            &FileModule,
            json!({"path": l, "state": "link", "src": "nothere"}),
        )
        .await;
    // Recorded: "src file does not exist, use 'force=yes' if you really want to create
    // the link: /tmp/anst/m/nothere", with path and src.
    let wanted = format!(
        "src file does not exist, use 'force=yes' if you really want to create the link: {}",
        r.path("nothere")
    );
    assert_eq!(out.msg.as_deref(), Some(wanted.as_str()));
    assert_eq!(out.data["src"], "nothere");
    let out = r
        .ok(
            &FileModule,
            json!({"path": l, "state": "link", "src": "nothere", "force": true}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(std::fs::read_link(&l).unwrap().to_str(), Some("nothere"));
    // Recorded: check mode keeps the current state and stat in the result.
    let f = r.path("f");
    std::fs::write(&f, "").unwrap();
    let out = r
        .run(
            &FileModule,
            json!({"path": f, "state": "absent"}),
            true,
            true,
        )
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.data["state"], "file");
    assert_eq!(out.data["mode"], "0644");
    assert!(std::path::Path::new(&f).exists());
}

#[tokio::test]
async fn touch_with_preserved_or_fixed_times() {
    let r = Runner::new();
    let p = r.path("tp");
    let keep = json!({"path": p, "state": "touch", "modification_time": "preserve", "access_time": "preserve"});
    // Recorded: new -> changed true; again -> changed false (dest, stat keys).
    let out = r.ok(&FileModule, keep.clone()).await;
    assert!(out.changed);
    let out = r.ok(&FileModule, keep).await;
    assert!(!out.changed);
    assert_eq!(keys(&out), with_stat(&["changed", "dest"]));
    // Recorded: a fixed stamp changes once, then `file` with the same stamp is unchanged.
    let out = r
        .ok(
            &FileModule,
            json!({"path": p, "state": "touch", "modification_time": "202001021530.45"}),
        )
        .await;
    assert!(out.changed);
    let out = r
        .ok(
            &FileModule,
            json!({"path": p, "modification_time": "202001021530.45"}),
        )
        .await;
    assert!(!out.changed);
    let out = r
        .ok(
            &FileModule,
            json!({"path": p, "modification_time": "202101021530.45"}),
        )
        .await;
    assert!(out.changed);
    let err = r
        .run(
            &FileModule,
            json!({"path": p, "modification_time": "yesterday"}),
            false,
            false,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("does not match format '%Y%m%d%H%M.%S'")
    );
}

#[tokio::test]
async fn recurse_in_check_mode_looks_below() {
    let r = Runner::new();
    let d = r.path("d");
    std::fs::create_dir_all(format!("{d}/e")).unwrap();
    std::fs::write(format!("{d}/e/f"), "").unwrap();
    let args = json!({"path": d, "state": "directory", "owner": "root", "recurse": true});
    assert!(
        !r.run(&FileModule, args.clone(), true, false)
            .await
            .unwrap()
            .changed
    );
    std::process::Command::new("chown")
        .args(["nobody", &format!("{d}/e/f")])
        .status()
        .unwrap();
    assert!(
        r.run(&FileModule, args.clone(), true, false)
            .await
            .unwrap()
            .changed
    );
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(format!("{d}/e/f")).unwrap().uid(), 65534);
    assert!(r.ok(&FileModule, args.clone()).await.changed);
    assert!(!r.ok(&FileModule, args).await.changed);
}

#[tokio::test]
async fn directory_through_a_symlink_is_the_target() {
    let r = Runner::new();
    let real = r.path("realdir");
    std::fs::create_dir(&real).unwrap();
    let link = r.path("linkdir");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // ansible-core's ensure_directory: follow and prev_state == 'link' -> realpath.
    let out = r
        .ok(
            &FileModule,
            json!({"path": link, "state": "directory", "mode": "0700"}),
        )
        .await;
    assert!(out.changed, "{:?}", out.msg);
    assert_eq!(out.data["path"], real.as_str());
    assert_eq!(mode_of(&real), 0o700);
    let out = r
        .ok(
            &FileModule,
            json!({"path": link, "state": "directory", "follow": false}),
        )
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("{link} already exists as a link").as_str())
    );
}

#[tokio::test]
async fn hard_link_over_other_files_needs_force() {
    let r = Runner::new();
    let (a, b) = (r.path("a"), r.path("b"));
    std::fs::write(&a, "a").unwrap();
    std::fs::write(&b, "b").unwrap();
    let out = r
        .ok(&FileModule, json!({"path": b, "state": "hard", "src": a}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some("Cannot link, file exists at destination")
    );
    let out = r
        .ok(
            &FileModule,
            json!({"path": b, "state": "hard", "src": a, "force": true}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "a");
    let out = r
        .ok(
            &FileModule,
            json!({"path": b, "state": "hard", "src": r.path("gone")}),
        )
        .await;
    assert_eq!(out.msg.as_deref(), Some("src does not exist"));
}
