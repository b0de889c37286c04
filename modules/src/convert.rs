//! Which literal values Ansible's type conversions accept
//! (ansible/module_utils/common/validation.py, `check_type_*`).

use crate::spec::ArgType;
use crate::validate::ArgValue;

/// Strings `boolean()` accepts, after `strip()` and `lower()`.
const BOOLEAN_STRINGS: &[&str] = &[
    "y", "yes", "on", "1", "true", "t", "n", "no", "off", "0", "false", "f",
];
/// The strings of `BOOLEANS_TRUE` / `BOOLEANS_FALSE`.
const TRUE_STRINGS: &[&str] = &["y", "yes", "on", "1", "true", "t"];
const FALSE_STRINGS: &[&str] = &["n", "no", "off", "0", "false", "f"];

/// A value Ansible would refuse to convert.
pub(crate) struct TypeMismatch {
    /// The value's type as Ansible names it (`str`, `int`, `list`, ...).
    pub given: &'static str,
    /// Ansible's explanation, when it gives one.
    pub reason: Option<String>,
}

fn python_type(value: &ArgValue) -> &'static str {
    match value {
        ArgValue::Null => "NoneType",
        ArgValue::Bool(_) => "bool",
        ArgValue::Int(_) => "int",
        ArgValue::Float(_) => "float",
        ArgValue::Str(_) | ArgValue::Templated => "str",
        ArgValue::List(_) => "list",
        ArgValue::Dict => "dict",
    }
}

fn mismatch(value: &ArgValue, reason: Option<String>) -> Result<(), TypeMismatch> {
    Err(TypeMismatch {
        given: python_type(value),
        reason,
    })
}

/// Whether Ansible converts `value` to `ty`. Null and templated values are not checked
/// by the caller.
pub(crate) fn check_type(ty: ArgType, value: &ArgValue) -> Result<(), TypeMismatch> {
    use ArgValue as V;
    match (ty, value) {
        // str() of anything; path is str plus expansion.
        (ArgType::Str | ArgType::Path | ArgType::Raw | ArgType::Any, _) => Ok(()),
        (_, V::Null | V::Templated) => Ok(()),
        (ArgType::Bool, V::Bool(_)) => Ok(()),
        (ArgType::Bool, V::Int(i)) if *i == 0 || *i == 1 => Ok(()),
        (ArgType::Bool, V::Float(f)) if *f == 0.0 || *f == 1.0 => Ok(()),
        (ArgType::Bool, V::Str(s))
            if BOOLEAN_STRINGS.contains(&s.trim().to_lowercase().as_str()) =>
        {
            Ok(())
        }
        (ArgType::Bool, V::Int(_) | V::Float(_) | V::Str(_)) => mismatch(
            value,
            Some(format!(
                "The value '{}' is not a valid boolean. Valid booleans include: {}",
                display(value),
                BOOLEAN_STRINGS.join(", ")
            )),
        ),
        (ArgType::Bool, _) => mismatch(value, None),
        // bool is an int in Python.
        (ArgType::Int, V::Int(_) | V::Bool(_)) => Ok(()),
        (ArgType::Int, V::Float(f)) if f.fract() == 0.0 || !f.is_finite() => Ok(()),
        (ArgType::Int, V::Str(s)) if decimal_is_integral(s) => Ok(()),
        (ArgType::Int, V::Float(_) | V::Str(_)) => mismatch(
            value,
            Some(format!(
                "\"{}\" cannot be converted to an int",
                display(value)
            )),
        ),
        (ArgType::Int, _) => mismatch(value, None),
        (ArgType::Float, V::Int(_) | V::Bool(_) | V::Float(_)) => Ok(()),
        (ArgType::Float, V::Str(s)) if parses_as_python_float(s) => Ok(()),
        (ArgType::Float, _) => mismatch(value, None),
        // A string is split on commas; a number becomes a one-item list.
        (ArgType::List, V::Dict) => mismatch(value, None),
        (ArgType::List, _) => Ok(()),
        (ArgType::Dict, V::Dict) => Ok(()),
        // JSON (`{...}`) or `k=v` strings; their details are checked at run time.
        (ArgType::Dict, V::Str(s)) if s.starts_with('{') || s.contains('=') => Ok(()),
        (ArgType::Dict, V::Str(_)) => mismatch(
            value,
            Some("dictionary requested, could not parse JSON or key=value".to_string()),
        ),
        (ArgType::Dict, _) => mismatch(value, None),
    }
}

/// The value as Python would print it in a message.
fn display(value: &ArgValue) -> String {
    match value {
        ArgValue::Null => "None".to_string(),
        ArgValue::Bool(true) => "True".to_string(),
        ArgValue::Bool(false) => "False".to_string(),
        ArgValue::Int(i) => i.to_string(),
        ArgValue::Float(f) => format!("{f:?}"),
        ArgValue::Str(s) => s.clone(),
        ArgValue::List(_) => "a list".to_string(),
        ArgValue::Dict => "a mapping".to_string(),
        ArgValue::Templated => "a template".to_string(),
    }
}

/// The text a string option's value becomes, for comparing with its choices, or `None`
/// when that cannot be known here (lists are compared item by item at run time; float
/// formatting differs from Python's).
pub(crate) fn choice_text(value: &ArgValue, choices: &[&str]) -> Option<String> {
    match value {
        ArgValue::Str(s) => Some(s.clone()),
        ArgValue::Int(i) => Some(i.to_string()),
        // YAML turned `yes` into True; Ansible maps it back when exactly one choice is a
        // boolean string of the same truth.
        ArgValue::Bool(b) => {
            let (text, strings) = if *b {
                ("True", TRUE_STRINGS)
            } else {
                ("False", FALSE_STRINGS)
            };
            let overlap: Vec<&&str> = choices.iter().filter(|c| strings.contains(c)).collect();
            match overlap.as_slice() {
                [only] => Some((**only).to_string()),
                _ => Some(text.to_string()),
            }
        }
        ArgValue::Dict => Some("a mapping".to_string()),
        ArgValue::Null | ArgValue::Float(_) | ArgValue::List(_) | ArgValue::Templated => None,
    }
}

/// `int(decimal.Decimal(s)) == decimal.Decimal(s)`: a decimal number without a
/// fractional part (exponents allowed). Lenient where Rust and Python differ.
fn decimal_is_integral(s: &str) -> bool {
    let cleaned: String = s.trim().chars().filter(|c| *c != '_').collect();
    let body = cleaned.strip_prefix(['+', '-']).unwrap_or(&cleaned);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    if int_part.is_empty() && frac_part.is_empty() || !digits_ok(int_part) || !digits_ok(frac_part)
    {
        return false;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits_ok(e) {
            return false;
        }
    }
    match cleaned.parse::<f64>() {
        Ok(f) => !f.is_finite() || f.fract() == 0.0,
        // Syntax checked above; an unparseable number is not ours to reject.
        Err(_) => true,
    }
}

/// `float(s)` succeeds: decimal or exponent notation, `inf`, `infinity`, `nan`.
fn parses_as_python_float(s: &str) -> bool {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    let body = cleaned.strip_prefix(['+', '-']).unwrap_or(&cleaned);
    matches!(body, "inf" | "infinity" | "nan") || cleaned.parse::<f64>().is_ok()
}
