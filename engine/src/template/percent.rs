//! Python's `'%s-%d' % (a, b)` string formatting, which minijinja has no operator for:
//! inside code regions, `'literal' % operand` is rewritten to
//! `('literal' | format(operand...))` before compiling (minijinja's `format` filter is
//! printf-style). Only literals followed by `%` are touched; without the rewrite such
//! templates would fail.

use std::borrow::Cow;

pub fn rewrite_percent_format(text: &str) -> Cow<'_, str> {
    if !text.contains('%') || !(text.contains('\'') || text.contains('"')) {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut i = 0;
    let mut in_code = false;
    while i < b.len() {
        if !in_code {
            if b[i] == b'{' && matches!(b.get(i + 1), Some(b'{' | b'%')) {
                in_code = true;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        match b[i] {
            b'}' | b'%' if b.get(i + 1) == Some(&b'}') => {
                in_code = false;
                i += 2;
            }
            q @ (b'\'' | b'"') => {
                let lit_start = i;
                let lit_end = string_end(b, i, q);
                let mut j = skip_ws(b, lit_end);
                let is_mod = b.get(j) == Some(&b'%') && !matches!(b.get(j + 1), Some(b'}' | b'='));
                if !is_mod {
                    i = lit_end;
                    continue;
                }
                j = skip_ws(b, j + 1);
                let Some((args, end)) = operand(text, j) else {
                    i = lit_end;
                    continue;
                };
                out.push_str(&text[copied..lit_start]);
                out.push('(');
                out.push_str(&text[lit_start..lit_end]);
                out.push_str(" | format(");
                out.push_str(args);
                out.push_str("))");
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index just past the string literal starting at `i` (quote `q`).
fn string_end(b: &[u8], i: usize, q: u8) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// The index just past the bracket group opening at `i`.
fn group_end(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            q @ (b'\'' | b'"') => {
                j = string_end(b, j, q);
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    None
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The right operand of `%` at `i`: (format() arguments, end index).
fn operand(text: &str, i: usize) -> Option<(&str, usize)> {
    let b = text.as_bytes();
    let first = *b.get(i)?;
    if first == b'(' {
        let end = group_end(b, i)?;
        let inner = &text[i + 1..end - 1];
        let args = if has_top_level_comma(inner) {
            inner.trim_end().trim_end_matches(',')
        } else {
            &text[i..end]
        };
        return Some((args, end));
    }
    let mut j = match first {
        b'\'' | b'"' => string_end(b, i, first),
        c if is_ident(c) => {
            let mut j = i;
            while j < b.len() && (is_ident(b[j]) || b[j] == b'.') {
                j += 1;
            }
            j
        }
        b'[' | b'{' => group_end(b, i)?,
        _ => return None,
    };
    // Attribute, index and call suffixes, then filters (which bind tighter than `%`).
    loop {
        match b.get(j) {
            Some(b'.') => {
                j += 1;
                while j < b.len() && is_ident(b[j]) {
                    j += 1;
                }
            }
            Some(b'[' | b'(') => j = group_end(b, j)?,
            _ => {
                let k = skip_ws(b, j);
                if b.get(k) == Some(&b'|') {
                    let mut f = skip_ws(b, k + 1);
                    let name_start = f;
                    while f < b.len() && (is_ident(b[f]) || b[f] == b'.') {
                        f += 1;
                    }
                    if f == name_start {
                        break;
                    }
                    j = f;
                    if b.get(j) == Some(&b'(') {
                        j = group_end(b, j)?;
                    }
                } else {
                    break;
                }
            }
        }
    }
    Some((&text[i..j], j))
}

fn has_top_level_comma(inner: &str) -> bool {
    let b = inner.as_bytes();
    let mut depth = 0i32;
    let mut j = 0;
    while j < b.len() {
        match b[j] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => return true,
            q @ (b'\'' | b'"') => {
                j = string_end(b, j, q);
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::rewrite_percent_format as rw;

    #[test]
    fn percent_on_literals_becomes_format() {
        assert_eq!(
            rw("{{ '%s-%d' % (a, 1) }}"),
            "{{ ('%s-%d' | format(a, 1)) }}"
        );
        assert_eq!(
            rw("{{ 'x %s' % y.z[0] | upper }}"),
            "{{ ('x %s' | format(y.z[0] | upper)) }}"
        );
        assert_eq!(
            rw("{{ '%02d' % item }}.txt"),
            "{{ ('%02d' | format(item)) }}.txt"
        );
        assert_eq!(rw("{{ '%s' % (a) }}"), "{{ ('%s' | format((a))) }}");
        assert_eq!(rw("{{ 10 % 3 }} 100% '%s'"), "{{ 10 % 3 }} 100% '%s'");
        assert_eq!(
            rw("{% if x %}'a' % b{% endif %}"),
            "{% if x %}'a' % b{% endif %}"
        );
    }
}
