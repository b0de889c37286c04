//! `lineinfile` and `blockinfile` as whole modules on this machine; the edits
//! themselves are checked against recorded cases in `cases.rs`.

use serde_json::json;

use super::support::{Runner, mode_of};
use crate::files::{BlockInFileModule, LineInFileModule};

#[tokio::test]
async fn lineinfile_missing_file_messages() {
    let r = Runner::new();
    let p = r.path("case");
    // Recorded: rc 257, "Destination /tmp/anst/case30 does not exist !"
    let out = r
        .ok(&LineInFileModule, json!({"path": p, "line": "X"}))
        .await;
    assert!(out.failed);
    assert_eq!(out.rc, Some(257));
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("Destination {p} does not exist !").as_str())
    );
    // Recorded: changed false, msg "file not present"
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": p, "line": "X", "state": "absent"}),
        )
        .await;
    assert!(!out.failed && !out.changed);
    assert_eq!(out.msg.as_deref(), Some("file not present"));
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": r.path("files"), "line": "X"}),
        )
        .await;
    assert_eq!(out.rc, Some(256));
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("Path {} is a directory !", r.path("files")).as_str())
    );
}

#[tokio::test]
async fn lineinfile_create_check_then_real() {
    let r = Runner::new();
    let p = r.path("sub/dir/new.conf");
    let args = json!({"path": p, "line": "X", "create": true});
    let out = r
        .run(&LineInFileModule, args.clone(), true, true)
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.msg.as_deref(), Some("line added"));
    assert!(!std::path::Path::new(&p).exists());
    assert_eq!(
        out.diff[0].before_header.as_deref(),
        Some(format!("{p} (content)").as_str())
    );
    assert_eq!(out.diff[0].after, "X\n");
    let out = r.ok(&LineInFileModule, args.clone()).await;
    // Recorded: changed, msg "line added", backup ""
    assert!(out.changed);
    assert_eq!(out.data["backup"], "");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "X\n");
    assert_eq!(mode_of(&p), 0o644);
    let out = r.ok(&LineInFileModule, args).await;
    assert!(!out.changed);
    assert_eq!(out.msg.as_deref(), Some(""));
}

#[tokio::test]
async fn lineinfile_replace_with_backup_attrs_and_symlink() {
    let r = Runner::new();
    let real = r.path("real.conf");
    std::fs::write(&real, "a=1\nb=2\n").unwrap();
    std::os::unix::fs::symlink(&real, r.path("link.conf")).unwrap();
    let link = r.path("link.conf");
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": link, "regexp": "^b=", "line": "b=3", "backup": true, "mode": "0600"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(
        out.msg.as_deref(),
        Some("line replaced and ownership, perms or SE linux context changed")
    );
    // Written through the link, which stays a link.
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "a=1\nb=3\n");
    assert_eq!(mode_of(&real), 0o600);
    let backup = out.data["backup"].as_str().unwrap();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "a=1\nb=2\n");
    // Only attributes left to change.
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": real, "line": "b=3", "mode": "0644"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(
        out.msg.as_deref(),
        Some("ownership, perms or SE linux context changed")
    );
}

#[tokio::test]
async fn lineinfile_absent_reports_found_and_keeps_owner() {
    let r = Runner::new();
    let p = r.path("f");
    std::fs::write(&p, "a\nb\na\n").unwrap();
    std::process::Command::new("chown")
        .args(["nobody", &p])
        .status()
        .unwrap();
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": p, "line": "a", "state": "absent"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(out.msg.as_deref(), Some("2 line(s) removed"));
    assert_eq!(out.data["found"], 2);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "b\n");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&p).unwrap().uid(), 65534);
}

#[tokio::test]
async fn lineinfile_argument_errors() {
    let r = Runner::new();
    let p = r.path("f");
    std::fs::write(&p, "a\n").unwrap();
    let out = r
        .ok(&LineInFileModule, json!({"path": p, "regexp": "^a"}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some("line is required with state=present")
    );
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": p, "line": "x", "backrefs": true}),
        )
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some("regexp is required with backrefs=true")
    );
    let err = r
        .run(
            &LineInFileModule,
            json!({"path": p, "line": "x", "insertafter": "a", "insertbefore": "b"}),
            false,
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "parameters are mutually exclusive: insertbefore|insertafter"
    );
}

#[tokio::test]
async fn blockinfile_cycle() {
    let r = Runner::new();
    let p = r.path("b.conf");
    // Recorded: "Path ... does not exist !" (also for state=absent).
    let out = r
        .ok(&BlockInFileModule, json!({"path": p, "state": "absent"}))
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("Path {p} does not exist !").as_str())
    );
    let out = r
        .ok(
            &BlockInFileModule,
            json!({"path": p, "block": "x", "create": true}),
        )
        .await;
    // Recorded: msg "File created"
    assert!(out.changed);
    assert_eq!(out.msg.as_deref(), Some("File created"));
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"
    );
    let out = r
        .ok(&BlockInFileModule, json!({"path": p, "block": "x"}))
        .await;
    assert!(!out.changed);
    assert_eq!(out.msg.as_deref(), Some(""));
    let out = r
        .run(
            &BlockInFileModule,
            json!({"path": p, "block": "y", "backup": true}),
            false,
            true,
        )
        .await
        .unwrap();
    assert_eq!(out.msg.as_deref(), Some("Block inserted"));
    assert!(out.data.contains_key("backup_file"));
    assert_eq!(
        out.diff[0].before,
        "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"
    );
    let out = r
        .run(
            &BlockInFileModule,
            json!({"path": p, "state": "absent"}),
            true,
            false,
        )
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.msg.as_deref(), Some("Block removed"));
    assert!(std::fs::read_to_string(&p).unwrap().contains("y\n"));
    let out = r
        .ok(&BlockInFileModule, json!({"path": p, "state": "absent"}))
        .await;
    assert_eq!(out.msg.as_deref(), Some("Block removed"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "");
    assert!(!out.data.contains_key("backup_file"));
}

#[tokio::test]
async fn validate_failure_leaves_file_alone() {
    let r = Runner::new();
    let p = r.path("v.txt");
    std::fs::write(&p, "a\n").unwrap();
    // Recorded for both modules: "failed to validate: rc:1 error:"
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": p, "line": "q", "validate": "grep -q nomatch %s"}),
        )
        .await;
    assert_eq!(out.msg.as_deref(), Some("failed to validate: rc:1 error:"));
    let out = r
        .ok(
            &BlockInFileModule,
            json!({"path": p, "block": "q", "validate": "grep -q nomatch %s"}),
        )
        .await;
    assert_eq!(out.msg.as_deref(), Some("failed to validate: rc:1 error:"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\n");
    let out = r
        .ok(
            &LineInFileModule,
            json!({"path": p, "line": "q", "validate": "grep -q q %s"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "a\nq\n");
}

#[tokio::test]
async fn attribute_diff_has_ansible_headers() {
    let r = Runner::new();
    let p = r.path("new");
    let out = r
        .run(
            &LineInFileModule,
            json!({"path": p, "line": "x", "create": true, "mode": "0600"}),
            false,
            true,
        )
        .await
        .unwrap();
    // Recorded: msg "line added and ownership, perms or SE linux context changed", diff
    // [{content}, {before: {mode: "0644"}, after: {mode: "0600"}, "(file attributes)" headers}]
    assert_eq!(
        out.msg.as_deref(),
        Some("line added and ownership, perms or SE linux context changed")
    );
    assert_eq!(out.diff.len(), 2);
    assert_eq!(out.diff[1].before, "{\n    \"mode\": \"0644\"\n}\n");
    assert_eq!(out.diff[1].after, "{\n    \"mode\": \"0600\"\n}\n");
    assert_eq!(
        out.diff[1].after_header.as_deref(),
        Some(format!("{p} (file attributes)").as_str())
    );
    // Recorded: an empty block on a file without one only changes attributes.
    let out = r
        .ok(
            &BlockInFileModule,
            json!({"path": p, "block": "", "mode": "0644"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(
        out.msg.as_deref(),
        Some("ownership, perms or SE linux context changed")
    );
}
