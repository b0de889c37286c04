//! Rendering one template text against a scope: compile once, check for undefined
//! variables the way Ansible reports them, render, and keep native types for templates
//! that are a single expression.

use std::cell::RefCell;
use std::sync::Arc;

use minijinja::{Error, ErrorKind, Output, State, Template, Value};

use super::convert::{py_str, py_type_name};
use super::scope::{Scope, clear_nested_error, with_templar};
use super::{INLINE, Templar, errors};
use crate::source::{SourceError, Span};

/// What is known about a compiled template text.
pub(super) struct TemplateMeta {
    /// Dotted paths it reads (`foo.bar`), in order of first appearance.
    pub paths: Vec<String>,
    /// Roots that no tag guards (`default`, `is defined`, ...): reading the template with
    /// one of them undefined is an error before rendering, as in Ansible. Guarded roots
    /// are only an error where actually printed.
    pub strict_roots: Vec<String>,
}

thread_local! {
    /// Set while re-rendering a template that printed an undefined value of unknown
    /// origin: Jinja's `'x' if false` (no else) prints nothing.
    static LENIENT_PRINT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Values printed by the renders running on this thread (innermost last), with the
    /// length of their text: a template whose whole output is one printed value keeps
    /// that value's type.
    static PRINTED: RefCell<Vec<Vec<(Value, usize)>>> = const { RefCell::new(Vec::new()) };
}

/// The environment's formatter: Python's `str()` of values, `None` as nothing, and an
/// error for undefined values (Ansible never prints undefined as empty).
pub(super) fn format_value(
    out: &mut Output,
    _state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    if value.is_undefined() {
        if LENIENT_PRINT.with(|l| l.get()) {
            return Ok(());
        }
        return Err(super::filters::undefined_error(value));
    }
    let text = if value.is_none() {
        String::new()
    } else {
        py_str(value)
    };
    PRINTED.with(|p| {
        if let Some(top) = p.borrow_mut().last_mut() {
            top.push((value.clone(), text.len()));
        }
    });
    out.write_str(&text)
        .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
}

/// Compiles (or fetches the compiled) template text; syntax errors point at `span`.
pub(super) fn compile<'a>(
    templar: &'a Templar,
    text: &str,
    span: &Span,
    col_shift: u32,
) -> Result<Template<'a, 'a>, SourceError> {
    let raw = super::literals::raw_string_literals(text);
    let name = format!("{INLINE}{}", super::percent::rewrite_percent_format(&raw));
    templar
        .inner
        .env
        .get_template(&name)
        .map_err(|e| errors::to_source_error(templar, e, text, span, col_shift, None))
}

fn meta_for(templar: &Templar, text: &str, tmpl: &Template) -> Arc<TemplateMeta> {
    if let Some(m) = templar
        .inner
        .meta
        .read()
        .ok()
        .and_then(|m| m.get(text).cloned())
    {
        return m;
    }
    let by_position = |names: std::collections::HashSet<String>| {
        let mut v: Vec<String> = names.into_iter().collect();
        v.sort_by_key(|n| (text.find(n.as_str()).unwrap_or(usize::MAX), n.clone()));
        v
    };
    let roots = by_position(tmpl.undeclared_variables(false));
    let regions = super::literals::code_regions(text);
    let strict_roots = roots
        .iter()
        .filter(|r| {
            !regions
                .iter()
                .any(|region| mentions(region, r) && is_guarded(region))
        })
        .cloned()
        .collect();
    let meta = Arc::new(TemplateMeta {
        paths: by_position(tmpl.undeclared_variables(true)),
        strict_roots,
    });
    if let Ok(mut m) = templar.inner.meta.write() {
        m.insert(text.to_string(), meta.clone());
    }
    meta
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
}

/// Whether a tag may legitimately read undefined variables.
fn is_guarded(region: &str) -> bool {
    // An inline `a if cond else b` evaluates only the branch taken, so a variable of the
    // other branch may be undefined (a `{% if %}` statement is not guarded that way).
    let inline_if = region.starts_with("{{") && words(region).any(|w| w == "if");
    inline_if
        || words(region)
            .any(|w| matches!(w, "default" | "d" | "defined" | "undefined" | "mandatory"))
}

fn mentions(region: &str, name: &str) -> bool {
    words(region).any(|w| w == name)
}

/// Renders `text` (known to contain Jinja) against `scope`. `col_shift` is how many
/// characters the caller added in front of the user's text (for error columns).
pub(super) fn render_template(
    templar: &Templar,
    text: &str,
    span: &Span,
    scope: &Arc<Scope>,
    col_shift: u32,
) -> Result<Value, SourceError> {
    let tmpl = compile(templar, text, span, col_shift)?;
    let meta = meta_for(templar, text, &tmpl);
    let missing = meta
        .strict_roots
        .iter()
        .find(|r| !scope.contains(r) && !templar.inner.global_names.contains(r.as_str()));
    if let Some(missing) = missing {
        return Err(errors::with_template(
            SourceError::new(span, format!("'{missing}' is undefined")),
            text,
        ));
    }
    let outermost = PRINTED.with(|p| p.borrow().is_empty());
    if outermost {
        clear_nested_error();
        super::filters::take_mandatory_failure();
    }
    PRINTED.with(|p| p.borrow_mut().push(Vec::new()));
    let ctx = Value::from_dyn_object(scope.clone());
    let mut result = with_templar(templar, scope, || tmpl.render(ctx.clone()));
    if result.as_ref().is_err_and(printed_silent_undefined) && !super::scope::has_nested_error() {
        // An undefined without origin is the missing `else` of an inline `if`.
        PRINTED.with(|p| p.borrow_mut().last_mut().map(Vec::clear));
        let was = LENIENT_PRINT.with(|l| l.replace(true));
        result = with_templar(templar, scope, || tmpl.render(ctx));
        LENIENT_PRINT.with(|l| l.set(was));
    }
    let printed = PRINTED.with(|p| p.borrow_mut().pop()).unwrap_or_default();
    let output = result.map_err(|e| {
        errors::to_source_error(templar, e, text, span, col_shift, Some((scope, &meta)))
    })?;
    if let [(value, len)] = printed.as_slice()
        && *len == output.len()
    {
        return Ok(value.clone());
    }
    Ok(Value::from(output))
}

/// Ansible 2.19's rule: a conditional must produce a boolean.
pub(super) fn condition_result(value: &Value, span: &Span) -> Result<bool, SourceError> {
    if let Some(b) = bool_of(value) {
        return Ok(b);
    }
    let truth = if value.is_true() { "True" } else { "False" };
    let at = if value.is_none() {
        "<unknown>".to_string()
    } else {
        span.to_string()
    };
    Err(SourceError::new(
        span,
        format!(
            "Conditional result ({truth}) was derived from value of type '{}' at '{at}'. \
             Conditionals must have a boolean result.",
            py_type_name(value)
        ),
    )
    .with_help(
        "Broken conditionals can be temporarily allowed with the \
         `ALLOW_BROKEN_CONDITIONALS` configuration option.",
    ))
}

fn bool_of(value: &Value) -> Option<bool> {
    (value.kind() == minijinja::value::ValueKind::Bool).then(|| value.is_true())
}

/// The formatter's error for an undefined value that minijinja knows no origin of.
fn printed_silent_undefined(e: &Error) -> bool {
    e.kind() == ErrorKind::InvalidOperation
        && e.detail() == Some("value of type undefined is not callable")
}
