//! `k=v` argument strings as Ansible's `parsing/splitter.py` reads them: split on
//! whitespace outside quotes and Jinja blocks, `key=value` pairs to a dict, the rest to
//! `_raw_params`.

use indexmap::IndexMap;

/// Keys a free-form module (command, shell, ...) still takes as `k=v`.
const RAW_ALLOWED_KEYS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// Splits an argument string into tokens, keeping quoted text and `{{ }}`, `{% %}`,
/// `{# #}` blocks whole (quotes are kept in the tokens, as Ansible does).
pub fn split_args(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth_print = 0usize;
    let mut depth_block = 0usize;
    let mut depth_comment = 0usize;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let in_jinja = depth_print + depth_block + depth_comment > 0;
        match (c, next) {
            ('{', Some('{')) => {
                depth_print += 1;
                cur.push_str("{{");
                i += 2;
                continue;
            }
            ('}', Some('}')) if depth_print > 0 => {
                depth_print -= 1;
                cur.push_str("}}");
                i += 2;
                continue;
            }
            ('{', Some('%')) => {
                depth_block += 1;
                cur.push_str("{%");
                i += 2;
                continue;
            }
            ('%', Some('}')) if depth_block > 0 => {
                depth_block -= 1;
                cur.push_str("%}");
                i += 2;
                continue;
            }
            ('{', Some('#')) => {
                depth_comment += 1;
                cur.push_str("{#");
                i += 2;
                continue;
            }
            ('#', Some('}')) if depth_comment > 0 => {
                depth_comment -= 1;
                cur.push_str("#}");
                i += 2;
                continue;
            }
            _ => {}
        }
        if !in_jinja {
            if let Some(q) = quote {
                if c == q && (i == 0 || chars[i - 1] != '\\') {
                    quote = None;
                }
            } else if c == '"' || c == '\'' {
                quote = Some(c);
            } else if c.is_whitespace() {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                i += 1;
                continue;
            }
        }
        cur.push(c);
        i += 1;
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

/// Removes one pair of matching surrounding quotes, as Ansible's `unquote`.
pub fn unquote(text: &str) -> &str {
    let b = text.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &text[1..text.len() - 1]
    } else {
        text
    }
}

/// `parse_kv`: `key=value` tokens become entries; other tokens (and, for free-form
/// modules, every key but the few they accept) are joined into `_raw_params`.
pub fn parse_kv(text: &str, check_raw: bool) -> IndexMap<String, String> {
    let mut options = IndexMap::new();
    let mut raw_params = Vec::new();
    for token in split_args(text) {
        // The first '=' not preceded by a backslash, ignoring position 0 (Ansible).
        let eq = token
            .char_indices()
            .skip(1)
            .find(|&(i, c)| c == '=' && !token[..i].ends_with('\\'))
            .map(|(i, _)| i);
        match eq {
            None => raw_params.push(token.replace("\\=", "=")),
            Some(pos) => {
                let key = &token[..pos];
                if check_raw && !RAW_ALLOWED_KEYS.contains(&key) {
                    raw_params.push(token.clone());
                } else {
                    let value = unquote(token[pos + 1..].trim()).to_string();
                    options.insert(key.trim().to_string(), value);
                }
            }
        }
    }
    if !raw_params.is_empty() {
        options.insert("_raw_params".to_string(), raw_params.join(" "));
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_jinja() {
        assert_eq!(
            split_args(r#"msg="hello world" var={{ a | default('x y') }}"#),
            vec![r#"msg="hello world""#, "var={{ a | default('x y') }}"]
        );
    }

    #[test]
    fn kv_and_raw_params() {
        let kv = parse_kv("src=a dest='b c'", false);
        assert_eq!(kv.get("src").map(String::as_str), Some("a"));
        assert_eq!(kv.get("dest").map(String::as_str), Some("b c"));
        let raw = parse_kv("echo a=b chdir=/tmp", true);
        assert_eq!(raw.get("_raw_params").map(String::as_str), Some("echo a=b"));
        assert_eq!(raw.get("chdir").map(String::as_str), Some("/tmp"));
    }
}
