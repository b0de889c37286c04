//! What a module is, and the static registry of every module ringmaster knows: names,
//! aliases and argument specs, so that playbooks can be checked before any host is
//! touched.
//!
//! ```
//! use modules::{ArgValue, ProblemKind, lookup, suggest, validate};
//!
//! assert_eq!(lookup("cpy"), None);
//! assert_eq!(suggest("cpy"), Some("copy"));
//! let copy = lookup("ansible.builtin.copy").ok_or("copy is built in")?;
//! let args = [("contnt", ArgValue::Str("x".into())), ("dest", ArgValue::Templated)];
//! let problems = validate(copy, &args, false);
//! assert_eq!(problems[0].kind, ProblemKind::UnknownArgument);
//! assert_eq!(problems[0].suggestion, Some("content"));
//! # Ok::<(), &str>(())
//! ```

#[rustfmt::skip]
mod builtin_specs;
mod command;
mod convert;
mod files;
mod packages;
mod registry;
mod ringmaster_specs;
mod rollout;
pub mod runtime;
mod services;
pub mod spec;
mod system;
mod validate;

#[cfg(test)]
mod tests;

pub use files::{
    BlockInFileModule, CopyModule, FileModule, LineInFileModule, TemplateModule, file_module,
};
pub use packages::{AptModule, DnfModule, PackageFactsModule, PatchModule};
pub use registry::{accepted_names, all_specs, lookup, suggest};
pub use services::{ServiceModule, SystemdModule};
pub use spec::{ArgType, FreeForm, ModuleKind, ModuleSpec, OptionSpec, UnknownKeys};
pub use validate::{ArgProblem, ArgValue, ProblemKind, validate};
