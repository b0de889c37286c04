//! The modules of staged patch rollouts that Ansible lacks: `validate` (post-patch
//! health checks) and `snapshot` (before patching, for rollback).

mod checks;
mod http_client;
mod judge;
pub(crate) mod snapshot;
pub(crate) mod snapshot_providers;
mod validate;
pub(crate) mod version;

#[cfg(test)]
mod tests;

pub use snapshot::SnapshotModule;
pub use validate::ValidateModule;
