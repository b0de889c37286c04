//! `async:`/`poll:` and `async_status` (shapes recorded from ansible-core 2.19, run
//! corpus 105 and 106): loops, cancelled jobs at the end of the run, refusals.

use serde_json::Value as J;

use super::test_support::run;

#[test]
fn each_loop_item_gets_its_own_background_job() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: start
      shell: "echo {{ item }}"
      loop: [a, b]
      async: 10
      poll: 0
      register: jobs
    - name: collect
      async_status:
        jid: "{{ item.ansible_job_id }}"
      loop: "{{ jobs.results }}"
      register: done
      until: done.finished
      retries: 20
      delay: 1
    - debug:
        msg: "{{ done.results | map(attribute='stdout') | list }}"
"#,
    );
    assert_eq!(r.task("start"), vec!["changed h1 (a)", "changed h1 (b)"]);
    assert_eq!(r.var("h1", "msg"), serde_json::json!(["a", "b"]));
    assert_eq!(
        r.recap("h1"),
        "ok=3 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn a_polled_job_reports_poll_lines_and_its_result() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: polled
      shell: sleep 1.5; echo done
      async: 5
      poll: 1
      register: p
    - debug: var=p.stdout
    - debug: var=p.finished
"#,
    );
    assert_eq!(r.task("polled"), vec!["changed h1"]);
    assert_eq!(r.var("h1", "p.stdout"), J::String("done".into()));
    let polls: Vec<&str> = r
        .events
        .iter()
        .filter_map(|e| match e {
            crate::report::Event::Display { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(polls.len(), 2, "{polls:?}");
    assert!(polls[0].starts_with("ASYNC POLL on h1: jid=j"), "{polls:?}");
    assert!(
        polls[0].ends_with(" started=True finished=False"),
        "{polls:?}"
    );
    assert!(polls[1].starts_with("ASYNC OK on h1: jid=j"), "{polls:?}");
}

#[test]
fn jobs_still_running_are_cancelled_when_the_run_ends() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("late");
    let r = run(
        "h1\n",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: background
      shell: sleep 1.5 && touch {}
      async: 30
      poll: 0
"#,
            marker.display()
        ),
    );
    assert_eq!(r.task("background"), vec!["changed h1"]);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(!marker.exists(), "the job was cancelled with the run");
}

#[test]
fn async_status_of_an_unknown_job_fails_as_ansible() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: unknown
      async_status: jid=j1.2
      register: u
      ignore_errors: true
    - debug: var=u.msg
    - debug: var=u.finished
"#,
    );
    assert_eq!(r.task("unknown"), vec!["failed h1 ignoring"]);
    assert_eq!(r.var("h1", "u.msg"), J::String("could not find job".into()));
    assert_eq!(r.var("h1", "u.finished"), J::Bool(true));
}

#[test]
fn an_unreachable_host_starts_no_job() {
    let r = run(
        "h1\ndown1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: launch
      shell: "true"
      async: 10
      poll: 0
"#,
    );
    assert_eq!(r.task("launch"), vec!["changed h1", "unreachable down1"]);
    assert_eq!(
        r.recap("down1"),
        "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn async_on_an_include_is_ignored() {
    let r = super::test_support::run_files(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: inc
      include_tasks: more.yml
      async: 10
      poll: 0
"#,
        &[("more.yml", "- name: inner\n  debug: msg=hi\n")],
        &[],
    );
    assert_eq!(r.task("inner"), vec!["ok h1"]);
}
