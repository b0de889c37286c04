//! Package version comparison as the package managers do it: Debian's (dpkg's
//! `verrevcmp` over epoch, upstream version and revision) and RPM's (`rpmvercmp`), so a
//! check like `version: ">= 1.1-1"` means what `dpkg --compare-versions` means.

use std::cmp::Ordering;

/// Which package manager's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Debian,
    Rpm,
}

/// A comparison operator of a version requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

/// `">= 1.2-1"`, `"1.2"` (meaning `==`), `"<<1.0"` (dpkg's spelling of `<`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub op: Op,
    pub version: String,
}

impl Requirement {
    pub fn parse(text: &str) -> Result<Requirement, String> {
        let t = text.trim();
        let ops: [(&str, Op); 9] = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">>", Op::Gt),
            ("<<", Op::Lt),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ];
        let (op, rest) = ops
            .iter()
            .find_map(|(s, op)| t.strip_prefix(s).map(|r| (*op, r)))
            .unwrap_or((Op::Eq, t));
        let version = rest.trim();
        if version.is_empty() || version.contains(char::is_whitespace) {
            return Err(format!(
                "'{text}' is not a version requirement (expected e.g. '>= 1.2-1')"
            ));
        }
        Ok(Requirement {
            op,
            version: version.to_string(),
        })
    }

    pub fn holds(&self, installed: &str, scheme: Scheme) -> bool {
        let ord = compare(installed, &self.version, scheme);
        match self.op {
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Ge => ord != Ordering::Less,
            Op::Gt => ord == Ordering::Greater,
        }
    }
}

pub fn compare(a: &str, b: &str, scheme: Scheme) -> Ordering {
    match scheme {
        Scheme::Debian => debian_compare(a, b),
        Scheme::Rpm => rpm_compare(a, b),
    }
}

/// `[epoch:]version[-revision]` as both dpkg and rpm split it: the epoch (a number,
/// default 0), the version, and the part after the last `-` (empty when none).
fn split_evr(v: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) if !e.is_empty() && e.chars().all(|c| c.is_ascii_digit()) => {
            (e.parse().unwrap_or(0), r)
        }
        _ => (0, v),
    };
    match rest.rsplit_once('-') {
        Some((version, revision)) => (epoch, version, revision),
        None => (epoch, rest, ""),
    }
}

/// Debian: epoch, then upstream version, then revision, each with `verrevcmp`.
fn debian_compare(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = split_evr(a);
    let (eb, ub, rb) = split_evr(b);
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

/// dpkg's character order: `~` sorts before everything (even the end), letters before
/// non-letters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(c) => c as i32 + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs.
fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let bc = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = a[i] as i32 - b[j] as i32;
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// RPM: epoch, version, then release (ignored when either side has none), each with
/// `rpmvercmp`.
fn rpm_compare(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = split_evr(a);
    let (eb, vb, rb) = split_evr(b);
    ea.cmp(&eb).then_with(|| rpmvercmp(va, vb)).then_with(|| {
        if ra.is_empty() || rb.is_empty() {
            Ordering::Equal
        } else {
            rpmvercmp(ra, rb)
        }
    })
}

/// rpm's `rpmvercmp`: alphanumeric segments, numbers beat letters, `~` sorts first,
/// `^` sorts after the end but before anything else. (The package modules compare rpm
/// versions with it too.)
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && !a[i].is_ascii_alphanumeric() && a[i] != b'~' && a[i] != b'^' {
            i += 1;
        }
        while j < b.len() && !b[j].is_ascii_alphanumeric() && b[j] != b'~' && b[j] != b'^' {
            j += 1;
        }
        // Tilde: sorts before everything.
        match (a.get(i) == Some(&b'~'), b.get(j) == Some(&b'~')) {
            (true, true) => {
                i += 1;
                j += 1;
                continue;
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // Caret: like the end of the string, but after it.
        match (a.get(i) == Some(&b'^'), b.get(j) == Some(&b'^')) {
            (true, true) => {
                i += 1;
                j += 1;
                continue;
            }
            (true, false) => {
                return if j >= b.len() {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (false, true) => {
                return if i >= a.len() {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            _ => {}
        }
        if i >= a.len() || j >= b.len() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let run = |s: &[u8], k: usize| {
            let mut e = k;
            while e < s.len()
                && (if numeric {
                    s[e].is_ascii_digit()
                } else {
                    s[e].is_ascii_alphabetic()
                })
            {
                e += 1;
            }
            e
        };
        let (ei, ej) = (run(a, i), run(b, j));
        if ej == j {
            // Segments of different kinds: the numeric one is newer.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[i..ei], &b[j..ej]);
        let ord = if numeric {
            let ta: &[u8] = &sa[sa.iter().take_while(|c| **c == b'0').count()..];
            let tb: &[u8] = &sb[sb.iter().take_while(|c| **c == b'0').count()..];
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ei;
        j = ej;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from `dpkg --compare-versions A lt B` on Debian 12.
    #[test]
    fn debian_order_matches_dpkg() {
        let lt = [
            ("1.0-1", "1.1-1"),
            ("1.0", "1.0-1"),
            ("1.0~rc1", "1.0"),
            ("1.0~~", "1.0~"),
            ("1.0-1", "1:0.9"),
            ("2.9", "2.10"),
            ("1.0a", "1.0b"),
            ("1.0", "1.0a"),
            ("1.0+b1", "1.0.1"),
            ("3.0.11-1~deb12u1", "3.0.11-1~deb12u2"),
            ("3.0.11-1~deb12u2", "3.0.11-1"),
            ("1.001", "1.2"),
        ];
        for (a, b) in lt {
            assert_eq!(debian_compare(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(debian_compare(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(debian_compare("1.01", "1.1"), Ordering::Equal);
        assert_eq!(debian_compare("0:1.0", "1.0"), Ordering::Equal);
    }

    /// Expected values from rpm's own test suite (rpmvercmp.at).
    #[test]
    fn rpm_order_matches_rpmvercmp() {
        let cases = [
            ("1.0", "1.0", 0),
            ("1.0", "2.0", -1),
            ("2.0.1", "2.0.1a", -1),
            ("5.5p1", "5.5p2", -1),
            ("10xyz", "10.1xyz", -1),
            ("xyz10", "xyz10.1", -1),
            ("1.0aa", "1.0a", 1),
            ("10", "9", 1),
            ("1.0~rc1", "1.0", -1),
            ("1.0~rc1", "1.0~rc2", -1),
            ("1.0^", "1.0", 1),
            ("1.0^git1", "1.0.1", -1),
            ("1.0", "1.0^", -1),
            ("a", "1", -1),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b) as i32, want, "rpmvercmp({a}, {b})");
        }
        assert_eq!(rpm_compare("1:1.0-1", "2.0-1"), Ordering::Greater);
        assert_eq!(rpm_compare("1.0-2.el9", "1.0-10.el9"), Ordering::Less);
    }

    /// Random versions compared by this code and by the real `dpkg --compare-versions`.
    #[test]
    fn debian_order_agrees_with_dpkg_on_random_versions() {
        if std::process::Command::new("dpkg")
            .arg("--version")
            .output()
            .is_err()
        {
            panic!("dpkg is needed for this test (Debian)");
        }
        let alphabet = b"0123456789.~+ab";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..150 {
            let mut gen_version = || {
                let len = 1 + next(6) as usize;
                let mut v = vec![b'0' + next(10) as u8];
                for _ in 0..len {
                    v.push(alphabet[next(alphabet.len() as u64) as usize]);
                }
                let mut v = String::from_utf8(v).unwrap();
                if next(3) == 0 {
                    v.push_str(&format!("-{}", next(20)));
                }
                v
            };
            let (a, b) = (gen_version(), gen_version());
            let dpkg_lt = std::process::Command::new("dpkg")
                .args(["--compare-versions", &a, "lt", &b])
                .status()
                .unwrap()
                .success();
            assert_eq!(
                debian_compare(&a, &b) == Ordering::Less,
                dpkg_lt,
                "{a} vs {b}"
            );
        }
    }

    #[test]
    fn requirements_parse_and_hold() {
        let r = Requirement::parse(">= 1.1-1").unwrap();
        assert_eq!(r.op, Op::Ge);
        assert!(r.holds("1.1-1", Scheme::Debian));
        assert!(r.holds("1.2-1", Scheme::Debian));
        assert!(!r.holds("1.1~rc1-1", Scheme::Debian));
        assert_eq!(Requirement::parse("1.0").unwrap().op, Op::Eq);
        assert_eq!(Requirement::parse("<<1.0").unwrap().op, Op::Lt);
        assert!(Requirement::parse(">=").is_err());
        assert!(Requirement::parse(">= 1 2").is_err());
    }
}
