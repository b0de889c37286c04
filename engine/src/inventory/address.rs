//! Host addresses as Ansible reads them: `parse_address` (host with optional `:port`,
//! IPv4/IPv6/hostname validation, ranges allowed) and `expand_hostname_range`
//! (`web[01:03]`, `[a:c]`, `[1:10:2]`, several ranges in one name).

use std::sync::OnceLock;

use regex::Regex;

const NUMERIC_RANGE: &str = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
const HEX_RANGE: &str = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]";
const ALNUM_RANGE: &str = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";

struct Patterns {
    bracketed_hostport: Regex,
    hostport: Regex,
    ipv4: Regex,
    ipv6: Regex,
    hostname: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let i4 = format!(r"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{NUMERIC_RANGE})");
        let i6 = format!(r"(?:[0-9a-f]{{1,4}}|{HEX_RANGE})");
        let c = &i6;
        let ipv6 = format!(
            r"(?i)^(?:(?:{c}:){{7}}{c}|(?:{c}:){{1,6}}:|(?:{c}:)(?::{c}){{1,6}}|(?:{c}:){{2}}(?::{c}){{1,5}}|(?:{c}:){{3}}(?::{c}){{1,4}}|(?:{c}:){{4}}(?::{c}){{1,3}}|(?:{c}:){{5}}(?::{c}){{1,2}}|(?:{c}:){{6}}(?::{c})|:(?::{c}){{1,6}}|{c}?::|(?:0:){{6}}(?:{c}\.){{3}}{c}|::(?:ffff:)?(?:{c}\.){{3}}{c}|(?:0:){{5}}ffff:(?:{c}\.){{3}}{c})$"
        );
        // Python's label ends with a lookbehind `(?<![_-])`; without lookbehind: a
        // single char that is not `_`, or a run whose last element is not `_`/`-`.
        let r = ALNUM_RANGE;
        let label = format!(
            r"(?:(?:[^\W_]|{r})|(?:\w|{r})(?:[\w-]|{r})*(?:[^\W_]|{r}))"
        );
        let compile = |s: &str| Regex::new(s).unwrap_or_else(|e| unreachable_regex(&e));
        Patterns {
            bracketed_hostport: compile(r"^\[(.+)\]:([0-9]+)$"),
            hostport: compile(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$"),
            ipv4: compile(&format!(r"(?i)^(?:{i4}\.){{3}}{i4}$")),
            ipv6: compile(&ipv6),
            hostname: compile(&format!(r"(?i)^{label}(?:\.{label})*$")),
        }
    })
}

/// The patterns above are constants; a failure to compile them is a programming error
/// caught by the unit tests.
fn unreachable_regex(e: &regex::Error) -> Regex {
    panic!("built-in address pattern does not compile: {e}")
}

/// Whether `name` is an IPv4 or IPv6 address (used for `inventory_hostname_short`).
pub fn is_ip_address(name: &str) -> bool {
    let p = patterns();
    p.ipv4.is_match(name) || p.ipv6.is_match(name)
}

/// `parse_address(address, allow_ranges=True)`: the host part and the port, or `None`
/// when Ansible would raise (not a valid host identifier).
pub fn parse_address(address: &str, allow_ranges: bool) -> Option<(String, Option<i64>)> {
    let p = patterns();
    let mut address = address.to_string();
    let mut port = None;
    // Both patterns are tried in turn (Python's loop uses `continue`, not `break`).
    for re in [&p.bracketed_hostport, &p.hostport] {
        if let Some(c) = re.captures(&address) {
            let host = c[1].to_string();
            port = Some(c[2].parse::<i64>().ok()?);
            address = host;
        }
    }
    let valid =
        p.ipv4.is_match(&address) || p.ipv6.is_match(&address) || p.hostname.is_match(&address);
    if !valid || (!allow_ranges && address.contains('[')) {
        return None;
    }
    Some((address, port))
}

/// `_expand_hostpattern`: the host names a pattern stands for and its port.
pub fn expand_hostpattern(pattern: &str) -> Result<(Vec<String>, Option<i64>), String> {
    let (host, port) = match parse_address(pattern, true) {
        Some((h, p)) => (h, p),
        None => (pattern.to_string(), None),
    };
    let names = if host.contains('[') {
        expand_hostname_range(&host)?
    } else {
        vec![host]
    };
    Ok((names, port))
}

/// `expand_hostname_range`: expands the first `[x:y(:step)]` and recurses on the rest.
/// Errors carry Ansible's messages.
pub fn expand_hostname_range(line: &str) -> Result<Vec<String>, String> {
    let mut all = Vec::new();
    if line.is_empty() {
        return Ok(all);
    }
    // Python: line.replace('[', '|', 1).replace(']', '|', 1).split('|') must give 3 parts.
    let replaced = line.replacen('[', "|", 1).replacen(']', "|", 1);
    let parts: Vec<&str> = replaced.split('|').collect();
    let [head, nrange, tail] = parts.as_slice() else {
        return Err(format!(
            "too many values to unpack (expected 3, got {})",
            parts.len()
        ));
    };
    let bounds: Vec<&str> = nrange.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err("host range must be begin:end or begin:end:step".into());
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    let step_text = bounds.get(2).copied().unwrap_or("1");
    if end.is_empty() {
        return Err("host range must specify end value".into());
    }
    let mut width = None;
    if beg.starts_with('0') && beg.len() > 1 {
        if beg.len() != end.len() {
            return Err("host range must specify equal-length begin and end formats".into());
        }
        width = Some(beg.len());
    }
    let step = python_int(step_text)?;
    let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let seq: Vec<String> = match (letters.find(beg), letters.find(end)) {
        // Python looks the bounds up with `str.index` (a substring search); a zero
        // step raises ValueError there and falls through to the numeric branch.
        (Some(b), Some(e)) if step != 0 => {
            if b > e {
                return Err("host range must have begin <= end".into());
            }
            if step < 0 {
                Vec::new()
            } else {
                letters[b..=e]
                    .chars()
                    .step_by(step as usize)
                    .map(String::from)
                    .collect()
            }
        }
        _ => {
            let b = python_int(beg)?;
            let e = python_int(end)?;
            if step == 0 {
                return Err("range() arg 3 must not be zero".into());
            }
            let mut out = Vec::new();
            let mut i = b;
            while (step > 0 && i <= e) || (step < 0 && i > e + 1) {
                out.push(match width {
                    Some(w) => zfill(i, w),
                    None => i.to_string(),
                });
                i += step;
            }
            out
        }
    };
    for item in seq {
        let name = format!("{head}{item}{tail}");
        if name.contains('[') {
            all.extend(expand_hostname_range(&name)?);
        } else {
            all.push(name);
        }
    }
    Ok(all)
}

/// Python's `int(text)` for what can appear in a range.
fn python_int(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let digits = t.replace('_', "");
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return Err(format!("invalid literal for int() with base 10: '{text}'"));
    }
    digits
        .parse::<i64>()
        .map_err(|_| format!("invalid literal for int() with base 10: '{text}'"))
}

/// Python's `str(x).zfill(width)`.
fn zfill(x: i64, width: usize) -> String {
    let s = x.abs().to_string();
    let sign = if x < 0 { "-" } else { "" };
    let pad = width.saturating_sub(s.len() + sign.len());
    format!("{sign}{}{s}", "0".repeat(pad))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_like_ansible() {
        assert_eq!(parse_address("web1", false), Some(("web1".into(), None)));
        assert_eq!(
            parse_address("web1:2222", false),
            Some(("web1".into(), Some(2222)))
        );
        assert_eq!(
            parse_address("[::1]:22", false),
            Some(("::1".into(), Some(22)))
        );
        assert_eq!(
            parse_address("fe80::1", false),
            Some(("fe80::1".into(), None))
        );
        assert_eq!(
            parse_address("10.0.0.1:22", false),
            Some(("10.0.0.1".into(), Some(22)))
        );
        assert_eq!(
            parse_address("web[1:3]", true),
            Some(("web[1:3]".into(), None))
        );
        assert_eq!(parse_address("web[1:3]", false), None);
        assert_eq!(parse_address("web_", false), None);
        assert_eq!(parse_address("_", false), None);
        assert_eq!(parse_address("a_b", false), Some(("a_b".into(), None)));
        assert_eq!(parse_address("web*", false), None);
        assert_eq!(parse_address("a:b", false), None);
        assert!(is_ip_address("192.168.0.1"));
        assert!(!is_ip_address("web.example.com"));
    }

    #[test]
    fn expands_ranges_like_ansible() {
        assert_eq!(
            expand_hostname_range("web[01:03]").unwrap(),
            ["web01", "web02", "web03"]
        );
        assert_eq!(
            expand_hostname_range("w[a:c]-x").unwrap(),
            ["wa-x", "wb-x", "wc-x"]
        );
        assert_eq!(
            expand_hostname_range("s[1:10:4]").unwrap(),
            ["s1", "s5", "s9"]
        );
        assert_eq!(
            expand_hostname_range("m[1:2][a:b]").unwrap(),
            ["m1a", "m1b", "m2a", "m2b"]
        );
        assert_eq!(expand_hostname_range("w[1:10]").unwrap().len(), 10);
        assert_eq!(expand_hostname_range("w[:2]").unwrap(), ["w0", "w1", "w2"]);
        assert_eq!(
            expand_hostname_range("web[01:5]").unwrap_err(),
            "host range must specify equal-length begin and end formats"
        );
        assert_eq!(
            expand_hostname_range("web[1]").unwrap_err(),
            "host range must be begin:end or begin:end:step"
        );
        assert_eq!(
            expand_hostname_range("web[1:]").unwrap_err(),
            "host range must specify end value"
        );
        assert_eq!(
            expand_hostname_range("w[c:a]").unwrap_err(),
            "host range must have begin <= end"
        );
        assert_eq!(
            expand_hostname_range("w[3:1]").unwrap(),
            Vec::<String>::new()
        );
    }
}
