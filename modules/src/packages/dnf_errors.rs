//! `dnf`, pure: what went wrong, read from dnf's output (arguments without a match,
//! dependency problems, failed transactions, signature failures, no repository), in
//! the words python3-dnf gives Ansible. Tested from output captured from dnf 4.14.

/// An argument dnf found nothing for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub spec: String,
    /// dnf's line: `No match for argument: X`, `All matches were filtered out by
    /// exclude filtering for argument: X` (or by modular filtering).
    pub line: String,
}

impl Unmatched {
    /// Ansible's failure text: `No package X available.` for a plain no-match (its
    /// `_sanitize_dnf_error_msg_install`), else `X <dnf's message>`.
    pub fn failure(&self) -> String {
        if self.line.starts_with("No match for argument") {
            format!("No package {} available.", self.spec)
        } else {
            format!("{} {}", self.spec, self.line)
        }
    }
}

/// The arguments dnf found nothing for.
pub fn unmatched(out: &str) -> Vec<Unmatched> {
    out.lines()
        .filter(|l| l.starts_with("No match for") || l.starts_with("All matches were filtered"))
        .filter_map(|l| {
            l.split_once("for argument: ").map(|(_, spec)| Unmatched {
                spec: spec.trim().to_string(),
                line: l.trim().to_string(),
            })
        })
        .collect()
}

/// dnf's error: the text from the first `Error:` line on, without the prefix.
pub fn dnf_error(out: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    match lines.iter().position(|l| l.starts_with("Error:")) {
        Some(i) => {
            let mut text = lines[i..].join("\n");
            text.replace_range(..6, "");
            text.trim().to_string()
        }
        None => out.trim().to_string(),
    }
}

/// The text of a depsolve error as python3-dnf's `DepsolveError` has it: what dnf
/// prints after `Error: ` (`\n Problem: ...`), without the CLI's `(try to add
/// '--skip-broken' ...)` hint.
pub fn depsolve_message(out: &str) -> String {
    let Some(at) = out.find("Error: ").or_else(|| out.find("Error:")) else {
        return out.trim().to_string();
    };
    let rest = &out[at..];
    let rest = rest
        .strip_prefix("Error: ")
        .or_else(|| rest.strip_prefix("Error:"))
        .unwrap_or(rest);
    rest.lines()
        .take_while(|l| !l.starts_with("(try to add"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What rpm printed while dnf ran the transaction (scriptlet output and rpm's errors:
/// python3-dnf's `transaction.output()`): the lines after `Running transaction` that
/// are not dnf's own progress lines, up to dnf's summary.
pub fn transaction_output(stdout: &str) -> Vec<String> {
    const SUMMARY: &[&str] = &[
        "New leaves:",
        "Upgraded:",
        "Installed:",
        "Removed:",
        "Downgraded:",
        "Reinstalled:",
        "Failed:",
        "Skipped:",
    ];
    stdout
        .lines()
        .skip_while(|l| l.trim_end() != "Running transaction")
        .skip(1)
        .take_while(|l| !SUMMARY.contains(&l.trim_end()))
        .filter(|l| !l.trim().is_empty() && !l.starts_with(' '))
        .map(str::to_string)
        .collect()
}

/// Whether dnf refused to run because every repository is disabled.
pub fn no_enabled_repos(out: &str) -> bool {
    out.contains("There are no enabled repositories")
}

/// Whether dnf's error is a dependency problem (Ansible's `DepsolveError`).
pub fn is_depsolve_error(out: &str) -> bool {
    out.contains("Problem: ") || out.contains("Problem 1: ")
}

/// A package signature failure: `(nevra, dnf's message)` from `Package X.rpm is not
/// signed` (or another line before `Error: GPG check FAILED`).
pub fn gpg_failure(out: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| l.contains("GPG check FAILED"))?;
    let line = lines[..at]
        .iter()
        .rev()
        .find(|l| l.starts_with("Package ") || l.contains("signature"))?;
    let nevra = line
        .strip_prefix("Package ")
        .and_then(|r| r.split_whitespace().next())
        .map(|f| f.trim_end_matches(".rpm").to_string())
        .unwrap_or_default();
    Some((nevra, line.trim().to_string()))
}
