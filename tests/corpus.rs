//! The recorded ansible-playbook corpus (`tests/corpus/*/`): ringmaster must print the
//! same stdout and exit with the same code as ansible-playbook 2.19 did for each case,
//! and for bad input must name the file, line and column of the problem.
//!
//! Two things in ansible's output come from iterating a Python set, so their order is
//! arbitrary: the host list of `--list-hosts` and the play-level `TAGS: [...]`. Both are
//! compared as sets (sorted on both sides); everything else is compared byte for byte.

use std::path::Path;

use crate::util::{repo_root, ringmaster, shell_words};

/// Replaces machine-specific paths as `tests/tools/record_corpus.sh` does.
fn normalise_paths(text: &str, case: &Path, home: &Path) -> String {
    let root = repo_root();
    text.replace(&case.display().to_string(), "<CASE>")
        .replace(&root.display().to_string(), "<REPO>")
        .replace(&home.display().to_string(), "<HOME>")
}

/// Sorts what ansible prints in set order: host lines under `hosts (N):` and the tags of
/// `play #N` lines.
pub fn normalise_set_order(stdout: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut in_hosts = false;
    let flush = |out: &mut Vec<String>, hosts: &mut Vec<String>| {
        hosts.sort();
        out.append(hosts);
    };
    for line in stdout.lines() {
        if in_hosts && line.starts_with("      ") {
            hosts.push(line.to_string());
            continue;
        }
        if in_hosts {
            flush(&mut out, &mut hosts);
            in_hosts = false;
        }
        if line.starts_with("    hosts (") {
            in_hosts = true;
        }
        let play_line = line
            .starts_with("  play #")
            .then(|| line.split_once("\tTAGS: ["))
            .flatten();
        if let Some((head, tags)) = play_line {
            let tags = tags.trim_end_matches(']');
            let mut t: Vec<&str> = tags.split(',').filter(|t| !t.is_empty()).collect();
            t.sort();
            out.push(format!("{head}\tTAGS: [{}]", t.join(",")));
            continue;
        }
        out.push(line.to_string());
    }
    flush(&mut out, &mut hosts);
    out.join("\n")
}

#[test]
fn corpus_matches_recorded_ansible_playbook() {
    let corpus = repo_root().join("tests/corpus");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus)
        .expect("tests/corpus exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "the corpus has only {} cases",
        cases.len()
    );

    let home = tempfile::tempdir().expect("temp home");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let args = shell_words(&std::fs::read_to_string(case.join("args")).expect("args"));
        // `rc.ringmaster` marks a deliberate difference from ansible-playbook (its `NOTE`
        // says why): ringmaster rejects input ansible accepts or crashes on.
        let rc_file = if case.join("rc.ringmaster").is_file() {
            "rc.ringmaster"
        } else {
            "rc"
        };
        let want_rc: i32 = std::fs::read_to_string(case.join(rc_file))
            .expect("rc")
            .trim()
            .parse()
            .expect("rc is a number");
        let run = ringmaster(case, &args, home.path());
        let stdout = normalise_paths(&run.stdout, case, home.path());
        let stderr = normalise_paths(&run.stderr, case, home.path());

        if run.rc != want_rc {
            failures.push(format!(
                "{name}: exit code {} but ansible-playbook gave {want_rc}\n{stderr}",
                run.rc
            ));
            continue;
        }
        if let Ok(expect) = std::fs::read_to_string(case.join("expect")) {
            // Bad input: the message must name where the problem is (`FILE:LINE:COL` as
            // the first word), or for `<cli>` input at least say something.
            for line in expect
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                let location = line.split_whitespace().next().unwrap_or_default();
                let named = if location == "<cli>" {
                    !stderr.trim().is_empty()
                } else {
                    stderr.contains(location)
                };
                if !named {
                    failures.push(format!(
                        "{name}: error output does not name {location} ({line}):\n{stderr}"
                    ));
                }
            }
            if stderr.contains("panicked") {
                failures.push(format!("{name}: panicked:\n{stderr}"));
            }
            continue;
        }
        // `stdout.ringmaster`: where ansible crashed, what ringmaster prints instead.
        let stdout_file = if case.join("stdout.ringmaster").is_file() {
            "stdout.ringmaster"
        } else {
            "stdout"
        };
        let want = std::fs::read_to_string(case.join(stdout_file)).expect("stdout");
        let (got, want) = (normalise_set_order(&stdout), normalise_set_order(&want));
        if got != want {
            failures.push(format!(
                "{name}: stdout differs\n--- ansible-playbook\n{want}\n--- ringmaster\n{got}\n--- ringmaster stderr\n{stderr}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases fail:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn set_order_normalisation_sorts_only_hosts_and_play_tags() {
    let text = "  play #1 (all): x\tTAGS: [b,a]\n    pattern: ['all']\n    hosts (2):\n      w2\n      w1\n\n  play #2";
    assert_eq!(
        normalise_set_order(text),
        "  play #1 (all): x\tTAGS: [a,b]\n    pattern: ['all']\n    hosts (2):\n      w1\n      w2\n\n  play #2"
    );
}
