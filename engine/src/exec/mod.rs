//! Running plays: pure decisions first (no I/O, no async) so they can be tested
//! exhaustively against the behaviour recorded from ansible-core 2.19.
//!
//! - [`plan`]: which hosts run together (`serial:` batches) and in what `order:`.
//! - [`budget`]: when failures stop a batch, a play or the whole run
//!   (`max_fail_percentage`, `any_errors_fatal`, a fully failed batch).

pub mod budget;
pub mod controller;
pub mod plan;
mod pyparse;
pub mod run;

#[cfg(test)]
mod tests;

use crate::playbook::Play;
use crate::source::SourceError;
use crate::template::has_jinja;
use crate::yaml::{Node, Value};

/// Checks, when the playbook is loaded, the play keywords whose literal values can
/// already be judged (`serial:`), so a bad value stops the run before any host is
/// touched rather than when the rollout reaches it. Templated values are checked when
/// the play starts.
pub fn check_play_keywords(play: &Play) -> Result<(), SourceError> {
    if let Some(serial) = play.keywords.get("serial").filter(|s| !mentions_jinja(s)) {
        plan::parse_serial_node(serial)?;
    }
    Ok(())
}

fn mentions_jinja(node: &Node) -> bool {
    match &node.value {
        Value::Str(s) => has_jinja(s),
        Value::Seq(items) => items.iter().any(mentions_jinja),
        _ => false,
    }
}
