//! Modules that inspect or wait on a host: `ping`, `setup`/`gather_facts`, `stat`,
//! `slurp`, `fetch`, `tempfile`, `wait_for`.

mod fetch;
mod ping;
pub mod reboot;
pub mod setup;
mod slurp;
mod stat;
mod tempfile;
mod wait_for;
mod wait_for_tcp;

pub use fetch::FetchModule;
pub use ping::PingModule;
pub use reboot::RebootModule;
pub use setup::{GATHER_FACTS, SETUP};
pub use slurp::SlurpModule;
pub use stat::StatModule;
pub use tempfile::TempfileModule;
pub use wait_for::WaitForModule;
