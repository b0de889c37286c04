//! `ansible-playbook --list-tasks` / `--list-tags` output, byte for byte
//! (`cli/playbook.py`).

use super::ast::{Block, Play, Playbook, Task, TaskOrBlock};
use super::tags::{TagFilter, add_tags};

/// Which listing to produce (both may be asked at once, as on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMode {
    pub tasks: bool,
    pub tags: bool,
}

/// `--list-tasks` output for `playbook` as named on the command line (`playbook_arg`).
pub fn format_list_tasks(pb: &Playbook, playbook_arg: &str, filter: &TagFilter) -> String {
    format_listing(
        pb,
        playbook_arg,
        filter,
        ListMode {
            tasks: true,
            tags: false,
        },
        &|p| p.hosts_text(),
    )
}

/// `--list-tags` output.
pub fn format_list_tags(pb: &Playbook, playbook_arg: &str, filter: &TagFilter) -> String {
    format_listing(
        pb,
        playbook_arg,
        filter,
        ListMode {
            tasks: false,
            tags: true,
        },
        &|p| p.hosts_text(),
    )
}

impl Play {
    /// The play's hosts as `--list-*` prints them when they are not templated.
    pub fn hosts_text(&self) -> String {
        super::ast::hosts_text(&self.hosts)
    }
}

/// Both listings; `hosts` gives each play's (templated) host pattern text.
pub fn format_listing(
    pb: &Playbook,
    playbook_arg: &str,
    filter: &TagFilter,
    mode: ListMode,
    hosts: &dyn Fn(&Play) -> String,
) -> String {
    // `--list-tags` without `--tags`/`--skip-tags` lists every tag, `never` included.
    let listing_all;
    let filter = if mode.tags && !filter.given {
        listing_all = TagFilter {
            only: vec!["never".to_string(), "all".to_string()],
            ..filter.clone()
        };
        &listing_all
    } else {
        filter
    };
    let mut out = format!("\nplaybook: {playbook_arg}\n");
    for (idx, play) in pb.plays.iter().enumerate() {
        out.push_str(&format!(
            "\n  play #{} ({}): {}\tTAGS: [{}]\n",
            idx + 1,
            hosts(play),
            play.display_name(),
            play.tags.join(",")
        ));
        if !mode.tasks && !mode.tags {
            continue;
        }
        let mut msg = String::new();
        if mode.tasks {
            msg.push_str("    tasks:\n");
        }
        let mut all_tags: Vec<String> = Vec::new();
        for block in play.run_order() {
            list_block(block, filter, mode, &mut msg, &mut all_tags);
        }
        if mode.tags {
            let mut tags = play.tags.clone();
            add_tags(&mut tags, &all_tags);
            tags.sort();
            msg.push_str(&format!("      TASK TAGS: [{}]\n", tags.join(", ")));
        }
        // Ansible's display() adds a newline only when the text does not end with one.
        out.push_str(&msg);
        if !msg.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Ansible lists only the `block:` part of each block (not rescue/always).
fn list_block(
    block: &Block,
    filter: &TagFilter,
    mode: ListMode,
    msg: &mut String,
    all_tags: &mut Vec<String>,
) {
    for entry in &block.block {
        match entry {
            TaskOrBlock::Block(b) => list_block(b, filter, mode, msg, all_tags),
            TaskOrBlock::Task(t) => {
                if !filter.should_run(&t.tags) {
                    continue;
                }
                add_tags(all_tags, &t.tags);
                if mode.tasks {
                    msg.push_str(&format!(
                        "      {}\tTAGS: [{}]\n",
                        listed_name(t),
                        t.tags.join(", ")
                    ));
                }
            }
        }
    }
}

/// A named task shows `role : name`; an unnamed one only its action as written.
fn listed_name(task: &Task) -> String {
    match task.name.as_ref().and_then(super::ast::scalar_text) {
        Some(n) if !n.is_empty() => task.display_name(),
        _ => task.action_as_written.clone(),
    }
}

/// The `tasks:` / `TASK TAGS:` part of one play's listing (what ansible prints after the
/// play line), for callers that print the play line themselves.
pub fn format_play_tasks(
    play: &Play,
    filter: &TagFilter,
    mode: ListMode,
) -> Result<String, crate::source::SourceError> {
    let listing_all;
    let filter = if mode.tags && !filter.given {
        listing_all = TagFilter {
            only: vec!["never".to_string(), "all".to_string()],
            ..filter.clone()
        };
        &listing_all
    } else {
        filter
    };
    let mut msg = String::new();
    if mode.tasks {
        msg.push_str("    tasks:\n");
    }
    let mut all_tags: Vec<String> = Vec::new();
    for block in play.run_order() {
        list_block(block, filter, mode, &mut msg, &mut all_tags);
    }
    if mode.tags {
        let mut tags = play.tags.clone();
        add_tags(&mut tags, &all_tags);
        tags.sort();
        msg.push_str(&format!("      TASK TAGS: [{}]\n", tags.join(", ")));
    }
    Ok(msg)
}
