//! Recorded scenarios, part 2: max-fail breach, retries, no_log, diffs, delegation,
//! verbosity, unreachable hosts.

use super::*;
use HostStatus::{Changed, Failed, Ok, Skipped, Unreachable};

#[test]
fn max_fail_breach_prints_no_more_hosts_left() {
    let events = vec![
        play("Max fail", &["h1", "h2", "h3"]),
        task("Fail h1", "fail"),
        error(
            "h1",
            "[ERROR]: Task failed: Action failed: bad
Origin: /tmp/rp/maxfail.yml:6:7

4   max_fail_percentage: 0
5   tasks:
6     - name: Fail h1
        ^ column 7",
        ),
        res(
            "h1",
            Failed,
            json!({"failed": true, "msg": "bad", "changed": false}),
        ),
        res("h2", Skipped, skipped_when("inventory_hostname == 'h1'")),
        res("h3", Skipped, skipped_when("inventory_hostname == 'h1'")),
        // ansible-playbook 2.19 prints the banner twice for one breach.
        Event::NoMoreHosts,
        Event::NoMoreHosts,
        recap(&[
            ("h1", [0, 0, 0, 1, 0, 0, 0]),
            ("h2", [0, 0, 0, 0, 1, 0, 0]),
            ("h3", [0, 0, 0, 0, 1, 0, 0]),
        ]),
    ];
    assert_fixture("maxfail", &events);
}

#[test]
fn until_retries_print_failed_retrying() {
    let retry = |left: u32| Event::Retry {
        host: "h1".into(),
        task: "Until".into(),
        retries_left: left,
        result: obj(command_result(&["/bin/false"], 1, "")),
    };
    let mut last = command_result(&["/bin/false"], 1, "");
    last["attempts"] = json!(2);
    let events = vec![
        play("Retry play", &["h1"]),
        task("Until", "command"),
        retry(2),
        retry(1),
        error(
            "h1",
            "[ERROR]: Task failed: Module failed: non-zero return code
Origin: /tmp/rp/retry.yml:5:7

3   gather_facts: false
4   tasks:
5     - name: Until
        ^ column 7",
        ),
        res("h1", Failed, last),
        recap(&[("h1", [0, 0, 0, 1, 0, 0, 0])]),
    ];
    assert_fixture("retry", &events);
}

#[test]
fn no_log_censors_results_and_item_labels() {
    let censored = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
    let events = vec![
        play("Nolog play", &["h1"]),
        task("Secret", "command"),
        no_log(res(
            "h1",
            Changed,
            json!({"censored": censored, "changed": true}),
        )),
        task("Secret fail", "fail"),
        error(
            "h1",
            "[ERROR]: Task failed: Action failed: secret
Origin: /tmp/rp/nolog.yml:8:7

6       command: echo secret
7       no_log: true
8     - name: Secret fail
        ^ column 7",
        ),
        // Not censored by the executor here: the console censors on its own too.
        ignored(no_log(res(
            "h1",
            Failed,
            json!({"failed": true, "msg": "secret", "changed": false}),
        ))),
        task("Secret loop", "debug"),
        no_log(item(
            "h1",
            Ok,
            json!("a"),
            json!({"msg": "a", "item": "a", "_ansible_no_log": true}),
        )),
        no_log(res(
            "h1",
            Ok,
            json!({"changed": false, "results": [{"censored": censored}]}),
        )),
        recap(&[("h1", [3, 1, 0, 0, 0, 0, 1])]),
    ];
    assert_fixture("nolog", &events);
}

fn diff_events() -> Vec<Event> {
    let lineinfile = json!({
        "changed": true, "msg": "line replaced", "backup": "",
        "diff": [
            {"before": "one\ntwo\nthree\n", "after": "one\nTWO\nthree\n",
             "before_header": "/tmp/rp/target.txt (content)",
             "after_header": "/tmp/rp/target.txt (content)"},
            {"before": {}, "after": {},
             "before_header": "/tmp/rp/target.txt (file attributes)",
             "after_header": "/tmp/rp/target.txt (file attributes)"}
        ]
    });
    let copy = json!({
        "changed": true, "dest": "/tmp/rp/target.txt",
        "diff": [{"before": "one\nTWO\nthree\n", "after": "alpha\n",
                  "before_header": "/tmp/rp/target.txt", "after_header": "/tmp/rp/target.txt"}]
    });
    vec![
        play("Diff play", &["h1"]),
        task("Seed", "copy"),
        res(
            "h1",
            Changed,
            json!({"changed": true, "dest": "/tmp/rp/target.txt"}),
        ),
        task("Edit line", "lineinfile"),
        res("h1", Changed, lineinfile),
        task("Copy new content", "copy"),
        res("h1", Changed, copy),
        recap(&[("h1", [3, 3, 0, 0, 0, 0, 0])]),
    ]
}

#[test]
fn diff_mode_prints_unified_diffs_before_the_result() {
    assert_fixture("diff_on", &diff_events());
}

#[test]
fn diff_lines_are_coloured_line_by_line() {
    let opts = ConsoleOptions {
        color: true,
        ..ConsoleOptions::default()
    };
    assert_fixture_with("diff_on_color", opts, "", &diff_events());
}

#[test]
fn delegated_results_show_the_delegate() {
    let msg = "Unsupported parameters for (ansible.legacy.command) module: warn. Supported parameters include: _raw_params, _uses_shell, argv, chdir, cmd, creates, executable, expand_argument_vars, removes, stdin, stdin_add_newline, strip_empty_ends.";
    let events = vec![
        play("Delegate play", &["h1"]),
        task("Delegated", "command"),
        delegated(
            res("h1", Changed, command_result(&["echo", "x"], 0, "x")),
            "h2",
        ),
        task("Warn", "command"),
        error(
            "h1",
            &format!(
                "[ERROR]: Task failed: Module failed: {msg}
Origin: /tmp/rp/delegate.yml:8:7

6       command: echo x
7       delegate_to: h2
8     - name: Warn
        ^ column 7"
            ),
        ),
        ignored(res(
            "h1",
            Failed,
            json!({"failed": true, "msg": msg, "changed": false, "invocation": {"module_args": {}}}),
        )),
        recap(&[("h1", [2, 1, 0, 0, 0, 0, 1])]),
    ];
    assert_fixture("delegate", &events);
}

#[test]
fn verbose_one_keeps_debug_output_unchanged() {
    let opts = ConsoleOptions {
        verbosity: 1,
        ..ConsoleOptions::default()
    };
    let mut events = vec![
        play("Debug play", &["h1", "h2", "h3"]),
        task("Say hello", "debug"),
    ];
    for h in ["h1", "h2", "h3"] {
        events.push(res(h, Ok, json!({"msg": "hello", "changed": false})));
    }
    events.push(task("Show a var", "debug"));
    for h in ["h1", "h2", "h3"] {
        events.push(res(
            h,
            Ok,
            json!({"inventory_hostname": h, "changed": false}),
        ));
    }
    events.push(recap(&[
        ("h1", [2, 0, 0, 0, 0, 0, 0]),
        ("h2", [2, 0, 0, 0, 0, 0, 0]),
        ("h3", [2, 0, 0, 0, 0, 0, 0]),
    ]));
    assert_fixture_with("debug_v", opts, VERBOSE_PREAMBLE, &events);
}

/// Unreachable hosts cannot be produced with `-c local`; the expected text follows the
/// default callback (`fatal: [%s]: UNREACHABLE! => %s`, bright red) and the result
/// Ansible's ssh connection reports.
#[test]
fn unreachable_host_and_ignore_unreachable() {
    let unreachable = json!({
        "unreachable": true, "changed": false,
        "msg": "Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 22: Connection refused"
    });
    let events = vec![
        play("Reach", &["web1"]),
        task("Ping it", "ping"),
        res("web1", Unreachable, unreachable.clone()),
        task("Ping again", "ping"),
        ignored(res("web1", Unreachable, unreachable)),
        recap(&[("web1", [0, 0, 2, 0, 0, 0, 0])]),
    ];
    let (out, err) = render(ConsoleOptions::default(), &events);
    let line = "fatal: [web1]: UNREACHABLE! => {\"changed\": false, \"msg\": \"Failed to connect to the host via ssh: ssh: connect to host 10.0.0.9 port 22: Connection refused\", \"unreachable\": true}\n";
    let expected = format!(
        "\nPLAY [Reach] {}\n\nTASK [Ping it] {}\n{line}\nTASK [Ping again] {}\n{line}...ignoring\n\nPLAY RECAP {}\n{:<26} : ok=0    changed=0    unreachable=2    failed=0    skipped=0    rescued=0    ignored=0   \n\n",
        "*".repeat(79 - 12),
        "*".repeat(79 - 14),
        "*".repeat(79 - 17),
        "*".repeat(79 - 10),
        "web1",
    );
    assert_eq!(out, expected);
    assert_eq!(err, "");

    let (colored, _) = render(
        ConsoleOptions {
            color: true,
            ..ConsoleOptions::default()
        },
        &events[..3],
    );
    assert!(colored.ends_with(&format!("\x1b[1;31m{}\x1b[0m\n", line.trim_end())));
}

#[test]
fn very_verbose_indents_every_result_and_keeps_invocation_and_retry_results() {
    let opts = ConsoleOptions {
        verbosity: 3,
        ..ConsoleOptions::default()
    };
    let events = vec![
        task("Run", "command"),
        res(
            "h1",
            Changed,
            json!({"changed": true, "rc": 0, "invocation": {"module_args": {"_raw_params": "true"}},
                   "_ansible_no_log": false}),
        ),
        Event::Retry {
            host: "h1".into(),
            task: "Run".into(),
            retries_left: 1,
            result: obj(json!({"rc": 1, "attempts": 1, "failed": true})),
        },
    ];
    let (out, _) = render(opts, &events);
    let expected = concat!(
        "\nTASK [Run] *********************************************************************\n",
        "changed: [h1] => {\n",
        "    \"changed\": true,\n",
        "    \"invocation\": {\n",
        "        \"module_args\": {\n",
        "            \"_raw_params\": \"true\"\n",
        "        }\n",
        "    },\n",
        "    \"rc\": 0\n",
        "}\n",
        "FAILED - RETRYING: [h1]: Run (1 retries left).Result was: {\n",
        "    \"attempts\": 1,\n",
        "    \"rc\": 1\n",
        "}\n",
    );
    assert_eq!(out, expected);
}

#[test]
fn warnings_are_shown_once_and_banners_keep_three_stars_minimum() {
    let mut console = Console::new(ConsoleOptions::default());
    let warn = Event::Warning {
        message: "same".into(),
    };
    assert_eq!(console.render(&warn).stderr, "[WARNING]: same\n");
    assert_eq!(console.render(&warn).stderr, "");
    let long = "x".repeat(100);
    let out = console.render(&task(&long, "ping")).stdout;
    assert_eq!(out, format!("\nTASK [{long}] ***\n"));
    let out = console
        .render(&Event::PlayStart {
            name: String::new(),
            batch: vec![],
        })
        .stdout;
    assert_eq!(out, format!("\nPLAY {}\n", "*".repeat(75)));
}
