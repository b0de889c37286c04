//! ringmaster's integration tests: one binary, shared helpers in `util`.

// Tests may unwrap: a failure there is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod become_su;
mod corpus;
mod fleet;
#[path = "fleet/tests.rs"]
mod fleet_tests;
mod patch;
mod precedence;
mod reboot;
mod rollout;
mod run_corpus;
mod run_corpus_ssh;
mod run_output;
mod service;
mod snapshot;
mod systemd;
mod util;
mod validate;
