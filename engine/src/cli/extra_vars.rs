//! `-e/--extra-vars` in all its forms: `k=v k2="v 2"`, inline YAML/JSON (`{...}`,
//! `[...]`), and `@file` (YAML or JSON). Several `-e` merge, later ones winning.

use std::path::Path;

use indexmap::IndexMap;

use crate::source::{SourceError, SourceFile, Span};
use crate::yaml::{self, Node, Value};

/// Parses every `-e` value in order; `cwd` resolves `@file` paths.
pub fn parse_extra_vars(
    values: &[String],
    cwd: &Path,
) -> Result<IndexMap<String, Node>, SourceError> {
    let mut out = IndexMap::new();
    for value in values {
        for (k, v) in parse_one(value, cwd)? {
            out.insert(k, v);
        }
    }
    Ok(out)
}

fn parse_one(value: &str, cwd: &Path) -> Result<Vec<(String, Node)>, SourceError> {
    let origin = "<CLI option '-e'>";
    if let Some(file) = value.strip_prefix('@') {
        let path = cwd.join(file);
        if !path.is_file() {
            // A missing file is not bad input but a general error (exit 1), as in ansible.
            return Err(SourceError::plain(format!(
                "Unable to retrieve file contents. Could not find or access '{}' (given as -e @{file})",
                path.display()
            ))
            .general());
        }
        let node = yaml::load_file(&path)?;
        return mapping_entries(node, &format!("file '{}'", path.display()));
    }
    if value.starts_with(['{', '[']) {
        let node = yaml::load_str(SourceFile::new(origin, value))?;
        return mapping_entries(node, &format!("'{value}'"));
    }
    // `k=v` pairs as ansible's `parse_kv` reads them; values stay strings.
    let file = SourceFile::new(origin, value);
    let span_of = |needle: &str| {
        let offset = value.find(needle).unwrap_or(0);
        Span::new(file.clone(), offset, 1, offset as u32 + 1)
    };
    let mut out = Vec::new();
    for (k, v) in crate::playbook::parse_kv(value, false) {
        if k == "_raw_params" {
            let token = v.split_whitespace().next().unwrap_or(&v).to_string();
            return Err(SourceError::new(
                &span_of(&token),
                format!(
                    "invalid extra vars '{token}': expected key=value, YAML/JSON ('{{...}}'), or @file"
                ),
            ));
        }
        let span = span_of(&format!("{k}="));
        out.push((k, Node::new(Value::Str(v), span)));
    }
    Ok(out)
}

fn mapping_entries(node: Node, what: &str) -> Result<Vec<(String, Node)>, SourceError> {
    match node.value {
        Value::Map(m) => Ok(m
            .entries
            .into_iter()
            .map(|(k, v)| (k.key_string().unwrap_or_default(), v))
            .collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(SourceError::new(
            &node.span,
            format!(
                "invalid extra vars data supplied: {what} could not be made into a dictionary (got {})",
                node.kind_name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_pairs_stay_strings_and_quotes_group_words() {
        let m =
            parse_extra_vars(&["a=1 b=\"two words\" c='x y'".to_string()], Path::new(".")).unwrap();
        assert_eq!(m["a"].as_str(), Some("1"));
        assert_eq!(m["b"].as_str(), Some("two words"));
        assert_eq!(m["c"].as_str(), Some("x y"));
    }

    #[test]
    fn later_values_win() {
        let m = parse_extra_vars(&["a=1".to_string(), "a=2".to_string()], Path::new(".")).unwrap();
        assert_eq!(m["a"].as_str(), Some("2"));
    }

    #[test]
    fn a_token_without_equals_is_an_error_naming_it() {
        let err = parse_extra_vars(&["a=1 oops".to_string()], Path::new(".")).unwrap_err();
        assert!(err.message.contains("'oops'"), "{}", err.message);
        assert_eq!(err.span.unwrap().col, 5);
    }
}
