//! `--output json`: the machine-readable event stream CI pipelines read.

use crate::util::ringmaster;

#[test]
fn json_output_streams_every_event_and_ends_with_the_recap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.ini"),
        "[web]\nw[1:3] ansible_connection=local\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: web\n  gather_facts: false\n  tasks:\n    - name: greet\n      debug: msg=hi\n    - name: w2 fails\n      fail: msg=down\n      when: inventory_hostname == 'w2'\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml", "--output", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 2, "a failed host gives exit code 2\n{}", run.stderr);
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"playbook_start"));
    assert_eq!(kinds.last(), Some(&"recap"));
    let failed: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "host_result" && e["status"] == "failed")
        .map(|e| e["host"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["w2"]);
    let recap = &events.last().unwrap()["hosts"];
    assert_eq!(recap["w1"]["ok"], 1, "{recap}");
    assert_eq!(recap["w1"]["skipped"], 1, "{recap}");
    assert_eq!(recap["w2"]["failed"], 1, "{recap}");
    assert_eq!(recap["w3"]["skipped"], 1, "{recap}");
}

#[test]
fn json_output_to_a_file_keeps_the_console() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["site.yml", "--output", "json:events.jsonl"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 0, "{}", run.stderr);
    assert!(run.stdout.contains("PLAY RECAP"), "{}", run.stdout);
    let stream = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    assert!(
        stream
            .lines()
            .last()
            .unwrap()
            .contains("\"event\":\"recap\""),
        "{stream}"
    );
}

#[test]
fn implicit_localhost_runs_commands_through_the_local_connection() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: echo from-localhost\n      register: r\n    - debug: var=r.stdout\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = ringmaster(dir.path(), &["site.yml".to_string()], home.path());
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("\"r.stdout\": \"from-localhost\""),
        "{}",
        run.stdout
    );
}

#[test]
fn refresh_inventory_reads_the_sources_again_for_later_plays() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("hosts.ini");
    std::fs::write(&inv, "[web]\nold1 ansible_connection=local\n").unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        format!(
            "- hosts: old1\n  gather_facts: false\n  tasks:\n    - copy:\n        content: \"[web]\\nnew1 ansible_connection=local\\n\"\n        dest: {}\n    - meta: refresh_inventory\n- hosts: web\n  gather_facts: false\n  tasks:\n    - debug: msg=hello\n",
            inv.display()
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    let second_play = run
        .stdout
        .split("PLAY [web]")
        .nth(1)
        .expect("second play ran");
    let second_play = second_play.split("PLAY RECAP").next().unwrap_or_default();
    assert!(second_play.contains("ok: [new1]"), "{}", run.stdout);
    assert!(!second_play.contains("old1 "), "{}", run.stdout);
}

/// Two hosts, one unreachable, `max_fail_percentage: 0`: Ansible's rule keeps the rollout
/// going (unreachable hosts are only in the batch size); `--count-unreachable-in-budget`
/// counts the unreachable host as a failure, so the budget is breached and the next play
/// never starts.
#[test]
fn count_unreachable_in_budget_turns_an_unreachable_host_into_a_breach() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.ini"),
        "[ring]\nok1 ansible_connection=local\ndown1 ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: ring\n  gather_facts: false\n  max_fail_percentage: 0\n  tasks:\n    - command: /bin/true\n- hosts: ok1\n  gather_facts: false\n  tasks:\n    - debug: msg=second-ring\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = ["-i", "hosts.ini", "site.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ansible_rule = ringmaster(dir.path(), &args, home.path());
    assert_eq!(ansible_rule.rc, 4, "{}", ansible_rule.stdout);
    assert!(
        ansible_rule.stdout.contains("second-ring"),
        "{}",
        ansible_rule.stdout
    );
    args.push("--count-unreachable-in-budget".to_string());
    let strict = ringmaster(dir.path(), &args, home.path());
    assert!(!strict.stdout.contains("second-ring"), "{}", strict.stdout);
    assert!(
        strict.stdout.contains("NO MORE HOSTS LEFT"),
        "{}",
        strict.stdout
    );
    assert_ne!(strict.rc, 0);
}

/// `reboot` over the local connection would reboot the controller: refused, as Ansible
/// does; in check mode with `only_if_required` on a host that needs none, nothing to do.
#[test]
fn reboot_refuses_the_local_connection() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - reboot:\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = ringmaster(dir.path(), &["site.yml".to_string()], home.path());
    assert_eq!(run.rc, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "fatal: [localhost]: FAILED! => {\"changed\": false, \"elapsed\": 0, \"msg\": \"Running reboot with local connection would reboot the control node.\", \"rebooted\": false}"
        ),
        "{}",
        run.stdout
    );
}

/// `--flush-cache` forgets the cached facts of every inventory host before the run.
#[test]
fn flush_cache_forgets_cached_facts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ansible.cfg"),
        "[defaults]\nfact_caching = jsonfile\nfact_caching_connection = cache\ngathering = explicit\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("hosts.ini"),
        "c1 ansible_connection=local\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("remember.yml"),
        "- hosts: c1\n  tasks:\n    - set_fact: {remembered: yes-it-is, cacheable: true}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("show.yml"),
        "- hosts: c1\n  tasks:\n    - debug: msg=\"remembered={{ remembered | default('no') }}\"\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], pb: &str| {
        let mut args: Vec<String> = vec!["-i".into(), "hosts.ini".into(), pb.into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        ringmaster(dir.path(), &args, home.path())
    };
    assert_eq!(run(&[], "remember.yml").rc, 0);
    assert!(dir.path().join("cache/s1_c1").is_file());
    let kept = run(&[], "show.yml");
    assert!(
        kept.stdout.contains("remembered=yes-it-is"),
        "{}",
        kept.stdout
    );
    let flushed = run(&["--flush-cache"], "show.yml");
    assert!(
        flushed.stdout.contains("remembered=no"),
        "{}",
        flushed.stdout
    );
    assert!(
        !flushed.stderr.contains("--flush-cache"),
        "{}",
        flushed.stderr
    );
    assert!(!dir.path().join("cache/s1_c1").exists());
}
