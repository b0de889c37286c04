//! The recorded corpus of real ansible-playbook RUNS (`tests/run-corpus/*/`): for every
//! case named in `tests/run-corpus/PASSING`, ringmaster must print the same console output
//! (after normalisation) and exit with the same code as ansible-playbook 2.19 did.
//!
//! Normalisation (documented in `tests/run-corpus/README.md`, mirrored in
//! `tests/tools/record_run_corpus.sh`; keep the three in step):
//! 1. [`normalise`]: machine paths (case dir, repo root, HOME) and volatile values
//!    (command times, backup suffixes, Ansible temp dir names) are replaced by markers.
//!    The recorded files are already normalised; the rules are idempotent.
//! 2. [`canonical_order`]: ansible prints the results of one task in completion order, so
//!    within each banner section the per-host entries are put in a fixed order: floating
//!    `[ERROR]`/`[WARNING]` blocks first (sorted), then host entries stably sorted by host
//!    name (one host's lines keep their order), then `included:` lines (sorted, with their
//!    host lists sorted).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::util::{repo_root, ringmaster, shell_words};

/// Where cases may write files; wiped per case before each run (as the recorder does).
pub const WORK_ROOT: &str = "/tmp/rm-run-corpus";

/// The local and the SSH run of the corpus share [`WORK_ROOT`] on the controller: one at a
/// time.
pub static WORK_ROOT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

static VOLATILE: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r#""(start|end)": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+""#,
            r#""$1": "<TIME>""#,
        ),
        (r#""delta": "\d+:\d\d:\d\d\.\d+""#, r#""delta": "<DELTA>""#),
        (r"\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~", ".<BACKUP>~"),
        (r"ansible-tmp-[0-9.]+-\d+-\d+", "ansible-tmp-<ID>"),
        (r"ansible-local-[0-9A-Za-z_]+", "ansible-local-<ID>"),
        (r"(ansible-local-<ID>)/tmp[0-9A-Za-z_]+", "$1/tmp<ID>"),
        (r#"[^\s"]*/ansible-local-<ID>/tmp<ID>/"#, "<LOCAL_TMP>/"),
        // `async:` job ids (`j<random>.<pid>`).
        (r"\bj\d+\.\d+\b", "j<JID>"),
    ]
    .into_iter()
    .map(|(rx, rep)| (Regex::new(rx).unwrap(), rep))
    .collect()
});

static BANNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(PLAY \[|TASK \[|RUNNING HANDLER \[|PLAY RECAP |NO MORE HOSTS LEFT |PLAYBOOK: )")
        .unwrap()
});
static HOST_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(ok|changed|skipping|fatal|failed|FAILED - RETRYING): ").unwrap()
});
static FLOAT_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[(ERROR|WARNING|DEPRECATION WARNING)\]").unwrap());
static HOST_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[([^\]]*)\]").unwrap());
static INCLUDED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(included: .* for )(.*?)( => \(item=.*\))?$").unwrap());

/// Rule 1: machine paths and volatile values -> markers.
pub fn normalise(text: &str, case: &Path, home: &Path) -> String {
    let mut text = text
        .replace(&case.display().to_string(), "<CASE>")
        .replace(&repo_root().display().to_string(), "<REPO>")
        .replace(&home.display().to_string(), "<HOME>");
    for (rx, rep) in VOLATILE.iter() {
        text = rx.replace_all(&text, *rep).into_owned();
    }
    if let Some(start) = text.find("\nTraceback (most recent call last):") {
        text.truncate(start);
        text.push_str("\n<TRACEBACK>\n");
    }
    text
}

/// Rule 2: the entries of every banner section in a fixed order.
pub fn canonical_order(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut section: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if BANNER.is_match(line) {
            out.extend(canonical_section(&section));
            out.push(line.to_string());
            section.clear();
        } else {
            section.push(line);
        }
    }
    out.extend(canonical_section(&section));
    out.join("\n")
}

/// Which list the entry being built belongs to.
#[derive(Clone, Copy)]
enum Current {
    None,
    Float(usize),
    Host(usize),
    Pending,
}

fn canonical_section(lines: &[&str]) -> Vec<String> {
    let mut lines = lines.to_vec();
    let mut trailing = 0;
    while lines.last() == Some(&"") {
        lines.pop();
        trailing += 1;
    }
    let mut head: Vec<String> = Vec::new();
    let mut floats: Vec<Vec<String>> = Vec::new();
    let mut hosts: Vec<(String, Vec<String>)> = Vec::new();
    // A `--- before` diff is printed before the result line it belongs to.
    let mut pending: Vec<String> = Vec::new();
    let mut cur = Current::None;
    for line in lines {
        if FLOAT_START.is_match(line) {
            floats.push(vec![line.to_string()]);
            cur = Current::Float(floats.len() - 1);
        } else if line.starts_with("included: ") {
            let line = match INCLUDED.captures(line) {
                Some(c) => {
                    let mut hs: Vec<&str> = c[2].split(", ").collect();
                    hs.sort_unstable();
                    let item = c.get(3).map_or("", |m| m.as_str());
                    format!("{}{}{item}", &c[1], hs.join(", "))
                }
                None => line.to_string(),
            };
            hosts.push((format!("\u{ffff}{line}"), vec![line]));
            cur = Current::Host(hosts.len() - 1);
        } else if HOST_START.is_match(line) {
            let key = HOST_KEY
                .captures(line)
                .map(|c| c[1].to_string())
                .unwrap_or_default();
            let mut entry = std::mem::take(&mut pending);
            entry.push(line.to_string());
            hosts.push((key, entry));
            cur = Current::Host(hosts.len() - 1);
        } else if line.starts_with("--- before") {
            pending = vec![line.to_string()];
            cur = Current::Pending;
        } else {
            match cur {
                Current::None => head.push(line.to_string()),
                Current::Float(i) => floats[i].push(line.to_string()),
                Current::Host(i) => hosts[i].1.push(line.to_string()),
                Current::Pending => pending.push(line.to_string()),
            }
        }
    }
    let mut floats: Vec<String> = floats.into_iter().map(|f| f.join("\n")).collect();
    floats.sort();
    hosts.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = head;
    out.extend(floats);
    out.extend(hosts.into_iter().map(|(_, h)| h.join("\n")));
    out.extend(pending);
    out.extend(std::iter::repeat_n(String::new(), trailing));
    out
}

pub fn corpus_dir() -> std::path::PathBuf {
    repo_root().join("tests/run-corpus")
}

fn all_cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/run-corpus exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("args").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

/// Case names in `PASSING`: one per line, `#` comments and blank lines ignored.
pub fn passing_cases() -> Vec<String> {
    std::fs::read_to_string(corpus_dir().join("PASSING"))
        .expect("tests/run-corpus/PASSING exists")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Runs case `name` from `case` (its recorded files) and compares; `None` when it matches.
/// `prepare` runs after the case's work dir is emptied (the SSH run empties the fleet
/// host's copy too).
pub fn check_case(name: &str, case: &Path, home: &Path, prepare: &dyn Fn(&Path)) -> Option<String> {
    let work = Path::new(WORK_ROOT).join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("create the case's work dir");
    prepare(&work);
    let args = shell_words(&std::fs::read_to_string(case.join("args")).expect("args"));
    // `rc.ringmaster` / `stdout.ringmaster`: a deliberate difference from ansible
    // (the case's NOTE says why), e.g. bad module arguments refused at load time.
    let pick = |file: &str| {
        let own = case.join(format!("{file}.ringmaster"));
        if own.is_file() { own } else { case.join(file) }
    };
    let want_rc: i32 = std::fs::read_to_string(pick("rc"))
        .expect("rc")
        .trim()
        .parse()
        .expect("rc is a number");
    let run = ringmaster(case, &args, home);
    let got = canonical_order(&normalise(&run.stdout, case, home));
    let want = std::fs::read_to_string(pick("stdout")).expect("stdout");
    let want = canonical_order(&normalise(&want, case, home));
    if run.rc != want_rc {
        Some(format!(
            "{name}: exit code {} but ansible-playbook gave {want_rc}\n{}",
            run.rc, run.stderr
        ))
    } else if got != want {
        Some(format!(
            "{name}: stdout differs\n--- ansible-playbook\n{want}\n--- ringmaster\n{got}\n--- ringmaster stderr\n{}",
            run.stderr
        ))
    } else {
        None
    }
}

#[test]
fn run_corpus_passing_cases_match_recorded_ansible_playbook() {
    let known = all_cases();
    let _one_at_a_time = WORK_ROOT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().expect("temp home");
    let mut failures = Vec::new();
    let passing = passing_cases();
    for name in &passing {
        if !known.contains(name) {
            failures.push(format!("{name}: listed in PASSING but no such case"));
            continue;
        }
        let case = corpus_dir().join(name);
        failures.extend(check_case(name, &case, home.path(), &|_| {}));
    }
    assert!(
        failures.is_empty(),
        "{} of {} passing run-corpus cases fail:\n\n{}",
        failures.len(),
        passing.len(),
        failures.join("\n\n")
    );
}

#[test]
fn run_corpus_is_complete_and_already_normalised() {
    let cases = all_cases();
    assert!(cases.len() >= 60, "only {} run-corpus cases", cases.len());
    let home = Path::new("/nonexistent-home");
    for name in &cases {
        let case = corpus_dir().join(name);
        for file in ["stdout", "stderr", "rc", "hosts.ini"] {
            assert!(case.join(file).is_file(), "{name} has no {file}");
        }
        let stdout = std::fs::read_to_string(case.join("stdout")).unwrap();
        assert_eq!(
            normalise(&stdout, &case, home),
            stdout,
            "{name}: recorded stdout changes under normalisation (rules out of step with the recorder?)"
        );
        assert!(
            !stdout.contains("/root/") && !stdout.contains("/home/"),
            "{name}: machine path left in stdout"
        );
    }
}

/// Two real recordings of the same case (ansible's own run-to-run variation: completion
/// order, timings) must be equal after normalisation.
#[test]
fn two_recordings_of_one_case_normalise_equal() {
    let mut checked = 0;
    for name in all_cases() {
        let case = corpus_dir().join(&name);
        let Ok(rerun) = std::fs::read_to_string(case.join("stdout.rerun")) else {
            continue;
        };
        let first = std::fs::read_to_string(case.join("stdout")).unwrap();
        let home = Path::new("/nonexistent-home");
        assert_eq!(
            canonical_order(&normalise(&first, &case, home)),
            canonical_order(&normalise(&rerun, &case, home)),
            "{name}: the two recordings differ after normalisation"
        );
        checked += 1;
    }
    assert!(checked >= 1, "no case has a stdout.rerun");
}

#[test]
fn volatile_values_are_replaced() {
    let case = Path::new("/x/case");
    let home = Path::new("/h/home");
    let text = r#"{"delta": "0:00:00.018078", "end": "2026-11-22 14:47:29.360699", "start": "2026-11-22 14:47:29.342621", "backup_file": "/tmp/f.1234.2026-11-22@14:47:49~"} /x/case/site.yml /h/home/.ansible/tmp/ansible-local-12ab_c/tmpxy_z1/source"#;
    assert_eq!(
        normalise(text, case, home),
        r#"{"delta": "<DELTA>", "end": "<TIME>", "start": "<TIME>", "backup_file": "/tmp/f.<BACKUP>~"} <CASE>/site.yml <LOCAL_TMP>/source"#
    );
}

#[test]
fn canonical_order_sorts_hosts_keeps_each_hosts_lines_together() {
    // As ansible printed it: w2's error block first (dedup'd [ERROR] floats), items of w1
    // interleaved with w2's, a diff before its result line, included host list unsorted.
    let printed = "\nTASK [t] ***\nok: [w2] => (item=a)\n[ERROR]: boom\nOrigin: x\n\nfatal: [w2]: FAILED! => {}\nok: [w1] => (item=a)\nok: [w1] => (item=b) => {\n    \"msg\": 1\n}\n...ignoring\n--- before\n+++ after: /f\n@@ -0,0 +1 @@\n+y\n\nchanged: [w0]\nincluded: /t.yml for w2, w1\n\nPLAY RECAP ***\nw1 : ok=1\n";
    let canonical = "\nTASK [t] ***\n[ERROR]: boom\nOrigin: x\n\n--- before\n+++ after: /f\n@@ -0,0 +1 @@\n+y\n\nchanged: [w0]\nok: [w1] => (item=a)\nok: [w1] => (item=b) => {\n    \"msg\": 1\n}\n...ignoring\nok: [w2] => (item=a)\nfatal: [w2]: FAILED! => {}\nincluded: /t.yml for w1, w2\n\nPLAY RECAP ***\nw1 : ok=1\n";
    assert_eq!(canonical_order(printed), canonical);
    assert_eq!(canonical_order(canonical), canonical);
}
