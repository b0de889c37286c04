//! `vars_prompt` at run time, as ansible-playbook 2.19's `Display.do_var_prompt`:
//! on a terminal the user is asked (`prompt [default]: `, input hidden when `private`,
//! which is the default); without one ansible warns "Not prompting as we are not in
//! interactive mode" and uses the `default`, or the string `None` when there is none
//! (recorded: run corpus 99). Names given with `-e` are never asked for. Every value
//! is a string (`to_text`).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;

use crate::playbook::Play;
use crate::template::{Scope, Templar, VarValue, py_str};
use crate::yaml::Node;

/// One `vars_prompt` entry, templated.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptSpec {
    pub name: String,
    pub prompt: String,
    pub default: Option<String>,
    pub private: bool,
    pub confirm: bool,
}

/// The play's prompts, templated with the play's variables; names in `extra_vars` are
/// left out.
pub fn prompt_specs(
    play: &Play,
    extra_vars: &IndexMap<String, Node>,
    templar: &Templar,
    scope: &Arc<Scope>,
) -> Vec<PromptSpec> {
    let Some(prompts) = play.keywords.get("vars_prompt").and_then(Node::as_seq) else {
        return Vec::new();
    };
    let text = |n: &Node| -> String {
        templar
            .render_node(n, scope)
            .map(|v| py_str(&v))
            .unwrap_or_else(|_| crate::playbook::scalar_text(n).unwrap_or_default())
    };
    let flag = |n: Option<&Node>, dflt: bool| -> bool {
        match n.map(|n| templar.render_node(n, scope)) {
            Some(Ok(v)) => match v.as_str() {
                Some(s) => crate::cli::parse_bool(s).unwrap_or(dflt),
                None => v.is_true(),
            },
            _ => dflt,
        }
    };
    let mut out = Vec::new();
    for p in prompts.iter().filter_map(Node::as_map) {
        let Some(name) = p.get("name").map(text) else {
            continue;
        };
        if extra_vars.contains_key(&name) {
            continue;
        }
        let default = p
            .get("default")
            .filter(|n| !matches!(n.value, crate::yaml::Value::Null))
            .map(text);
        out.push(PromptSpec {
            prompt: p.get("prompt").map(text).unwrap_or_else(|| name.clone()),
            name,
            default,
            private: flag(p.get("private"), true),
            confirm: flag(p.get("confirm"), false),
        });
    }
    out
}

/// The text ansible shows for a prompt.
pub fn prompt_message(spec: &PromptSpec) -> String {
    match (&spec.prompt, &spec.default) {
        (p, Some(d)) if !p.is_empty() => format!("{p} [{d}]: "),
        (p, None) if !p.is_empty() => format!("{p}: "),
        _ => format!("input for {}: ", spec.name),
    }
}

/// The value a prompt gets from `answer` (`None`: no terminal, nothing was asked).
pub fn prompt_value(spec: &PromptSpec, answer: Option<String>) -> String {
    match (answer, &spec.default) {
        (Some(a), _) if !a.is_empty() => a,
        (_, Some(d)) => d.clone(),
        (Some(a), None) => a,
        (None, None) => "None".to_string(),
    }
}

/// Asks on the terminal (stdin); `private` turns echo off while reading.
fn ask(msg: &str, private: bool) -> String {
    let mut stdout = std::io::stdout();
    let _ = write!(stdout, "{msg}");
    let _ = stdout.flush();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    if private {
        stty("-echo");
    }
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if private {
        stty("echo");
        let _ = writeln!(stdout);
    }
    line.trim_end_matches(['\n', '\r']).to_string()
}

/// Runs the prompts; returns the values and whether the "not interactive" warning is
/// due.
pub fn run_prompts(specs: &[PromptSpec]) -> (IndexMap<String, VarValue>, bool) {
    let interactive = std::io::stdin().is_terminal();
    let mut values = IndexMap::new();
    for spec in specs {
        let answer = interactive.then(|| {
            let msg = prompt_message(spec);
            loop {
                let first = ask(&msg, spec.private);
                if !spec.confirm || ask(&format!("confirm {msg}"), spec.private) == first {
                    break first;
                }
                println!("***** VALUES ENTERED DO NOT MATCH ****");
            }
        });
        let value = prompt_value(spec, answer);
        values.insert(spec.name.clone(), VarValue::Data(Value::from(value)));
    }
    (values, !interactive && !specs.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(default: Option<&str>) -> PromptSpec {
        PromptSpec {
            name: "v".into(),
            prompt: "Give it".into(),
            default: default.map(str::to_string),
            private: true,
            confirm: false,
        }
    }

    #[test]
    fn without_a_terminal_the_default_or_the_string_none() {
        // Recorded (run corpus 99): "[dflt] [None] [None]".
        assert_eq!(prompt_value(&spec(Some("dflt")), None), "dflt");
        assert_eq!(prompt_value(&spec(None), None), "None");
    }

    #[test]
    fn empty_input_takes_the_default() {
        assert_eq!(prompt_value(&spec(Some("d")), Some(String::new())), "d");
        assert_eq!(
            prompt_value(&spec(Some("d")), Some("typed".into())),
            "typed"
        );
        assert_eq!(prompt_value(&spec(None), Some(String::new())), "");
    }

    #[test]
    fn prompt_text_shows_the_default() {
        assert_eq!(prompt_message(&spec(Some("d"))), "Give it [d]: ");
        assert_eq!(prompt_message(&spec(None)), "Give it: ");
        let mut s = spec(None);
        s.prompt.clear();
        assert_eq!(prompt_message(&s), "input for v: ");
    }
}
