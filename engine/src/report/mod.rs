//! Reporting: events are the only way results leave the executor; reporters (console
//! in Ansible's default callback format, JSON lines for CI) consume them on one task so
//! output never interleaves, and never touch the executor's state.

mod events;

pub use events::{Event, HostCounters, HostStatus, Recap, TaskKindTag};
