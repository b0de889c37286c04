//! Python's `shlex.split(line, comments=True)` (POSIX mode), which the INI inventory
//! uses to split host lines. The `shlex` crate does not treat `#` as a comment, and a
//! `#` in the middle of a word ends the line in Python, so the INI reader needs this.

/// `shlex.whitespace`: only ASCII space, tab and line breaks separate tokens.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// One token and the byte offset in the line where it started.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub text: String,
    pub offset: usize,
}

/// Splits `line` the way `shlex.split(line, comments=True)` does.
/// Errors carry Python's message ("No closing quotation", "No escaped character").
pub fn split(line: &str) -> Result<Vec<Token>, &'static str> {
    #[derive(PartialEq, Clone, Copy)]
    enum State {
        Space,
        Word,
        Quote(char),
        Escape(char),
    }
    let mut tokens = Vec::new();
    let mut state = State::Space;
    let mut token = String::new();
    let mut quoted = false;
    let mut start = 0;
    // The state to return to after an escape.
    let mut escaped_from = State::Word;
    for (i, c) in line.char_indices() {
        match state {
            State::Space => {
                if is_space(c) {
                    continue;
                }
                start = i;
                if c == '#' {
                    break;
                }
                match c {
                    '\\' => {
                        escaped_from = State::Word;
                        state = State::Escape('\\');
                    }
                    '\'' | '"' => state = State::Quote(c),
                    _ => {
                        token.push(c);
                        state = State::Word;
                    }
                }
            }
            State::Word => {
                if is_space(c) || c == '#' {
                    tokens.push(Token {
                        text: std::mem::take(&mut token),
                        offset: start,
                    });
                    quoted = false;
                    state = State::Space;
                    if c == '#' {
                        return Ok(tokens);
                    }
                    continue;
                }
                match c {
                    '\\' => {
                        escaped_from = State::Word;
                        state = State::Escape('\\');
                    }
                    '\'' | '"' => state = State::Quote(c),
                    _ => token.push(c),
                }
            }
            State::Quote(q) => {
                quoted = true;
                if c == q {
                    state = State::Word;
                } else if q == '"' && c == '\\' {
                    escaped_from = State::Quote(q);
                    state = State::Escape('\\');
                } else {
                    token.push(c);
                }
            }
            State::Escape(_) => {
                // Inside double quotes only the quote and the backslash can be escaped.
                if let State::Quote(q) = escaped_from
                    && c != q
                    && c != '\\'
                {
                    token.push('\\');
                }
                token.push(c);
                state = escaped_from;
            }
        }
    }
    match state {
        State::Quote(_) => Err("No closing quotation"),
        State::Escape(_) => Err("No escaped character"),
        State::Word => {
            tokens.push(Token {
                text: token,
                offset: start,
            });
            Ok(tokens)
        }
        State::Space => {
            if quoted || !token.is_empty() {
                tokens.push(Token {
                    text: token,
                    offset: start,
                });
            }
            Ok(tokens)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::split;

    fn texts(line: &str) -> Vec<String> {
        split(line).unwrap().into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_like_python_shlex() {
        // Expected values from python3.11 shlex.split(line, comments=True).
        assert_eq!(texts(r#"h a=1 b="quoted v""#), ["h", "a=1", "b=quoted v"]);
        assert_eq!(texts("h a=b#c d=e"), ["h", "a=b"]);
        assert_eq!(texts("h # c"), ["h"]);
        assert_eq!(texts(r#"h x="a\"b\n""#), ["h", r#"x=a"b\n"#]);
        assert_eq!(texts(r"h x=a\ b"), ["h", "x=a b"]);
        assert_eq!(texts("h x='a\\b'"), ["h", "x=a\\b"]);
        assert_eq!(texts(r#"h x="" y=''"#), ["h", "x=", "y="]);
        assert_eq!(texts(r#"h x="'03#pa33w0rd'""#), ["h", "x='03#pa33w0rd'"]);
        assert_eq!(split("h a=\"x").unwrap_err(), "No closing quotation");
        assert_eq!(split("h a\\").unwrap_err(), "No escaped character");
        assert_eq!(split("h  b=2").unwrap()[1].offset, 3);
        assert_eq!(texts("h a=x\u{a0}y"), ["h", "a=x\u{a0}y"]);
    }
}
