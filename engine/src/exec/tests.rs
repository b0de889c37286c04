//! Expected values were recorded from ansible-core 2.19 (`ansible-playbook -c local`
//! on hosts h1..hN, printing `ansible_play_batch` once per batch, and playbooks with
//! failing/unreachable hosts for the budget); tests don't need ansible to run.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod budget_tests;
mod plan_tests;
