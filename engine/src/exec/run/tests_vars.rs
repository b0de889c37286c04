//! Variables, lookups, ordering and the recap as a user sees them. Expected values
//! recorded from ansible-core 2.19 (`ansible-playbook -c local`).

use serde_json::Value as J;

use super::test_support::{run, run_with};

#[test]
fn precedence_extra_vars_over_set_fact_over_task_vars_over_play_vars() {
    let r = run_with(
        "h1 hv=inv\n",
        r#"
- hosts: all
  gather_facts: false
  vars: {a: play, b: play, c: play, hv: play}
  tasks:
    - set_fact: {b: fact}
    - name: show
      debug: msg="{{ a }} {{ b }} {{ c }} {{ hv }} {{ e }}"
      vars: {b: task, c: task}
"#,
        &["-e", "e=extra a=extra"],
    );
    assert_eq!(
        r.var("h1", "msg"),
        J::String("extra fact task play extra".into())
    );
}

#[test]
fn with_lookups_give_ansible_items() {
    let r = run(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  vars:
    users: [{name: a, keys: [k1, k2]}, {name: b, keys: [k3]}]
  tasks:
    - name: dict
      debug: msg="{{ item.key }}={{ item.value }}"
      with_dict: {x: 1, y: 2}
    - name: sequence
      debug: msg="{{ item }}"
      with_sequence: start=1 end=3 format=n%02d
    - name: together
      debug: msg="{{ item }}"
      with_together: [[1, 2], [a, b]]
    - name: nested
      debug: msg="{{ item }}"
      with_nested: [[1, 2], [a, b]]
    - name: subelements
      debug: msg="{{ item.0.name }} {{ item.1 }}"
      with_subelements: ["{{ users }}", keys]
    - name: items
      debug: msg="{{ item }}"
      with_items: [[1, [2]], 3]
"#,
    );
    // Item labels recorded with ansible-playbook 2.19 (shown here as JSON).
    assert_eq!(
        r.task("dict"),
        vec![
            "ok h1 ({\"key\":\"x\",\"value\":1})",
            "ok h1 ({\"key\":\"y\",\"value\":2})"
        ]
    );
    assert_eq!(
        r.task("sequence"),
        vec!["ok h1 (n01)", "ok h1 (n02)", "ok h1 (n03)"]
    );
    assert_eq!(
        r.task("together"),
        vec!["ok h1 ([1,\"a\"])", "ok h1 ([2,\"b\"])"]
    );
    assert_eq!(
        r.task("nested"),
        vec![
            "ok h1 ([1,\"a\"])",
            "ok h1 ([1,\"b\"])",
            "ok h1 ([2,\"a\"])",
            "ok h1 ([2,\"b\"])"
        ]
    );
    assert_eq!(
        r.task("subelements"),
        vec![
            "ok h1 ([{\"name\":\"a\"},\"k1\"])",
            "ok h1 ([{\"name\":\"a\"},\"k2\"])",
            "ok h1 ([{\"name\":\"b\"},\"k3\"])"
        ]
    );
    assert_eq!(
        r.task("items"),
        vec!["ok h1 (1)", "ok h1 (3)", "ok h1 ([2])"]
    );
}

#[test]
fn order_and_delegate_facts() {
    let r = run(
        "h2\nh1\nh3\n",
        r#"
- hosts: all
  gather_facts: false
  order: sorted
  tasks:
    - name: facts to h3
      setup:
      delegate_to: h3
      delegate_facts: true
      run_once: true
    - name: show
      debug: msg="{{ hostvars['h3'].ansible_facts.hostname | default('none') }} {{ ansible_facts.hostname | default('none') }}"
"#,
    );
    let plays: Vec<String> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PLAY"))
        .collect();
    assert_eq!(plays, vec!["PLAY all [h1,h2,h3]"]);
    assert_eq!(r.task("facts to h3"), vec!["ok h1"]);
    // The facts went to the delegate (the test setup names them after the task host).
    assert_eq!(r.var("h1", "msg"), J::String("h1-name none".into()));
}

#[test]
fn the_recap_lists_only_hosts_with_results() {
    let r = run_with(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg=x
      tags: [other]
"#,
        &["--tags", "nothing"],
    );
    // Recorded: PLAY banner, then an empty PLAY RECAP.
    assert_eq!(r.lines(), vec!["PLAY all [h1,h2]"]);
    assert!(r.summary.recap.hosts.is_empty());
    assert_eq!(r.summary.exit_code, 0);
}

/// Rough cost check (not a benchmark): 50 hosts x 20 engine tasks stay fast.
#[test]
fn fifty_hosts_twenty_tasks_stay_fast() {
    let inventory: String = (1..=50).map(|i| format!("h{i}\n")).collect();
    let mut pb = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    for i in 0..10 {
        pb.push_str(&format!(
            "    - set_fact: {{v{i}: \"{{{{ inventory_hostname }}}}-{i}\"}}\n    - debug: msg=\"{{{{ v{i} }}}}\"\n"
        ));
    }
    let start = std::time::Instant::now();
    let r = run(&inventory, &pb);
    let took = start.elapsed();
    assert_eq!(r.var("h50", "msg"), J::String("h50-9".into()));
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    eprintln!("50 hosts x 20 tasks: {took:?}");
}

#[test]
fn hostvars_sees_other_hosts_facts_and_not_unknown_hosts() {
    let r = run(
        "h1\nh2\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - set_fact: {mine: "{{ inventory_hostname }}-fact"}
    - name: show
      debug: msg="{{ hostvars['h2'].mine }} {{ hostvars['nosuch'] is defined }}"
"#,
    );
    assert_eq!(r.var("h1", "msg"), J::String("h2-fact False".into()));
}

#[test]
fn include_vars_file_dir_and_name() {
    let r = super::test_support::run_files(
        "h1\n",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - include_vars: {dir: confs}
    - include_vars: {file: one.yml, name: bag}
    - name: show
      debug: msg="{{ a }} {{ b }} {{ bag.x }}"
"#,
        &[
            ("confs/10.yml", "a: first\nb: first\n"),
            ("confs/20.yml", "b: second\n"),
            ("vars/one.yml", "x: '{{ a }}-x'\n"),
        ],
        &[],
    );
    assert_eq!(r.var("h1", "msg"), J::String("first second first-x".into()));
}
