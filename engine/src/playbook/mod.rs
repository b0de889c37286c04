//! Playbooks as ansible-core 2.19 reads them: plays, blocks, tasks and roles with every
//! span kept, static reuse (`import_playbook`, `import_tasks`, `import_role`, `roles:`)
//! expanded at load time, and bad input rejected with file, line and column.
//!
//! Entry point: [`load_playbook`]. Listings: [`format_list_tasks`], [`format_list_tags`].

mod ast;
mod dynamic;
mod hooks;
mod imports;
mod keywords;
mod listing;
mod load;
mod modargs;
mod modspec;
mod roles;
mod splitter;
mod tags;
mod tasks;
mod templar_hooks;

pub use ast::{
    Block, BlockOrigin, Keyword, Keywords, Play, Playbook, RoleInstance, Task, TaskKind,
    TaskOrBlock, hosts_text, scalar_text,
};
pub use dynamic::{load_include_role, load_include_tasks};
pub use hooks::{LoadOptions, ReadYamlFn, SyntaxFn, TemplateFn, default_roles_path};
pub use listing::{
    ListMode, PlayHeader, format_list_tags, format_list_tasks, format_listing, play_header,
};
pub use load::load_playbook;
pub use splitter::{parse_kv, split_args};
pub use tags::{TagFilter, parse_tags};
pub use templar_hooks::TemplarHooks;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
