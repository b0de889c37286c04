//! The keywords Ansible 2.19 accepts on each object (its `fattributes`), and the
//! "did you mean" hint for misspelled ones.

use crate::source::{SourceError, Span};

pub const PLAY: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "diff",
    "environment",
    "fact_path",
    "force_handlers",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "handlers",
    "hosts",
    "ignore_errors",
    "ignore_unreachable",
    "max_fail_percentage",
    "module_defaults",
    "name",
    "no_log",
    "order",
    "port",
    "post_tasks",
    "pre_tasks",
    "remote_user",
    "roles",
    "run_once",
    "serial",
    "strategy",
    "tags",
    "tasks",
    "throttle",
    "timeout",
    "vars",
    "vars_files",
    "vars_prompt",
];

pub const BLOCK: &[&str] = &[
    "always",
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "block",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "name",
    "no_log",
    "notify",
    "port",
    "remote_user",
    "rescue",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "vars",
    "when",
];

/// Task keywords (Task and Handler attributes; `listen` is checked separately for tasks).
pub const TASK: &[&str] = &[
    "action",
    "any_errors_fatal",
    "args",
    "async",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "listen",
    "local_action",
    "loop",
    "loop_control",
    "module_defaults",
    "name",
    "no_log",
    "notify",
    "poll",
    "port",
    "register",
    "remote_user",
    "retries",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "until",
    "vars",
    "when",
];

pub const PLAYBOOK_INCLUDE: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "connection",
    "debugger",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "import_playbook",
    "module_defaults",
    "name",
    "no_log",
    "port",
    "remote_user",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "vars",
    "when",
];

/// Keywords of a role entry (`roles:` item, dependency); other keys are role params.
pub const ROLE_INCLUDE: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "name",
    "no_log",
    "port",
    "remote_user",
    "role",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "vars",
    "when",
];

pub const ROLE_METADATA: &[&str] = &[
    "allow_duplicates",
    "any_errors_fatal",
    "argument_specs",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "dependencies",
    "diff",
    "environment",
    "galaxy_info",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "name",
    "no_log",
    "port",
    "remote_user",
    "run_once",
    "throttle",
    "timeout",
    "vars",
];

pub const LOOP_CONTROL: &[&str] = &[
    "break_when",
    "extended",
    "extended_allitems",
    "index_var",
    "label",
    "loop_var",
    "pause",
];

/// The closest accepted word to `word`, if one is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Ansible's "'x' is not a valid attribute for a Play" error, with a hint.
pub fn unknown_keyword(key: &str, span: &Span, object: &str, valid: &[&str]) -> SourceError {
    let err = SourceError::new(
        span,
        format!("'{key}' is not a valid attribute for a {object}"),
    );
    match closest(key, valid.iter().copied()) {
        Some(s) => err.with_help(format!("did you mean '{s}'?")),
        None => err,
    }
}

/// Names Jinja reserves; Ansible refuses them as variable names.
const JINJA_KEYWORDS: &[&str] = &["False", "None", "True", "false", "none", "not", "true"];

/// Ansible's `_load_vars` + `validate_variable_name`: `vars:` must be a mapping of
/// identifier names.
pub fn validate_vars(node: &crate::yaml::Node, object: &str) -> Result<(), SourceError> {
    use crate::yaml::Value;
    let map = match &node.value {
        Value::Null => return Ok(()),
        Value::Map(m) => m,
        _ => {
            return Err(SourceError::new(
                &node.span,
                format!("Vars in a {object} must be specified as a dictionary."),
            ));
        }
    };
    for (k, _) in map.iter() {
        let valid = match k.as_str() {
            Some(name) => {
                let mut chars = name.chars();
                chars
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !JINJA_KEYWORDS.contains(&name)
            }
            None => false,
        };
        if !valid {
            let shown = k.key_string().unwrap_or_default();
            return Err(
                SourceError::new(&k.span, format!("Invalid variable name '{shown}'.")).with_help(
                    "Variable names must be strings starting with a letter or underscore \
                 character, and contain only letters, numbers and underscores.",
                ),
            );
        }
    }
    Ok(())
}

/// Keywords Ansible converts to a boolean.
const BOOL_KEYWORDS: &[&str] = &[
    "any_errors_fatal",
    "become",
    "check_mode",
    "delegate_facts",
    "diff",
    "force_handlers",
    "gather_facts",
    "ignore_errors",
    "ignore_unreachable",
    "no_log",
    "run_once",
];

/// Keywords Ansible converts to an integer.
const INT_KEYWORDS: &[&str] = &[
    "async", "delay", "poll", "port", "retries", "throttle", "timeout",
];

/// Strings Ansible's `boolean()` accepts (compared lowercased).
const BOOL_STRINGS: &[&str] = &[
    "y", "yes", "on", "1", "true", "t", "n", "no", "off", "0", "false", "f",
];

/// A literal keyword value of the wrong type (templated values are checked later).
pub fn check_keyword_type(key: &str, node: &crate::yaml::Node) -> Result<(), SourceError> {
    use crate::yaml::Value;
    let templated = node
        .as_str()
        .is_some_and(|s| s.contains("{{") || s.contains("{%"));
    if templated || node.is_null() {
        return Ok(());
    }
    match key {
        "order" => return check_order(node),
        "serial" => return check_serial(node),
        _ => {}
    }
    let (ok, ty) = if BOOL_KEYWORDS.contains(&key) {
        let ok = match &node.value {
            Value::Bool(_) => true,
            Value::Int(i) => *i == 0 || *i == 1,
            Value::Float(f) => *f == 0.0 || *f == 1.0,
            Value::Str(s) => BOOL_STRINGS.contains(&s.to_lowercase().as_str()),
            _ => false,
        };
        (ok, "bool")
    } else if INT_KEYWORDS.contains(&key) {
        let ok = match &node.value {
            Value::Int(_) => true,
            Value::Float(f) => f.fract() == 0.0,
            Value::Str(s) => s.trim().parse::<i64>().is_ok(),
            _ => false,
        };
        (ok, "int")
    } else {
        return Ok(());
    };
    if ok {
        return Ok(());
    }
    let shown = super::ast::scalar_text(node).unwrap_or_else(|| node.kind_name().to_string());
    Err(SourceError::new(
        &node.span,
        format!(
            "Error processing keyword '{key}': The value '{shown}' could not be converted to \
             '{ty}'."
        ),
    ))
}

/// `order:` must name one of Ansible's host orders.
fn check_order(node: &crate::yaml::Node) -> Result<(), SourceError> {
    const ORDERS: &[&str] = &[
        "inventory",
        "reverse_inventory",
        "sorted",
        "reverse_sorted",
        "shuffle",
    ];
    match node.as_str() {
        Some(s) if ORDERS.contains(&s) => Ok(()),
        _ => {
            let shown = super::ast::scalar_text(node).unwrap_or_else(|| node.kind_name().into());
            let err = SourceError::new(
                &node.span,
                format!("order must be one of {}; got '{shown}'", ORDERS.join(", ")),
            );
            Err(match closest(&shown, ORDERS.iter().copied()) {
                Some(s) => err.with_help(format!("did you mean '{s}'?")),
                None => err,
            })
        }
    }
}

/// `serial:` is an integer, an integer percentage `"N%"`, or a list of those.
fn check_serial(node: &crate::yaml::Node) -> Result<(), SourceError> {
    use crate::yaml::Value;
    let items: Vec<&crate::yaml::Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    for item in items {
        let ok = match &item.value {
            Value::Int(_) | Value::Null => true,
            Value::Str(s) if s.contains("{{") || s.contains("{%") => true,
            Value::Str(s) => {
                let digits = s.trim().strip_suffix('%').unwrap_or(s.trim());
                digits.parse::<i64>().is_ok()
            }
            _ => false,
        };
        if !ok {
            let shown = super::ast::scalar_text(item).unwrap_or_else(|| item.kind_name().into());
            let what = if shown.trim().ends_with('%') {
                format!("serial percentage must be an integer ('{shown}')")
            } else {
                format!("serial must be an integer, a percentage or a list of them, got '{shown}'")
            };
            return Err(SourceError::new(&item.span, what));
        }
    }
    Ok(())
}

/// The lookup plugins of ansible-core 2.19 (`with_<lookup>`).
pub const KNOWN_LOOKUPS: &[&str] = &[
    "config",
    "csvfile",
    "dict",
    "env",
    "file",
    "fileglob",
    "first_found",
    "indexed_items",
    "ini",
    "inventory_hostnames",
    "items",
    "lines",
    "list",
    "nested",
    "password",
    "pipe",
    "random_choice",
    "sequence",
    "subelements",
    "template",
    "together",
    "unvault",
    "url",
    "varnames",
    "vars",
];

pub fn validate_loop_control(node: &crate::yaml::Node) -> Result<(), SourceError> {
    let Some(map) = node.as_map() else {
        return Ok(());
    };
    for (k, _) in map.iter() {
        let key = k.key_string().unwrap_or_default();
        if !LOOP_CONTROL.contains(&key.as_str()) {
            return Err(unknown_keyword(&key, &k.span, "LoopControl", LOOP_CONTROL));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(closest("hots", PLAY.iter().copied()), Some("hosts"));
        assert_eq!(closest("rescu", BLOCK.iter().copied()), Some("rescue"));
        assert_eq!(closest("whenn", TASK.iter().copied()), Some("when"));
        assert_eq!(closest("zzzzzz", PLAY.iter().copied()), None);
    }
}
