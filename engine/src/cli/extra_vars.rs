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
    let file = SourceFile::new(origin, value);
    let mut out = Vec::new();
    for (offset, token) in split_args(value) {
        let span = Span::new(file.clone(), offset, 1, offset as u32 + 1);
        match token.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.push((k.to_string(), Node::new(Value::Str(unquote(v)), span)));
            }
            _ => {
                return Err(SourceError::new(
                    &span,
                    format!(
                        "invalid extra vars '{token}': expected key=value, YAML/JSON ('{{...}}'), or @file"
                    ),
                ));
            }
        }
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

/// Splits on whitespace outside quotes, keeping quotes (as Ansible's `split_args`), with
/// each token's byte offset.
pub fn split_args(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if cur.is_empty() && quote.is_none() && c.is_whitespace() {
            continue;
        }
        if cur.is_empty() {
            start = i;
        }
        if escaped {
            escaped = false;
            cur.push(c);
            continue;
        }
        match (quote, c) {
            (_, '\\') => {
                escaped = true;
                cur.push(c);
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (None, c) if c.is_whitespace() => out.push((start, std::mem::take(&mut cur))),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    out
}

/// Removes one pair of matching surrounding quotes and unescapes them, as Ansible's
/// `unquote` + `parse_kv` do.
pub fn unquote(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        let q = b[0] as char;
        v[1..v.len() - 1].replace(&format!("\\{q}"), &q.to_string())
    } else {
        v.to_string()
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
