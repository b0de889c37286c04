//! Modules that run commands: `command`, `shell`, `raw`, `script`.
//!
//! Each keeps the command line it builds and the result it shapes in pure functions
//! (tested from fixtures); `run` only moves them through the [`Remote`].
//!
//! [`Remote`]: crate::runtime::Remote

pub(crate) mod args;
pub(crate) mod clock;
mod command_shell;
mod raw;
mod script;
pub(crate) mod shellword;

pub use command_shell::{CommandModule, ShellModule};
pub use raw::RawModule;
pub use script::ScriptModule;
