//! Transports: how ringmaster reaches a host. Each one implements
//! [`modules::runtime::Remote`] (run a command through the host's shell, write a file
//! atomically, read a file) and wraps commands for `become` itself, so modules never
//! know which connection they go through.
//!
//! - [`local`]: `connection: local` — commands run as child processes of ringmaster.
//! - [`ssh`]: `connection: ssh` — one persistent connection per host.
//! - [`connect`]: from a host's variables to one of them.

pub mod connect;
pub mod local;
mod local_sudo;
pub mod ssh;
pub mod sudo_gate;

pub use local::LocalRemote;

#[cfg(test)]
pub(crate) mod conformance;
#[cfg(test)]
mod module_tests;
#[cfg(test)]
mod tests;
