//! `apt_repository` basics: add or remove a one-line APT source (`deb ...`) in
//! `/etc/apt/sources.list.d/`, idempotently, as ansible-core's module does — the same
//! default file name, lines compared with whitespace normalised, files left empty by a
//! removal deleted — then refresh the package lists. PPAs (`ppa:`) are refused clearly.

use serde_json::{Map, Value};

use crate::command::args::parse_bool;
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

const SOURCES_DIR: &str = "/etc/apt/sources.list.d";

/// Lists every sources file, each after a `==> path` header line.
const READ_SOURCES: &str = "for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do \
     [ -f \"$f\" ] && { echo \"==> $f\"; cat \"$f\"; echo; }; done; true";

/// ansible's `_suggest_filename`: the host part of the URL, non-alphanumerics as `_`.
pub fn suggest_filename(line: &str) -> String {
    let no_options = regex::Regex::new(r"\[[^\]]+\]")
        .map(|rx| rx.replace_all(line, "").into_owned())
        .unwrap_or_else(|_| line.to_string());
    let no_proto = regex::Regex::new(r"\w+://")
        .map(|rx| rx.replace_all(&no_options, "").into_owned())
        .unwrap_or(no_options);
    let first = no_proto
        .split_whitespace()
        .find(|p| !matches!(*p, "deb" | "deb-src"))
        .unwrap_or_default();
    let first = first.rsplit_once('@').map_or(first, |(_, host)| host);
    let cleaned: Vec<&str> = first
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    format!("{}.list", cleaned.join("_"))
}

/// A source line as compared: comments dropped, whitespace collapsed; `None` when the
/// line is not an enabled source.
fn normalise(line: &str) -> Option<String> {
    let line = line.split('#').next().unwrap_or_default();
    let words: Vec<&str> = line.split_whitespace().collect();
    matches!(words.first(), Some(&"deb") | Some(&"deb-src")).then(|| words.join(" "))
}

/// The sources files and their text, from [`READ_SOURCES`].
pub fn parse_sources(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("==> ") {
            files.push((path.to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    files
}

/// `ansible.builtin.apt_repository`.
pub struct AptRepositoryModule;

impl Module for AptRepositoryModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.apt_repository"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let text = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
            let Some(repo) = text("repo") else {
                return Err(ModuleError::Args("missing required arguments: repo".into()));
            };
            if repo.starts_with("ppa:") {
                return Ok(Outcome::failed(
                    "apt_repository: PPAs (ppa:...) are not supported by ringmaster; give the \
                     deb line of the PPA instead",
                ));
            }
            let Some(wanted) = normalise(&repo) else {
                return Ok(Outcome::failed(format!(
                    "Invalid repository string: {repo}"
                )));
            };
            let present = match text("state").as_deref() {
                None | Some("present") => true,
                Some("absent") => false,
                Some(other) => {
                    return Err(ModuleError::Args(format!(
                        "value of state must be one of: absent, present, got: {other}"
                    )));
                }
            };
            let update_cache = args
                .get("update_cache")
                .and_then(parse_bool)
                .unwrap_or(true);
            let mode = match args.get("mode") {
                Some(Value::String(m)) => u32::from_str_radix(m, 8).ok(),
                Some(Value::Number(n)) => n.as_u64().map(|v| v as u32),
                _ => None,
            }
            .unwrap_or(0o644);
            let out = cx.remote.exec(READ_SOURCES, None).await?;
            let files = parse_sources(&out.stdout_text());
            let mut added = Vec::new();
            let mut removed = Vec::new();
            if present {
                let found = files.iter().any(|(_, body)| {
                    body.lines()
                        .any(|l| normalise(l).as_deref() == Some(&wanted))
                });
                if !found {
                    let name = text("filename")
                        .map(|f| format!("{f}.list"))
                        .unwrap_or_else(|| suggest_filename(&repo));
                    let path = format!("{SOURCES_DIR}/{name}");
                    let mut body = files
                        .iter()
                        .find(|(p, _)| *p == path)
                        .map(|(_, b)| b.trim_end().to_string())
                        .unwrap_or_default();
                    if !body.is_empty() {
                        body.push('\n');
                    }
                    body.push_str(&wanted);
                    body.push('\n');
                    if !cx.check_mode {
                        cx.remote.put(body.as_bytes(), &path, Some(mode)).await?;
                    }
                    added.push(path);
                }
            } else {
                for (path, body) in &files {
                    let kept: Vec<&str> = body
                        .lines()
                        .filter(|l| normalise(l).as_deref() != Some(&wanted))
                        .collect();
                    if kept.len() == body.lines().count() {
                        continue;
                    }
                    removed.push(path.clone());
                    if cx.check_mode {
                        continue;
                    }
                    if kept.iter().all(|l| l.trim().is_empty()) {
                        cx.remote
                            .exec(&format!("rm -f -- {}", quote(path)), None)
                            .await?;
                    } else {
                        let text = format!("{}\n", kept.join("\n").trim_end());
                        cx.remote.put(text.as_bytes(), path, None).await?;
                    }
                }
            }
            let changed = !added.is_empty() || !removed.is_empty();
            if changed && update_cache && !cx.check_mode {
                let out = cx.remote.exec("apt-get -q update", None).await?;
                if out.rc != 0 {
                    return Ok(Outcome::failed(format!(
                        "Failed to update apt cache: {}",
                        out.stderr_text().trim()
                    )));
                }
            }
            let strings = |v: Vec<String>| Value::Array(v.into_iter().map(Value::String).collect());
            Ok(Outcome::changed(changed)
                .with("repo", repo.clone())
                .with("state", if present { "present" } else { "absent" })
                .with("sources_added", strings(added))
                .with("sources_removed", strings(removed)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names as ansible-core 2.19's `_suggest_filename` gives them.
    #[test]
    fn default_file_names_match_ansible() {
        assert_eq!(
            suggest_filename("deb https://artifacts.elastic.co/packages/6.x/apt stable main"),
            "artifacts_elastic_co_packages_6_x_apt.list"
        );
        assert_eq!(
            suggest_filename("deb [trusted=yes] file:/srv/repo/main ./"),
            "file_srv_repo_main.list"
        );
        assert_eq!(
            suggest_filename("deb http://user:pw@mirror.example.org/debian bookworm main"),
            "mirror_example_org_debian.list"
        );
    }

    #[test]
    fn sources_are_read_per_file_and_compared_normalised() {
        let files = parse_sources(
            "==> /etc/apt/sources.list\ndeb http://a b c\n\n==> /etc/apt/sources.list.d/x.list\n# deb http://x y z\ndeb  http://x   y z # note\n\n",
        );
        assert_eq!(files.len(), 2);
        assert_eq!(files[1].0, "/etc/apt/sources.list.d/x.list");
        let enabled: Vec<String> = files[1].1.lines().filter_map(normalise).collect();
        assert_eq!(enabled, vec!["deb http://x y z".to_string()]);
    }
}
