//! ansible-core 2.19 keeps the text of Jinja string literals as written: `'\d+'`, `'\1'`,
//! `'a\nb'` keep their backslashes (recorded: `'{{ ''\n'' | length }}'` is 2). minijinja
//! unescapes literals, so before compiling, every backslash inside a literal is doubled.

use std::borrow::Cow;

/// The template text with string literals inside `{{ }}` / `{% %}` made raw.
pub fn raw_string_literals(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    loop {
        // Find the next code region.
        let Some(start) = rest.find('{') else {
            out.push_str(rest);
            break;
        };
        let after = &rest[start..];
        let (close, is_code) = if after.starts_with("{{") {
            ("}}", true)
        } else if after.starts_with("{%") {
            ("%}", true)
        } else if after.starts_with("{#") {
            ("#}", false)
        } else {
            out.push_str(&rest[..start + 1]);
            rest = &rest[start + 1..];
            continue;
        };
        out.push_str(&rest[..start]);
        let body = &rest[start..];
        if !is_code {
            let end = body.find(close).map(|i| i + 2).unwrap_or(body.len());
            out.push_str(&body[..end]);
            rest = &body[end..];
            continue;
        }
        if is_raw_block(body) {
            let end = body
                .find("endraw")
                .and_then(|i| body[i..].find("%}").map(|j| i + j + 2))
                .unwrap_or(body.len());
            out.push_str(&body[..end]);
            rest = &body[end..];
            continue;
        }
        let consumed = copy_code(body, close, &mut out);
        rest = &body[consumed..];
    }
    Cow::Owned(out)
}

fn is_raw_block(body: &str) -> bool {
    let inner = body[2..].trim_start_matches(['-', '+']).trim_start();
    inner.starts_with("raw")
        && inner[3..]
            .trim_start()
            .trim_start_matches(['-', '+'])
            .starts_with("%}")
}

/// Copies one code region (starting at its opening delimiter) to `out`, doubling
/// backslashes in string literals; returns how many bytes it consumed.
fn copy_code(body: &str, close: &str, out: &mut String) -> usize {
    let mut chars = body.char_indices().peekable();
    // Opening delimiter.
    for _ in 0..2 {
        if let Some((_, c)) = chars.next() {
            out.push(c);
        }
    }
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    out.push_str("\\\\");
                    match chars.next() {
                        Some((_, n)) if n == q || n == '\\' => {
                            out.push('\\');
                            out.push(n);
                        }
                        Some((_, n)) => out.push(n),
                        None => {}
                    }
                } else {
                    if c == q {
                        quote = None;
                    }
                    out.push(c);
                }
            }
            None => {
                if body[i..].starts_with(close) {
                    out.push_str(close);
                    return i + close.len();
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    body.len()
}

/// The code regions (`{{ ... }}`, `{% ... %}`) of a template, delimiters included.
pub fn code_regions(text: &str) -> Vec<&str> {
    let mut regions = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find('{') {
        let start = pos + found;
        let rest = &text[start..];
        let close = if rest.starts_with("{{") {
            "}}"
        } else if rest.starts_with("{%") {
            "%}"
        } else if rest.starts_with("{#") {
            pos = start + rest.find("#}").map(|i| i + 2).unwrap_or(rest.len());
            continue;
        } else {
            pos = start + 1;
            continue;
        };
        let mut scratch = String::new();
        let len = copy_code(rest, close, &mut scratch);
        regions.push(&text[start..start + len]);
        pos = start + len;
    }
    regions
}

#[cfg(test)]
mod tests {
    use super::raw_string_literals;

    #[test]
    fn backslashes_in_literals_are_doubled() {
        assert_eq!(
            raw_string_literals(r"{{ x | regex_replace('\d', '\1') }}"),
            r"{{ x | regex_replace('\\d', '\\1') }}"
        );
        assert_eq!(
            raw_string_literals(r"a\b {{ 'it\'s' }}"),
            r"a\b {{ 'it\\\'s' }}"
        );
        assert_eq!(
            raw_string_literals(r"{% raw %}{{ '\d' }}{% endraw %}"),
            r"{% raw %}{{ '\d' }}{% endraw %}"
        );
        assert_eq!(raw_string_literals("no backslash"), "no backslash");
    }

    #[test]
    fn code_regions_skip_text_comments_and_strings() {
        let regions =
            super::code_regions("a {{ x ~ '}}' }} b {# {{ no }} #}{% if y %}c{% endif %}");
        assert_eq!(regions, vec!["{{ x ~ '}}' }}", "{% if y %}", "{% endif %}"]);
    }
}
