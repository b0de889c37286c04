use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;

fn args(v: Value) -> CommandArgs {
    serde_json::from_value(v).unwrap()
}

#[test]
fn command_splits_like_shlex_and_quotes_every_word() {
    let p = plan(&args(json!({"_raw_params": "echo 'a b' $(id) ;"})), false).unwrap();
    assert_eq!(p.cmd, json!(["echo", "a b", "$(id)", ";"]));
    assert_eq!(p.line, "exec echo 'a b' '$(id)' ';'");
    let p = plan(
        &args(json!({"argv": ["printf", "%s", "x y"], "chdir": "/tmp/a b"})),
        false,
    )
    .unwrap();
    assert_eq!(p.cmd, json!(["printf", "%s", "x y"]));
    assert_eq!(p.line, "cd '/tmp/a b' && exec printf %s 'x y'");
    let p = plan(
        &args(json!({"cmd": "ls $HOME", "expand_argument_vars": false})),
        false,
    )
    .unwrap();
    assert_eq!(p.line, "exec ls '$HOME'");
    assert_eq!(
        plan(&args(json!({"_raw_params": "  "})), false).unwrap_err(),
        "no command given"
    );
    assert_eq!(
        plan(&args(json!({"_raw_params": "echo 'x"})), false).unwrap_err(),
        "No closing quotation"
    );
}

#[test]
fn shell_keeps_the_line_and_honours_executable() {
    let p = plan(&args(json!({"_raw_params": "echo $0 | cat"})), true).unwrap();
    assert_eq!(p.cmd, json!("echo $0 | cat"));
    assert_eq!(p.line, "echo $0 | cat");
    let p = plan(
        &args(json!({"cmd": "echo hi", "executable": "/bin/bash", "chdir": "/"})),
        true,
    )
    .unwrap();
    assert_eq!(p.line, "cd / && /bin/bash -c 'echo hi'");
}

#[test]
fn creates_and_removes_decide_as_ansible() {
    let a = args(json!({"_raw_params": "echo hi", "creates": "/etc/passwd"}));
    let p = plan(&a, false).unwrap();
    let pre = parse_precheck("creates=yes\n");
    let o = decide(&a, &p, &pre, false).unwrap().to_json();
    // Recorded from ansible-playbook 2.19.
    assert_eq!(o["msg"], "Did not run command since '/etc/passwd' exists");
    assert_eq!(o["stdout"], "skipped, since /etc/passwd exists");
    assert_eq!(o["changed"], false);
    assert_eq!(o["rc"], 0);
    assert_eq!(o["delta"], Value::Null);
    assert_eq!(decide(&a, &p, &parse_precheck("creates=no\n"), false), None);

    let a = args(json!({"_raw_params": "echo hi", "removes": "/nope"}));
    let o = decide(&a, &p, &parse_precheck("removes=no\n"), true)
        .unwrap()
        .to_json();
    assert_eq!(
        o["msg"],
        "Would not run command since '/nope' does not exist"
    );
    assert_eq!(o["stdout"], "skipped, since /nope does not exist");
}

#[test]
fn check_mode_skips_unless_creates_or_removes_decide() {
    let a = args(json!({"_raw_params": "echo hi"}));
    let p = plan(&a, false).unwrap();
    let o = decide(&a, &p, &Precheck::default(), true)
        .unwrap()
        .to_json();
    assert_eq!(o["skipped"], true);
    assert_eq!(o["changed"], false);
    assert_eq!(o["msg"], "Command would have run if not in check mode");
    let a = args(json!({"_raw_params": "echo hi", "creates": "/nope"}));
    let o = decide(&a, &p, &Precheck::default(), true)
        .unwrap()
        .to_json();
    assert_eq!(o.get("skipped"), None);
    assert_eq!(o["changed"], true);
}

#[test]
fn finished_results_have_ansibles_shape() {
    let p = plan(&args(json!({"_raw_params": "/bin/false"})), false).unwrap();
    let start = UNIX_EPOCH + Duration::from_micros(1_795_358_827_048_153);
    let end = start + Duration::from_micros(4758);
    let out = ExecOutput {
        rc: 1,
        stdout: b"x\r\n\n".to_vec(),
        stderr: b"e\n".to_vec(),
    };
    let o = finish(&p, &out, start, end, true).to_json();
    assert_eq!(
        Value::Object(o),
        json!({
            "cmd": ["/bin/false"], "start": "2026-11-22 14:47:07.048153",
            "end": "2026-11-22 14:47:07.052911", "delta": "0:00:00.004758",
            "changed": true, "msg": "non-zero return code", "rc": 1,
            "stdout": "x", "stdout_lines": ["x"], "stderr": "e", "stderr_lines": ["e"],
            "failed": true
        })
    );
    let o = finish(&p, &out, start, end, false);
    assert_eq!(o.stdout.as_deref(), Some("x\r\n\n"));
    let missing = ExecOutput {
        rc: 127,
        stdout: vec![],
        stderr: b"/bin/sh: 1: exec: nope: not found\n".to_vec(),
    };
    let p = plan(&args(json!({"_raw_params": "nope 'a b'"})), false).unwrap();
    let o = finish(&p, &missing, start, end, true).to_json();
    // Recorded from ansible-playbook 2.19 (`command: nonexistprog x`).
    assert_eq!(
        Value::Object(o),
        json!({"cmd": "nope 'a b'", "changed": false, "msg": "Error executing command.", "rc": 2,
               "stdout": "", "stdout_lines": [], "stderr": "", "stderr_lines": [], "failed": true})
    );
}

#[test]
fn bad_arguments_name_the_argument() {
    let m: serde_json::Map<String, Value> =
        serde_json::from_value(json!({"_raw_params": "ls", "chdri": "/"})).unwrap();
    let err = parse::<CommandArgs>("ansible.builtin.command", &m)
        .unwrap_err()
        .to_string();
    assert!(err.contains("chdri"), "{err}");
    let m: serde_json::Map<String, Value> =
        serde_json::from_value(json!({"_raw_params": "ls", "cmd": "ls"})).unwrap();
    let err = parse::<CommandArgs>("ansible.builtin.command", &m)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mutually exclusive"), "{err}");
    let m: serde_json::Map<String, Value> =
        serde_json::from_value(json!({"_raw_params": "ls", "strip_empty_ends": "maybe"})).unwrap();
    let err = parse::<CommandArgs>("ansible.builtin.command", &m)
        .unwrap_err()
        .to_string();
    assert!(err.contains("strip_empty_ends"), "{err}");
}
