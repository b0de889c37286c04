//! Checking a task's literal module arguments against a module's spec, the way
//! Ansible's `AnsibleModule` argument validation would, but before any host is touched.
//!
//! The rule: never reject what Ansible accepts. Templated values are unknown until run
//! time and are never checked; conversions Ansible performs (yes/no strings to bool,
//! numeric strings to int, comma-separated strings to lists, anything to str) are
//! accepted.

use crate::convert::{TypeMismatch, check_type, choice_text};
use crate::registry::{all_specs, nearest};
use crate::spec::{ArgType, FreeForm, ModuleSpec, OptionSpec, UnknownKeys};

/// What the loader knows of an argument's literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A list of this many items.
    List(usize),
    Dict,
    /// A value containing a template: unknown until run time.
    Templated,
}

/// What kind of mistake an [`ArgProblem`] reports; tells the loader where to point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// An argument the module does not take (point at the key).
    UnknownArgument,
    /// An argument the module does not take but Ansible silently ignores: a warning,
    /// not an error (point at the key).
    IgnoredArgument,
    /// A reserved `_ansible_` argument (point at the key).
    ReservedArgument,
    /// Required arguments are missing (point at the task's module).
    MissingRequired,
    /// A literal value that cannot be converted to the argument's type (point at the value).
    WrongType,
    /// A literal value outside the argument's choices (point at the value).
    NotAChoice,
    /// More than one of a group of exclusive arguments (point at the key).
    MutuallyExclusive,
    /// None of a group of arguments of which one is required (point at the module).
    RequiredOneOf,
    /// Only part of a group of arguments that go together (point at the module).
    RequiredTogether,
    /// A free-form argument given to a module that takes none (point at the module).
    FreeFormNotAllowed,
    /// No free-form argument given to a module that requires one (point at the module).
    FreeFormMissing,
}

/// One problem with a task's module arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgProblem {
    /// The argument as the task wrote it; `None` when the problem is the task's as a whole.
    pub arg: Option<String>,
    pub kind: ProblemKind,
    /// What is wrong, in Ansible's words.
    pub message: String,
    /// The argument name probably meant, for "did you mean ...?".
    pub suggestion: Option<&'static str>,
}

impl ArgProblem {
    /// Whether Ansible would run the task anyway: report as a warning.
    pub fn is_warning(&self) -> bool {
        self.kind == ProblemKind::IgnoredArgument
    }

    fn new(arg: Option<&str>, kind: ProblemKind, message: String) -> Self {
        ArgProblem {
            arg: arg.map(str::to_string),
            kind,
            message,
            suggestion: None,
        }
    }
}

/// The name under which constraints list the free-form argument.
const FREE_FORM_PARAM: &str = "_raw_params";

/// Checks `args` (in task order) for `spec`. `has_free_form` says whether the task gave
/// a free-form argument (`command: ls -l`). Returns the problems found, in argument order
/// first, then those of the task as a whole.
pub fn validate(
    spec: &ModuleSpec,
    args: &[(&str, ArgValue)],
    has_free_form: bool,
) -> Vec<ArgProblem> {
    let mut problems = Vec::new();
    let module = spec.short_name();

    for (name, value) in args {
        if name.starts_with("_ansible_") {
            problems.push(ArgProblem::new(
                Some(name),
                ProblemKind::ReservedArgument,
                format!(
                    "Invalid parameter specified beginning with keyword '_ansible_' for action \
                     '{module}': '{name}'. The prefix '_ansible_' is reserved for internal use only."
                ),
            ));
            continue;
        }
        match spec.option(name) {
            Some(option) => problems.extend(check_value(option, name, value)),
            None => match spec.unknown_keys {
                UnknownKeys::Accept => {}
                UnknownKeys::Ignore => problems.push(unknown_argument(spec, name, true)),
                UnknownKeys::Reject => problems.push(unknown_argument(spec, name, false)),
            },
        }
    }

    match (spec.free_form, has_free_form) {
        (FreeForm::None, true) => problems.push(ArgProblem::new(
            None,
            ProblemKind::FreeFormNotAllowed,
            format!(
                "Action '{}' does not support raw params. Only these modules take a free-form \
                 argument: {}",
                spec.name,
                free_form_modules().join(", ")
            ),
        )),
        (FreeForm::Required, false) => problems.push(ArgProblem::new(
            None,
            ProblemKind::FreeFormMissing,
            format!("the module '{module}' requires a free-form argument (e.g. '{module}: ...')"),
        )),
        _ => {}
    }

    // Whether the task gave the option `member` names, under any of its names: Ansible
    // resolves aliases before checking constraints (apt's `name` counts as `package`).
    let given = |member: &str| -> bool {
        if member == FREE_FORM_PARAM {
            return has_free_form;
        }
        let canonical = spec.option(member).map_or(member, |o| o.name);
        args.iter().any(|(name, _)| {
            *name == member || spec.option(name).is_some_and(|o| o.name == canonical)
        })
    };

    let missing: Vec<&str> = spec
        .options
        .iter()
        .filter(|o| o.required && !given(o.name))
        .map(|o| o.name)
        .collect();
    if !missing.is_empty() {
        problems.push(ArgProblem::new(
            None,
            ProblemKind::MissingRequired,
            format!("missing required arguments: {}", missing.join(", ")),
        ));
    }

    for group in spec.mutually_exclusive {
        let present: Vec<&str> = group.iter().copied().filter(|n| given(n)).collect();
        if present.len() > 1 {
            // Point at the last argument of the group the task gave: the one that conflicts.
            let arg = args.iter().map(|(name, _)| *name).rfind(|name| {
                spec.option(name).is_some_and(|o| {
                    group
                        .iter()
                        .any(|m| spec.option(m).is_some_and(|g| g.name == o.name))
                })
            });
            problems.push(ArgProblem::new(
                arg,
                ProblemKind::MutuallyExclusive,
                format!(
                    "parameters are mutually exclusive: {}",
                    display_group(group).join("|")
                ),
            ));
        }
    }

    for group in spec.required_one_of {
        if !group.iter().any(|n| given(n)) {
            problems.push(ArgProblem::new(
                None,
                ProblemKind::RequiredOneOf,
                format!(
                    "one of the following is required: {}",
                    display_group(group).join(", ")
                ),
            ));
        }
    }

    for group in spec.required_together {
        let count = group.iter().filter(|n| given(n)).count();
        if count != 0 && count != group.len() {
            problems.push(ArgProblem::new(
                None,
                ProblemKind::RequiredTogether,
                format!(
                    "parameters are required together: {}",
                    display_group(group).join(", ")
                ),
            ));
        }
    }

    problems
}

/// Constraint groups name the free-form argument `_raw_params`; users know it as free_form.
fn display_group(group: &[&'static str]) -> Vec<&'static str> {
    group
        .iter()
        .map(|n| {
            if *n == FREE_FORM_PARAM {
                "free_form"
            } else {
                n
            }
        })
        .collect()
}

fn free_form_modules() -> Vec<&'static str> {
    all_specs()
        .filter(|s| s.free_form != FreeForm::None)
        .map(|s| s.short_name())
        .collect()
}

fn unknown_argument(spec: &ModuleSpec, name: &str, ignored: bool) -> ArgProblem {
    // Ansible's wording: sorted names, then all aliases in parentheses.
    let mut names: Vec<&str> = spec.options.iter().map(|o| o.name).collect();
    names.sort_unstable();
    let mut aliases: Vec<&str> = spec
        .options
        .iter()
        .flat_map(|o| o.aliases.iter().copied())
        .collect();
    aliases.sort_unstable();
    let mut supported = names.join(", ");
    if !aliases.is_empty() {
        supported.push_str(&format!(" ({})", aliases.join(", ")));
    }
    let module = spec.short_name();
    let (kind, message) = if ignored {
        (
            ProblemKind::IgnoredArgument,
            format!(
                "Unsupported parameters for ({module}) module: {name}, which Ansible ignores. \
                 Supported parameters include: {supported}."
            ),
        )
    } else {
        (
            ProblemKind::UnknownArgument,
            format!(
                "Unsupported parameters for ({module}) module: {name}. Supported parameters \
                 include: {supported}."
            ),
        )
    };
    let mut problem = ArgProblem::new(Some(name), kind, message);
    // Internal arguments (`_original_basename`) are never suggested.
    problem.suggestion = nearest(
        name,
        spec.options
            .iter()
            .flat_map(|o| std::iter::once(o.name).chain(o.aliases.iter().copied()))
            .filter(|n| !n.starts_with('_')),
    );
    problem
}

fn check_value(option: &OptionSpec, name: &str, value: &ArgValue) -> Option<ArgProblem> {
    // Ansible skips unset (None) values, and a template's value is unknown here.
    if matches!(value, ArgValue::Null | ArgValue::Templated) {
        return None;
    }
    if let Err(TypeMismatch { given, reason }) = check_type(option.ty, value) {
        let mut message = format!(
            "argument '{name}' is of type {given} and we were unable to convert to {}",
            option.ty.ansible_name()
        );
        if let Some(reason) = reason {
            message.push_str(": ");
            message.push_str(&reason);
        }
        return Some(ArgProblem::new(Some(name), ProblemKind::WrongType, message));
    }
    check_choices(option, name, value)
}

fn check_choices(option: &OptionSpec, name: &str, value: &ArgValue) -> Option<ArgProblem> {
    // Only string options are compared: other types are converted first, and the
    // choices here are text, so the comparison could be wrong.
    if option.choices.is_empty() || !matches!(option.ty, ArgType::Str | ArgType::Path) {
        return None;
    }
    let got = choice_text(value, option.choices)?;
    if option.choices.contains(&got.as_str()) {
        return None;
    }
    let mut problem = ArgProblem::new(
        Some(name),
        ProblemKind::NotAChoice,
        format!(
            "value of {} must be one of: {}, got: {got}",
            option.name,
            option.choices.join(", ")
        ),
    );
    problem.suggestion = match value {
        ArgValue::Str(s) => nearest(s, option.choices.iter().copied()),
        _ => None,
    };
    Some(problem)
}
