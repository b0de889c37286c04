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

fn debug_events(with_path: bool) -> Vec<Event> {
    let located = |name: &str, line: u32| {
        let mut ev = task(name, "debug");
        if let Event::TaskStart { path, .. } = &mut ev {
            *path = with_path.then(|| format!("/tmp/rp/debug_vv.yml:{line}"));
        }
        ev
    };
    let mut events = vec![
        Event::PlaybookStart {
            path: "debug_vv.yml".into(),
            plays: 1,
        },
        play("Debug play", &["h1", "h2", "h3"]),
        located("Say hello", 5),
    ];
    for h in ["h1", "h2", "h3"] {
        events.push(res(h, Ok, json!({"msg": "hello", "changed": false})));
    }
    events.push(located("Show a var", 8));
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
    events
}

#[test]
fn verbose_one_keeps_debug_output_unchanged() {
    let opts = ConsoleOptions {
        verbosity: 1,
        ..ConsoleOptions::default()
    };
    assert_fixture_with("debug_v", opts, VERBOSE_PREAMBLE, &debug_events(true));
}

/// `-vv` adds the PLAYBOOK banner, `N plays in`, and `task path:` lines. What the CLI
/// prints before the first event (version block, config line) is taken from the
/// recording as is.
#[test]
fn verbose_two_shows_playbook_banner_and_task_paths() {
    let opts = ConsoleOptions {
        verbosity: 2,
        ..ConsoleOptions::default()
    };
    let (recorded, _) = fixture("debug_vv");
    let cli_part = recorded.split("\nPLAYBOOK: ").next().unwrap();
    assert_fixture_with("debug_vv", opts, cli_part, &debug_events(true));
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

fn include_events(vv: bool) -> Vec<Event> {
    let pb = if vv { "include_vv.yml" } else { "include.yml" };
    let at = |name: &str, action: &str, path: &str| {
        let mut ev = task(name, action);
        if let Event::TaskStart { path: p, .. } = &mut ev {
            *p = vv.then(|| path.to_string());
        }
        ev
    };
    let included = |hosts: &[&str], label: Option<&str>| Event::Included {
        path: "/tmp/rp/inc_tasks.yml".into(),
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
        item_label: label.map(|l| json!(l)),
    };
    let skip_item = |i: &str| {
        json!({"changed": false, "skipped": true, "skip_reason": "Conditional result was False",
               "false_condition": "inventory_hostname == 'h1'", "item": i, "ansible_loop_var": "item"})
    };
    let notify = || Event::Verbose {
        level: 2,
        message: "Notification for handler restart thing has been saved.".into(),
    };
    let changed = |h: &str| res(h, Changed, command_result(&["echo", "x"], 0, "x"));
    let mut events = Vec::new();
    if vv {
        events.push(Event::PlaybookStart {
            path: pb.into(),
            plays: 1,
        });
    }
    events.extend([
        play("Include play", &["h1", "h2"]),
        at("Include it", "include_tasks", &format!("/tmp/rp/{pb}:5")),
        included(&["h1", "h2"], None),
        at("debug", "debug", "/tmp/rp/inc_tasks.yml:1"),
        res("h1", Ok, ok_debug(json!("inc none"))),
        res("h2", Ok, ok_debug(json!("inc none"))),
        at(
            "Include looped",
            "include_tasks",
            &format!("/tmp/rp/{pb}:7"),
        ),
        item("h2", Skipped, json!("x"), skip_item("x")),
        item("h2", Skipped, json!("y"), skip_item("y")),
        res(
            "h2",
            Skipped,
            json!({"changed": false, "skipped": true, "msg": "All items skipped",
                   "results": [skip_item("x"), skip_item("y")]}),
        ),
        included(&["h1"], Some("x")),
        included(&["h1"], Some("y")),
        at("debug", "debug", "/tmp/rp/inc_tasks.yml:1"),
        res("h1", Ok, ok_debug(json!("inc x"))),
        at("debug", "debug", "/tmp/rp/inc_tasks.yml:1"),
        res("h1", Ok, ok_debug(json!("inc y"))),
        at("Notify", "command", &format!("/tmp/rp/{pb}:11")),
    ]);
    if vv {
        events.extend([
            notify(),
            changed("h1"),
            notify(),
            changed("h2"),
            Event::HandlerNotified {
                handler: "restart thing".into(),
                host: "h1".into(),
            },
            Event::HandlerNotified {
                handler: "restart thing".into(),
                host: "h2".into(),
            },
        ]);
    } else {
        events.extend([changed("h2"), changed("h1")]);
    }
    let mut run_handler = handler("restart thing", "debug");
    if let Event::TaskStart { path, .. } = &mut run_handler {
        *path = vv.then(|| format!("/tmp/rp/{pb}:15"));
    }
    events.extend([
        run_handler,
        res("h1", Ok, ok_debug(json!("restarted"))),
        res("h2", Ok, ok_debug(json!("restarted"))),
        recap(&[("h1", [8, 1, 0, 0, 0, 0, 0]), ("h2", [4, 1, 0, 0, 1, 0, 0])]),
    ]);
    events
}

#[test]
fn included_files_are_announced_per_host_and_item() {
    assert_fixture("include", &include_events(false));
}

#[test]
fn verbose_two_shows_notifications_and_included_task_paths() {
    let opts = ConsoleOptions {
        verbosity: 2,
        ..ConsoleOptions::default()
    };
    let (recorded, _) = fixture("include_vv");
    let cli_part = recorded.split("\nPLAYBOOK: ").next().unwrap();
    assert_fixture_with("include_vv", opts, cli_part, &include_events(true));
}

#[test]
fn banners_count_wide_characters_as_two_columns() {
    let events = [play("日本語 play é", &["h1"]), recap(&[])];
    assert_fixture("wide", &events);
}

#[test]
fn module_warnings_go_to_stderr_and_not_into_the_result() {
    let mut cmd = command_result(&["echo", "hi"], 0, "hi");
    cmd["warnings"] = json!([
        "As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '/bin/sh'."
    ]);
    let events = [
        play("Warn play", &["h1"]),
        task("Command with executable", "command"),
        res("h1", Changed, cmd),
        task("Deprecated", "debug"),
        item(
            "h1",
            Ok,
            json!(1),
            json!({"msg": "x", "item": 1, "ansible_loop_var": "item", "changed": false}),
        ),
        res(
            "h1",
            Ok,
            json!({"changed": false, "msg": "All items completed", "results": [{"msg": "x"}]}),
        ),
        recap(&[("h1", [2, 1, 0, 0, 0, 0, 0])]),
    ];
    assert_fixture("warn", &events);
}

/// Recorded by sending SIGINT to ansible-playbook during `command: sleep 20`.
#[test]
fn interrupt_prints_error_on_stderr_without_recap() {
    let events = [
        play("Sleep play", &["h1"]),
        task("Sleep", "command"),
        Event::Interrupted,
    ];
    assert_fixture("sleep", &events);
}

#[test]
fn deprecations_follow_the_how_to_disable_warning_once() {
    let dep = Event::Deprecation {
        message: "The `play_hosts` magic variable is deprecated. This feature will be removed from ansible-core version 2.23.
Origin: /tmp/rp/dep.yml:10:14

 8     - name: Deprecated var
 9       debug:
10         msg: \"{{ ansible_play_role_names | default([]) }} {{ play_hosts }}\"
                ^ column 14

Use `ansible_play_batch` instead."
            .into(),
    };
    let events = [
        play("Dep play", &["h1"]),
        task("Tagged", "debug"),
        res("h1", Ok, ok_debug(json!("\"a\""))),
        task("Deprecated var", "debug"),
        dep.clone(),
        res("h1", Ok, ok_debug(json!("[] ['h1']"))),
        dep,
        recap(&[("h1", [2, 0, 0, 0, 0, 0, 0])]),
    ];
    assert_fixture("dep", &events);
}

/// A censored loop result that lost its `results` is still recognised as the loop's
/// aggregate (its items were shown), so no extra `ok:` line appears.
#[test]
fn censored_loop_aggregate_without_results_prints_nothing_more() {
    let censored = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
    let events = [
        task("Secret loop", "debug"),
        no_log(item(
            "h1",
            Ok,
            json!("a"),
            json!({"censored": censored, "changed": false}),
        )),
        no_log(res(
            "h1",
            Ok,
            json!({"censored": censored, "changed": false}),
        )),
        task("Plain", "ping"),
        res("h1", Ok, json!({"ping": "pong", "changed": false})),
    ];
    let (out, _) = render(ConsoleOptions::default(), &events);
    assert_eq!(
        out,
        format!(
            "\nTASK [Secret loop] {}\nok: [h1] => (item=(censored due to no_log))\n\nTASK [Plain] {}\nok: [h1]\n",
            "*".repeat(79 - 18),
            "*".repeat(79 - 12)
        )
    );
}
