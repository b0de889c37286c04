//! Modules that inspect or wait on a host: `ping`, `setup`/`gather_facts`, `stat`,
//! `slurp`, `fetch`, `tempfile`, `wait_for`.

pub mod setup;
