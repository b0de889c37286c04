//! Ansible's filters that minijinja lacks (or has with different behaviour).

mod collections;
mod core;
mod data;

pub(crate) use data::write_json_str;
mod extra;
mod regex;
mod text;

use std::sync::Arc;

use minijinja::{Environment, Error, ErrorKind, Value};

use super::TemplarConfig;

#[cfg(test)]
pub(super) use self::data::from_json as from_json_value;
pub(super) use self::regex::{py_regex, regex_test};

/// The custom message of a `mandatory` that failed in the last render, if one did.
pub(super) fn take_mandatory_failure() -> Option<Option<String>> {
    core::MANDATORY_FAILED.with(|m| m.borrow_mut().take())
}

/// An error from filter `name`, worded as Ansible does.
pub(super) fn fail(name: &str, msg: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("The filter plugin 'ansible.builtin.{name}' failed: {msg}"),
    )
}

/// Fails if `v` is undefined (filters that need a value), naming the variable when
/// minijinja knows it.
pub(super) fn require_defined(v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        return Err(undefined_error(v));
    }
    Ok(())
}

/// An error carrying the undefined value's origin, so the message names the variable.
pub(super) fn undefined_error(v: &Value) -> Error {
    // Calling an undefined value is the public way to get an error that carries its
    // origin; the error mapping turns it into "'name' is undefined".
    let env = Environment::empty();
    let mut state = env.empty_state();
    match v.call(&mut state, &[]) {
        Err(e) => e,
        Ok(_) => Error::new(ErrorKind::UndefinedError, "undefined value"),
    }
}

pub(super) fn register(env: &mut Environment<'static>, config: &Arc<TemplarConfig>) {
    core::register(env, config);
    collections::register(env, config);
    data::register(env);
    extra::register(env);
    regex::register(env);
    text::register(env);
}
