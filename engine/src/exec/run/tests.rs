//! Behaviour a user sees, checked on playbooks run with the test harness. Expected
//! orders and counters recorded from ansible-core 2.19 (`ansible-playbook -c local`).

use serde_json::Value as J;

use super::test_support::{Run, run, run_with};

const THREE: &str = "h1\nh2\nh3\n";

#[test]
fn tasks_run_in_lockstep_and_failed_hosts_leave() {
    let r = run(
        THREE,
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      command: "test {{ inventory_hostname }} != h2"
    - name: second
      debug: msg=hi
"#,
    );
    let lines = r.lines();
    assert_eq!(lines[0], "PLAY all [h1,h2,h3]");
    assert_eq!(lines[1], "TASK first");
    assert_eq!(
        r.task("first"),
        vec!["changed h1", "changed h3", "failed h2"]
    );
    assert_eq!(r.task("second"), vec!["ok h1", "ok h3"]);
    assert!(!r.lines().contains(&"NO MORE HOSTS".to_string()));
    assert_eq!(
        r.recap("h2"),
        "ok=0 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h1"),
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn serial_batches_repeat_the_play_banner_and_a_breach_stops_everything() {
    let r = run(
        "h1\nh2\nh3\nh4\n",
        r#"
- hosts: all
  gather_facts: false
  serial: 2
  max_fail_percentage: 0
  tasks:
    - command: "test {{ inventory_hostname }} != h3"
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg=never
"#,
    );
    let plays: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PLAY"))
        .collect();
    assert_eq!(plays, vec!["PLAY all [h1,h2]", "PLAY all [h3,h4]"]);
    // Recorded: the breach prints NO MORE HOSTS LEFT twice (breach, then no host left).
    assert_eq!(
        r.lines().iter().filter(|l| *l == "NO MORE HOSTS").count(),
        2
    );
    assert!(!r.lines().iter().any(|l| l == "TASK debug"));
    assert_eq!(r.summary.exit_code, 2);
    // h4 was failed by the breach without a failed result of its own.
    assert_eq!(
        r.recap("h4"),
        "ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn a_batch_where_every_host_failed_stops_the_run() {
    let r = run(
        THREE,
        r#"
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - command: "false"
"#,
    );
    let plays: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PLAY"))
        .collect();
    assert_eq!(plays, vec!["PLAY all [h1]"]);
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn rescue_then_always_in_order() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - name: body
          command: "test {{ inventory_hostname }} = h1"
        - name: body2
          debug: msg=b2
      rescue:
        - name: rescue
          debug: msg="{{ ansible_failed_task.name }}"
      always:
        - name: always
          debug: msg=a
    - name: after
      debug: msg=after
"#,
    );
    let tasks: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK"))
        .collect();
    assert_eq!(
        tasks,
        vec![
            "TASK body",
            "TASK body2",
            "TASK rescue",
            "TASK always",
            "TASK after"
        ]
    );
    assert_eq!(r.task("body2"), vec!["ok h1"]);
    assert_eq!(r.task("rescue"), vec!["ok h2"]);
    assert_eq!(r.task("always"), vec!["ok h1", "ok h2"]);
    assert_eq!(r.task("after"), vec!["ok h1", "ok h2"]);
    assert_eq!(r.var("h2", "msg"), J::String("after".into()));
    assert_eq!(
        r.recap("h2"),
        "ok=3 changed=0 unreachable=0 failed=0 skipped=0 rescued=1 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn handlers_run_once_at_the_end_in_definition_order() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: change
      command: "true"
      notify: [second, first]
    - name: change again
      command: "true"
      notify: first
    - name: no change
      debug: msg=x
      notify: third
  handlers:
    - name: first
      debug: msg=1
    - name: second
      debug: msg=2
      listen: topic
    - name: third
      debug: msg=3
"#,
    );
    let banners: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK") || l.starts_with("HANDLER"))
        .collect();
    assert_eq!(
        banners,
        vec![
            "TASK change",
            "TASK change again",
            "TASK no change",
            "HANDLER first",
            "HANDLER second"
        ]
    );
    assert_eq!(r.task("first"), vec!["ok h1", "ok h2"]);
}

#[test]
fn loops_register_ansible_shape_and_when_per_item() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "echo {{ item }}"
      loop: [1, 2]
      register: r2
      when: item == 1
    - debug: var=r2
    - debug: msg=hi
      register: r1
      when: false
    - debug: var=r1
"#,
    );
    let r2 = r.var("h1", "r2");
    assert_eq!(r2["msg"], "All items completed");
    assert_eq!(r2["changed"], true);
    assert_eq!(r2["skipped"], false);
    let results = r2["results"].as_array().unwrap();
    assert_eq!(results[0]["stdout"], "1");
    assert_eq!(results[0]["item"], 1);
    assert_eq!(results[0]["ansible_loop_var"], "item");
    assert_eq!(results[0]["failed"], false);
    assert_eq!(results[1]["skipped"], true);
    assert_eq!(results[1]["false_condition"], "item == 1");
    assert_eq!(results[1]["skip_reason"], "Conditional result was False");
    let r1 = r.var("h1", "r1");
    assert_eq!(
        r1,
        serde_json::json!({"changed": false, "false_condition": false,
            "skip_reason": "Conditional result was False", "skipped": true})
    );
    assert_eq!(r.task("command"), vec!["changed h1 (1)", "skipping h1 (2)"]);
}

#[test]
fn with_items_loop_control_and_extended() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - set_fact:
        seen: "{{ seen | default([]) + [x ~ '/' ~ i ~ '/' ~ ansible_loop.last] }}"
      with_items: [[a, b], c]
      loop_control: {loop_var: x, index_var: i, extended: true, label: "L{{ x }}"}
    - debug: var=seen
"#,
    );
    assert_eq!(
        r.var("h1", "seen"),
        serde_json::json!(["a/0/False", "b/1/False", "c/2/True"])
    );
    assert_eq!(
        r.task("set_fact"),
        vec!["ok h1 (La)", "ok h1 (Lb)", "ok h1 (Lc)"]
    );
}

#[test]
fn changed_when_failed_when_until_and_ignore_errors() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: quiet
      command: "echo hi"
      register: out
      changed_when: false
    - name: fails on output
      command: "echo bad"
      register: bad
      failed_when: "'bad' in bad.stdout"
      ignore_errors: true
    - name: retried
      command: "false"
      register: retried
      until: retried.rc == 0
      retries: 2
      delay: 0
      ignore_errors: yes
    - debug: var=retried
"#,
    );
    assert_eq!(r.task("quiet"), vec!["ok h1"]);
    assert_eq!(r.task("fails on output"), vec!["failed h1 ignoring"]);
    assert_eq!(
        r.task("retried"),
        vec!["RETRY h1 1", "RETRY h1 2", "failed h1 ignoring"]
    );
    assert_eq!(r.var("h1", "retried")["attempts"], 2);
    assert_eq!(
        r.recap("h1"),
        "ok=4 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=2"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn run_once_runs_on_the_first_host_and_shares_the_result() {
    let r = run(
        THREE,
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: once
      command: "echo {{ inventory_hostname }}"
      run_once: true
      register: once
    - debug: msg="{{ once.stdout }}"
"#,
    );
    assert_eq!(r.task("once"), vec!["changed h1"]);
    assert_eq!(r.task("debug"), vec!["ok h1", "ok h2", "ok h3"]);
    assert_eq!(r.var("h3", "msg"), J::String("h1".into()));
}

#[test]
fn tags_select_tasks_always_and_never() {
    let pb = r#"
- hosts: all
  gather_facts: false
  tasks:
    - {name: a, debug: msg=a, tags: [one]}
    - {name: b, debug: msg=b, tags: [two]}
    - {name: c, debug: msg=c, tags: [always]}
    - {name: d, debug: msg=d, tags: [never]}
"#;
    let tasks = |r: &Run| -> Vec<String> {
        r.lines()
            .into_iter()
            .filter(|l| l.starts_with("TASK"))
            .collect()
    };
    assert_eq!(tasks(&run("h1\n", pb)), vec!["TASK a", "TASK b", "TASK c"]);
    assert_eq!(
        tasks(&run_with("h1\n", pb, &["--tags", "two"])),
        vec!["TASK b", "TASK c"]
    );
    assert_eq!(
        tasks(&run_with("h1\n", pb, &["--skip-tags", "one"])),
        vec!["TASK b", "TASK c"]
    );
}

#[test]
fn unreachable_hosts_leave_the_play_and_exit_4() {
    let r = run(
        "h1\ndown1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
    - debug: msg=x
"#,
    );
    assert_eq!(r.task("command"), vec!["changed h1", "unreachable down1"]);
    assert_eq!(r.task("debug"), vec!["ok h1"]);
    assert_eq!(
        r.recap("down1"),
        "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 4);
}

#[test]
fn a_panic_fails_only_that_host() {
    let r = run(
        THREE,
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - ping:
    - debug: msg=x
"#,
    );
    assert_eq!(r.task("ping"), vec!["failed h2", "ok h1", "ok h3"]);
    assert_eq!(r.task("debug"), vec!["ok h1", "ok h3"]);
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn assert_fail_and_set_fact_messages() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - set_fact: {n: 3}
    - assert: {that: ["n == 3", "n > 1"]}
      register: a
    - debug: var=a
    - assert: {that: "n == 4"}
      ignore_errors: true
      register: b
    - debug: var=b
    - fail:
"#,
    );
    assert_eq!(r.var("h1", "a")["msg"], "All assertions passed");
    assert_eq!(r.var("h1", "b")["msg"], "Assertion failed");
    assert_eq!(r.var("h1", "b")["assertion"], "n == 4");
    assert_eq!(
        r.var("h1", "msg"),
        J::String("Failed as requested from task".into())
    );
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn any_errors_fatal_fails_the_batch() {
    let r = run(
        THREE,
        r#"
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - command: "test {{ inventory_hostname }} != h2"
    - debug: msg=x
"#,
    );
    assert!(!r.lines().iter().any(|l| l == "TASK debug"));
    // Recorded: no NO MORE HOSTS LEFT, and the hosts failed by the spread count no failure.
    assert!(!r.lines().contains(&"NO MORE HOSTS".to_string()));
    assert_eq!(
        r.recap("h1"),
        "ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h2"),
        "ok=0 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn meta_end_host_and_flush_handlers() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      notify: h
    - meta: flush_handlers
    - meta: end_host
      when: inventory_hostname == 'h1'
    - name: last
      debug: msg=x
  handlers:
    - name: h
      debug: msg=handled
"#,
    );
    let banners: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK") || l.starts_with("HANDLER"))
        .collect();
    // Recorded: one banner per host for these metas.
    assert_eq!(
        banners,
        [
            "TASK command",
            "TASK meta",
            "TASK meta",
            "HANDLER h",
            "TASK meta",
            "TASK meta",
            "TASK last"
        ]
    );
    assert_eq!(r.task("last"), vec!["ok h2"]);
    // Recorded: meta tasks show no result but `skipping` for a false `when`, and
    // count nothing.
    let meta_lines: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("skipping") || l.starts_with("ok h1"))
        .collect();
    assert_eq!(meta_lines, vec!["ok h1", "skipping h2"]);
    assert_eq!(
        r.recap("h1"),
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h2"),
        "ok=3 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn ring_rollout_aborts_in_its_third_batch() {
    let inventory: String = (1..=10).map(|i| format!("h{i}\n")).collect();
    let r = run(
        &inventory,
        r#"
- name: ring
  hosts: all
  gather_facts: false
  serial: [1, "30%", -1]
  max_fail_percentage: 20
  tasks:
    - name: patch
      command: "test {{ inventory_hostname }} != h6 -a {{ inventory_hostname }} != h7"
    - name: validate
      debug: msg=ok
- name: later
  hosts: all
  gather_facts: false
  tasks:
    - debug: msg=never
"#,
    );
    // Recorded with ansible-playbook 2.19 on 10 local hosts.
    let shown: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PLAY") || l.starts_with("TASK") || l.starts_with("NO MORE"))
        .collect();
    assert_eq!(
        shown,
        vec![
            "PLAY ring [h1]",
            "TASK patch",
            "TASK validate",
            "PLAY ring [h2,h3,h4]",
            "TASK patch",
            "TASK validate",
            "PLAY ring [h5,h6,h7,h8,h9,h10]",
            "TASK patch",
            "NO MORE HOSTS",
            "NO MORE HOSTS",
        ]
    );
    assert_eq!(
        r.recap("h5"),
        "ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h6"),
        "ok=0 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h4"),
        "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 2);
}
