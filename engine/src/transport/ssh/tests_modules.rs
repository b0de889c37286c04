//! The native modules give the same results over SSH as over the local connection: the
//! same module calls run once through each (as the same plain-sh user, in a directory
//! of their own) and their outcomes are compared.

use std::path::{Path, PathBuf};

use modules::runtime::registry::builtin;
use modules::runtime::{Become, Controller, Remote, TaskCx};
use serde_json::{Map, Value, json};

use super::test_sshd::{self, Sshd};
use super::tests::{connect, rt};
use crate::transport::LocalRemote;
use crate::transport::connect::HostConnection;

struct NoFiles;

impl Controller for NoFiles {
    fn find_file(&self, _kind: &str, name: &str) -> Result<PathBuf, String> {
        Err(format!("Could not find or access '{name}'"))
    }

    fn render_template(&self, _path: &Path) -> Result<String, String> {
        Err("no templates here".into())
    }
}

/// Module calls on files under `D` (replaced by each run's own directory).
fn calls() -> Vec<(&'static str, Value)> {
    vec![
        (
            "copy",
            json!({"content": "hello\n", "dest": "D/a.txt", "mode": "0640"}),
        ),
        (
            "copy",
            json!({"content": "hello\n", "dest": "D/a.txt", "mode": "0640"}),
        ),
        ("stat", json!({"path": "D/a.txt"})),
        ("lineinfile", json!({"path": "D/a.txt", "line": "x=1"})),
        ("lineinfile", json!({"path": "D/a.txt", "line": "x=1"})),
        ("slurp", json!({"src": "D/a.txt"})),
        (
            "file",
            json!({"path": "D/sub dir", "state": "directory", "mode": "0750"}),
        ),
        ("command", json!({"_raw_params": "cat a.txt", "chdir": "D"})),
        (
            "shell",
            json!({"_raw_params": "printf 'it'\"'\"'s'; echo $((1+2)) >&2; exit 3"}),
        ),
        ("command", json!({"argv": ["printf", "%s", "$(x) `y` ; z"]})),
        ("file", json!({"path": "D/a.txt", "state": "absent"})),
        ("stat", json!({"path": "D/a.txt"})),
    ]
}

fn substitute(v: &Value, dir: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace('D', dir)),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, dir)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), substitute(x, dir)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The outcome with the run's directory written as `D` and times left out.
fn normalized(v: &Value, dir: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace(dir, "D")),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalized(x, dir)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    ![
                        "start", "end", "delta", "atime", "mtime", "ctime", "inode", "version",
                    ]
                    .contains(&k.as_str())
                })
                .map(|(k, x)| (k.clone(), normalized(x, dir)))
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn run_all(remote: &dyn Remote, dir: &str) -> Vec<Value> {
    let mut results = Vec::new();
    for (module, args) in calls() {
        let args = substitute(&args, dir);
        let args: Map<String, Value> = serde_json::from_value(args).unwrap();
        let cx = TaskCx {
            remote,
            controller: &NoFiles,
            check_mode: false,
            diff: false,
            host: "web1",
        };
        let m = builtin(&format!("ansible.builtin.{module}")).unwrap();
        let outcome = match m.run(&cx, &args).await {
            Ok(o) => Value::Object(o.to_json()),
            Err(e) => json!({"module error": format!("{e:?}")}),
        };
        results.push(normalized(&outcome, dir));
    }
    results
}

fn owned_dir(parent: &Path, name: &str) -> String {
    let dir = parent.join(name);
    std::fs::create_dir(&dir).unwrap();
    let status = std::process::Command::new("chown")
        .arg(test_sshd::PASSWORD_USER)
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    dir.to_str().unwrap().to_string()
}

#[test]
fn modules_give_the_same_results_over_ssh_as_over_local() {
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let scratch = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        scratch.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    // Same-length names, so sizes and offsets in the outcomes match too.
    let (local_dir, ssh_dir) = (
        owned_dir(scratch.path(), "vialoc"),
        owned_dir(scratch.path(), "viassh"),
    );
    let local = LocalRemote::with_become(Become {
        method: "su".into(),
        user: test_sshd::PASSWORD_USER.into(),
        password: None,
    });
    let hc = HostConnection {
        user: Some(test_sshd::PASSWORD_USER.into()),
        ..sshd.host("id_ed25519")
    };
    let (over_local, over_ssh) = rt().block_on(async {
        let remote = connect(&hc).await.unwrap();
        (
            run_all(&local, &local_dir).await,
            run_all(&remote, &ssh_dir).await,
        )
    });
    for ((call, l), s) in calls().iter().zip(&over_local).zip(&over_ssh) {
        assert_eq!(l, s, "{call:?}");
    }
}

#[test]
fn facts_are_gathered_over_ssh() {
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let hc = HostConnection {
        user: Some(test_sshd::PASSWORD_USER.into()),
        ..sshd.host("id_ed25519")
    };
    let facts = rt().block_on(async {
        let remote = connect(&hc).await.unwrap();
        let cx = TaskCx {
            remote: &remote,
            controller: &NoFiles,
            check_mode: false,
            diff: false,
            host: "web1",
        };
        let m = builtin("ansible.builtin.setup").unwrap();
        m.run(&cx, &Map::new()).await.unwrap().data["ansible_facts"].clone()
    });
    assert_eq!(facts["ansible_user_id"], test_sshd::PASSWORD_USER);
    assert_eq!(
        facts["ansible_env"]["SSH_CONNECTION"]
            .as_str()
            .map(|s| s.contains(super::test_sshd::ADDRESS)),
        Some(true)
    );
    assert!(facts["ansible_processor_vcpus"].as_i64().unwrap() >= 1);
    assert!(facts["ansible_distribution"].is_string());
}
