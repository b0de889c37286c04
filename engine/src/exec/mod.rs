//! Running plays: pure decisions first (no I/O, no async) so they can be tested
//! exhaustively against the behaviour recorded from ansible-core 2.19.
//!
//! - [`plan`]: which hosts run together (`serial:` batches) and in what `order:`.
//! - [`budget`]: when failures stop a batch, a play or the whole run
//!   (`max_fail_percentage`, `any_errors_fatal`, a fully failed batch).

pub mod budget;
pub mod plan;
mod pyparse;

#[cfg(test)]
mod tests;
