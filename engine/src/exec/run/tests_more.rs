//! More user-visible behaviour: inventory changes, includes, vars at every level,
//! delegation, no_log, --start-at-task, check mode. Expected values recorded from
//! ansible-core 2.19 (`ansible-playbook -c local`).

use serde_json::Value as J;

use super::test_support::{run, run_files, run_with};
use crate::report::Event;

#[test]
fn add_host_group_by_include_tasks_include_vars_block_vars_delegation() {
    let r = run_files(
        "h1\nh2\nh3\n",
        r#"
- hosts: h1:h2
  gather_facts: false
  vars:
    who: play
  tasks:
    - add_host: {name: newhost, groups: [fresh], myvar: 7}
    - group_by: {key: "g_{{ inventory_hostname }}"}
    - name: groups
      debug: msg="{{ groups['fresh'] }} {{ groups['g_h1'] }}"
    - include_tasks: inc.yml
    - include_vars: vars1.yml
    - name: color
      debug: msg="{{ color }}"
    - block:
        - name: bv
          debug: msg="{{ bv }}"
      vars: {bv: blockvar}
      when: inventory_hostname == 'h2'
    - name: secret
      command: echo secret
      no_log: true
    - name: delegated
      command: "echo {{ inventory_hostname }}"
      delegate_to: h3
      register: d
    - name: out
      debug: msg="{{ d.stdout }}"
- hosts: fresh
  gather_facts: false
  tasks:
    - name: fresh
      debug: msg="{{ myvar }}"
"#,
        &[
            (
                "inc.yml",
                "- name: \"included {{ who }}\"\n  debug: msg=\"in {{ who }}\"\n",
            ),
            ("vars1.yml", "color: blue\n"),
        ],
        &[],
    );
    assert_eq!(r.task("add_host"), vec!["changed h1"]);
    assert_eq!(r.task("group_by"), vec!["changed h1", "changed h2"]);
    assert_eq!(r.var("h2", "msg"), J::String("h2".into()));
    let lines = r.lines();
    assert!(
        lines.contains(&"included inc.yml for h1, h2".to_string()),
        "{lines:#?}"
    );
    assert_eq!(r.task("included play"), vec!["ok h1", "ok h2"]);
    assert_eq!(r.task("bv"), vec!["ok h2", "skipping h1"]);
    assert_eq!(r.task("fresh"), vec!["ok newhost"]);
    let msgs: Vec<J> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { host, result, .. } if host == "h1" => result.get("msg").cloned(),
            _ => None,
        })
        .collect();
    assert!(msgs.contains(&J::String("['newhost'] ['h1']".into())));
    assert!(msgs.contains(&J::String("blue".into())));
    let delegated: Vec<Option<String>> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult {
                delegated_to,
                result,
                ..
            } if result.get("stdout").is_some() && !result.contains_key("censored") => {
                Some(delegated_to.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        delegated,
        vec![Some("h3".to_string()), Some("h3".to_string())]
    );
    let censored = r.events.iter().any(|e| {
        matches!(e, Event::HostResult { no_log: true, result, .. }
            if result.get("censored").is_some() && result.get("stdout").is_none())
    });
    assert!(censored);
    assert_eq!(
        r.recap("h1"),
        "ok=10 changed=4 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("h2"),
        "ok=10 changed=3 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn start_at_task_skips_earlier_tasks() {
    let r = run_with(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - {name: one, debug: msg=1}
    - {name: two, debug: msg=2}
    - {name: three, debug: msg=3}
"#,
        &["--start-at-task", "two"],
    );
    let tasks: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("TASK"))
        .collect();
    assert_eq!(tasks, vec!["TASK two", "TASK three"]);
}

#[test]
fn no_hosts_matched_and_skipped_loop_when_empty() {
    let r = run(
        "h1\n",
        r#"
- hosts: nosuchgroup
  gather_facts: false
  tasks:
    - debug: msg=x
- hosts: all
  gather_facts: false
  tasks:
    - name: empty
      debug: msg="{{ item }}"
      loop: []
"#,
    );
    assert!(r.lines().contains(&"NO HOSTS MATCHED".to_string()));
    assert_eq!(r.task("empty"), vec!["skipping h1"]);
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn debug_var_undefined_and_verbosity() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - debug: var=nope
    - name: quiet
      debug: {msg: hidden, verbosity: 2}
"#,
    );
    assert_eq!(
        r.var("h1", "nope"),
        J::String("<< error 1 - 'nope' is undefined >>".into())
    );
    assert_eq!(r.task("quiet"), vec!["skipping h1"]);
}

#[test]
fn undefined_variable_in_args_fails_the_host() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="{{ missing }}"
"#,
    );
    assert_eq!(r.task("debug"), vec!["failed h1"]);
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn facts_are_gathered_and_environment_reaches_commands() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  tasks:
    - name: facts
      debug: msg="{{ ansible_facts.os_family }} {{ ansible_hostname }}"
    - name: env
      command: "echo $GREETING"
      environment: {GREETING: "hello world"}
      register: e
    - name: show
      debug: msg="{{ e.stdout }}"
"#,
    );
    let lines = r.lines();
    assert_eq!(lines[1], "TASK Gathering Facts");
    assert_eq!(r.task("Gathering Facts"), vec!["ok h1", "ok h2"]);
    let msgs: Vec<J> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { host, result, .. } if host == "h2" => result.get("msg").cloned(),
            _ => None,
        })
        .collect();
    assert_eq!(
        msgs,
        vec![
            J::String("TestOS h2-name".into()),
            J::String("hello world".into())
        ]
    );
}

#[test]
fn handlers_skip_failed_hosts_unless_forced() {
    let pb = r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      notify: restart
    - command: "test {{ inventory_hostname }} = h1"
  handlers:
    - name: restart
      debug: msg=restarted
"#;
    let r = run("h1\nh2\n", pb);
    assert_eq!(r.task("restart"), vec!["ok h1"]);
    let r = run_with("h1\nh2\n", pb, &["--force-handlers"]);
    assert_eq!(r.task("restart"), vec!["ok h1", "ok h2"]);
    let forced = pb.replace(
        "gather_facts: false",
        "gather_facts: false\n  force_handlers: true",
    );
    let r = run("h1\nh2\n", &forced);
    assert_eq!(r.task("restart"), vec!["ok h1", "ok h2"]);
}

#[test]
fn ignore_unreachable_keeps_the_host() {
    let r = run(
        "down1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      ignore_unreachable: true
    - debug: msg=still
"#,
    );
    assert_eq!(r.task("command"), vec!["unreachable down1 ignoring"]);
    assert_eq!(r.task("debug"), vec!["ok down1"]);
    assert_eq!(
        r.recap("down1"),
        "ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn loops_with_unreachable_and_ignored_failed_items() {
    let r = run(
        "h1\ndown1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: items
      command: "false"
      loop: [1]
      ignore_errors: true
"#,
    );
    // Recorded: the unreachable item shows as a failed item, the whole as unreachable
    // with "All items completed"; the failed items of h1 are ignored.
    assert_eq!(r.task("items"), vec!["failed down1 (1)", "failed h1 (1)"]);
    let whole: Vec<(String, crate::report::HostStatus, bool)> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult {
                host,
                item_label: None,
                status,
                ignored,
                ..
            } => Some((host.clone(), *status, *ignored)),
            _ => None,
        })
        .collect();
    assert!(whole.contains(&("h1".into(), crate::report::HostStatus::Failed, true)));
    assert!(whole.contains(&(
        "down1".into(),
        crate::report::HostStatus::Unreachable,
        false
    )));
    let agg = r
        .events
        .iter()
        .find_map(|e| match e {
            Event::HostResult {
                host,
                item_label: None,
                result,
                ..
            } if host == "down1" => Some(result.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(agg["msg"], "All items completed");
    assert_eq!(agg["unreachable"], true);
    assert_eq!(
        r.recap("h1"),
        "ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1"
    );
    assert_eq!(
        r.recap("down1"),
        "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn check_mode_keyword_overrides_the_cli_flag() {
    let r = run_with(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: checked
      command: "true"
    - name: forced
      command: "true"
      check_mode: false
"#,
        &["--check"],
    );
    assert_eq!(r.task("checked"), vec!["ok h1"]);
    assert_eq!(r.task("forced"), vec!["changed h1"]);
}

#[test]
fn earlier_failed_hosts_keep_their_batch_slot_and_play_host_lists() {
    let r = run(
        "h1\nh2\nh3\nh4\n",
        r#"
- hosts: h1:h2:h3
  gather_facts: false
  serial: 2
  tasks:
    - command: "test {{ inventory_hostname }} != h1"
- hosts: h1:h2:h3:h4
  gather_facts: false
  serial: 2
  tasks:
    - name: lists
      debug: msg="{{ ansible_play_batch }} {{ ansible_play_hosts }} {{ ansible_play_hosts_all }}"
"#,
    );
    let plays: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PLAY"))
        .collect();
    assert_eq!(
        plays,
        vec![
            "PLAY h1:h2:h3 [h1,h2]",
            "PLAY h1:h2:h3 [h3]",
            "PLAY h1:h2:h3:h4 [h1,h2]",
            "PLAY h1:h2:h3:h4 [h3,h4]"
        ]
    );
    assert_eq!(
        r.var("h2", "msg"),
        J::String("['h2'] ['h2', 'h3', 'h4'] ['h1', 'h2', 'h3', 'h4']".into())
    );
    assert_eq!(
        r.var("h4", "msg"),
        J::String("['h3', 'h4'] ['h2', 'h3', 'h4'] ['h1', 'h2', 'h3', 'h4']".into())
    );
    assert_eq!(r.summary.exit_code, 2);
}

#[test]
fn clear_host_errors_gives_exit_code_0_but_keeps_the_recap() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "test {{ inventory_hostname }} = h1"
    - meta: clear_host_errors
    - name: after
      debug: msg=after
"#,
    );
    assert_eq!(r.task("after"), vec!["ok h1"]);
    assert_eq!(
        r.recap("h2"),
        "ok=0 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 0);
}

#[test]
fn an_unknown_handler_ends_the_run_with_exit_1_and_no_recap() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      notify: nosuch
    - name: after
      debug: msg=after
"#,
    );
    assert!(!r.lines().contains(&"TASK after".to_string()));
    assert!(r.events.iter().any(|e| matches!(e, Event::Error { message }
        if message.contains("The requested handler 'nosuch' was not found"))));
    assert!(!r.events.iter().any(|e| matches!(e, Event::Recap(_))));
    assert_eq!(r.summary.exit_code, 1);
}

#[test]
fn throttle_limits_parallel_hosts() {
    let inventory = "h1\nh2\nh3\n";
    let pb = |throttle: &str| {
        format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: sleep 0.3
      {throttle}
"#
        )
    };
    let start = std::time::Instant::now();
    run(inventory, &pb(""));
    let parallel = start.elapsed();
    let start = std::time::Instant::now();
    run(inventory, &pb("throttle: 1"));
    let serial = start.elapsed();
    assert!(
        parallel < std::time::Duration::from_millis(850),
        "{parallel:?}"
    );
    assert!(
        serial >= std::time::Duration::from_millis(900),
        "{serial:?}"
    );
}

#[test]
fn run_time_errors_are_reported_as_ansible_words_them() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg="{{ missing }}"
      ignore_errors: true
    - command: "echo {{ missing }}"
      ignore_errors: true
    - debug: msg=x
      when: missing == 1
      ignore_errors: true
    - debug: msg="{{ item }}"
      loop: "{{ missing }}"
      ignore_errors: true
"#,
    );
    // Recorded with ansible-playbook 2.19 (the console drops the `failed` key).
    let failures: Vec<J> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { result, .. } => {
                let mut shown = result.clone();
                shown.remove("failed");
                shown.retain(|k, _| !k.starts_with("_ansible_"));
                Some(J::Object(shown))
            }
            _ => None,
        })
        .collect();
    // The `[ERROR]` block chains the causes: task, arguments, the value (55, 65).
    let blocks: Vec<&String> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostError { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert!(blocks[0].contains("\n\nTask failed.\nOrigin: "));
    assert!(blocks[0].contains(
        "<<< caused by >>>\n\nError while resolving value for 'msg': 'missing' is undefined\nOrigin: "
    ));
    assert!(blocks[0].contains(":5:14\n"));
    assert_eq!(
        failures,
        vec![
            serde_json::json!({"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': 'missing' is undefined"}),
            serde_json::json!({"changed": false, "msg": "Task failed: Finalization of task args for 'ansible.builtin.command' failed: Error while resolving value for '_raw_params': 'missing' is undefined"}),
            serde_json::json!({"msg": "Task failed: Error while evaluating conditional: 'missing' is undefined"}),
            serde_json::json!({"msg": "Task failed: 'missing' is undefined"}),
        ]
    );
}

#[test]
fn failed_and_unreachable_stop_the_run_with_exit_4() {
    let r = run(
        "h1\ndown1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "test {{ inventory_hostname }} = down1"
- hosts: h1
  gather_facts: false
  tasks:
    - debug: msg=x
"#,
    );
    // Recorded: every host of the batch failed or was unreachable, so the second
    // play never starts; unreachable outranks failed in the exit code.
    let plays: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PLAY"))
        .collect();
    assert_eq!(plays, vec!["PLAY all [h1,down1]"]);
    assert_eq!(r.summary.exit_code, 4);
}
