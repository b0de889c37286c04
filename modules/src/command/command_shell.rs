//! `command` and `shell` (ansible/modules/command.py; `shell` is `command` with
//! `_uses_shell`).

use std::time::SystemTime;

use serde::Deserialize;
use serde_json::Value;

use super::args::{opt_bool, opt_list, opt_string, parse, shlex_split};
use super::clock;
use super::shellword::{expanding_word, glob_exists_test};
use crate::runtime::{
    BoxFuture, ExecOutput, Module, ModuleError, Outcome, Remote, RemoteError, TaskCx, quote,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommandArgs {
    #[serde(default, deserialize_with = "opt_string")]
    pub _raw_params: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub _uses_shell: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub cmd: Option<String>,
    #[serde(default, deserialize_with = "opt_list")]
    pub argv: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    pub chdir: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub executable: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub expand_argument_vars: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub creates: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub removes: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub stdin: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub stdin_add_newline: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub strip_empty_ends: Option<bool>,
}

/// What will run: the `cmd` reported back and the line handed to the host's shell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommandPlan {
    /// `cmd` in the result: the split argv for `command`, the string for `shell`.
    pub cmd: Value,
    /// The line for `sh -c`.
    pub line: String,
    /// The program (for "No such file or directory" like Ansible's).
    pub program: Option<String>,
}

/// Builds the shell line for `args` (pure).
pub(crate) fn plan(args: &CommandArgs, shell: bool) -> Result<CommandPlan, String> {
    let text = args
        ._raw_params
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| args.cmd.clone().filter(|s| !s.is_empty()));
    let cd = args
        .chdir
        .as_deref()
        .map(|dir| format!("cd {} && ", expanding_word(dir)))
        .unwrap_or_default();
    if shell {
        let line = match (&text, &args.argv) {
            (Some(t), _) => t.clone(),
            (None, Some(argv)) if !argv.is_empty() => {
                argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
            }
            _ => return Err("no command given".into()),
        };
        let body = match &args.executable {
            Some(exe) => format!("{} -c {}", quote(exe), quote(&line)),
            None => line.clone(),
        };
        return Ok(CommandPlan {
            cmd: Value::String(line),
            line: format!("{cd}{body}"),
            program: None,
        });
    }
    let argv = match (&text, &args.argv) {
        (Some(t), _) => shlex_split(t)?,
        (None, Some(argv)) => argv.clone(),
        _ => Vec::new(),
    };
    if argv.is_empty() {
        return Err("no command given".into());
    }
    let expand = args.expand_argument_vars.unwrap_or(true);
    let words: Vec<String> = argv
        .iter()
        .map(|a| if expand { expanding_word(a) } else { quote(a) })
        .collect();
    Ok(CommandPlan {
        cmd: Value::Array(argv.iter().cloned().map(Value::String).collect()),
        line: format!("{cd}exec {}", words.join(" ")),
        program: argv.first().cloned(),
    })
}

/// The checks made before running: `chdir` usable, `creates`/`removes` globs matching.
/// Prints one `key=value` line per check.
pub(crate) fn precheck_line(args: &CommandArgs) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(dir) = &args.chdir {
        let dir = expanding_word(dir);
        parts.push(format!(
            "if cd {dir} 2>/dev/null; then echo chdir=ok; else echo chdir=fail; exit 0; fi"
        ));
    }
    for (key, pattern) in [("creates", &args.creates), ("removes", &args.removes)] {
        if let Some(p) = pattern {
            parts.push(format!("printf {key}=; ( {} )", glob_exists_test(p)));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// What the pre-run checks found.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Precheck {
    pub chdir_failed: bool,
    pub creates_exists: bool,
    pub removes_exists: bool,
}

pub(crate) fn parse_precheck(stdout: &str) -> Precheck {
    let mut p = Precheck::default();
    for line in stdout.lines() {
        match line.trim() {
            "chdir=fail" => p.chdir_failed = true,
            "creates=yes" => p.creates_exists = true,
            "removes=yes" => p.removes_exists = true,
            _ => {}
        }
    }
    p
}

/// The result of a command that did not run (skipped by creates/removes, check mode).
fn not_run(plan_cmd: Value, msg: String, stdout: String, changed: bool) -> Outcome {
    Outcome {
        changed,
        msg: Some(msg),
        rc: Some(0),
        stdout: Some(stdout),
        stderr: Some(String::new()),
        ..Outcome::default()
    }
    .with("cmd", plan_cmd)
    .with("start", Value::Null)
    .with("end", Value::Null)
    .with("delta", Value::Null)
}

/// Decides, from the pre-run checks, whether the command runs (`None`) or what the
/// module answers instead.
pub(crate) fn decide(
    args: &CommandArgs,
    plan: &CommandPlan,
    pre: &Precheck,
    check: bool,
) -> Option<Outcome> {
    let shoulda = if check { "Would" } else { "Did" };
    if pre.chdir_failed {
        let mut o = not_run(
            plan.cmd.clone(),
            "Unable to change directory before execution.".into(),
            String::new(),
            false,
        );
        o.failed = true;
        o.rc = None;
        return Some(o.with("rc", Value::Null));
    }
    if let Some(c) = &args.creates
        && pre.creates_exists
    {
        return Some(not_run(
            plan.cmd.clone(),
            format!("{shoulda} not run command since '{c}' exists"),
            format!("skipped, since {c} exists"),
            false,
        ));
    }
    if let Some(r) = &args.removes
        && !pre.removes_exists
    {
        return Some(not_run(
            plan.cmd.clone(),
            format!("{shoulda} not run command since '{r}' does not exist"),
            format!("skipped, since {r} does not exist"),
            false,
        ));
    }
    if check {
        let decided_by_files = args.creates.is_some() || args.removes.is_some();
        let mut o = not_run(
            plan.cmd.clone(),
            "Command would have run if not in check mode".into(),
            String::new(),
            decided_by_files,
        );
        o.skipped = !decided_by_files;
        return Some(o);
    }
    None
}

/// Shapes the result of a command that ran (pure).
pub(crate) fn finish(
    plan: &CommandPlan,
    out: &ExecOutput,
    start: SystemTime,
    end: SystemTime,
    strip: bool,
) -> Outcome {
    let (mut stdout, mut stderr) = (out.stdout_text(), out.stderr_text());
    // `exec` of a missing program: Ansible's run_command reports the OSError.
    if let Some(program) = &plan.program
        && out.rc == 127
        && stderr.contains("not found")
        && stdout.is_empty()
    {
        // Ansible's run_command reports the command line shlex-quoted.
        let line: Vec<String> = plan
            .cmd
            .as_array()
            .map(|words| words.iter().filter_map(Value::as_str).map(quote).collect())
            .unwrap_or_else(|| vec![program.clone()]);
        return Outcome {
            failed: true,
            msg: Some("Error executing command.".into()),
            rc: Some(2),
            stdout: Some(String::new()),
            stderr: Some(String::new()),
            ..Outcome::default()
        }
        .with("cmd", line.join(" "));
    }
    if strip {
        stdout.truncate(stdout.trim_end_matches(['\r', '\n']).len());
        stderr.truncate(stderr.trim_end_matches(['\r', '\n']).len());
    }
    let failed = out.rc != 0;
    Outcome {
        changed: true,
        failed,
        msg: Some(if failed {
            "non-zero return code".into()
        } else {
            String::new()
        }),
        rc: Some(out.rc),
        stdout: Some(stdout),
        stderr: Some(stderr),
        ..Outcome::default()
    }
    .with("cmd", plan.cmd.clone())
    .with("start", clock::timestamp(start))
    .with("end", clock::timestamp(end))
    .with(
        "delta",
        clock::delta(end.duration_since(start).unwrap_or_default()),
    )
}

async fn run_command(
    remote: &dyn Remote,
    args: &CommandArgs,
    shell: bool,
    check: bool,
) -> Result<Outcome, ModuleError> {
    let plan = match plan(args, shell) {
        Ok(p) => p,
        Err(msg) => {
            let mut o = Outcome::failed(msg);
            o.rc = Some(256);
            return Ok(o);
        }
    };
    let pre = match precheck_line(args) {
        Some(line) => parse_precheck(&remote.exec(&line, None).await?.stdout_text()),
        None => Precheck::default(),
    };
    if let Some(outcome) = decide(args, &plan, &pre, check) {
        return Ok(outcome);
    }
    let stdin = args.stdin.as_ref().map(|s| {
        let mut bytes = s.clone().into_bytes();
        if args.stdin_add_newline.unwrap_or(true) {
            bytes.push(b'\n');
        }
        bytes
    });
    let start = SystemTime::now();
    let out = exec(remote, &plan.line, stdin.as_deref()).await?;
    let end = SystemTime::now();
    Ok(finish(
        &plan,
        &out,
        start,
        end,
        args.strip_empty_ends.unwrap_or(true),
    ))
}

async fn exec(
    remote: &dyn Remote,
    line: &str,
    stdin: Option<&[u8]>,
) -> Result<ExecOutput, RemoteError> {
    remote.exec(line, stdin).await
}

/// `ansible.builtin.command`: runs a program with arguments, no shell.
pub struct CommandModule;

impl Module for CommandModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.command"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a serde_json::Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let mut parsed: CommandArgs = parse(self.name(), args)?;
            let shell = parsed._uses_shell.unwrap_or(false);
            if !shell {
                // Ansible warns and ignores `executable` for command.
                parsed.executable = None;
            }
            run_command(cx.remote, &parsed, shell, cx.check_mode).await
        })
    }
}

/// `ansible.builtin.shell`: runs a command line through `/bin/sh` (or `executable`).
pub struct ShellModule;

impl Module for ShellModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.shell"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a serde_json::Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let parsed: CommandArgs = parse(self.name(), args)?;
            run_command(cx.remote, &parsed, true, cx.check_mode).await
        })
    }
}

#[cfg(test)]
#[path = "command_shell_tests.rs"]
mod tests;
