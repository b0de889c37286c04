//! Reporting: events are the only way results leave the executor; reporters (console
//! in Ansible's default callback format, JSON lines for CI) consume them on one task so
//! output never interleaves, and never touch the executor's state.

mod console;
mod events;
mod json;
mod sink;

pub use console::{
    Console, ConsoleOptions, NON_TTY_COLUMNS, Rendered, ansible_color, banner_columns,
};
pub use events::{Event, HostCounters, HostStatus, Recap, TaskKindTag};
pub use json::{JsonLines, event_line};
pub use sink::{Sinks, Writer, run_reporter};
