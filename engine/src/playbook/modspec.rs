//! The one place the loader asks which modules exist and whether their arguments are
//! valid: the `modules` crate's static spec registry.

use crate::source::{SourceError, Span};
use crate::yaml::{Mapping, Node, Value};
use modules::ArgValue;

/// Free-form modules: a string argument is a command line (`_raw_params`).
const FREE_FORM: &[&str] = &[
    "command",
    "raw",
    "script",
    "shell",
    "win_command",
    "win_shell",
];

/// The short name of `name` if it is an `ansible.builtin.` / `ansible.legacy.` name.
fn builtin_short(name: &str) -> &str {
    name.strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name)
}

/// The canonical FQCN of a module or action, if it exists.
pub fn resolve(name: &str) -> Option<String> {
    modules::lookup(name).map(|spec| spec.name.to_string())
}

/// The module name closest to a misspelled `name`.
pub fn suggest(name: &str) -> Option<&'static str> {
    modules::suggest(name)
}

/// Whether a string argument to `action` is a command line rather than `k=v` pairs
/// (Ansible's `FREEFORM_ACTIONS`: only these keep `k=v` text in `_raw_params`).
pub fn is_free_form(action: &str) -> bool {
    FREE_FORM.contains(&builtin_short(action))
}

/// What the spec checker can know of a literal value.
fn arg_value(node: &Node) -> ArgValue {
    fn templated(node: &Node) -> bool {
        match &node.value {
            Value::Str(s) => s.contains("{{") || s.contains("{%"),
            Value::Seq(items) => items.iter().any(templated),
            Value::Map(m) => m.iter().any(|(k, v)| templated(k) || templated(v)),
            _ => false,
        }
    }
    if templated(node) {
        return ArgValue::Templated;
    }
    match &node.value {
        Value::Null => ArgValue::Null,
        Value::Bool(b) => ArgValue::Bool(*b),
        Value::Int(i) => ArgValue::Int(*i),
        Value::Float(f) => ArgValue::Float(*f),
        Value::Str(s) | Value::Unsafe(s) => ArgValue::Str(s.clone()),
        // An encrypted value is only known at run time.
        Value::Vault(_) => ArgValue::Templated,
        Value::Seq(items) => ArgValue::List(items.len()),
        Value::Map(_) => ArgValue::Dict,
    }
}

/// Checks a task's literal arguments against its module's spec; the first error is
/// returned, located at the argument's key, its value, or the module name. Templated
/// values are never rejected; problems Ansible only warns about are not errors.
pub fn validate_args(
    fqcn: &str,
    args: &Mapping,
    action_span: &Span,
    warnings: &mut Vec<SourceError>,
) -> Result<(), SourceError> {
    let Some(spec) = modules::lookup(fqcn) else {
        return Ok(());
    };
    // `args: "{{ dict }}"`: the arguments are only known at run time.
    if args.get("_variable_params").is_some() {
        return Ok(());
    }
    let has_free_form = args.get("_raw_params").is_some();
    let values: Vec<(String, ArgValue)> = args
        .iter()
        .filter_map(|(k, v)| k.key_string().map(|name| (name, arg_value(v))))
        .filter(|(name, _)| name != "_raw_params")
        .collect();
    let borrowed: Vec<(&str, ArgValue)> = values
        .iter()
        .map(|(n, v)| (n.as_str(), v.clone()))
        .collect();
    for problem in modules::validate(spec, &borrowed, has_free_form) {
        // Point at the argument as written (`state=banana`, `state:`); problems of the
        // task as a whole point at the module name.
        let span = problem
            .arg
            .as_deref()
            .and_then(|a| args.key_node(a))
            .map_or(action_span, |n| &n.span);
        if problem.is_warning() {
            warnings.push(SourceError::new(span, problem.message));
            continue;
        }
        let err = SourceError::new(span, problem.message);
        return Err(match problem.suggestion {
            Some(s) => err.with_help(format!("did you mean '{s}'?")),
            None => err,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_short_and_qualified_names() {
        assert_eq!(resolve("debug").as_deref(), Some("ansible.builtin.debug"));
        assert_eq!(
            resolve("ansible.legacy.copy").as_deref(),
            Some("ansible.builtin.copy")
        );
        assert_eq!(resolve("debg"), None);
        assert_eq!(suggest("debg"), Some("debug"));
        assert!(is_free_form("ansible.builtin.shell"));
    }
}
