//! Blocks, includes, roles, timeouts and cancellation, as a user sees them. Expected
//! values recorded from ansible-core 2.19 (`ansible-playbook -c local`).

use serde_json::Value as J;

use super::test_support::{run, run_cancellable, run_files};
use crate::report::Event;

#[test]
fn roles_with_defaults_handlers_and_include_role() {
    let r = run_files(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  roles:
    - r1
  tasks:
    - include_role: {name: r2}
    - name: after
      debug: msg=after
"#,
        &[
            (
                "roles/r1/tasks/main.yml",
                "- name: hello\n  command: \"echo {{ greeting }}\"\n  notify: r1 handler\n",
            ),
            ("roles/r1/defaults/main.yml", "greeting: hi\n"),
            (
                "roles/r1/handlers/main.yml",
                "- name: r1 handler\n  debug: msg=from-r1\n",
            ),
            (
                "roles/r2/tasks/main.yml",
                "- name: second\n  debug: msg=r2\n",
            ),
        ],
        &[],
    );
    let banners: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK") || l.starts_with("HANDLER"))
        .collect();
    assert_eq!(
        banners,
        vec![
            "TASK r1 : hello",
            "TASK include_role : r2",
            "TASK r2 : second",
            "TASK after",
            "HANDLER r1 : r1 handler",
        ]
    );
    assert!(r.lines().contains(&"included r2 for h1".to_string()));
    assert_eq!(
        r.recap("h1"),
        "ok=5 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn include_tasks_in_a_loop_includes_once_per_item() {
    let r = run_files(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: inc2.yml
      loop: [a, b]
    - name: after
      debug: msg=after
"#,
        &[(
            "inc2.yml",
            "- name: \"inc {{ item }}\"\n  debug: msg=\"{{ item }} {{ inventory_hostname }}\"\n",
        )],
        &[],
    );
    let lines = r.lines();
    let shown: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("ok") && !l.starts_with("PLAY"))
        .collect();
    assert_eq!(
        shown,
        vec![
            "TASK include_tasks",
            "included inc2.yml for h1, h2 (a)",
            "included inc2.yml for h1, h2 (b)",
            "TASK inc a",
            "TASK inc b",
            "TASK after"
        ]
    );
    assert_eq!(r.var("h2", "msg"), J::String("after".into()));
    assert_eq!(
        r.recap("h1"),
        "ok=5 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn timeout_fails_the_task_as_ansible_reports_it() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: sleep 3
      timeout: 1
      ignore_errors: true
"#,
    );
    assert_eq!(r.task("command"), vec!["failed h1 ignoring"]);
    let result = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::HostResult { result, .. } => Some(result.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(result["msg"], "Task failed: Timed out after 1 second(s).");
    assert_eq!(result["timedout"]["period"], 1);
}

#[test]
fn cancelling_stops_the_run_with_a_recap_and_exit_99() {
    let cancel = tokio_util::sync::CancellationToken::new();
    let trigger = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        trigger.cancel();
    });
    let r = run_cancellable(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: sleep 5
    - name: never
      debug: msg=x
"#,
        &[],
        &[],
        cancel,
    );
    assert!(!r.lines().contains(&"TASK never".to_string()));
    assert!(r.events.iter().any(|e| matches!(e, Event::Recap(_))));
    assert_eq!(r.summary.exit_code, 99);
}

#[test]
fn block_conditions_skip_loop_items_one_by_one() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: looped
          debug: msg="{{ item }}"
          loop: [1, 2]
      when: false
    - name: bad loop
      debug: msg="{{ item }}"
      loop: "{{ undefined_list }}"
      when: false
"#,
    );
    // Recorded: per-item skips, then the whole; an unevaluable loop under a false
    // condition is one skip.
    assert_eq!(r.task("looped"), vec!["skipping h1 (1)", "skipping h1 (2)"]);
    assert_eq!(r.task("bad loop"), vec!["skipping h1"]);
    assert_eq!(
        r.recap("h1"),
        "ok=0 changed=0 unreachable=0 failed=0 skipped=2 rescued=0 ignored=0"
    );
}

#[test]
fn any_errors_fatal_inside_a_rescued_block_sends_every_host_to_rescue() {
    let r = run(
        "h1\nh2\nh3\n",
        r#"
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - name: body
          command: "test {{ inventory_hostname }} != h2"
        - name: body2
          debug: msg=b2
      rescue:
        - name: rescue
          debug: msg=r
      always:
        - name: always
          debug: msg=a
    - name: after
      debug: msg=after
"#,
    );
    // Recorded with ansible-playbook 2.19.
    let tasks: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK"))
        .collect();
    assert_eq!(
        tasks,
        vec!["TASK body", "TASK rescue", "TASK always", "TASK after"]
    );
    assert_eq!(r.task("after"), vec!["ok h1", "ok h2", "ok h3"]);
    assert_eq!(
        r.recap("h1"),
        "ok=4 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h2"),
        "ok=3 changed=0 unreachable=0 failed=0 skipped=0 rescued=1 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn nested_blocks_inner_always_then_outer_rescue_that_fails() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - block:
            - name: inner
              command: "test {{ inventory_hostname }} != h2"
          always:
            - name: inner always
              debug: msg=ia
        - name: outer body
          debug: msg=ob
      rescue:
        - name: outer rescue
          fail: msg="{{ ansible_failed_result.msg }}"
      always:
        - name: outer always
          debug: msg=oa
    - name: after
      debug: msg=after
"#,
    );
    // Recorded with ansible-playbook 2.19.
    let tasks: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK"))
        .collect();
    assert_eq!(
        tasks,
        vec![
            "TASK inner",
            "TASK inner always",
            "TASK outer body",
            "TASK outer rescue",
            "TASK outer always",
            "TASK after"
        ]
    );
    assert_eq!(r.task("inner always"), vec!["ok h1", "ok h2"]);
    assert_eq!(r.task("outer body"), vec!["ok h1"]);
    assert_eq!(r.task("outer rescue"), vec!["failed h2"]);
    assert_eq!(r.task("after"), vec!["ok h1"]);
    let rescue_msg = r.events.iter().rev().find_map(|e| match e {
        Event::HostResult {
            host,
            status: crate::report::HostStatus::Failed,
            result,
            ..
        } if host == "h2" => result.get("msg").cloned(),
        _ => None,
    });
    assert_eq!(rescue_msg, Some(J::String("non-zero return code".into())));
    assert_eq!(
        r.recap("h2"),
        "ok=2 changed=0 unreachable=0 failed=1 skipped=0 rescued=1 ignored=0"
    );
    assert_eq!(
        r.recap("h1"),
        "ok=5 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn pause_runs_once_and_registers_on_the_first_host_only() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - pause: seconds=1
      register: p
    - name: show
      debug: msg="{{ p.stdout | default('undefined') }}"
"#,
    );
    // Recorded with ansible-playbook 2.19.
    assert_eq!(r.task("pause"), vec!["ok h1"]);
    assert!(
        r.events
            .iter()
            .any(|e| matches!(e, Event::Display { text } if text == "Pausing for 1 seconds"))
    );
    assert_eq!(
        r.var("h1", "msg"),
        J::String("Paused for 1.0 seconds".into())
    );
    assert_eq!(r.var("h2", "msg"), J::String("undefined".into()));
    assert_eq!(
        r.recap("h2"),
        "ok=1 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}
