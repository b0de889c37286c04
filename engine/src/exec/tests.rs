//! Expected values were recorded from ansible-core 2.19 (`ansible-playbook -c local`
//! on hosts h1..hN, printing `ansible_play_batch` once per batch, and playbooks with
//! failing/unreachable hosts for the budget); tests don't need ansible to run.

mod budget_tests;
mod plan_tests;
