//! Console output against recordings of the real ansible-playbook 2.19
//! (`fixtures/NAME.yml` run by `fixtures/record.sh NAME`, stdout in `NAME.out`, stderr
//! in `NAME.err`). Each test builds by hand the events the executor emits for that
//! playbook and asserts the console prints the recording byte for byte.
//!
//! Normalised: only the `start`/`end`/`delta` values of command results (they change
//! per run). Host lines within a task are emitted in the recorded order (Ansible runs
//! hosts in parallel, so that order varies between runs; the executor's comparison
//! corpus sorts them).

mod scenarios;
mod scenarios_more;

use super::{Console, ConsoleOptions};
use crate::report::{Event, HostCounters, HostStatus, Recap, TaskKindTag};
use indexmap::IndexMap;
use regex::Regex;
use serde_json::{Map, Value, json};

/// The fixture texts, by name.
fn fixture(name: &str) -> (&'static str, &'static str) {
    macro_rules! table {
        ($($n:literal),* $(,)?) => {
            match name {
                $($n => (
                    include_str!(concat!("fixtures/", $n, ".out")),
                    include_str!(concat!("fixtures/", $n, ".err")),
                ),)*
                other => panic!("no fixture {other}"),
            }
        };
    }
    table!(
        "debug",
        "fail",
        "ignore",
        "loop",
        "skip",
        "handlers",
        "serial",
        "nohosts",
        "maxfail",
        "retry",
        "nolog",
        "diff_on",
        "delegate",
        "debug_v",
        "debug_vv",
        "include",
        "include_vv",
        "wide",
        "warn",
        "rescue",
        "aef",
        "loopdiff",
        "sleep",
        "dep",
        "free",
        "skip_v",
        "loop_v",
        "skip_hidden",
        "loop_color",
        "diff_on_color",
        "fail_color",
    )
}

/// Start/end/delta of command results vary per run.
fn normalise(text: &str) -> String {
    let re = Regex::new(r#""(start|end|delta)": "[^"]*""#).unwrap();
    re.replace_all(text, "\"$1\": \"<time>\"").into_owned()
}

/// What `ansible-playbook -v` prints before any event (the CLI's line, not the console's).
const VERBOSE_PREAMBLE: &str = "No config file found; using defaults\n";

fn render(opts: ConsoleOptions, events: &[Event]) -> (String, String) {
    let mut console = Console::new(opts);
    let mut out = String::new();
    let mut err = String::new();
    for ev in events {
        let r = console.render(ev);
        out += &r.stdout;
        err += &r.stderr;
    }
    (out, err)
}

fn assert_fixture_with(name: &str, opts: ConsoleOptions, preamble: &str, events: &[Event]) {
    let (want_out, want_err) = fixture(name);
    let (out, err) = render(opts, events);
    let out = format!("{preamble}{out}");
    assert_eq!(normalise(&out), normalise(want_out), "stdout of {name}");
    assert_eq!(err, want_err, "stderr of {name}");
}

fn assert_fixture(name: &str, events: &[Event]) {
    assert_fixture_with(name, ConsoleOptions::default(), "", events);
}

// ---- event builders ----

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn play(name: &str, batch: &[&str]) -> Event {
    Event::PlayStart {
        name: name.into(),
        batch: batch.iter().map(|h| h.to_string()).collect(),
    }
}

fn task(name: &str, action: &str) -> Event {
    Event::TaskStart {
        name: name.into(),
        kind: TaskKindTag::Task,
        action: action.into(),
        path: None,
    }
}

fn handler(name: &str, action: &str) -> Event {
    Event::TaskStart {
        name: name.into(),
        kind: TaskKindTag::Handler,
        action: action.into(),
        path: None,
    }
}

fn res(host: &str, status: HostStatus, result: Value) -> Event {
    Event::HostResult {
        host: host.into(),
        delegated_to: None,
        status,
        ignored: false,
        item_label: None,
        result: obj(result),
        no_log: false,
    }
}

fn item(host: &str, status: HostStatus, label: Value, result: Value) -> Event {
    let mut ev = res(host, status, result);
    if let Event::HostResult { item_label, .. } = &mut ev {
        *item_label = Some(label);
    }
    ev
}

fn ignored(mut ev: Event) -> Event {
    if let Event::HostResult { ignored, .. } = &mut ev {
        *ignored = true;
    }
    ev
}

fn no_log(mut ev: Event) -> Event {
    if let Event::HostResult { no_log, .. } = &mut ev {
        *no_log = true;
    }
    ev
}

fn delegated(mut ev: Event, to: &str) -> Event {
    if let Event::HostResult { delegated_to, .. } = &mut ev {
        *delegated_to = Some(to.into());
    }
    ev
}

fn error(host: &str, text: &str) -> Event {
    Event::HostError {
        host: host.into(),
        text: text.into(),
    }
}

/// `[ok, changed, unreachable, failed, skipped, rescued, ignored]` per host.
fn recap(rows: &[(&str, [u32; 7])]) -> Event {
    let mut hosts = IndexMap::new();
    for (host, [ok, changed, unreachable, failed, skipped, rescued, ignored]) in rows {
        hosts.insert(
            host.to_string(),
            HostCounters {
                ok: *ok,
                changed: *changed,
                unreachable: *unreachable,
                failed: *failed,
                skipped: *skipped,
                rescued: *rescued,
                ignored: *ignored,
            },
        );
    }
    Event::Recap(Recap { hosts })
}

/// A `command` result as the executor registers it (keys unsorted on purpose).
fn command_result(cmd: &[&str], rc: i32, stdout: &str) -> Value {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut v = json!({
        "changed": true,
        "stdout": stdout,
        "stderr": "",
        "rc": rc,
        "cmd": cmd,
        "start": "x",
        "end": "x",
        "delta": "x",
        "msg": if rc == 0 { "" } else { "non-zero return code" },
        "stdout_lines": lines,
        "stderr_lines": [],
    });
    if rc != 0 {
        v["failed"] = json!(true);
    }
    v
}

fn skipped_when(condition: &str) -> Value {
    json!({
        "changed": false,
        "skipped": true,
        "skip_reason": "Conditional result was False",
        "false_condition": condition,
    })
}

fn ok_debug(msg: Value) -> Value {
    json!({"msg": msg, "changed": false, "_ansible_verbose_always": true})
}
