//! `--syntax-check`, `--list-hosts`, `--list-tasks`, `--list-tags`: ansible-playbook's
//! output (`cli/playbook.py`), with play keywords templated as ansible's
//! `play.post_validate` does (play-level variables and extra vars only).

use std::sync::Arc;

use crate::playbook::{ListMode, Play, PlayHeader, TagFilter, format_listing};
use crate::source::SourceError;
use crate::template::{Scope, py_repr};
use crate::vars::{self, RunFacts};

use super::{Args, Failure, Loaded, warn};

/// The listing for every playbook.
pub fn render(args: &Args, loaded: &Loaded) -> Result<String, Failure> {
    let mut out = String::new();
    let filter = TagFilter::from_cli(&args.tag_list(), &args.skip_tag_list());
    let mode = ListMode {
        tasks: args.list_tasks,
        tags: args.list_tags,
    };
    let groups = loaded.inventory.groups_map();
    for (arg, pb) in &loaded.playbooks {
        if args.syntax_check {
            out.push_str(&format!("\nplaybook: {arg}\n"));
            continue;
        }
        let playbook_dir = pb
            .path
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let run = RunFacts {
            playbook_dir,
            check_mode: args.check,
            diff_mode: args.diff,
            forks: args.forks.unwrap_or(loaded.config.forks),
            verbosity: args.verbose,
            run_tags: args.tag_list(),
            skip_tags: args.skip_tag_list(),
            limit: args.limit.clone(),
            config_file: loaded.config.path.as_ref().map(|p| p.display().to_string()),
            inventory_sources: Vec::new(),
        };
        let header = |play: &Play| -> Result<PlayHeader, SourceError> {
            let head = play_head(play, loaded, &run, &groups)?;
            let mut extra = String::new();
            if args.list_hosts {
                let patterns: Vec<&str> = head.patterns.iter().map(String::as_str).collect();
                let selection = loaded
                    .inventory
                    .select_with_warnings(&patterns)
                    .map_err(SourceError::general)?;
                for w in &selection.warnings {
                    warn(w);
                }
                extra = format!(
                    "    pattern: {}\n    hosts ({}):\n",
                    py_repr(&minijinja::Value::from(head.patterns.clone())),
                    selection.hosts.len()
                );
                for h in &selection.hosts {
                    extra.push_str(&format!("      {h}\n"));
                }
            }
            Ok(PlayHeader {
                hosts: head.patterns.join(","),
                name: head.name,
                extra,
            })
        };
        out.push_str(&format_listing(pb, arg, &filter, mode, &header).map_err(Failure::parse)?);
    }
    Ok(out)
}

/// A play's keywords as templated before it runs.
struct PlayHead {
    /// `hosts:` as a list of patterns (a string is one pattern).
    patterns: Vec<String>,
    name: String,
}

fn play_head(
    play: &Play,
    loaded: &Loaded,
    run: &RunFacts,
    groups: &indexmap::IndexMap<String, Vec<String>>,
) -> Result<PlayHead, SourceError> {
    let templar = &loaded.templar;
    // The play name is not known yet while templating its own keywords.
    let all_hosts: Vec<String> = Vec::new();
    let magic = vars::play_magic(run, "", groups, &all_hosts);
    let layers = vars::play_layers(play, &loaded.extra_vars, &magic, templar)?;
    let scope = Arc::new(Scope::new(vars::with_magic(&layers, &magic)));
    let (patterns, name) = vars::play_head(play, templar, &scope)?;
    Ok(PlayHead { patterns, name })
}
