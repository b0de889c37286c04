//! `copy` and `template` on this machine, compared with results recorded from
//! ansible-core 2.19 (`-c local`): keys, checksums, messages, diffs.

use serde_json::json;

use super::support::{Runner, keys, mode_of};
use crate::files::{CopyModule, TemplateModule};

/// Recorded: sha1 and md5 of "hello\n".
const HELLO_SHA1: &str = "f572d396fae9206628714fb2ce00f72e94f2258f";
const HELLO_MD5: &str = "b1946ac92492d2347c6235b4d2611184";

fn sorted(k: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = k.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn content_new_then_same_with_one_command_before_upload() {
    let r = Runner::new();
    let dest = r.path("a.txt");
    let args = json!({"content": "hello\n", "dest": dest});
    let out = r.run(&CopyModule, args.clone(), false, true).await.unwrap();
    // Recorded: diff [{before: "", after_header: dest, after: "hello\n"}], dest, src, md5sum,
    // checksum, changed, uid, gid, owner, group, mode "0644", state "file", size 6.
    assert!(out.changed);
    assert_eq!(
        keys(&out),
        sorted(&[
            "changed", "checksum", "dest", "gid", "group", "md5sum", "mode", "owner", "size",
            "state", "uid"
        ])
    );
    assert_eq!(out.data["checksum"], HELLO_SHA1);
    assert_eq!(out.data["md5sum"], HELLO_MD5);
    assert_eq!(out.data["mode"], "0644");
    assert_eq!(out.data["size"], 6);
    assert_eq!(out.diff[0].before, "");
    assert_eq!(out.diff[0].before_header, None);
    assert_eq!(out.diff[0].after_header.as_deref(), Some(dest.as_str()));
    assert_eq!(out.diff[0].after, "hello\n");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello\n");

    r.remote.clear();
    let out = r.run(&CopyModule, args, false, true).await.unwrap();
    // Recorded: path, changed false, uid.., checksum, dest (the file module's keys).
    assert!(!out.changed);
    assert!(out.diff.is_empty());
    assert_eq!(
        keys(&out),
        sorted(&[
            "changed", "checksum", "dest", "gid", "group", "mode", "owner", "path", "size",
            "state", "uid"
        ])
    );
    // Unchanged content: one stat+checksum command, no upload.
    assert_eq!(r.remote.commands().len(), 1);
    assert!(r.remote.puts().is_empty());
}

#[tokio::test]
async fn check_mode_reports_change_and_writes_nothing() {
    let r = Runner::new();
    let dest = r.path("a.txt");
    std::fs::write(&dest, "hello\n").unwrap();
    let out = r
        .run(
            &CopyModule,
            json!({"content": "hello2\n", "dest": dest}),
            true,
            true,
        )
        .await
        .unwrap();
    // Recorded: {"diff": [{before_header, before: "hello\n", after_header, after: "hello2\n"}], "changed": true}
    assert!(out.changed);
    assert_eq!(keys(&out), ["changed"]);
    assert_eq!(out.diff[0].before_header.as_deref(), Some(dest.as_str()));
    assert_eq!(out.diff[0].before, "hello\n");
    assert_eq!(out.diff[0].after, "hello2\n");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello\n");
    assert!(r.remote.puts().is_empty());
}

#[tokio::test]
async fn backup_keeps_old_content_with_ansible_name() {
    let r = Runner::new();
    let dest = r.path("a.txt");
    std::fs::write(&dest, "hello\n").unwrap();
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "hello2\n", "dest": dest, "backup": "yes"}),
        )
        .await;
    assert!(out.changed);
    let backup = out.data["backup_file"].as_str().unwrap().to_string();
    // Recorded shape: "/tmp/anst/a.txt.13393.2026-11-22@14:46:55~"
    let re = regex::Regex::new(r"^.*/a\.txt\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$").unwrap();
    assert!(re.is_match(&backup), "{backup}");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "hello\n");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello2\n");
}

#[tokio::test]
async fn src_into_directory_and_mode_only_change() {
    let r = Runner::new();
    std::fs::write(r.path("files/src.txt"), "from file\n").unwrap();
    std::fs::create_dir(r.path("cdir")).unwrap();
    let dir = format!("{}/", r.path("cdir"));
    let out = r
        .ok(&CopyModule, json!({"src": "src.txt", "dest": dir}))
        .await;
    // Recorded: dest ".../cdir/src.txt", checksum 4d6e9449..., size 10.
    let dest = r.path("cdir/src.txt");
    assert_eq!(out.data["dest"], dest.as_str());
    assert_eq!(
        out.data["checksum"],
        "4d6e9449b0a28135f517f28ca5a8d262f0dc4ae4"
    );
    assert_eq!(out.data["md5sum"], "66958963188e0e3f15a7b90942010a6c");
    let out = r
        .run(
            &CopyModule,
            json!({"src": "src.txt", "dest": dest, "mode": "0600"}),
            false,
            true,
        )
        .await
        .unwrap();
    // Recorded: diff {before: {path, mode: 0644}, after: {path, mode: 0600}}, changed.
    assert!(out.changed);
    assert_eq!(mode_of(&dest), 0o600);
    assert!(out.diff[0].before.contains("\"mode\": \"0644\""));
    // Existing mode is kept when content changes.
    std::fs::write(r.path("files/src.txt"), "changed\n").unwrap();
    r.ok(&CopyModule, json!({"src": "src.txt", "dest": dest}))
        .await;
    assert_eq!(mode_of(&dest), 0o600);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "changed\n");
}

#[tokio::test]
async fn failures_like_ansible() {
    let r = Runner::new();
    let out = r.ok(&CopyModule, json!({"dest": r.path("z")})).await;
    assert_eq!(out.msg.as_deref(), Some("src (or content) is required"));
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "x", "dest": format!("{}/", r.path("files"))}),
        )
        .await;
    assert_eq!(
        out.msg.as_deref(),
        Some("can not use content with a dir as dest")
    );
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "x", "dest": r.path("nodir/x/y")}),
        )
        .await;
    let parent = r.path("nodir/x");
    assert_eq!(
        out.msg.as_deref(),
        Some(format!("Destination directory {parent} does not exist").as_str())
    );
    let out = r
        .ok(&CopyModule, json!({"src": "nope.txt", "dest": r.path("x")}))
        .await;
    assert!(out.failed);
    let d = r.path("forced");
    std::fs::write(&d, "keep").unwrap();
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "other", "dest": d, "force": false}),
        )
        .await;
    assert!(!out.changed);
    assert_eq!(std::fs::read_to_string(&d).unwrap(), "keep");
}

#[tokio::test]
async fn owner_group_and_symbolic_mode_on_new_file() {
    let r = Runner::new();
    let dest = r.path("o.txt");
    let args = json!({"content": "o\n", "dest": dest, "owner": "nobody", "group": "65534", "mode": "u=rw,g=r"});
    let out = r.ok(&CopyModule, args.clone()).await;
    // Recorded: uid 65534, owner "nobody", mode "0644", checksum aa0a18d9...
    assert_eq!(out.data["uid"], 65534);
    assert_eq!(out.data["owner"], "nobody");
    assert_eq!(out.data["mode"], "0644");
    assert_eq!(
        out.data["checksum"],
        "aa0a18d9cd83593d2a3af50c1089adbab4bda7b0"
    );
    assert!(!r.ok(&CopyModule, args).await.changed);
    // Replacing the content keeps the owner.
    r.ok(&CopyModule, json!({"content": "p\n", "dest": dest}))
        .await;
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&dest).unwrap().uid(), 65534);
}

#[tokio::test]
async fn hostile_dest_paths() {
    let r = Runner::new();
    for name in ["a b", "q'uote", "$(touch pwned)", "nl\nname", "semi;colon"] {
        let dest = r.path(name);
        let args = json!({"content": name, "dest": dest, "mode": "0640"});
        let out = r.ok(&CopyModule, args.clone()).await;
        assert!(out.changed, "{name}: {:?}", out.msg);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), name);
        assert_eq!(mode_of(&dest), 0o640);
        assert!(!r.ok(&CopyModule, args).await.changed, "{name}");
    }
    assert!(!std::path::Path::new(&r.path("pwned")).exists());
}

#[tokio::test]
async fn template_renders_through_controller() {
    let r = Runner::new();
    std::fs::write(r.path("templates/t.j2"), "x={{ x }}\n").unwrap();
    let dest = r.path("t.txt");
    let out = r
        .run(
            &TemplateModule,
            json!({"src": "t.j2", "dest": dest}),
            false,
            true,
        )
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "x=42\n");
    assert_eq!(out.diff[0].after, "x=42\n");
    assert_eq!(
        out.data["checksum"],
        super::super::copy::sha1_hex(b"x=42\n")
    );
    let out = r
        .ok(&TemplateModule, json!({"src": "t.j2", "dest": dest}))
        .await;
    assert!(!out.changed);
    let out = r
        .ok(&TemplateModule, json!({"src": "nope.j2", "dest": dest}))
        .await;
    assert!(out.failed);
    assert_eq!(
        out.msg.as_deref(),
        Some("Could not find or access 'nope.j2'")
    );
}

#[tokio::test]
async fn validate_checks_new_content_before_it_replaces_dest() {
    let r = Runner::new();
    let dest = r.path("v.txt");
    std::fs::write(&dest, "a\n").unwrap();
    // Recorded: {"exit_status": 1, "stdout": "", "stderr": "", "msg": "failed to validate",
    // "checksum": "6fcf9dfb...", "changed": false}
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "x\n", "dest": dest, "validate": "grep -q zz %s"}),
        )
        .await;
    assert!(out.failed);
    assert_eq!(out.msg.as_deref(), Some("failed to validate"));
    assert_eq!(out.data["exit_status"], 1);
    assert_eq!(
        out.data["checksum"],
        "6fcf9dfbd479ed82697fee719b9f8c610a11ff2a"
    );
    assert_eq!(out.stdout.as_deref(), Some(""));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a\n");
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&r.scratch.dir).unwrap().count(), 3);
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "zz\n", "dest": dest, "validate": "grep -q zz %s"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(out.data["md5sum"], "83770f8fa25a50c6e3e11b313dadc1bb");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "zz\n");
    // Recorded: "validate must contain %s: true"
    let out = r
        .ok(
            &CopyModule,
            json!({"content": "x\n", "dest": dest, "validate": "true"}),
        )
        .await;
    assert_eq!(out.msg.as_deref(), Some("validate must contain %s: true"));
}

#[tokio::test]
async fn remote_src_copies_on_the_host() {
    let r = Runner::new();
    let src = r.path("v.txt");
    std::fs::write(&src, "zz\n").unwrap();
    let dest = r.path("v2.txt");
    let out = r
        .ok(
            &CopyModule,
            json!({"src": src, "dest": dest, "remote_src": true}),
        )
        .await;
    // Recorded: dest, src (the remote path), md5sum 83770f8f..., checksum 15546de8...
    assert!(out.changed);
    assert_eq!(out.data["src"], src.as_str());
    assert_eq!(
        out.data["checksum"],
        "15546de8c3b03e70ceec10a49f271b96b745a0a6"
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "zz\n");
}

#[tokio::test]
async fn directory_src_like_ansible() {
    let r = Runner::new();
    std::fs::create_dir_all(r.path("files/tree/sub")).unwrap();
    std::fs::write(r.path("files/tree/one.txt"), "1\n").unwrap();
    std::fs::write(r.path("files/tree/sub/two.txt"), "2\n").unwrap();
    // Recorded: {"dest": "/tmp/anst/dd/", "src": "/tmp/anst/files/tree", "changed": true}
    let dd = format!("{}/", r.path("dd"));
    let out = r.ok(&CopyModule, json!({"src": "tree", "dest": dd})).await;
    assert!(out.changed);
    assert_eq!(keys(&out), ["changed", "dest", "src"]);
    assert_eq!(out.data["dest"], dd.as_str());
    assert_eq!(out.data["src"], r.path("files/tree").as_str());
    assert_eq!(
        std::fs::read_to_string(r.path("dd/tree/sub/two.txt")).unwrap(),
        "2\n"
    );
    assert!(
        !r.ok(&CopyModule, json!({"src": "tree", "dest": dd}))
            .await
            .changed
    );
    // Recorded: contents of tree/ into dd2 with mode 0600 on files, dirs 0755.
    let dd2 = r.path("dd2");
    let check = r
        .run(
            &CopyModule,
            json!({"src": "tree/", "dest": dd2, "mode": "0600"}),
            true,
            false,
        )
        .await
        .unwrap();
    assert!(check.changed);
    assert!(!std::path::Path::new(&dd2).exists());
    let out = r
        .ok(
            &CopyModule,
            json!({"src": "tree/", "dest": dd2, "mode": "0600"}),
        )
        .await;
    assert!(out.changed);
    assert_eq!(out.data["dest"], format!("{dd2}/").as_str());
    assert_eq!(mode_of(&r.path("dd2/one.txt")), 0o600);
    assert_eq!(mode_of(&r.path("dd2/sub/two.txt")), 0o600);
    assert_eq!(mode_of(&r.path("dd2/sub")), 0o755);
    assert!(
        !r.ok(
            &CopyModule,
            json!({"src": "tree/", "dest": dd2, "mode": "0600"})
        )
        .await
        .changed
    );
}

#[tokio::test]
async fn mode_preserve_takes_the_source_mode() {
    use std::os::unix::fs::PermissionsExt;
    let r = Runner::new();
    let tpl = r.path("templates/run.sh.j2");
    std::fs::write(&tpl, "echo {{ x }}\n").unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o750)).unwrap();
    let dest = r.path("run.sh");
    let out = r
        .ok(
            &TemplateModule,
            json!({"src": "run.sh.j2", "dest": dest, "mode": "preserve"}),
        )
        .await;
    assert_eq!(out.data["mode"], "0750");
    assert_eq!(mode_of(&dest), 0o750);
}

#[tokio::test]
async fn template_newline_sequence() {
    let r = Runner::new();
    std::fs::write(r.path("templates/w.j2"), "a\nb\n").unwrap();
    let dest = r.path("w.txt");
    r.ok(
        &TemplateModule,
        json!({"src": "w.j2", "dest": dest, "newline_sequence": "\\r\\n"}),
    )
    .await;
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a\r\nb\r\n");
}

#[tokio::test]
async fn symlink_dest_replaced_or_followed() {
    let r = Runner::new();
    let real = r.path("real");
    let link = r.path("link");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    r.ok(
        &CopyModule,
        json!({"content": "new", "dest": link, "follow": true}),
    )
    .await;
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    // Recorded: ansible -m copy -a "content=newer dest=link" leaves a regular file at
    // link and the old target untouched.
    r.ok(&CopyModule, json!({"content": "newer", "dest": link}))
        .await;
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_file()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
}

#[test]
fn non_string_content_as_ansible_writes_it() {
    use super::super::copy::python_json;
    // python: json.dumps({"a": [1, True, None, "ä"], "b": {"c": 1.5}})
    let v = json!({"a": [1, true, null, "ä"], "b": {"c": 1.5}});
    assert_eq!(
        python_json(&v),
        r#"{"a": [1, true, null, "\u00e4"], "b": {"c": 1.5}}"#
    );
}
