//! `version` / `version_compare`: Ansible's LooseVersion (default), StrictVersion and
//! semver comparisons.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
enum Part {
    Num(u64),
    Text(String),
}

/// LooseVersion components: runs of digits (numbers) and of letters.
fn loose(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    let flush = |cur: &mut String, digit: bool, parts: &mut Vec<Part>| {
        if !cur.is_empty() {
            parts.push(if digit {
                Part::Num(cur.parse().unwrap_or(u64::MAX))
            } else {
                Part::Text(std::mem::take(cur))
            });
            cur.clear();
        }
    };
    for c in v.chars() {
        if c == '.' {
            flush(&mut cur, cur_digit, &mut parts);
            continue;
        }
        let d = c.is_ascii_digit();
        if !cur.is_empty() && d != cur_digit {
            flush(&mut cur, cur_digit, &mut parts);
        }
        cur_digit = d;
        cur.push(c);
    }
    flush(&mut cur, cur_digit, &mut parts);
    parts
}

/// StrictVersion: `N.N[.N][{a|b}N]`.
/// A StrictVersion: numbers padded to 3, then the optional `a1` / `b2` pre-release.
type Strict = (Vec<u64>, Option<(char, u64)>);

fn strict(v: &str) -> Option<Strict> {
    let (nums, pre) = match v.find(['a', 'b']) {
        Some(i) => (&v[..i], Some(&v[i..])),
        None => (v, None),
    };
    let nums: Vec<u64> = nums
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    if !(2..=3).contains(&nums.len()) {
        return None;
    }
    let mut padded = nums;
    padded.resize(3, 0);
    let pre = match pre {
        Some(p) => Some((p.chars().next()?, p[1..].parse().ok()?)),
        None => None,
    };
    Some((padded, pre))
}

fn cmp_strict(a: &str, b: &str) -> Option<Ordering> {
    let (an, ap) = strict(a)?;
    let (bn, bp) = strict(b)?;
    Some(an.cmp(&bn).then_with(|| match (ap, bp) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }))
}

/// Semantic versioning 2.0 precedence (build metadata ignored).
fn cmp_semver(a: &str, b: &str) -> Option<Ordering> {
    fn parse(v: &str) -> Option<(Vec<u64>, Vec<Part>)> {
        let v = v.split('+').next()?;
        let (core, pre) = v.split_once('-').map_or((v, None), |(c, p)| (c, Some(p)));
        let nums: Vec<u64> = core
            .split('.')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        if nums.len() != 3 {
            return None;
        }
        let pre = pre
            .map(|p| {
                p.split('.')
                    .map(|x| {
                        x.parse()
                            .map(Part::Num)
                            .unwrap_or(Part::Text(x.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some((nums, pre))
    }
    let (an, ap) = parse(a)?;
    let (bn, bp) = parse(b)?;
    Some(
        an.cmp(&bn)
            .then_with(|| match (ap.is_empty(), bp.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => ap.cmp(&bp),
            }),
    )
}

/// Compares `value` to `version` with `op`; errors are Ansible's messages.
pub fn compare(
    value: &str,
    version: &str,
    op: &str,
    strict_flag: bool,
    version_type: Option<&str>,
) -> Result<bool, String> {
    let kind = match (version_type, strict_flag) {
        (Some(t), _) => t.to_string(),
        (None, true) => "strict".to_string(),
        (None, false) => "loose".to_string(),
    };
    if version.is_empty() {
        return Err("Version parameter to compare against cannot be empty".into());
    }
    let ord = match kind.as_str() {
        "loose" => loose(value).cmp(&loose(version)),
        "strict" => cmp_strict(value, version).ok_or_else(|| {
            format!("Version comparison failed: invalid version number '{value}'")
        })?,
        "semver" | "semantic" => cmp_semver(value, version).ok_or_else(|| {
            format!("Version comparison failed: invalid semantic version '{value}'")
        })?,
        "pep440" => loose(value).cmp(&loose(version)),
        other => {
            return Err(format!(
                "Invalid version type ({other}). Must be one of loose, strict, semver, semantic, pep440"
            ));
        }
    };
    Ok(match op {
        "==" | "=" | "eq" => ord == Ordering::Equal,
        "<" | "lt" => ord == Ordering::Less,
        "<=" | "le" => ord != Ordering::Greater,
        ">" | "gt" => ord == Ordering::Greater,
        ">=" | "ge" => ord != Ordering::Less,
        "!=" | "<>" | "ne" => ord != Ordering::Equal,
        other => return Err(format!("Invalid operator type ({other})")),
    })
}

#[cfg(test)]
mod tests {
    use super::compare;

    #[test]
    fn loose_versions_compare_numerically() {
        assert_eq!(compare("1.10", "1.9", ">", false, None), Ok(true));
        assert_eq!(compare("2.19.0", "2.19", ">=", false, None), Ok(true));
        assert_eq!(compare("1.0", "1.0.0", "lt", false, None), Ok(true));
        assert_eq!(compare("1.2.3", "1.2.3", "==", false, None), Ok(true));
    }

    #[test]
    fn strict_and_semver() {
        assert_eq!(compare("1.0", "1.0.0", "eq", true, None), Ok(true));
        assert_eq!(compare("1.0a1", "1.0", "<", true, None), Ok(true));
        assert_eq!(
            compare("1.0.0-rc.1", "1.0.0", "<", false, Some("semver")),
            Ok(true)
        );
        assert!(compare("1", "2", "~", false, None).is_err());
    }
}
