//! templating (being written on another branch; this stub keeps the tree compiling)
use crate::yaml::Node;

/// A variable's value as stored: raw text from the user's files (templated lazily) or data.
#[derive(Debug, Clone)]
pub enum VarValue {
    Raw(Node),
    Data(minijinja::Value),
}
