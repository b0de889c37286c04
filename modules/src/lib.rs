//! What a module is, and the static registry of every module ringmaster knows: names,
//! aliases and argument specs, so that playbooks can be checked before any host is
//! touched.

#[rustfmt::skip]
mod builtin_specs;
mod convert;
mod registry;
mod ringmaster_specs;
pub mod spec;
mod validate;

#[cfg(test)]
mod tests;

pub use registry::{accepted_names, all_specs, lookup, suggest};
pub use spec::{ArgType, FreeForm, ModuleKind, ModuleSpec, OptionSpec, UnknownKeys};
pub use validate::{ArgProblem, ArgValue, ProblemKind, validate};
