//! Recorded scenarios, part 1: plain results, failures, loops, skips, handlers, batches.

use super::*;
use HostStatus::{Changed, Failed, Ok, Skipped};

const H123: [&str; 3] = ["h1", "h2", "h3"];

#[test]
fn debug_msg_and_var_are_pretty_printed() {
    let mut events = vec![play("Debug play", &H123), task("Say hello", "debug")];
    for h in H123 {
        events.push(res(h, Ok, ok_debug(json!("hello"))));
    }
    events.push(task("Show a var", "debug"));
    for h in H123 {
        events.push(res(
            h,
            Ok,
            json!({"inventory_hostname": h, "changed": false, "_ansible_verbose_always": true}),
        ));
    }
    events.push(recap(&[
        ("h3", [2, 0, 0, 0, 0, 0, 0]),
        ("h1", [2, 0, 0, 0, 0, 0, 0]),
        ("h2", [2, 0, 0, 0, 0, 0, 0]),
    ]));
    assert_fixture("debug", &events);
}

const FAIL_ERROR: &str = "[ERROR]: Task failed: Module failed: non-zero return code
Origin: /tmp/rp/fail.yml:5:7

3   gather_facts: false
4   tasks:
5     - name: Run false
        ^ column 7";

fn fail_events() -> Vec<Event> {
    vec![
        play("Failing play", &H123),
        task("Run false", "command"),
        res("h1", Skipped, skipped_when("inventory_hostname == 'h2'")),
        res("h3", Skipped, skipped_when("inventory_hostname == 'h2'")),
        error("h2", FAIL_ERROR),
        res("h2", Failed, command_result(&["/bin/false"], 1, "")),
        task("After", "debug"),
        res("h3", Ok, ok_debug(json!("still here"))),
        res("h1", Ok, ok_debug(json!("still here"))),
        recap(&[
            ("h1", [1, 0, 0, 0, 1, 0, 0]),
            ("h2", [0, 0, 0, 1, 0, 0, 0]),
            ("h3", [1, 0, 0, 0, 1, 0, 0]),
        ]),
    ]
}

#[test]
fn failed_command_prints_error_block_and_fatal_json() {
    assert_fixture("fail", &fail_events());
}

#[test]
fn colours_of_results_and_recap_match_forced_colour() {
    let opts = ConsoleOptions {
        color: true,
        ..ConsoleOptions::default()
    };
    let mut events = fail_events();
    // The colour recording ran "After" on h1 before h3.
    events.swap(7, 8);
    let text = FAIL_ERROR.replace("/tmp/rp/fail.yml", "/tmp/rp/fail_color.yml");
    events[4] = error("h2", &text);
    assert_fixture_with("fail_color", opts, "", &events);
}

#[test]
fn ignored_failure_prints_ignoring() {
    let events = vec![
        play("Ignore play", &["h1"]),
        task("Fail but ignore", "fail"),
        error(
            "h1",
            "[ERROR]: Task failed: Action failed: boom
Origin: /tmp/rp/ignore.yml:5:7

3   gather_facts: false
4   tasks:
5     - name: Fail but ignore
        ^ column 7",
        ),
        ignored(res(
            "h1",
            Failed,
            json!({"failed": true, "msg": "boom", "changed": false}),
        )),
        task("Next", "command"),
        res("h1", Changed, command_result(&["echo", "hi"], 0, "hi")),
        recap(&[("h1", [2, 1, 0, 0, 0, 0, 1])]),
    ];
    assert_fixture("ignore", &events);
}

fn loop_item(label: Value, item: Value, cmd: &[&str], rc: i32, stdout: &str) -> Value {
    let mut r = command_result(cmd, rc, stdout);
    r["item"] = item;
    r["ansible_loop_var"] = json!("item");
    r["_ansible_item_label"] = label;
    r
}

fn loop_events(playbook: &str) -> Vec<Event> {
    let n1 = json!({"n": 1, "secret": "x"});
    let n2 = json!({"n": 2, "secret": "y"});
    let labels_1 = loop_item(json!(1), n1.clone(), &["echo", "1"], 0, "1");
    let labels_2 = loop_item(json!(2), n2.clone(), &["echo", "2"], 0, "2");
    let fail_1 = loop_item(json!("true"), json!("true"), &["/bin/true"], 0, "");
    let fail_2 = loop_item(json!("false"), json!("false"), &["/bin/false"], 1, "");
    let debug_item = |v: Value| {
        json!({"msg": v, "changed": false, "item": v, "ansible_loop_var": "item",
               "_ansible_verbose_always": true})
    };
    let skip_1 = json!({"changed": false, "skipped": true, "skip_reason": "Conditional result was False",
                        "false_condition": "item == 2", "item": 1, "ansible_loop_var": "item"});
    vec![
        play("Loop play", &["h1"]),
        task("Items", "debug"),
        item("h1", Ok, json!("a"), debug_item(json!("a"))),
        item("h1", Ok, json!("b"), debug_item(json!("b"))),
        res(
            "h1",
            Ok,
            json!({"changed": false, "msg": "All items completed",
                   "results": [debug_item(json!("a")), debug_item(json!("b"))]}),
        ),
        task("Labels", "command"),
        item("h1", Changed, json!(1), labels_1.clone()),
        item("h1", Changed, json!(2), labels_2.clone()),
        res(
            "h1",
            Changed,
            json!({"changed": true, "msg": "All items completed", "results": [labels_1, labels_2]}),
        ),
        task("Loop fail", "command"),
        item("h1", Changed, json!("true"), fail_1.clone()),
        error(
            "h1",
            &format!(
                "[ERROR]: Task failed: Module failed: non-zero return code
Origin: /tmp/rp/{playbook}:16:7

14       loop_control:
15         label: \"{{{{ item.n }}}}\"
16     - name: Loop fail
         ^ column 7"
            ),
        ),
        ignored(item("h1", Failed, json!("false"), fail_2.clone())),
        ignored(res(
            "h1",
            Failed,
            json!({"changed": true, "failed": true, "msg": "One or more items failed",
                   "results": [fail_1, fail_2]}),
        )),
        task("Loop skip", "debug"),
        item("h1", Skipped, json!(1), skip_1.clone()),
        item("h1", Ok, json!(2), debug_item(json!(2))),
        res(
            "h1",
            Ok,
            json!({"changed": false, "msg": "All items completed",
                   "results": [skip_1, debug_item(json!(2))]}),
        ),
        recap(&[("h1", [4, 2, 0, 0, 0, 0, 1])]),
    ]
}

#[test]
fn loops_print_one_line_per_item_with_labels() {
    assert_fixture("loop", &loop_events("loop.yml"));
}

#[test]
fn loops_at_verbose_one_show_each_item_result() {
    let opts = ConsoleOptions {
        verbosity: 1,
        ..ConsoleOptions::default()
    };
    assert_fixture_with("loop_v", opts, VERBOSE_PREAMBLE, &loop_events("loop_v.yml"));
}

#[test]
fn loop_colours_match_forced_colour() {
    let opts = ConsoleOptions {
        color: true,
        ..ConsoleOptions::default()
    };
    assert_fixture_with("loop_color", opts, "", &loop_events("loop_color.yml"));
}

fn skip_events() -> Vec<Event> {
    let never = json!({"changed": false, "skipped": true, "skip_reason": "Conditional result was False",
                       "false_condition": false});
    vec![
        play("Skip play", &H123),
        task("Only h1", "command"),
        res("h2", Skipped, skipped_when("inventory_hostname == 'h1'")),
        res("h3", Skipped, skipped_when("inventory_hostname == 'h1'")),
        res("h1", Changed, command_result(&["echo", "x"], 0, "x")),
        task("Never", "debug"),
        res("h1", Skipped, never.clone()),
        res("h2", Skipped, never.clone()),
        res("h3", Skipped, never),
        recap(&[
            ("h1", [1, 1, 0, 0, 1, 0, 0]),
            ("h2", [0, 0, 0, 0, 2, 0, 0]),
            ("h3", [0, 0, 0, 0, 2, 0, 0]),
        ]),
    ]
}

#[test]
fn skipped_hosts_are_listed() {
    assert_fixture("skip", &skip_events());
}

#[test]
fn skipped_results_at_verbose_one_hide_debug_keys() {
    let opts = ConsoleOptions {
        verbosity: 1,
        ..ConsoleOptions::default()
    };
    assert_fixture_with("skip_v", opts, VERBOSE_PREAMBLE, &skip_events());
}

#[test]
fn hidden_skips_also_hide_banners_of_fully_skipped_tasks() {
    let opts = ConsoleOptions {
        show_skipped: false,
        ..ConsoleOptions::default()
    };
    assert_fixture_with("skip_hidden", opts, "", &skip_events());
}

#[test]
fn handlers_get_running_handler_banner() {
    let events = vec![
        play("Handler play", &["h1", "h2"]),
        task("Notify", "command"),
        res("h1", Changed, command_result(&["echo", "x"], 0, "x")),
        res("h2", Changed, command_result(&["echo", "x"], 0, "x")),
        handler("restart thing", "debug"),
        res("h1", Ok, ok_debug(json!("restarted"))),
        res("h2", Ok, ok_debug(json!("restarted"))),
        recap(&[("h1", [2, 1, 0, 0, 0, 0, 0]), ("h2", [2, 1, 0, 0, 0, 0, 0])]),
    ];
    assert_fixture("handlers", &events);
}

#[test]
fn serial_batches_repeat_the_play_banner() {
    let pong = || json!({"ping": "pong", "changed": false});
    let events = vec![
        play("Serial play", &["h1", "h2"]),
        task("Ping it", "ping"),
        res("h1", Ok, pong()),
        res("h2", Ok, pong()),
        play("Serial play", &["h3"]),
        task("Ping it", "ping"),
        res("h3", Ok, pong()),
        recap(&[
            ("h1", [1, 0, 0, 0, 0, 0, 0]),
            ("h2", [1, 0, 0, 0, 0, 0, 0]),
            ("h3", [1, 0, 0, 0, 0, 0, 0]),
        ]),
    ];
    assert_fixture("serial", &events);
}

#[test]
fn no_hosts_matched_and_warning_on_stderr() {
    let events = vec![
        Event::Warning {
            message: "Could not match supplied host pattern, ignoring: nosuchgroup".into(),
        },
        play("Nothing", &[]),
        Event::NoHostsMatched,
        play("Second", &["h1"]),
        task("debug", "debug"),
        res("h1", Ok, ok_debug(json!("y"))),
        recap(&[("h1", [1, 0, 0, 0, 0, 0, 0])]),
    ];
    assert_fixture("nohosts", &events);
}

#[test]
fn rescued_failure_shows_fatal_then_rescue_tasks() {
    let events = vec![
        play("Rescue play", &["h1"]),
        task("Break", "fail"),
        error(
            "h1",
            "[ERROR]: Task failed: Action failed: broken
Origin: /tmp/rp/rescue.yml:6:11

4   tasks:
5     - block:
6         - name: Break
            ^ column 11",
        ),
        res(
            "h1",
            Failed,
            json!({"failed": true, "msg": "broken", "changed": false}),
        ),
        task("Fix", "debug"),
        res("h1", Ok, ok_debug(json!("fixed"))),
        task("Always", "debug"),
        res("h1", Ok, ok_debug(json!("always"))),
        recap(&[("h1", [2, 0, 0, 0, 0, 1, 0])]),
    ];
    assert_fixture("rescue", &events);
}

#[test]
fn any_errors_fatal_ends_the_play_without_no_more_hosts_banner() {
    let events = vec![
        play("AEF play", &["h1", "h2"]),
        task("Fail h1", "fail"),
        error(
            "h1",
            "[ERROR]: Task failed: Action failed: bad
Origin: /tmp/rp/aef.yml:6:7

4   any_errors_fatal: true
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
        recap(&[("h1", [0, 0, 0, 1, 0, 0, 0]), ("h2", [0, 0, 0, 0, 1, 0, 0])]),
    ];
    assert_fixture("aef", &events);
}

#[test]
fn loop_item_diffs_precede_each_item_line() {
    let copied = |i: &str| {
        json!({"changed": true, "dest": format!("/tmp/rp/ld_{i}.txt"), "item": i,
               "ansible_loop_var": "item",
               "diff": [{"before": "", "after": format!("{i}\n"),
                         "after_header": format!("/tmp/rp/ld_{i}.txt")}]})
    };
    let events = vec![
        play("Loop diff", &["h1"]),
        task("Write files", "copy"),
        item("h1", Changed, json!("a"), copied("a")),
        item("h1", Changed, json!("b"), copied("b")),
        res(
            "h1",
            Changed,
            json!({"changed": true, "msg": "All items completed",
                   "results": [copied("a"), copied("b")]}),
        ),
        recap(&[("h1", [1, 1, 0, 0, 0, 0, 0])]),
    ];
    assert_fixture("loopdiff", &events);
}

#[test]
fn free_strategy_repeats_banners_when_tasks_interleave() {
    let events = vec![
        play("Free play", &["h1", "h2"]),
        task("First", "command"),
        res("h2", Changed, command_result(&["sleep", "0"], 0, "")),
        task("Second", "debug"),
        res("h2", Ok, ok_debug(json!("two"))),
        task("First", "command"),
        res("h1", Changed, command_result(&["sleep", "1"], 0, "")),
        task("Second", "debug"),
        res("h1", Ok, ok_debug(json!("two"))),
        recap(&[("h1", [2, 1, 0, 0, 0, 0, 0]), ("h2", [2, 1, 0, 0, 0, 0, 0])]),
    ];
    assert_fixture("free", &events);
}
