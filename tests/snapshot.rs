//! `snapshot` end to end on a real btrfs filesystem (a loop-mounted image made by the
//! test, as root): take, list, revert, delete — and a clear refusal where btrfs cannot
//! work. The `command` provider runs the user's own commands.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::run_on_localhost;

/// A btrfs image mounted on a temp dir with subvolume `data`; unmounted on drop.
struct Btrfs {
    _dir: tempfile::TempDir,
    mnt: PathBuf,
}

fn run(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed (btrfs tests need root and btrfs-progs): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Btrfs {
    fn new() -> Btrfs {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("fs.img");
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).unwrap();
        std::fs::File::create(&img)
            .unwrap()
            .set_len(256 << 20)
            .unwrap();
        run("mkfs.btrfs", &["-q", img.to_str().unwrap()]);
        run(
            "mount",
            &["-o", "loop", img.to_str().unwrap(), mnt.to_str().unwrap()],
        );
        run(
            "btrfs",
            &["subvolume", "create", mnt.join("data").to_str().unwrap()],
        );
        Btrfs { _dir: dir, mnt }
    }
}

impl Drop for Btrfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mnt).status();
    }
}

fn play(dir: &Path, tasks: &str) -> crate::util::Run {
    run_on_localhost(dir, tasks, &[])
}

#[test]
fn btrfs_snapshots_are_taken_listed_reverted_and_deleted() {
    let fs = Btrfs::new();
    let data = fs.mnt.join("data");
    std::fs::write(data.join("app.conf"), "version=1\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = data.display();
    let tasks = format!(
        r#"    - snapshot: {{provider: btrfs, path: "{d}", name: before-patch}}
      register: snap
    - snapshot: {{provider: btrfs, path: "{d}", name: before-patch}}
      register: again
    - copy: {{dest: "{d}/app.conf", content: "version=2\n"}}
    - copy: {{dest: "{d}/new-file", content: "added by the patch\n"}}
    - snapshot: {{provider: btrfs, path: "{d}", state: list}}
      register: listed
    - debug:
        msg: "created={{{{ snap.changed }}}} again={{{{ again.changed }}}} path={{{{ snap.snapshot.snapshot_path }}}} names={{{{ listed.snapshots | map(attribute='name') | list }}}} has_time={{{{ snap.snapshot.created is defined }}}}"
    - snapshot: {{provider: btrfs, path: "{d}", name: "{{{{ snap.snapshot.name }}}}", state: reverted}}
"#
    );
    let run1 = play(dir.path(), &tasks);
    assert_eq!(run1.rc, 0, "{}{}", run1.stdout, run1.stderr);
    let snap_path = fs.mnt.join(".snapshots/data/before-patch");
    assert!(
        run1.stdout.contains(&format!(
            "created=True again=False path={} names=['before-patch'] has_time=True",
            snap_path.display()
        )),
        "{}",
        run1.stdout
    );
    // Reverted: the file is back as it was, the file the patch added is gone.
    assert_eq!(
        std::fs::read_to_string(data.join("app.conf")).unwrap(),
        "version=1\n"
    );
    assert!(!data.join("new-file").exists());
    // The revert leaves a writable subvolume and no moved-aside copy.
    std::fs::write(data.join("after"), "x").unwrap();
    assert!(!fs.mnt.join("data.pre-revert").exists());

    let run2 = play(
        dir.path(),
        &format!(
            "    - snapshot: {{provider: btrfs, path: \"{d}\", name: before-patch, state: absent}}\n    - snapshot: {{provider: btrfs, path: \"{d}\", name: before-patch, state: absent}}\n      register: gone\n    - assert: {{that: [not gone.changed]}}\n"
        ),
    );
    assert_eq!(run2.rc, 0, "{}{}", run2.stdout, run2.stderr);
    assert!(!snap_path.exists());
}

#[test]
fn btrfs_provider_refuses_clearly_where_it_cannot_work_and_check_mode_changes_nothing() {
    let fs = Btrfs::new();
    let plain = fs.mnt.join("plain-dir");
    std::fs::create_dir(&plain).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let not_btrfs = dir.path().display();
    let run = play(
        dir.path(),
        &format!(
            "    - snapshot: {{provider: btrfs, path: \"{not_btrfs}\", name: s1}}\n      ignore_errors: true\n    - snapshot: {{provider: btrfs, path: \"{}\", name: s1}}\n      ignore_errors: true\n    - snapshot: {{provider: btrfs, path: \"{}\", name: s1, state: reverted}}\n      ignore_errors: true\n",
            plain.display(),
            fs.mnt.join("data").display()
        ),
    );
    assert_eq!(run.rc, 0, "{}", run.stdout);
    for msg in [
        format!("{not_btrfs} is not on a btrfs filesystem; the btrfs provider cannot snapshot it"),
        format!(
            "{} is a directory on btrfs but not a subvolume",
            plain.display()
        ),
        "snapshot 's1' does not exist, nothing to revert to".to_string(),
    ] {
        assert!(
            run.stdout.contains(&msg),
            "missing '{msg}' in\n{}",
            run.stdout
        );
    }

    let data = fs.mnt.join("data");
    let check = run_on_localhost(
        dir.path(),
        &format!(
            "    - snapshot: {{provider: btrfs, path: \"{}\", name: s1}}\n",
            data.display()
        ),
        &["--check"],
    );
    assert!(
        check.stdout.contains("changed: [localhost]"),
        "{}",
        check.stdout
    );
    assert!(!fs.mnt.join(".snapshots/data/s1").exists());
}

#[test]
fn command_provider_runs_the_given_commands_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let run = play(
        dir.path(),
        &format!(
            "    - snapshot: {{provider: command, name: s1, create_command: \"echo create s1 >> {l}\"}}\n    - snapshot: {{provider: command, name: s1, state: reverted, revert_command: \"echo revert s1 >> {l}\"}}\n    - snapshot: {{provider: command, name: s1, state: absent, delete_command: \"echo nope >&2; exit 3\"}}\n",
            l = log.display()
        ),
    );
    assert_eq!(run.rc, 2, "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "create s1\nrevert s1\n"
    );
    assert!(
        run.stdout
            .contains("\"msg\": \"command snapshot 's1' failed (rc 3): nope\""),
        "{}",
        run.stdout
    );
}

/// The libvirt provider through the module, against libvirt's test driver (whose state
/// lasts one connection, so each task starts from its default domain `test`): a snapshot
/// is created, reverting one that does not exist and a missing domain are refused.
#[test]
fn libvirt_provider_creates_snapshots_and_refuses_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_on_localhost(
        dir.path(),
        "    - snapshot: {provider: libvirt, uri: 'test:///default', domain: test, name: pre-patch}\n      register: s\n    - assert: {that: [s.changed, \"s.snapshot.domain == 'test'\"]}\n    - snapshot: {provider: libvirt, uri: 'test:///default', domain: test, name: pre-patch, state: reverted}\n      ignore_errors: true\n    - snapshot: {provider: libvirt, uri: 'test:///default', domain: no-such-vm, name: s1}\n      ignore_errors: true\n",
        &[],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    for msg in [
        "snapshot 'pre-patch' does not exist, nothing to revert to",
        "no libvirt domain 'no-such-vm'",
    ] {
        assert!(
            run.stdout.contains(msg),
            "missing '{msg}' in\n{}",
            run.stdout
        );
    }
}
