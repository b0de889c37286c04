//! Building POSIX shell words that keep some parts live (globs, `~`, `$VAR`) and quote
//! everything else.

use crate::runtime::quote;

/// A word that expands like Python's `os.path.expanduser(os.path.expandvars(word))`,
/// as Ansible's `run_command` does for each argument: `~`/`~user` at the start and
/// `$NAME`/`${NAME}` of set variables; unset variables stay as written.
pub fn expanding_word(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    if let Some(after) = word.strip_prefix('~') {
        let end = after.find('/').unwrap_or(after.len());
        let user = &after[..end];
        if user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            out.push('~');
            out.push_str(user);
            rest = &after[end..];
        }
    }
    let mut literal = String::new();
    let mut chars = rest.char_indices().peekable();
    let flush = |literal: &mut String, out: &mut String| {
        if !literal.is_empty() {
            out.push_str(&quote(literal));
            literal.clear();
        }
    };
    while let Some((i, c)) = chars.next() {
        if c == '$' {
            let tail = &rest[i + 1..];
            let (name, braced, len) = if let Some(inner) = tail.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], true, end + 2),
                    None => ("", false, 0),
                }
            } else {
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(tail.len());
                (&tail[..end], false, end)
            };
            let is_identifier = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if is_identifier {
                flush(&mut literal, &mut out);
                if braced {
                    out.push_str(&format!("\"${{{name}-\\${{{name}\\}}}}\""));
                } else {
                    out.push_str(&format!("\"${{{name}-\\${name}}}\""));
                }
                for _ in 0..len {
                    chars.next();
                }
                continue;
            }
        }
        literal.push(c);
    }
    flush(&mut literal, &mut out);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// A word for a glob pattern (Python's `glob.glob`): `*`, `?` and `[...]` stay live,
/// a leading `~` expands, everything else is quoted.
pub fn glob_word(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    if let Some(after) = pattern.strip_prefix('~')
        && (after.is_empty() || after.starts_with('/'))
    {
        out.push('~');
        rest = after;
    }
    let mut literal = String::new();
    for c in rest.chars() {
        if "*?[]".contains(c) {
            if !literal.is_empty() {
                out.push_str(&quote(&literal));
                literal.clear();
            }
            out.push(c);
        } else {
            literal.push(c);
        }
    }
    if !literal.is_empty() || out.is_empty() {
        out.push_str(&quote(&literal));
    }
    out
}

/// A shell test that prints `yes` when anything matches `pattern`, else `no`.
pub fn glob_exists_test(pattern: &str) -> String {
    format!(
        "for f in {}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo yes; exit 0; fi; done; echo no",
        glob_word(pattern)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_only_the_intended_parts_live() {
        assert_eq!(expanding_word("plain"), "plain");
        assert_eq!(expanding_word("$HOME/x y"), "\"${HOME-\\$HOME}\"'/x y'");
        assert_eq!(expanding_word("${A}b"), "\"${A-\\${A\\}}\"b");
        assert_eq!(expanding_word("~/a b"), "~'/a b'");
        assert_eq!(expanding_word("$(id)"), "'$(id)'");
        assert_eq!(expanding_word("$1 $"), "'$1 $'");
        assert_eq!(expanding_word(""), "''");
        assert_eq!(glob_word("/tmp/a b*.txt"), "'/tmp/a b'*.txt");
        assert_eq!(glob_word("~/x"), "~/x");
        assert_eq!(glob_word("/x/[ab]'c"), "/x/[ab]''\"'\"'c'");
    }
}
