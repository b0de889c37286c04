//! Loading for the executor at run time: `include_tasks` files and `include_role` roles,
//! checked exactly as static imports are.

use std::path::Path;

use super::ast::{Block, Play, Task};
use super::hooks::LoadOptions;
use super::load::{Loader, Scope};
use crate::source::SourceError;
use crate::yaml::{Mapping, Node, Value};

fn play_scope(play: &Play, including: &Task) -> Scope {
    let mut vars = Vec::new();
    if let Some(m) = play.keywords.get("vars").and_then(Node::as_map) {
        vars.push(m.clone());
    }
    vars.extend(play.import_vars.iter().cloned());
    Scope {
        basedir: play.basedir.clone(),
        vars,
        role: including.role.clone(),
        import_dirs: Vec::new(),
        tags: including.tags.clone(),
        handlers: including.is_handler,
    }
}

/// The blocks of an `include_tasks` file. `file` is the task's file argument already
/// templated by the executor; it is found as Ansible finds it (the role's `tasks/`
/// directory for role tasks, else the playbook's directory). The blocks inherit the
/// including task's tags and role; its other keywords apply at run time.
pub fn load_include_tasks(
    file: &str,
    play: &Play,
    including: &Task,
    opts: &LoadOptions,
) -> Result<Vec<Block>, SourceError> {
    let mut loader = Loader {
        opts,
        chain: Vec::new(),
        role_handlers: Vec::new(),
        warnings: Vec::new(),
    };
    let mut scope = play_scope(play, including);
    let path = loader.find_task_file(file, &scope);
    let doc = loader.read_included(&path, Some(&including.action_span))?;
    match &doc.value {
        Value::Null => return Ok(Vec::new()),
        Value::Seq(_) => {}
        _ => {
            return Err(SourceError::new(
                &doc.span,
                "included task files must contain a list of tasks",
            ));
        }
    }
    if let Some(dir) = Path::new(file).parent() {
        scope.import_dirs.push(dir.to_string_lossy().into_owned());
    }
    loader.enter(&path, Some(&including.action_span))?;
    let blocks = loader.load_blocks(&doc, &scope)?;
    loader.leave();
    Ok(blocks)
}

/// An `include_role` at run time: the role's block (dependencies first) and its handler
/// blocks (the block carries no keywords: those of the including task are applied by
/// the executor). `args` are the task's arguments templated by the executor (`name`,
/// `tasks_from`, `vars_from`, `defaults_from`, `handlers_from`, `allow_duplicates`).
pub fn load_include_role(
    args: &Mapping,
    play: &Play,
    including: &Task,
    opts: &LoadOptions,
) -> Result<(Block, Vec<Block>), SourceError> {
    let mut loader = Loader {
        opts,
        chain: Vec::new(),
        role_handlers: Vec::new(),
        warnings: Vec::new(),
    };
    let scope = play_scope(play, including);
    // The include's own keywords stay on the including task: the executor applies them.
    let block = loader.role_from_args(
        args,
        super::ast::Keywords::default(),
        &including.action_span,
        &scope,
    )?;
    Ok((block, loader.role_handlers))
}
