//! The native modules end to end against LocalRemote in temp dirs.

use std::path::{Path, PathBuf};

use modules::runtime::registry::builtin;
use modules::runtime::{Controller, ModuleError, Outcome, TaskCx};
use serde_json::{Map, Value, json};

use super::LocalRemote;

/// Finds `files/` lookups in one directory.
struct DirController(PathBuf);

impl Controller for DirController {
    fn find_file(&self, _kind: &str, name: &str) -> Result<PathBuf, String> {
        let p = self.0.join(name);
        if p.exists() {
            Ok(p)
        } else {
            Err(format!("Could not find or access '{name}'"))
        }
    }

    fn render_template(&self, _path: &Path) -> Result<String, String> {
        Err("no templates here".into())
    }
}

fn run_in(dir: &Path, module: &str, args: Value, check: bool) -> Result<Outcome, ModuleError> {
    let remote = LocalRemote::new();
    let controller = DirController(dir.to_path_buf());
    let cx = TaskCx {
        remote: &remote,
        controller: &controller,
        check_mode: check,
        diff: false,
        host: "web1",
    };
    let args: Map<String, Value> = serde_json::from_value(args).unwrap();
    let module = builtin(&format!("ansible.builtin.{module}")).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(module.run(&cx, &args))
}

fn run(module: &str, args: Value) -> Outcome {
    run_in(Path::new("/"), module, args, false).unwrap()
}

fn p(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

#[test]
fn command_runs_and_reports_like_ansible() {
    let o = run("command", json!({"_raw_params": "echo hi"}));
    let j = o.to_json();
    assert_eq!(j["cmd"], json!(["echo", "hi"]));
    assert_eq!(
        (j["rc"].clone(), j["stdout"].clone(), j["changed"].clone()),
        (json!(0), json!("hi"), json!(true))
    );
    assert_eq!(j["msg"], "");
    assert!(j["delta"].as_str().unwrap().starts_with("0:00:0"));
    let o = run("command", json!({"_raw_params": "/bin/false"}));
    assert!(o.failed);
    assert_eq!(o.msg.as_deref(), Some("non-zero return code"));
    let o = run("command", json!({"_raw_params": "no-such-program-xyz arg"}));
    assert_eq!(o.msg.as_deref(), Some("Error executing command."));
    assert_eq!((o.changed, o.rc), (false, Some(2)));
    assert_eq!(o.data["cmd"], "no-such-program-xyz arg");
    // Environment variables expand as Python's expandvars, unset ones stay.
    let o = run(
        "command",
        json!({"_raw_params": "echo $HOME $RINGMASTER_UNSET_VAR"}),
    );
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(o.stdout.unwrap(), format!("{home} $RINGMASTER_UNSET_VAR"));
}

#[test]
fn hostile_arguments_reach_the_program_unchanged() {
    let hostile = "$(touch /tmp/pwned) `id`; echo x\nnext 'q' \"d\" ünï ✓ * ?";
    let o = run(
        "command",
        json!({"argv": ["printf", "%s", hostile], "expand_argument_vars": false}),
    );
    assert_eq!(o.stdout.as_deref(), Some(hostile.trim_end()));
    let o = run(
        "command",
        json!({"cmd": "printf '%s|' 'a b' \"c;d\" e\\ f"}),
    );
    assert_eq!(o.stdout.as_deref(), Some("a b|c;d|e f|"));
}

#[test]
fn command_stdin_chdir_creates_and_removes() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a b");
    std::fs::create_dir(&sub).unwrap();
    let o = run("command", json!({"_raw_params": "pwd", "chdir": p(&sub)}));
    assert_eq!(o.stdout.as_deref(), Some(p(&sub).as_str()));
    let o = run("command", json!({"_raw_params": "cat", "stdin": "in"}));
    assert_eq!(o.stdout.as_deref(), Some("in"));
    let o = run(
        "command",
        json!({"_raw_params": "cat", "stdin": "in", "stdin_add_newline": false, "strip_empty_ends": false}),
    );
    assert_eq!(o.stdout.as_deref(), Some("in"));
    let o = run(
        "command",
        json!({"_raw_params": "printf 'x\\n\\n'", "strip_empty_ends": "no"}),
    );
    assert_eq!(o.stdout.as_deref(), Some("x\n\n"));

    let marker = sub.join("made it");
    let args =
        json!({"_raw_params": format!("touch '{}'", p(&marker)), "creates": p(&sub.join("made*"))});
    let first = run("command", args.clone());
    assert!(first.changed && marker.exists());
    let second = run("command", args);
    assert!(!second.changed);
    assert_eq!(
        second.stdout.unwrap(),
        format!("skipped, since {} exists", p(&sub.join("made*")))
    );
    // Relative creates/removes are relative to chdir.
    let o = run(
        "command",
        json!({"_raw_params": "rm 'made it'", "chdir": p(&sub), "removes": "made it"}),
    );
    assert!(o.changed && !marker.exists());
    let o = run(
        "command",
        json!({"_raw_params": "rm 'made it'", "chdir": p(&sub), "removes": "made it"}),
    );
    assert!(!o.changed && !o.failed);
    let o = run(
        "command",
        json!({"_raw_params": "true", "chdir": p(&dir.path().join("missing"))}),
    );
    assert!(o.failed);
    assert_eq!(
        o.msg.as_deref(),
        Some("Unable to change directory before execution.")
    );
}

#[test]
fn check_mode_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    let o = run_in(
        dir.path(),
        "command",
        json!({"_raw_params": format!("touch {}", p(&f))}),
        true,
    )
    .unwrap();
    assert!(o.skipped && !f.exists());
    let o = run_in(
        dir.path(),
        "shell",
        json!({"cmd": format!("touch {}", p(&f)), "creates": p(&f)}),
        true,
    )
    .unwrap();
    assert!(o.changed && !o.skipped && !f.exists());
    let o = run_in(
        dir.path(),
        "raw",
        json!({"_raw_params": format!("touch {}", p(&f))}),
        true,
    )
    .unwrap();
    assert!(o.skipped && !f.exists());
    let o = run_in(dir.path(), "tempfile", json!({"path": p(dir.path())}), true).unwrap();
    assert!(o.skipped);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn shell_uses_sh_and_honours_executable() {
    let o = run("shell", json!({"_raw_params": "echo $0; echo a | tr a b"}));
    assert_eq!(o.stdout.as_deref(), Some("/bin/sh\nb"));
    assert_eq!(o.data["cmd"], "echo $0; echo a | tr a b");
    if Path::new("/bin/bash").exists() {
        let o = run(
            "shell",
            json!({"cmd": "echo ${BASH_VERSION:+bash}", "executable": "/bin/bash"}),
        );
        assert_eq!(o.stdout.as_deref(), Some("bash"));
    }
    let o = run("shell", json!({"cmd": "exit 3"}));
    assert_eq!((o.rc, o.failed), (Some(3), true));
}

#[test]
fn raw_and_script() {
    let o = run("raw", json!({"_raw_params": "echo hi"}));
    assert_eq!((o.stdout.as_deref(), o.changed), (Some("hi\n"), true));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("probe.sh"),
        "#!/bin/sh\necho \"args:$*\"; pwd\n",
    )
    .unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let o = run_in(
        dir.path(),
        "script",
        json!({"_raw_params": "probe.sh one 'two three'", "chdir": p(&work)}),
        false,
    )
    .unwrap();
    assert_eq!(
        o.stdout.as_deref(),
        Some(format!("args:one two three\n{}\n", p(&work)).as_str())
    );
    assert!(o.changed && !o.failed);
    let o = run_in(
        dir.path(),
        "script",
        json!({"cmd": "probe.sh", "creates": p(&work)}),
        false,
    )
    .unwrap();
    assert!(o.skipped);
    assert_eq!(
        o.msg.unwrap(),
        format!("{} exists, matching creates option", p(&work))
    );
    let o = run_in(
        dir.path(),
        "script",
        json!({"cmd": "probe.sh", "chdir": "rel"}),
        false,
    )
    .unwrap();
    assert!(o.failed);
    let err = run_in(dir.path(), "script", json!({"cmd": "missing.sh"}), false).unwrap_err();
    assert!(err.to_string().contains("missing.sh"));
}

#[test]
fn ping_and_argument_errors() {
    assert_eq!(run("ping", json!({})).to_json()["ping"], "pong");
    assert_eq!(run("ping", json!({"data": "x"})).to_json()["ping"], "x");
    let crash = run("ping", json!({"data": "crash"}));
    assert!(crash.failed);
    let err = run_in(Path::new("/"), "ping", json!({"dat": "x"}), false).unwrap_err();
    assert!(matches!(err, ModuleError::Args(_)));
    assert!(err.to_string().contains("dat"), "{err}");
    let err = run_in(Path::new("/"), "wait_for", json!({"port": "eighty"}), false).unwrap_err();
    assert!(err.to_string().contains("port"), "{err}");
    let err = run_in(Path::new("/"), "stat", json!({}), false).unwrap_err();
    assert!(err.to_string().contains("path"), "{err}");
}

#[test]
fn stat_slurp_and_fetch_files() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("it's here");
    let data: Vec<u8> = (0..=255u8).collect();
    std::fs::write(&f, &data).unwrap();
    std::os::unix::fs::symlink(&f, dir.path().join("link")).unwrap();
    let s = run("stat", json!({"path": p(&f)})).data["stat"].clone();
    assert_eq!(
        (s["exists"].clone(), s["isreg"].clone(), s["size"].clone()),
        (json!(true), json!(true), json!(256))
    );
    assert_eq!(s["checksum"], "4916d6bdb7f78e6803698cab32d1586ea457dfc8");
    assert_eq!(s["path"], p(&f));
    let s = run("stat", json!({"path": p(&dir.path().join("link"))})).data["stat"].clone();
    assert_eq!(
        (s["islnk"].clone(), s["lnk_source"].clone()),
        (json!(true), json!(p(&f)))
    );
    let s = run(
        "stat",
        json!({"path": p(&dir.path().join("link")), "follow": true}),
    )
    .data["stat"]
        .clone();
    assert_eq!(s["isreg"], true);
    let s = run(
        "stat",
        json!({"path": p(dir.path()), "get_checksum": false}),
    )
    .data["stat"]
        .clone();
    assert_eq!((s["isdir"].clone(), s.get("checksum")), (json!(true), None));
    assert_eq!(
        run("stat", json!({"path": "/no/such"})).data["stat"],
        json!({"exists": false})
    );

    use base64::Engine;
    let o = run("slurp", json!({"src": p(&f)}));
    let content = o.data["content"].as_str().unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(content)
            .unwrap(),
        data
    );
    assert_eq!(o.data["encoding"], "base64");
    let o = run("slurp", json!({"path": "/no/such"}));
    assert_eq!(o.msg.as_deref(), Some("File not found: /no/such"));
    let o = run("slurp", json!({"src": p(dir.path())}));
    assert!(o.msg.unwrap().starts_with("Source is a directory"));

    let dest = dir.path().join("fetched");
    let o = run("fetch", json!({"src": p(&f), "dest": p(&dest)}));
    assert!(o.changed, "{o:?}");
    let landed = PathBuf::from(format!("{}/web1{}", p(&dest), p(&f)));
    assert_eq!(std::fs::read(&landed).unwrap(), data);
    assert_eq!(o.data["dest"], p(&landed));
    let again = run("fetch", json!({"src": p(&f), "dest": p(&dest)}));
    assert!(!again.changed && !again.failed);
    let flat = run(
        "fetch",
        json!({"src": p(&f), "dest": format!("{}/", p(&dest)), "flat": true}),
    );
    assert_eq!(std::fs::read(dest.join("it's here")).unwrap(), data);
    assert!(flat.changed);
    let missing = run("fetch", json!({"src": "/no/such", "dest": p(&dest)}));
    assert!(missing.failed);
    assert_eq!(
        missing.msg.as_deref(),
        Some("the remote file does not exist, not transferring, ignored")
    );
    let ignored = run(
        "fetch",
        json!({"src": "/no/such", "dest": p(&dest), "fail_on_missing": false}),
    );
    assert!(!ignored.failed);
}

#[test]
fn tempfile_creates_files_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let o = run("tempfile", json!({"path": p(dir.path()), "suffix": ".txt"}));
    let path = o.data["path"].as_str().unwrap().to_string();
    assert!(path.starts_with(&format!("{}/ansible.", p(dir.path()))) && path.ends_with(".txt"));
    assert!(Path::new(&path).is_file());
    assert_eq!(
        (o.data["state"].clone(), o.data["mode"].clone(), o.changed),
        (json!("file"), json!("0600"), true)
    );
    let o = run(
        "tempfile",
        json!({"path": p(dir.path()), "state": "directory", "prefix": "rm-"}),
    );
    let path = o.data["path"].as_str().unwrap();
    assert!(Path::new(path).is_dir() && path.contains("/rm-"));
    assert_eq!(o.data["state"], "directory");
}

#[test]
fn wait_for_ports_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ready");
    std::fs::write(&f, "booting\nready on 8080\n").unwrap();
    let o = run("wait_for", json!({"path": p(&f)}));
    assert!(!o.failed);
    assert_eq!(
        (o.data["state"].clone(), o.data["elapsed"].clone()),
        (json!("file"), json!(0))
    );
    let o = run(
        "wait_for",
        json!({"path": p(&f), "search_regex": "ready on (?P<port>\\d+)"}),
    );
    assert_eq!(o.data["match_groupdict"], json!({"port": "8080"}));
    let o = run(
        "wait_for",
        json!({"path": p(&f), "search_regex": "never", "timeout": 1}),
    );
    assert!(o.failed);
    assert_eq!(
        o.msg.unwrap(),
        format!("Timeout when waiting for search string never in {}", p(&f))
    );
    let o = run(
        "wait_for",
        json!({"path": p(&dir.path().join("gone")), "state": "absent"}),
    );
    assert!(!o.failed);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let o = run("wait_for", json!({"port": port, "timeout": 5}));
    assert!(!o.failed, "{o:?}");
    assert_eq!(o.data["port"], json!(port));
    drop(listener);
    let o = run("wait_for", json!({"port": port, "timeout": 1}));
    assert!(o.failed);
    assert_eq!(
        o.msg.unwrap(),
        format!("Timeout when waiting for 127.0.0.1:{port}")
    );
    assert_eq!(o.data["elapsed"], json!(1));
    let o = run(
        "wait_for",
        json!({"port": port, "state": "stopped", "timeout": 2}),
    );
    assert!(!o.failed);
}

#[test]
fn setup_gathers_the_facts_playbooks_branch_on() {
    let o = run("setup", json!({}));
    let facts = o.data["ansible_facts"].as_object().unwrap();
    for key in [
        "ansible_os_family",
        "ansible_distribution",
        "ansible_distribution_version",
        "ansible_distribution_major_version",
        "ansible_hostname",
        "ansible_fqdn",
        "ansible_architecture",
        "ansible_kernel",
        "ansible_memtotal_mb",
        "ansible_processor_vcpus",
        "ansible_default_ipv4",
        "ansible_date_time",
        "ansible_env",
        "ansible_pkg_mgr",
        "ansible_service_mgr",
        "ansible_user_id",
        "ansible_user_dir",
    ] {
        assert!(facts.contains_key(key), "{key} missing");
    }
    let uname = std::process::Command::new("uname")
        .arg("-n")
        .output()
        .unwrap();
    let node = String::from_utf8_lossy(&uname.stdout).trim().to_string();
    assert_eq!(facts["ansible_nodename"], node);
    assert!(facts["ansible_memtotal_mb"].as_i64().unwrap() > 0);
    assert!(facts["ansible_processor_vcpus"].as_i64().unwrap() >= 1);
    assert_eq!(
        facts["ansible_env"]["HOME"],
        std::env::var("HOME").unwrap_or_default()
    );
    let o = run("gather_facts", json!({"filter": "ansible_distribution*"}));
    let facts = o.data["ansible_facts"].as_object().unwrap();
    // Recorded from ansible 2.19: `filter` also drops gather_subset and module_setup.
    assert!(facts.keys().all(|k| k.starts_with("ansible_distribution")));
    assert!(!facts.is_empty());
}

#[test]
fn setup_reads_local_facts_from_fact_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.fact"), r#"{"version": "1.2"}"#).unwrap();
    let exe = dir.path().join("live.fact");
    std::fs::write(&exe, "#!/bin/sh\necho '{\"ran\": true}'\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = run(
        "setup",
        json!({"fact_path": p(dir.path()), "filter": "ansible_local"}),
    );
    assert_eq!(
        o.data["ansible_facts"],
        json!({"ansible_local": {"app": {"version": "1.2"}, "live": {"ran": true}}})
    );
}
