//! The persistent fact cache across runs (`fact_caching = jsonfile`,
//! `gathering = smart`). Expected behaviour recorded from ansible-core 2.19 with the
//! same two playbooks: run 1 gathers on c1 and sets a cacheable fact on c1 and c2;
//! run 2 sees the cached facts, gathers only on c2 (whose facts were never
//! gathered), and a plain `set_fact` of run 1 is gone.

use std::path::Path;

use super::test_support::{Run, run_configured};

const HOSTS: &str = "c1\nc2\n";

const RUN_ONE: &str = r#"
- hosts: c1
  tasks:
    - set_fact:
        remembered: "{{ inventory_hostname }}-x"
        cacheable: true
    - set_fact:
        forgotten: 1
- hosts: c2
  gather_facts: false
  tasks:
    - set_fact: {only_c2: yes, cacheable: true}
"#;

const RUN_TWO: &str = r#"
- hosts: all
  tasks:
    - name: seen
      debug: msg="{{ remembered | default('none') }} {{ forgotten | default('none') }} {{ ansible_facts.remembered | default('nf') }} {{ ansible_os_family | default('nofam') }} {{ only_c2 | default('-') }}"
"#;

fn run_cached(playbook: &str, cache: &Path, gathering: &str) -> Run {
    let cache = cache.to_path_buf();
    let gathering = gathering.to_string();
    run_configured(HOSTS, playbook, &[], &[], Default::default(), &move |c| {
        c.fact_caching = "jsonfile".into();
        c.fact_caching_connection = Some(cache.clone());
        c.fact_caching_timeout = 0;
        c.gathering = gathering.clone();
    })
}

fn msg(r: &Run, host: &str) -> String {
    r.events
        .iter()
        .rev()
        .find_map(|e| match e {
            crate::report::Event::HostResult {
                host: h, result, ..
            } if h == host => result
                .get("msg")
                .and_then(|m| m.as_str())
                .map(str::to_string),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn cached_facts_reach_the_next_run_and_smart_gathering_skips_gathered_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let one = run_cached(RUN_ONE, &cache, "smart");
    assert_eq!(one.task("Gathering Facts"), vec!["ok c1"]);
    // ansible 2.19's file names: `s1_<host>`.
    assert!(cache.join("s1_c1").is_file() && cache.join("s1_c2").is_file());

    let two = run_cached(RUN_TWO, &cache, "smart");
    assert_eq!(two.task("Gathering Facts"), vec!["ok c2"]);
    assert_eq!(msg(&two, "c1"), "c1-x none c1-x TestOS -");
    assert_eq!(msg(&two, "c2"), "none none nf TestOS True");
}

#[test]
fn implicit_gathering_gathers_again_and_explicit_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    run_cached(RUN_ONE, &cache, "implicit");
    let two = run_cached(RUN_TWO, &cache, "implicit");
    assert_eq!(two.task("Gathering Facts"), vec!["ok c1", "ok c2"]);
    let explicit = run_cached(RUN_TWO, &cache, "explicit");
    assert!(
        !explicit
            .lines()
            .contains(&"TASK Gathering Facts".to_string())
    );
    // The cached facts are there without gathering.
    assert_eq!(msg(&explicit, "c1"), "c1-x none c1-x TestOS -");
}

#[test]
fn clear_facts_removes_the_hosts_cache_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    run_cached(RUN_ONE, &cache, "smart");
    assert!(cache.join("s1_c1").is_file());
    run_cached(
        "- hosts: c1\n  gather_facts: false\n  tasks:\n    - meta: clear_facts\n",
        &cache,
        "smart",
    );
    assert!(!cache.join("s1_c1").exists());
    assert!(cache.join("s1_c2").is_file());
}
