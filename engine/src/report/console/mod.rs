//! The console reporter: Ansible's `default` stdout callback, byte for byte.
//!
//! Pure: `Console::render` turns one event into the text Ansible writes to stdout and
//! stderr, so it is tested without I/O. Not the console's business: what the CLI prints
//! before the first event (`-v`'s "No config file found; using defaults", `-vv`'s
//! version block, `-vvv` connection traces). Not modelled: `[CHECK MODE]`/`DRY RUN`
//! markers (off by default in Ansible), `CUSTOM STATS`, async polling lines, cowsay.

mod clean;
mod color;
mod diff;
mod difflib;
mod options;
mod pyfmt;
#[cfg(test)]
mod tests;

use super::events::{Event, HostStatus, Recap, TaskKindTag};
use color::{Color, display, stringc};
use serde_json::{Map, Value};
use std::collections::HashSet;

use clean::{censor, flag, host_label, strip_internal, truthy};
pub use options::{ConsoleOptions, NON_TTY_COLUMNS, ansible_color, banner_columns};
pub use pyfmt::{json_dumps, py_str};

/// The `debug` action's result is trimmed to what it was asked to show.
const DEBUG_ACTIONS: [&str; 3] = ["debug", "ansible.builtin.debug", "ansible.legacy.debug"];
const DEBUG_ALLOWED_KEYS: [&str; 4] = ["msg", "exception", "warnings", "deprecations"];
const HIDE_IN_DEBUG: [&str; 8] = [
    "changed",
    "failed",
    "skipped",
    "invocation",
    "skip_reason",
    "ansible_loop_var",
    "ansible_index_var",
    "ansible_loop",
];

/// Output of one event: what goes to stdout and what goes to stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub stdout: String,
    pub stderr: String,
}

/// Ansible's default callback as a state machine over events.
#[derive(Debug)]
pub struct Console {
    opts: ConsoleOptions,
    /// The current task's banner, not printed yet when skipped hosts are hidden.
    pending_banner: Option<String>,
    /// The current task's action (for the `debug` trimming).
    action: String,
    /// Warnings already shown (Ansible shows each distinct warning once).
    warned: HashSet<String>,
    /// `[ERROR]` blocks already shown: ansible prints an identical error (same message
    /// and origin) once per run.
    errors_shown: HashSet<String>,
    /// Hosts whose loop items were shown and whose aggregated result is still to come
    /// (a censored aggregate may have lost its `results`).
    in_loop: HashSet<String>,
}

impl Console {
    pub fn new(opts: ConsoleOptions) -> Self {
        Console {
            opts,
            pending_banner: None,
            action: String::new(),
            warned: HashSet::new(),
            errors_shown: HashSet::new(),
            in_loop: HashSet::new(),
        }
    }

    /// The text Ansible prints for `ev`.
    pub fn render(&mut self, ev: &Event) -> Rendered {
        let mut r = Rendered::default();
        match ev {
            Event::PlaybookStart { path, plays } => {
                if self.opts.verbosity > 1 {
                    let base = path.rsplit('/').next().unwrap_or(path);
                    r.stdout = self.banner(&format!("PLAYBOOK: {base}"));
                    r.stdout += &self.line(&format!("{plays} plays in {path}"), Some(Color::Blue));
                }
            }
            Event::PlayStart { name, .. } => {
                self.pending_banner = None;
                self.in_loop.clear();
                let name = name.trim();
                let msg = if name.is_empty() {
                    "PLAY".to_string()
                } else {
                    format!("PLAY [{name}]")
                };
                r.stdout = self.banner(&msg);
            }
            Event::NoHostsMatched => {
                r.stdout = self.line("skipping: no hosts matched", Some(Color::Cyan));
            }
            Event::TaskStart {
                name,
                kind,
                action,
                path,
            } => {
                self.action = action.clone();
                let prefix = match kind {
                    TaskKindTag::Task => "TASK",
                    TaskKindTag::Handler => "RUNNING HANDLER",
                };
                let mut banner = self.banner(&format!("{prefix} [{}]", name.trim()));
                if let Some(path) = path.as_deref().filter(|_| self.opts.verbosity >= 2) {
                    banner += &self.line(&format!("task path: {path}"), Some(Color::DarkGray));
                }
                if self.opts.show_skipped {
                    r.stdout = banner;
                } else {
                    self.pending_banner = Some(banner);
                }
            }
            Event::HostResult {
                host,
                delegated_to,
                status,
                ignored,
                item_label,
                result,
                no_log,
            } => {
                let label = host_label(host, delegated_to.as_deref(), result);
                let view = ResultView {
                    host,
                    label: &label,
                    status: *status,
                    ignored: *ignored,
                    item_label: item_label.as_ref(),
                    result,
                    no_log: *no_log,
                };
                r.stdout = self.host_result(&view);
                let shown = *status != HostStatus::Skipped || self.opts.show_skipped;
                if shown && !*no_log {
                    r.stderr = self.module_warnings(result);
                }
            }
            Event::HostError { text, .. } => {
                r.stdout = self.take_banner();
                if self.errors_shown.insert(text.clone()) {
                    r.stdout += &self.line(&event_message("", text), Some(Color::Red));
                }
            }
            Event::Retry {
                host,
                task,
                retries_left,
                result,
            } => {
                let mut msg =
                    format!("FAILED - RETRYING: [{host}]: {task} ({retries_left} retries left).");
                // v2_runner_retry dumps the result without `_clean_results`: a
                // retried `debug` shows `attempts` and `retries` next to its `msg`.
                let mut result = result.clone();
                result.shift_remove("failed");
                result.shift_remove("skipped");
                if self.is_verbose(&result, 2) {
                    msg += &format!("Result was: {}", self.dump(&result));
                }
                r.stdout = self.line(&msg, Some(Color::DarkGray));
            }
            Event::Included {
                path,
                hosts,
                item_label,
            } => {
                let mut msg = format!("included: {path} for {}", hosts.join(", "));
                if let Some(label) = item_label.as_ref().filter(|l| truthy(l)) {
                    msg += &format!(" => (item={})", py_str(label));
                }
                r.stdout = self.take_banner();
                r.stdout += &self.line(&msg, Some(Color::Cyan));
            }
            Event::HandlerNotified { handler, host } => {
                if self.opts.verbosity > 1 {
                    let msg = format!("NOTIFIED HANDLER {handler} for {host}");
                    r.stdout = self.line(&msg, Some(Color::Blue));
                }
            }
            Event::Verbose { level, message } => {
                if self.opts.verbosity >= *level {
                    r.stdout = self.line(message, Some(Color::Blue));
                }
            }
            Event::Deprecation { message } => {
                let msg = event_message("[DEPRECATION WARNING]: ", message);
                if self.warned.insert(msg.clone()) {
                    r.stderr = self.warning(
                        "Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.",
                    );
                    r.stderr += &self.line(&msg, Some(Color::Purple));
                }
            }
            Event::Interrupted => {
                r.stderr = self.line("[ERROR]: User interrupted execution", Some(Color::Red));
            }
            Event::NoMoreHosts => r.stdout = self.banner("NO MORE HOSTS LEFT"),
            Event::Warning { message } => r.stderr = self.warning(message),
            Event::Error { message } => r.stderr = format!("[ERROR]: {message}\n"),
            Event::Display { text } => {
                r.stdout = self.take_banner();
                r.stdout += &format!("{text}\n");
            }
            Event::Recap(recap) => r.stdout = self.recap(recap),
        }
        r
    }

    /// `Display.banner`: a blank line, the message, and stars to the column width.
    fn banner(&self, msg: &str) -> String {
        let msg = msg.trim();
        let width = text_width(msg);
        let stars = self.opts.columns.saturating_sub(width).max(3);
        format!("\n{msg} {}\n", "*".repeat(stars))
    }

    fn line(&self, msg: &str, color: Option<Color>) -> String {
        display(msg, color, self.opts.color)
    }

    /// The task banner if it is still owed (skipped hosts hidden, first shown result).
    fn take_banner(&mut self) -> String {
        self.pending_banner.take().unwrap_or_default()
    }

    /// `_run_is_verbose`.
    fn is_verbose(&self, result: &Map<String, Value>, verbosity: u8) -> bool {
        (self.opts.verbosity > verbosity || flag(result, "_ansible_verbose_always"))
            && !flag(result, "_ansible_verbose_override")
    }

    fn is_debug(&self) -> bool {
        DEBUG_ACTIONS.contains(&self.action.as_str())
    }

    /// `_dump_results`: internal keys, `invocation` (below -vvv), `diff` (below -vvv),
    /// `exception`, `warnings` and `deprecations` removed; sorted keys; indented at
    /// -vvv or for results that are always shown verbose.
    fn dump(&self, result: &Map<String, Value>) -> String {
        let indent = if flag(result, "_ansible_verbose_always") || self.opts.verbosity > 2 {
            Some(4)
        } else {
            None
        };
        let mut abridged = strip_internal(result);
        if self.opts.verbosity < 3 {
            abridged.shift_remove("invocation");
            abridged.shift_remove("diff");
        }
        for key in ["exception", "warnings", "deprecations"] {
            abridged.shift_remove(key);
        }
        json_dumps(&Value::Object(abridged), indent)
    }

    /// What a callback sees (`as_callback_task_result`: `failed`/`skipped` are in the
    /// event's status; debug never shows `invocation`), then `_clean_results`: `debug`
    /// shows only its `msg` (or its `var`).
    fn clean(&self, result: &Map<String, Value>) -> Map<String, Value> {
        let mut cleaned = result.clone();
        cleaned.shift_remove("failed");
        cleaned.shift_remove("skipped");
        if self.is_debug() {
            cleaned.shift_remove("invocation");
            if cleaned.contains_key("msg") {
                cleaned
                    .retain(|k, _| DEBUG_ALLOWED_KEYS.contains(&k.as_str()) || k.starts_with('_'));
            } else {
                for key in HIDE_IN_DEBUG {
                    cleaned.shift_remove(key);
                }
            }
        }
        cleaned
    }

    fn host_result(&mut self, v: &ResultView) -> String {
        let mut out = String::new();
        let is_item = v.item_label.is_some();
        // The aggregated result of a loop: its items were shown one by one.
        let loop_aggregate = if is_item {
            self.in_loop.insert(v.host.to_string());
            false
        } else {
            self.in_loop.remove(v.host) || v.result.contains_key("results")
        };
        // Diffs come before the ok/changed line: each loop item's before its own line
        // (the task executor sends them), a plain result's from the strategy.
        if matches!(v.status, HostStatus::Ok | HostStatus::Changed) {
            out += &self.file_diff(v, is_item);
        }
        match v.status {
            HostStatus::Skipped if !self.opts.show_skipped => return out,
            _ => {}
        }
        let mut result = if v.no_log {
            censor(v.result)
        } else {
            v.result.clone()
        };
        result = self.clean(&result);
        // The debug action always asks for its result to be shown, pretty-printed
        // (a censored result has lost that request, as in Ansible).
        if self.is_debug() && !v.no_log && matches!(v.status, HostStatus::Ok | HostStatus::Changed)
        {
            result.insert("_ansible_verbose_always".into(), Value::Bool(true));
        }
        if loop_aggregate {
            result.shift_remove("results");
        }
        out.insert_str(0, &self.take_banner());
        match (v.status, is_item) {
            (HostStatus::Ok | HostStatus::Changed, false) => {
                if !loop_aggregate {
                    let (word, color) = ok_word(v.status);
                    let mut msg = format!("{word}: [{}]", v.label);
                    if self.is_verbose(&result, 0) {
                        msg += &format!(" => {}", self.dump(&result));
                    }
                    out += &self.line(&msg, Some(color));
                }
            }
            (HostStatus::Ok | HostStatus::Changed, true) => {
                let (word, color) = ok_word(v.status);
                let mut msg = format!("{word}: [{}] => (item={})", v.label, self.item_label(v));
                if self.is_verbose(&result, 0) {
                    msg += &format!(" => {}", self.dump(&result));
                }
                out += &self.line(&msg, Some(color));
            }
            (HostStatus::Skipped, false) => {
                let mut msg = format!("skipping: [{}]", v.host);
                if self.is_verbose(&result, 0) {
                    msg += &format!(" => {}", self.dump(&result));
                }
                out += &self.line(&msg, Some(Color::Cyan));
            }
            (HostStatus::Skipped, true) => {
                let mut msg = format!("skipping: [{}] => (item={}) ", v.host, self.item_label(v));
                if self.is_verbose(&result, 0) {
                    msg += &format!(" => {}", self.dump(&result));
                }
                out += &self.line(&msg, Some(Color::Cyan));
            }
            (HostStatus::Failed, false) => {
                if !loop_aggregate {
                    let msg = format!("fatal: [{}]: FAILED! => {}", v.label, self.dump(&result));
                    out += &self.line(&msg, Some(Color::Red));
                }
            }
            (HostStatus::Failed | HostStatus::Unreachable, true) => {
                let msg = format!(
                    "failed: [{}] (item={}) => {}",
                    v.label,
                    self.item_label(v),
                    self.dump(&result)
                );
                out += &self.line(&msg, Some(Color::Red));
            }
            (HostStatus::Unreachable, false) => {
                let msg = format!(
                    "fatal: [{}]: UNREACHABLE! => {}",
                    v.label,
                    self.dump(&result)
                );
                out += &self.line(&msg, Some(Color::BrightRed));
            }
        }
        // Ansible prints "...ignoring" after the aggregated result, not after each item.
        if v.ignored && !is_item && matches!(v.status, HostStatus::Failed | HostStatus::Unreachable)
        {
            out += &self.line("...ignoring", Some(Color::Cyan));
        }
        out
    }

    /// `_handle_warnings`: a module's `warnings` go to stderr as `[WARNING]:` lines
    /// (each distinct one once per run); the result dump never shows them.
    fn module_warnings(&mut self, result: &Map<String, Value>) -> String {
        let mut err = String::new();
        if let Some(Value::Array(warnings)) = result.get("warnings") {
            for w in warnings {
                let text = match w {
                    Value::String(s) => s.clone(),
                    other => py_str(other),
                };
                err += &self.warning(&text);
            }
        }
        err
    }

    fn warning(&mut self, message: &str) -> String {
        let msg = event_message("[WARNING]: ", message);
        if self.warned.insert(msg.clone()) {
            self.line(&msg, Some(Color::BrightPurple))
        } else {
            String::new()
        }
    }

    /// `v2_on_file_diff`: the strategy only calls it when the result has a `diff`
    /// key; for an aggregated loop result it then shows the items' diffs.
    fn file_diff(&mut self, v: &ResultView, is_item: bool) -> String {
        if !is_item && !v.result.contains_key("diff") {
            return String::new();
        }
        let color = self.opts.color;
        let shown = |r: &Map<String, Value>| -> Option<String> {
            let diff = r.get("diff").filter(|d| truthy(d))?;
            if !flag(r, "changed") {
                return None;
            }
            let rendered = diff::render_diff(diff, color);
            (!rendered.is_empty()).then(|| display(&rendered, None, false))
        };
        let text: String = match v.result.get("results") {
            Some(Value::Array(items)) if !is_item => items
                .iter()
                .filter_map(Value::as_object)
                .filter_map(shown)
                .collect(),
            _ => shown(v.result).unwrap_or_default(),
        };
        if text.is_empty() {
            return text;
        }
        let mut out = self.take_banner();
        out += &text;
        out
    }

    /// `_get_item_label`.
    fn item_label(&self, v: &ResultView) -> String {
        if v.no_log || flag(v.result, "_ansible_no_log") {
            return "(censored due to no_log)".to_string();
        }
        match v.result.get("_ansible_item_label").or(v.item_label) {
            Some(label) => py_str(label),
            None => "None".to_string(),
        }
    }

    fn recap(&self, recap: &Recap) -> String {
        let mut out = self.banner("PLAY RECAP");
        let mut hosts: Vec<_> = recap.hosts.iter().collect();
        hosts.sort_by(|a, b| a.0.cmp(b.0));
        let color = self.opts.color;
        for (host, t) in hosts {
            let host_col = if color {
                let c = if t.failed != 0 || t.unreachable != 0 {
                    Color::Red
                } else if t.changed != 0 {
                    Color::Yellow
                } else {
                    Color::Green
                };
                format!("{:<37}", stringc(host, c))
            } else {
                format!("{host:<26}")
            };
            let col = |lead: &str, num: u32, c: Color| {
                let s = format!("{lead}={num:<4}");
                if num != 0 && color { stringc(&s, c) } else { s }
            };
            out += &format!(
                "{host_col} : {} {} {} {} {} {} {}\n",
                col("ok", t.ok, Color::Green),
                col("changed", t.changed, Color::Yellow),
                col("unreachable", t.unreachable, Color::BrightRed),
                col("failed", t.failed, Color::Red),
                col("skipped", t.skipped, Color::Cyan),
                col("rescued", t.rescued, Color::Green),
                col("ignored", t.ignored, Color::BrightPurple),
            );
        }
        out.push('\n');
        out
    }
}

/// One host result, borrowed from the event.
struct ResultView<'a> {
    host: &'a str,
    label: &'a str,
    status: HostStatus,
    ignored: bool,
    item_label: Option<&'a Value>,
    result: &'a Map<String, Value>,
    no_log: bool,
}

fn ok_word(status: HostStatus) -> (&'static str, Color) {
    if status == HostStatus::Changed {
        ("changed", Color::Yellow)
    } else {
        ("ok", Color::Green)
    }
}

/// Display columns of `text` (`wcswidth`): East Asian wide characters count two,
/// combining marks and zero-width characters none. An approximation of libc's table
/// covering the common ranges.
fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let cp = c as u32;
            let zero =
                matches!(cp, 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F) || c.is_control();
            let wide = matches!(cp,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F
                | 0x1F900..=0x1F9FF | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD);
            if zero {
                0
            } else if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Ansible's `format_event` layout for `[ERROR]`/`[WARNING]`/`[DEPRECATION WARNING]`
/// messages: trimmed, and a multi-line message (with an `Origin:` excerpt or help)
/// is followed by a blank line.
fn event_message(prefix: &str, text: &str) -> String {
    let body = text.trim();
    let end = if body.contains('\n') { "\n\n" } else { "\n" };
    format!("{prefix}{body}{end}")
}
