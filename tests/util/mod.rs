//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("engine/ has a parent")
        .to_path_buf()
}

/// What one run of the `ringmaster` binary produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub rc: i32,
}

/// Runs `ringmaster ARGS` in `dir` with a clean environment (no ANSIBLE_* settings, a
/// private HOME), the way the corpus was recorded.
pub fn ringmaster(dir: &Path, args: &[String], home: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ringmaster"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("ringmaster binary runs");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        rc: out.status.code().unwrap_or(-1),
    }
}

/// Splits an `args` line into words as a POSIX shell would.
pub fn shell_words(line: &str) -> Vec<String> {
    shlex::split(line.trim()).unwrap_or_else(|| panic!("bad quoting in args line: {line}"))
}

/// Writes `site.yml` in `dir` — one play on the implicit localhost, no facts, with
/// `tasks` (YAML lines indented by four spaces) — and runs it with `extra` arguments.
pub fn run_on_localhost(dir: &Path, tasks: &str, extra: &[&str]) -> Run {
    std::fs::write(
        dir.join("site.yml"),
        format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n{tasks}"),
    )
    .expect("write site.yml");
    let home = tempfile::tempdir().expect("temp home");
    let mut args = vec!["site.yml".to_string()];
    args.extend(extra.iter().map(|a| a.to_string()));
    ringmaster(dir, &args, home.path())
}

/// Writes `hosts.ini` (`inventory`) and `site.yml` (`playbook`) into `dir` and runs
/// `ringmaster -i hosts.ini site.yml EXTRA` there with a private HOME.
pub fn run_playbook(dir: &Path, inventory: &str, playbook: &str, extra: &[&str]) -> Run {
    std::fs::write(dir.join("hosts.ini"), inventory).expect("write hosts.ini");
    std::fs::write(dir.join("site.yml"), playbook).expect("write site.yml");
    let home = tempfile::tempdir().expect("temp home");
    let mut args: Vec<String> = ["-i", "hosts.ini", "site.yml"].map(String::from).to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    ringmaster(dir, &args, home.path())
}
