//! Tests of the file modules: pure parts from cases recorded with ansible-core 2.19
//! (`fixtures/`), whole modules against a real local shell ([`support::ShellRemote`]).

mod cases;
mod copy_tests;
mod edit_tests;
mod file_tests;
pub(crate) mod support;
