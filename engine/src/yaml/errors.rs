//! Parser errors in words a playbook author understands, with Ansible's hints for the
//! usual mistakes (tabs, unquoted `{{ }}`, `: ` inside values, stray quotes).

use std::sync::OnceLock;

use regex::Regex;

use crate::source::{SourceError, Span};

/// Rewords saphyr's message (`info`) into what went wrong and what was expected.
pub(super) fn reword(info: &str) -> String {
    let m = match info {
        "while parsing a block mapping, did not find expected key" => {
            "expected a 'key: value' entry here, at the indentation of the mapping it belongs to; check the indentation of this line"
        }
        "while parsing a block collection, did not find expected '-' indicator" => {
            "expected a '- ' list item here, at the indentation of the list it belongs to; check the indentation of this line"
        }
        "mapping values are not allowed in this context" => {
            "mapping values are not allowed here: found ': ' where a value was expected to end (quote values that contain ': ', or check the indentation)"
        }
        "block sequence entries are not allowed in this context" => {
            "a '- ' list item is not allowed here (check the indentation, or quote a value that starts with '-')"
        }
        "while scanning a quoted scalar, found unexpected end of stream" => {
            "this quoted string is never closed: expected the closing quote before the end of the file"
        }
        "while scanning a quoted scalar, found unexpected document indicator" => {
            "this quoted string is never closed: expected the closing quote before the '---' or '...' line"
        }
        "while parsing a flow sequence, expected ',' or ']'" => {
            "expected ',' or ']' in this [ ... ] list (is a ']' missing?)"
        }
        "while parsing a flow mapping, did not find expected ',' or '}'" => {
            "expected ',' or '}' in this { ... } mapping (is a '}' missing?)"
        }
        "while parsing node, found unknown anchor" => {
            "found undefined alias: no anchor '&name' with this name is defined earlier in this document"
        }
        "while parsing a node, did not find expected node content" => {
            "expected a value here (a scalar, a list or a mapping)"
        }
        "invalid trailing content after double-quoted scalar" => {
            "unexpected text after the closing quote: quote the whole value, e.g. '\"foo\" bar'"
        }
        "while parsing a quoted scalar, found unknown escape character" => {
            "unknown escape sequence in a double-quoted string: use single quotes, or write the backslash as '\\\\'"
        }
        "did not find expected <document start>" | "did not find expected <document-start>" => {
            "unexpected content after the end of the document: expected '---' to start a new document"
        }
        "invalid content after document end marker" => {
            "unexpected content after the document end marker '...'"
        }
        "while scanning a plain scalar, found a tab"
        | "tabs disallowed within this context (block indentation)"
        | "tabs disallowed in this context"
        | "tab cannot be used as indentation"
        | "a block scalar content cannot start with a tab" => {
            "tabs are not allowed for indentation in YAML: indent with spaces"
        }
        "wrongly indented line in block scalar" | "invalid indentation" => {
            "this line is indented less than the block it belongs to"
        }
        "recursion limit exceeded" => "the document is nested too deeply",
        other if other.starts_with("unexpected character: ") => {
            let c: String = other
                .trim_start_matches("unexpected character: `")
                .chars()
                .take(1)
                .collect();
            return format!(
                "found character '{c}' that cannot start any value ('@' and '`' are reserved); quote the value"
            );
        }
        "invalid indentation in quoted scalar" => {
            "a quoted string continues on a line indented less than it should be (is the closing quote missing?)"
        }
        "while scanning an anchor or alias, did not find expected alphabetic or numeric character" => {
            "expected an anchor or alias name after '&' or '*' (quote values that start with '&' or '*')"
        }
        other => other,
    };
    m.to_string()
}

/// An error about a well-formed node (a tag, a merge): no guessing about the line.
pub(super) fn construct_error(span: Span, detail: &str) -> SourceError {
    SourceError::new(&span, format!("YAML parsing failed: {detail}."))
}

/// A YAML syntax error at `span`, improved with Ansible's heuristics on the offending line.
pub(super) fn syntax_error(span: Span, detail: &str) -> SourceError {
    let base = format!("YAML parsing failed: {detail}.");
    let line = span.file.line_text(span.line).unwrap_or("").to_string();
    match hint(&line) {
        Some(h) => {
            let at = span_at_col(&span, &line, h.col);
            let mut help = h.help.to_string();
            if !help.is_empty() {
                help.push_str("\n\n");
            }
            help.push_str(&format!("(The YAML parser reported: {detail}.)"));
            SourceError::new(&at, format!("YAML parsing failed: {}", h.message)).with_help(help)
        }
        None => SourceError::new(&span, base),
    }
}

struct Hint {
    message: &'static str,
    help: &'static str,
    /// 1-based column on the offending line.
    col: usize,
}

/// A lazily compiled constant pattern (`None` only if it failed to compile, which the
/// tests rule out; a hint is then skipped rather than the load failing).
fn re(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

/// Ansible's `AnsibleYAMLParserError.handle_exception` checks, in its order.
fn hint(line: &str) -> Option<Hint> {
    tab_hint(line)
        .or_else(|| template_hint(line))
        .or_else(|| colon_hint(line))
        .or_else(|| quote_hint(line))
}

fn tab_hint(line: &str) -> Option<Hint> {
    let idx = line.find('\t')?;
    Some(Hint {
        message: "Tabs are usually invalid in YAML.",
        help: "Indent with spaces instead of tabs.",
        col: line[..idx].chars().count() + 1,
    })
}

fn template_hint(line: &str) -> Option<Hint> {
    static TEMPLATE: OnceLock<Option<Regex>> = OnceLock::new();
    let template = re(
        &TEMPLATE,
        r"^\s*(?:-\s+)*(?:[\w\s]+:\s+)?(?P<value>\{\{.*\}\})",
    )?;
    let m = template.captures(line)?.name("value")?;
    Some(Hint {
        message: "This may be an issue with missing quotes around a template block.",
        help: "For example:\n\n    raw: {{ some_var }}\n\nShould be:\n\n    raw: \"{{ some_var }}\"",
        col: line[..m.start()].chars().count() + 1,
    })
}

fn colon_hint(line: &str) -> Option<Hint> {
    static COLON_VALUE: OnceLock<Option<Regex>> = OnceLock::new();
    static QUOTED_WHOLE: OnceLock<Option<Regex>> = OnceLock::new();
    static COLON: OnceLock<Option<Regex>> = OnceLock::new();
    if line.trim_start().starts_with(':') {
        return None;
    }
    let colon_value = re(
        &COLON_VALUE,
        r"^\s*(?:-\s+)*(?:[\w\s\[\]{}]+:\s+)?(?P<value>.*)$",
    )?;
    let v = colon_value.captures(line)?.name("value")?;
    let quoted = re(&QUOTED_WHOLE, r#"^\s*('[^']*'|"[^"]*")\s*$"#)?;
    let fragment = quoted.replace(v.as_str(), |c: &regex::Captures| {
        ".".repeat(c[0].chars().count())
    });
    if fragment.is_empty() {
        return None;
    }
    let c = re(&COLON, r":($| )")?.find(&fragment)?;
    Some(Hint {
        message: "Colons in unquoted values must be followed by a non-space character.",
        help: "For example:\n\n    raw: echo 'name: ansible'\n\nShould be:\n\n    raw: \"echo 'name: ansible'\"",
        col: line[..v.start()].chars().count() + fragment[..c.start()].chars().count() + 1,
    })
}

fn quote_hint(line: &str) -> Option<Hint> {
    static QUOTE_VALUE: OnceLock<Option<Regex>> = OnceLock::new();
    let quote_value = re(
        &QUOTE_VALUE,
        r#"^\s*(?:-\s+)*(?:[\w\s]+:\s+)?(?P<value>["'].*?\s*)$"#,
    )?;
    let v = quote_value.captures(line)?.name("value")?;
    let s = v.as_str();
    let first = s.chars().next()?;
    let last = s.chars().next_back()?;
    let col = line[..v.start()].chars().count() + 1;
    if first != last {
        return Some(Hint {
            message: "Values starting with a quote must end with the same quote.",
            help: "For example:\n\n    raw: \"foo\" in bar\n\nShould be:\n\n    raw: '\"foo\" in bar'",
            col,
        });
    }
    if line.matches(first).count() > 2 {
        return Some(Hint {
            message: "Values starting with a quote must end with the same quote, and not contain that quote.",
            help: "For example:\n\n    raw: \"foo\" in \"bar\"\n\nShould be:\n\n    raw: '\"foo\" in \"bar\"'",
            col,
        });
    }
    None
}

/// `span` moved to 1-based column `col` of its line.
fn span_at_col(span: &Span, line: &str, col: usize) -> Span {
    let line_start = span.file.text[..span.offset.min(span.file.text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let byte_in_line: usize = line
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    Span::new(
        span.file.clone(),
        line_start + byte_in_line,
        span.line,
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}
