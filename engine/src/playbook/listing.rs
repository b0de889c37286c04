//! `ansible-playbook --list-tasks` / `--list-tags` output, byte for byte
//! (`cli/playbook.py`).

use super::ast::{Block, Play, Playbook, Task, TaskOrBlock, scalar_text};
use super::hooks::{LoadOptions, substitute_simple};
use super::tags::{TagFilter, add_tags};
use crate::source::{SourceError, Span};
use crate::yaml::Mapping;

/// Which listing to produce (both may be asked at once, as on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMode {
    pub tasks: bool,
    pub tags: bool,
}

/// `--list-tasks` output for `playbook` as named on the command line (`playbook_arg`).
/// Play names and hosts are templated with the play's vars and `opts.extra_vars`.
pub fn format_list_tasks(
    pb: &Playbook,
    playbook_arg: &str,
    filter: &TagFilter,
    opts: &LoadOptions,
) -> Result<String, SourceError> {
    let mode = ListMode {
        tasks: true,
        tags: false,
    };
    format_listing(pb, playbook_arg, filter, mode, &|p| play_header(p, opts))
}

/// `--list-tags` output.
pub fn format_list_tags(
    pb: &Playbook,
    playbook_arg: &str,
    filter: &TagFilter,
    opts: &LoadOptions,
) -> Result<String, SourceError> {
    let mode = ListMode {
        tasks: false,
        tags: true,
    };
    format_listing(pb, playbook_arg, filter, mode, &|p| play_header(p, opts))
}

/// What the `play #N (hosts): name` line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayHeader {
    pub hosts: String,
    pub name: String,
    /// Lines printed right after the play line, each ending in a newline (the
    /// `pattern:`/`hosts (N):` block of `--list-hosts`).
    pub extra: String,
}

impl Play {
    /// The play's hosts as `--list-*` prints them when they are not templated.
    pub fn hosts_text(&self) -> String {
        super::ast::hosts_text(&self.hosts)
    }
}

/// The play's hosts and name templated as Ansible's post-validation does (play vars,
/// import vars, extra vars); an undefined variable is an error at the value, as in
/// Ansible. Without a `name:` key the name is the hosts; with an empty one, the hosts as
/// written.
pub fn play_header(play: &Play, opts: &LoadOptions) -> Result<PlayHeader, SourceError> {
    let mut layers: Vec<&Mapping> = Vec::new();
    if let Some(m) = play.keywords.get("vars").and_then(|n| n.as_map()) {
        layers.push(m);
    }
    layers.extend(play.import_vars.iter());
    layers.push(&opts.extra_vars);
    let render = |keyword: &str, text: &str, span: &Span| -> Result<String, SourceError> {
        if !text.contains("{{") && !text.contains("{%") {
            return Ok(text.to_string());
        }
        let result = match opts.template {
            Some(f) => f(text, &layers, span),
            None => substitute_simple(text, &layers, span),
        };
        result.map_err(|e| {
            let at = e.span.clone().unwrap_or_else(|| span.clone());
            SourceError::new(
                &at,
                format!("Error processing keyword '{keyword}': {}", e.message),
            )
        })
    };
    let hosts = match play.hosts.as_seq() {
        Some(items) => items
            .iter()
            .filter_map(|n| scalar_text(n).map(|t| render("hosts", &t, &n.span)))
            .collect::<Result<Vec<_>, _>>()?
            .join(","),
        None => render("hosts", &play.hosts_text(), &play.hosts.span)?,
    };
    let name = match &play.name {
        None => hosts.clone(),
        Some(n) => match super::ast::name_text(n) {
            Some(text) => render("name", &text, &n.span)?,
            None => play.hosts_text(),
        },
    };
    Ok(PlayHeader {
        hosts,
        name,
        extra: String::new(),
    })
}

/// Both listings; `header` gives each play's (templated) hosts and name.
pub fn format_listing(
    pb: &Playbook,
    playbook_arg: &str,
    filter: &TagFilter,
    mode: ListMode,
    header: &dyn Fn(&Play) -> Result<PlayHeader, SourceError>,
) -> Result<String, SourceError> {
    // Ansible post-validates every play before printing anything.
    let headers = pb.plays.iter().map(header).collect::<Result<Vec<_>, _>>()?;
    let mut out = format!("\nplaybook: {playbook_arg}\n");
    for (idx, (play, head)) in pb.plays.iter().zip(&headers).enumerate() {
        out.push_str(&format!(
            "\n  play #{} ({}): {}\tTAGS: [{}]\n",
            idx + 1,
            head.hosts,
            head.name,
            play.tags.join(",")
        ));
        out.push_str(&head.extra);
        if !mode.tasks && !mode.tags {
            continue;
        }
        let msg = format_play_tasks(play, filter, mode)?;
        // Ansible's display() adds a newline only when the text does not end with one.
        out.push_str(&msg);
        if !msg.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
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
    match task.name.as_ref().and_then(super::ast::name_text) {
        Some(_) => task.display_name(),
        None => task.action_as_written.clone(),
    }
}

/// The `tasks:` / `TASK TAGS:` part of one play's listing (what ansible prints after the
/// play line).
fn format_play_tasks(
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
