//! Actions the engine runs itself, without a module or a host: `debug`, `set_fact`,
//! `assert`, `fail`, `include_vars`, `pause`, `meta`, `include_tasks`/`include_role`
//! (the last three only return what the executor must do next).

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;
use serde_json::{Map, Value as J};

use crate::source::Span;
use crate::template::{Scope, Templar, py_str, value_to_json};

/// Set (as ansible's `debug` and `assert` actions do) on results the console shows
/// in full even without `-v`; reporters drop every `_ansible_*` key when printing,
/// and `register` never stores them.
pub const VERBOSE_ALWAYS: &str = "_ansible_verbose_always";

/// Set on a `set_fact` result with `cacheable: true` (the facts are host facts too).
pub const FACTS_CACHEABLE: &str = "_ansible_facts_cacheable";

/// What the executor does after the action, beyond recording its result.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Directive {
    #[default]
    None,
    /// `meta: <name>`.
    Meta(String),
    /// `include_tasks: <file>`.
    IncludeTasks(String),
    /// `include_role:` with its templated arguments.
    IncludeRole(Map<String, J>),
    /// `add_host:` a host (new or known) into groups, with host variables.
    AddHost {
        name: String,
        groups: Vec<String>,
        vars: Map<String, J>,
    },
    /// `group_by:` this host into group `key` (created under `parents`).
    GroupBy { key: String, parents: Vec<String> },
}

/// An engine action's result on one host.
#[derive(Debug, Default)]
pub struct ActionOut {
    pub result: Map<String, J>,
    pub set_facts: IndexMap<String, Value>,
    pub include_vars: IndexMap<String, Value>,
    pub directive: Directive,
}

impl ActionOut {
    pub(super) fn with(result: Map<String, J>) -> Self {
        ActionOut {
            result,
            ..ActionOut::default()
        }
    }
}

fn short(action: &str) -> &str {
    action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .unwrap_or(action)
}

/// Whether `action` is run by the engine itself.
pub fn is_engine_action(action: &str) -> bool {
    matches!(
        short(action),
        "debug"
            | "set_fact"
            | "assert"
            | "fail"
            | "include_vars"
            | "pause"
            | "meta"
            | "include_tasks"
            | "include_role"
            | "import_role"
            | "add_host"
            | "group_by"
    )
}

/// Whether the action touches no host (no connection needed).
pub struct ActionCx<'a> {
    pub templar: &'a Templar,
    pub scope: &'a Arc<Scope>,
    pub span: &'a Span,
    pub verbosity: u8,
    /// Where relative files are looked up: the role's directory, then the play's.
    pub dirs: Vec<std::path::PathBuf>,
    /// For lines actions print themselves (`Pausing for N seconds`).
    pub events: &'a tokio::sync::mpsc::Sender<crate::report::Event>,
}

pub(super) fn obj(entries: &[(&str, J)]) -> Map<String, J> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub(super) fn failed(msg: impl Into<String>) -> Map<String, J> {
    obj(&[
        ("changed", J::Bool(false)),
        ("failed", J::Bool(true)),
        ("msg", J::String(msg.into())),
    ])
}

pub(super) fn arg_str(args: &Map<String, J>, key: &str) -> Option<String> {
    args.get(key).filter(|v| !v.is_null()).map(|v| match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Runs an engine action; `None` if `action` is not one.
pub async fn run_engine_action(
    action: &str,
    args: &Map<String, J>,
    cx: &ActionCx<'_>,
) -> Option<ActionOut> {
    Some(match short(action) {
        "debug" => debug(args, cx),
        "set_fact" => set_fact(args),
        "assert" => assert(args, cx),
        "fail" => {
            let msg =
                arg_str(args, "msg").unwrap_or_else(|| "Failed as requested from task".into());
            ActionOut::with(failed(msg))
        }
        "include_vars" => super::include_vars::include_vars(args, cx),
        "pause" => pause(args, cx).await,
        "meta" => {
            let name = arg_str(args, "_raw_params").unwrap_or_default();
            ActionOut {
                result: obj(&[("changed", J::Bool(false))]),
                directive: Directive::Meta(name.trim().to_string()),
                ..ActionOut::default()
            }
        }
        "include_tasks" => {
            let file = arg_str(args, "_raw_params")
                .or_else(|| arg_str(args, "file"))
                .unwrap_or_default();
            ActionOut {
                result: obj(&[
                    ("changed", J::Bool(false)),
                    ("include", J::String(file.clone())),
                ]),
                directive: Directive::IncludeTasks(file),
                ..ActionOut::default()
            }
        }
        "include_role" | "import_role" => ActionOut {
            result: obj(&[("changed", J::Bool(false))]),
            directive: Directive::IncludeRole(args.clone()),
            ..ActionOut::default()
        },
        "add_host" => add_host(args),
        "group_by" => group_by(args),
        _ => return None,
    })
}

fn names(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect(),
        Some(J::String(s)) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Some(J::Null) | None => Vec::new(),
        Some(other) => vec![other.to_string()],
    }
}

fn add_host(args: &Map<String, J>) -> ActionOut {
    let Some(name) = ["name", "hostname", "host"]
        .iter()
        .find_map(|k| arg_str(args, k))
    else {
        return ActionOut::with(failed("The add_host module requires a 'name' argument"));
    };
    let groups = names(
        args.get("groups")
            .or_else(|| args.get("group"))
            .or_else(|| args.get("groupname")),
    );
    let vars: Map<String, J> = args
        .iter()
        .filter(|(k, _)| {
            !["name", "hostname", "host", "groups", "group", "groupname"].contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut add = Map::new();
    add.insert(
        "groups".into(),
        J::Array(groups.iter().cloned().map(J::String).collect()),
    );
    add.insert("host_name".into(), J::String(name.clone()));
    add.insert("host_vars".into(), J::Object(vars.clone()));
    ActionOut {
        result: obj(&[("add_host", J::Object(add)), ("changed", J::Bool(true))]),
        directive: Directive::AddHost { name, groups, vars },
        ..ActionOut::default()
    }
}

fn group_by(args: &Map<String, J>) -> ActionOut {
    let Some(key) = arg_str(args, "key").filter(|k| !k.is_empty()) else {
        return ActionOut::with(failed("the 'key' param is required when using group_by"));
    };
    let mut parents = names(args.get("parents"));
    if parents.is_empty() {
        parents.push("all".into());
    }
    ActionOut {
        result: obj(&[
            ("add_group", J::String(key.clone())),
            // Recorded: ansible 2.19 reports group_by as changed.
            ("changed", J::Bool(true)),
            (
                "parent_groups",
                J::Array(parents.iter().cloned().map(J::String).collect()),
            ),
        ]),
        directive: Directive::GroupBy { key, parents },
        ..ActionOut::default()
    }
}

fn debug(args: &Map<String, J>, cx: &ActionCx<'_>) -> ActionOut {
    let wanted = args.get("verbosity").and_then(J::as_u64).unwrap_or(0);
    if wanted > u64::from(cx.verbosity) {
        return ActionOut::with(obj(&[
            ("changed", J::Bool(false)),
            ("skipped", J::Bool(true)),
            (
                "skipped_reason",
                J::String("Verbosity threshold not met.".into()),
            ),
        ]));
    }
    if let Some(var) = arg_str(args, "var") {
        let value = match cx.templar.eval_expr(&var, cx.span, cx.scope) {
            // ansible 2.19 shows the templating error in place of the value.
            Ok(v) if v.is_undefined() => J::String(format!("<< error 1 - '{var}' is undefined >>")),
            Ok(v) => value_to_json(&v),
            Err(e) if e.message.contains("is undefined") => {
                J::String(format!("<< error 1 - {} >>", e.message))
            }
            Err(e) => return ActionOut::with(failed(e.message)),
        };
        return ActionOut::with(obj(&[
            (var.as_str(), value),
            ("changed", J::Bool(false)),
            (VERBOSE_ALWAYS, J::Bool(true)),
        ]));
    }
    let msg = args
        .get("msg")
        .cloned()
        .unwrap_or_else(|| J::String("Hello world!".into()));
    ActionOut::with(obj(&[
        ("msg", msg),
        ("changed", J::Bool(false)),
        (VERBOSE_ALWAYS, J::Bool(true)),
    ]))
}

fn set_fact(args: &Map<String, J>) -> ActionOut {
    let mut facts = Map::new();
    let mut set = IndexMap::new();
    for (k, v) in args {
        if k == "cacheable" {
            continue;
        }
        facts.insert(k.clone(), v.clone());
        set.insert(k.clone(), super::state::json_value(v));
    }
    let mut result = obj(&[
        ("ansible_facts", J::Object(facts)),
        ("changed", J::Bool(false)),
    ]);
    // `cacheable: true` facts are also host facts (`ansible_facts.x`, 35).
    let cacheable = match args.get("cacheable") {
        Some(J::Bool(b)) => *b,
        Some(J::String(s)) => crate::cli::parse_bool(s).unwrap_or(false),
        _ => false,
    };
    if cacheable {
        result.insert(FACTS_CACHEABLE.into(), J::Bool(true));
    }
    ActionOut {
        result,
        set_facts: set,
        ..ActionOut::default()
    }
}

fn assert(args: &Map<String, J>, cx: &ActionCx<'_>) -> ActionOut {
    let conditions: Vec<J> = match args.get("that") {
        Some(J::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => return ActionOut::with(failed("conditional required in \"that\" string")),
    };
    let quiet = args.get("quiet").and_then(J::as_bool).unwrap_or(false);
    for cond in conditions {
        let holds = match &cond {
            J::Bool(b) => Ok(*b),
            J::String(s) => cx.templar.eval_condition(s, cx.span, cx.scope),
            other => cx
                .templar
                .eval_condition(&other.to_string(), cx.span, cx.scope),
        };
        match holds {
            Ok(true) => {}
            Ok(false) => {
                let msg = args
                    .get("fail_msg")
                    .or_else(|| args.get("msg"))
                    .cloned()
                    .unwrap_or_else(|| J::String("Assertion failed".into()));
                return ActionOut::with(obj(&[
                    ("assertion", cond.clone()),
                    ("changed", J::Bool(false)),
                    ("evaluated_to", J::Bool(false)),
                    ("failed", J::Bool(true)),
                    ("msg", msg),
                    (VERBOSE_ALWAYS, J::Bool(true)),
                ]));
            }
            Err(e) => return ActionOut::with(failed(e.message)),
        }
    }
    let mut result = obj(&[("changed", J::Bool(false))]);
    if !quiet {
        let msg = args
            .get("success_msg")
            .cloned()
            .unwrap_or_else(|| J::String("All assertions passed".into()));
        result.insert("msg".into(), msg);
        result.insert(VERBOSE_ALWAYS.into(), J::Bool(true));
    }
    ActionOut::with(result)
}

async fn pause(args: &Map<String, J>, cx: &ActionCx<'_>) -> ActionOut {
    let num = |k: &str| {
        args.get(k).and_then(|v| match v {
            J::Number(n) => n.as_f64(),
            J::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        })
    };
    // pause.py: minutes win over seconds; both are read with int().
    let (seconds, unit) = match (num("minutes"), num("seconds")) {
        (Some(m), _) => (Some(m.trunc() * 60.0), "minutes"),
        (None, Some(s)) => (Some(s.trunc()), "seconds"),
        _ => (None, "minutes"),
    };
    let start = now_text();
    let started = std::time::Instant::now();
    let Some(seconds) = seconds else {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            // Recorded (85): a warning, no prompt, and an empty answer.
            let _ = cx
                .events
                .send(crate::report::Event::Warning {
                    message: "Not waiting for response to prompt as stdin is not interactive"
                        .into(),
                })
                .await;
            return ActionOut::with(pause_result(&start, started, unit, String::new()));
        }
        let prompt = arg_str(args, "prompt").unwrap_or_else(|| "Press enter to continue".into());
        let _ = cx
            .events
            .send(crate::report::Event::Display {
                text: format!("[pause]\n{prompt}:"),
            })
            .await;
        let input = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            line.trim_end_matches(['\r', '\n']).to_string()
        })
        .await
        .unwrap_or_default();
        return ActionOut::with(pause_result(&start, started, unit, input));
    };
    let _ = cx
        .events
        .send(crate::report::Event::Display {
            // Recorded (55): `seconds: 0` still says 1 second.
            text: format!("Pausing for {} seconds", (seconds as i64).max(1)),
        })
        .await;
    if seconds > 0.0 {
        tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await;
    }
    ActionOut::with(pause_result(&start, started, unit, String::new()))
}

/// pause.py's result: `stdout` is the measured duration rounded to 2 places, in the
/// unit the user gave.
fn pause_result(
    start: &str,
    started: std::time::Instant,
    unit: &str,
    user_input: String,
) -> Map<String, J> {
    let secs = started.elapsed().as_secs_f64();
    let duration = if unit == "minutes" { secs / 60.0 } else { secs };
    let rounded = (duration * 100.0).round() / 100.0;
    obj(&[
        ("changed", J::Bool(false)),
        ("delta", J::from(secs as i64)),
        ("echo", J::Bool(true)),
        ("rc", J::from(0)),
        ("start", J::String(start.to_string())),
        ("stderr", J::String(String::new())),
        (
            "stdout",
            J::String(format!(
                "Paused for {} {unit}",
                py_str(&Value::from(rounded))
            )),
        ),
        ("stop", J::String(now_text())),
        ("user_input", J::String(user_input)),
    ])
}

/// Local time as Python's `str(datetime.now())`.
fn now_text() -> String {
    let now = jiff::Zoned::now();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        now.year(),
        now.month(),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.subsec_nanosecond() / 1000
    )
}
