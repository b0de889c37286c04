//! Strategy `free`: hosts do not wait for each other (the event order proves it),
//! banners are printed again whenever the next result is another task's, handlers
//! run per host. Expected shapes recorded from ansible-core 2.19 (run corpus 50,
//! 92, 93). Also `meta: reset_connection`, which runs per host too.

use super::test_support::{run, run_with};

const SLOW_A: &str = r#"
- hosts: all
  gather_facts: false
  strategy: STRATEGY
  tasks:
    - name: one
      command: "{{ 'sleep 2' if inventory_hostname == 'a' else 'true' }}"
      notify: bump
    - name: two
      command: "true"
    - name: three
      command: "true"
  handlers:
    - name: bump
      command: "true"
"#;

#[test]
fn free_hosts_run_their_tasks_without_waiting_for_the_others() {
    let r = run("a\nb\n", &SLOW_A.replace("STRATEGY", "free"));
    // b ran all three tasks and its handler while a was still in its first task.
    assert_eq!(
        r.lines(),
        vec![
            "PLAY all [a,b]",
            "TASK one",
            "changed b",
            "TASK two",
            "changed b",
            "TASK three",
            "changed b",
            "HANDLER bump",
            "changed b",
            "TASK one",
            "changed a",
            "TASK two",
            "changed a",
            "TASK three",
            "changed a",
            "HANDLER bump",
            "changed a",
        ]
    );
    for h in ["a", "b"] {
        assert_eq!(
            r.recap(h),
            "ok=4 changed=4 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
        );
    }
}

#[test]
fn linear_waits_for_the_slow_host() {
    let r = run("a\nb\n", &SLOW_A.replace("STRATEGY", "linear"));
    let lines = r.lines();
    assert_eq!(lines[1], "TASK one");
    assert_eq!(r.task("one"), vec!["changed a", "changed b"]);
    assert_eq!(lines[4], "TASK two");
}

#[test]
fn free_forks_bound_the_tasks_running_at_once() {
    // forks 1: one task at a time over both hosts, so the run takes both sleeps.
    let started = std::time::Instant::now();
    let r = run_with(
        "a\nb\n",
        r#"
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - command: sleep 1
"#,
        &["-f", "1"],
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(1900));
    assert_eq!(r.task("command"), vec!["changed a", "changed b"]);
}

#[test]
fn free_failure_stays_with_its_host_and_max_fail_is_not_applied() {
    let r = run(
        "a\nb\nc\n",
        r#"
- hosts: all
  gather_facts: false
  strategy: free
  max_fail_percentage: 0
  any_errors_fatal: true
  tasks:
    - name: one
      command: "test {{ inventory_hostname }} != b"
    - name: two
      command: "true"
"#,
    );
    assert_eq!(
        r.recap("a"),
        "ok=2 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        r.recap("b"),
        "ok=0 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(r.summary.exit_code, 2);
    assert!(!r.lines().contains(&"NO MORE HOSTS".to_string()));
}

#[test]
fn reset_connection_resets_each_hosts_connection() {
    // Recorded (run corpus 94): the meta prints its banner once per host.
    let r = run(
        "rst1\nrst2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - meta: reset_connection
    - name: after
      command: "true"
"#,
    );
    let resets = super::test_support::RESETS.lock().unwrap().clone();
    assert!(resets.contains(&"rst1".to_string()) && resets.contains(&"rst2".to_string()));
    let banners = r.lines().iter().filter(|l| *l == "TASK meta").count();
    assert_eq!(banners, 2);
    assert_eq!(r.task("after"), vec!["changed rst1", "changed rst2"]);
}
