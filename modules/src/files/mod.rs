//! The file modules, native Rust acting on the host only through [`Remote`]:
//! `file`, `copy`, `template`, `lineinfile`, `blockinfile`.
//!
//! Each module reads the host with one shell command (stat, checksum, umask), decides
//! with pure functions (tested from cases recorded with ansible-core 2.19), and writes
//! with [`Remote::put`] (atomic replace) and quoted shell commands for attributes.
//!
//! Diffs: text changes fill [`Diff`] with before/after text and Ansible's headers. Where
//! Ansible's diff is a dict (`file` states, attribute changes), `before`/`after` hold it
//! already serialized as the default callback prints dicts (`json.dumps(sort_keys=True,
//! indent=4)` + newline), so the console only runs its unified diff.
//!
//! [`Diff`]: crate::runtime::Diff
//! [`Remote`]: crate::runtime::Remote
//! [`Remote::put`]: crate::runtime::Remote::put

mod args;
pub(crate) mod blockinfile;
mod copy;
mod copy_dir;
mod file;
mod file_link;
mod file_times;
pub(crate) mod lineinfile;
mod mode;
mod remote_fs;
mod text_file;

#[cfg(test)]
pub(crate) mod tests;

pub use blockinfile::BlockInFileModule;
pub use copy::{CopyModule, TemplateModule};
pub use file::FileModule;
pub use lineinfile::LineInFileModule;

use crate::runtime::Module;

/// The file module called `name` (short name or `ansible.builtin.` FQCN), if it is one
/// of these modules.
pub fn file_module(name: &str) -> Option<&'static dyn Module> {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    let short = short.strip_prefix("ansible.legacy.").unwrap_or(short);
    match short {
        "file" => Some(&FileModule),
        "copy" => Some(&CopyModule),
        "template" => Some(&TemplateModule),
        "lineinfile" => Some(&LineInFileModule),
        "blockinfile" => Some(&BlockInFileModule),
        _ => None,
    }
}
