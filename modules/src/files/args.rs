//! Reading module arguments as Ansible's argument spec converts them: aliases, booleans
//! written as `yes`/`on`/`1`, numbers given as strings, and file modes.

use serde_json::{Map, Value};

use super::mode::Mode;
use crate::runtime::ModuleError;

/// The arguments of one module call, with Ansible's conversions.
pub(crate) struct Args<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Args { map }
    }

    /// The first of `names` (a name and its aliases) that is given and not null.
    fn get(&self, names: &[&str]) -> Option<(&'a str, &'a Value)> {
        names.iter().find_map(|n| match self.map.get_key_value(*n) {
            Some((k, v)) if !v.is_null() => Some((k.as_str(), v)),
            _ => None,
        })
    }

    /// A string argument; numbers and booleans are converted as Ansible's `type='str'` does.
    pub(crate) fn str(&self, names: &[&str]) -> Result<Option<String>, ModuleError> {
        match self.get(names) {
            None => Ok(None),
            Some((_, Value::String(s))) => Ok(Some(s.clone())),
            Some((_, Value::Number(n))) => Ok(Some(n.to_string())),
            Some((_, Value::Bool(b))) => Ok(Some(if *b { "True" } else { "False" }.into())),
            Some((name, _)) => Err(ModuleError::Args(format!(
                "argument '{name}' is of type list or dict and we were unable to convert to str"
            ))),
        }
    }

    /// A required string argument (`path`, `dest`, ...).
    pub(crate) fn required_str(&self, names: &[&str]) -> Result<String, ModuleError> {
        self.str(names)?.ok_or_else(|| {
            ModuleError::Args(format!(
                "missing required arguments: {}",
                names.first().copied().unwrap_or_default()
            ))
        })
    }

    /// A boolean argument as Ansible's `boolean()` reads it.
    pub(crate) fn bool(&self, name: &str, default: bool) -> Result<bool, ModuleError> {
        let Some((_, value)) = self.get(&[name]) else {
            return Ok(default);
        };
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Some(true),
                Some(0.0) => Some(false),
                _ => None,
            },
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Some(true),
                "n" | "no" | "off" | "0" | "false" | "f" | "0.0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        parsed.ok_or_else(|| {
            let shown = match value {
                Value::String(s) => format!("'{s}'"),
                other => other.to_string(),
            };
            ModuleError::Args(format!(
                "argument '{name}' is of type {} and we were unable to convert to bool: \
                 The value {shown} is not a valid boolean.  Valid booleans include: \
                 0, 'on', 'f', 'false', 1, 'no', 'n', '1', '0', 't', 'y', 'off', 'yes', 'true'",
                type_name(value)
            ))
        })
    }

    /// `state`, checked against the choices the module accepts.
    pub(crate) fn choice(
        &self,
        name: &str,
        choices: &[&str],
    ) -> Result<Option<String>, ModuleError> {
        let Some(value) = self.str(&[name])? else {
            return Ok(None);
        };
        if choices.contains(&value.as_str()) {
            return Ok(Some(value));
        }
        Err(ModuleError::Args(format!(
            "value of {name} must be one of: {}, got: {value}",
            choices.join(", ")
        )))
    }

    /// `mode`: an int (YAML `0644` is already 420), an octal string or a symbolic mode.
    pub(crate) fn mode(&self) -> Result<Option<Mode>, ModuleError> {
        match self.get(&["mode"]) {
            None => Ok(None),
            Some((_, Value::Number(n))) => match n.as_u64() {
                Some(bits) if bits <= 0o7777 => Ok(Some(Mode::Octal(bits as u32))),
                _ => Err(ModuleError::Failed(format!(
                    "Invalid mode supplied, only permission info is allowed: {n}"
                ))),
            },
            Some((_, Value::String(s))) => Mode::parse(s).map(Some),
            Some(_) => Err(ModuleError::Args(
                "argument 'mode' is of type list or dict and we were unable to convert to raw"
                    .into(),
            )),
        }
    }

    /// `owner`, `group`, `mode` together (Ansible's file common arguments).
    pub(crate) fn attrs(&self) -> Result<FileAttrs, ModuleError> {
        Ok(FileAttrs {
            mode: self.mode()?,
            owner: self.str(&["owner"])?,
            group: self.str(&["group"])?,
        })
    }
}

/// The file attributes a task asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FileAttrs {
    pub(crate) mode: Option<Mode>,
    pub(crate) owner: Option<String>,
    pub(crate) group: Option<String>,
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "None",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}
