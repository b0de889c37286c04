//! Tags: reading `tags:` values and deciding whether a task runs under `--tags` /
//! `--skip-tags` (Ansible's `Taggable.evaluate_tags`).

use crate::source::SourceError;
use crate::yaml::{Node, Value};

/// A `tags:` value: a list, or a comma-separated string.
pub fn parse_tags(node: &Node) -> Result<Vec<String>, SourceError> {
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Str(s) | Value::Unsafe(s) => Ok(s
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()),
        Value::Seq(items) => items
            .iter()
            .map(|item| match &item.value {
                Value::Seq(_) | Value::Map(_) => Err(SourceError::new(
                    &item.span,
                    "tags must be specified as a list of strings",
                )),
                _ => Ok(super::ast::scalar_text(item).unwrap_or_default()),
            })
            .collect(),
        // ansible exits 1 (not 4) for this.
        _ => Err(SourceError::new(&node.span, "tags must be specified as a list").general()),
    }
}

/// Appends the tags of `more` not yet in `tags`.
pub fn add_tags(tags: &mut Vec<String>, more: &[String]) {
    for t in more {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
}

/// `--tags` and `--skip-tags` as given on the command line.
#[derive(Debug, Clone)]
pub struct TagFilter {
    /// Defaults to `["all"]`.
    pub only: Vec<String>,
    pub skip: Vec<String>,
    /// Whether the user gave `--tags` or `--skip-tags` (`--list-tags` then lists
    /// `never` tasks too only when they did not).
    pub given: bool,
}

impl Default for TagFilter {
    fn default() -> Self {
        TagFilter {
            only: vec!["all".to_string()],
            skip: Vec::new(),
            given: false,
        }
    }
}

impl TagFilter {
    /// Builds a filter from comma-separated `--tags` / `--skip-tags` values (repeatable).
    pub fn from_cli(tags: &[String], skip_tags: &[String]) -> Self {
        let split = |v: &[String]| -> Vec<String> {
            v.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let only = split(tags);
        TagFilter {
            only: if only.is_empty() {
                vec!["all".to_string()]
            } else {
                only
            },
            skip: split(skip_tags),
            given: !tags.is_empty() || !skip_tags.is_empty(),
        }
    }

    /// Whether a task with these effective tags runs.
    pub fn should_run(&self, tags: &[String]) -> bool {
        let untagged = ["untagged".to_string()];
        let tags: &[String] = if tags.is_empty() { &untagged } else { tags };
        let has = |t: &str| tags.iter().any(|x| x == t);
        let is_untagged = tags == untagged;
        let only_has = |t: &str| self.only.iter().any(|x| x == t);
        let skip_has = |t: &str| self.skip.iter().any(|x| x == t);
        let mut run = true;
        if !self.only.is_empty() {
            run = has("always")
                || (only_has("all") && !has("never"))
                || tags.iter().any(|t| only_has(t))
                || (only_has("tagged") && !is_untagged && !has("never"));
        }
        if run && !self.skip.is_empty() {
            if skip_has("all") {
                if !has("always") || skip_has("always") {
                    run = false;
                }
            } else if tags.iter().any(|t| skip_has(t)) || (skip_has("tagged") && !is_untagged) {
                run = false;
            }
        }
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_filter_skips_never_but_not_always() {
        let f = TagFilter::default();
        assert!(f.should_run(&[]));
        assert!(f.should_run(&v(&["a"])));
        assert!(!f.should_run(&v(&["never"])));
        assert!(f.should_run(&v(&["always", "never"])));
    }

    #[test]
    fn only_and_skip() {
        let f = TagFilter::from_cli(&v(&["a,b"]), &[]);
        assert!(f.should_run(&v(&["b"])));
        assert!(!f.should_run(&[]));
        assert!(f.should_run(&v(&["always"])));
        let f = TagFilter::from_cli(&v(&["untagged"]), &[]);
        assert!(f.should_run(&[]));
        let f = TagFilter::from_cli(&[], &v(&["a"]));
        assert!(!f.should_run(&v(&["a", "c"])));
        assert!(f.should_run(&v(&["always"])));
        let f = TagFilter::from_cli(&[], &v(&["all"]));
        assert!(f.should_run(&v(&["always"])));
        assert!(!f.should_run(&v(&["x"])));
        let f = TagFilter::from_cli(&v(&["tagged"]), &[]);
        assert!(f.should_run(&v(&["x"])));
        assert!(!f.should_run(&[]));
        assert!(!f.should_run(&v(&["never"])));
    }
}
