//! The modules of staged patch rollouts that Ansible lacks: `validate` (post-patch
//! health checks). `patch`, `snapshot` and `reboot` join them here.

mod checks;
mod judge;
mod validate;
mod version;

#[cfg(test)]
mod tests;

pub use validate::ValidateModule;
