//! The loader: saphyr-parser events to [`Node`]s. (To be written.)
use std::path::Path;
use std::sync::Arc;

use super::Node;
use crate::source::{SourceError, SourceFile};

pub type YamlError = SourceError;

/// Loads the first document of a file (an empty file is `Null`).
pub fn load_file(path: &Path) -> Result<Node, YamlError> {
    let file = SourceFile::read(path)?;
    load_str(file)
}

/// Loads the first document of `file`.
pub fn load_str(file: Arc<SourceFile>) -> Result<Node, YamlError> {
    let mut docs = load_all(file.clone())?;
    if docs.is_empty() {
        return Ok(Node::new(
            super::Value::Null,
            crate::source::Span::new(file, 0, 1, 1),
        ));
    }
    Ok(docs.swap_remove(0))
}

/// Loads every document of `file`.
pub fn load_all(_file: Arc<SourceFile>) -> Result<Vec<Node>, YamlError> {
    Err(SourceError::plain("YAML loader not yet written"))
}
