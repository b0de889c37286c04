//! PyYAML's implicit resolution of plain scalars (YAML 1.1). (To be written.)
use super::Value;

/// Resolves a plain (unquoted) scalar the way PyYAML's SafeLoader does.
pub fn resolve_plain(text: &str) -> Value {
    Value::Str(text.to_string())
}
