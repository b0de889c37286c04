//! Structural equality of values, for comparisons in tests and callers.
use super::Value;

impl PartialEq for Value {
    /// Structural equality (NaN equals NaN here so tests can compare tables).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Unsafe(a), Value::Unsafe(b)) => a == b,
            (Value::Vault(a), Value::Vault(b)) => a == b,
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.value == y.value)
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka.value == kb.value && va.value == vb.value)
            }
            _ => false,
        }
    }
}
