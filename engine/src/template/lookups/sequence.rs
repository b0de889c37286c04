//! `with_sequence` / `lookup('sequence', ...)`.

use minijinja::value::Kwargs;
use minijinja::{Error, Value};

use super::{lookup_error, strings};
use crate::template::convert::py_str;

/// `with_sequence` / `lookup('sequence', 'start=1 end=5 format=x%02d')`.
pub(super) fn sequence(args: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut start = 1i64;
    let mut end: Option<i64> = None;
    let mut count: Option<i64> = None;
    let mut stride = 1i64;
    let mut format: Option<String> = None;
    let mut set = |k: &str, v: &str| -> Result<(), Error> {
        let num = || {
            let parsed = if let Some(h) = v.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else if let Some(o) = v
                .strip_prefix("0o")
                .or_else(|| v.strip_prefix('0').filter(|r| !r.is_empty()))
            {
                i64::from_str_radix(o, 8).ok()
            } else {
                v.parse().ok()
            };
            parsed
                .ok_or_else(|| lookup_error("sequence", format!("can't parse {k}={v} as integer")))
        };
        match k {
            "start" => start = num()?,
            "end" => end = Some(num()?),
            "count" => count = Some(num()?),
            "stride" => stride = num()?,
            "format" => format = Some(v.to_string()),
            _ => {
                return Err(lookup_error(
                    "sequence",
                    format!("unrecognized arguments to with_sequence: ['{k}']"),
                ));
            }
        }
        Ok(())
    };
    for term in strings(args) {
        for part in term.split_whitespace() {
            match part.split_once('=') {
                Some((k, v)) => set(k, v)?,
                None => {
                    // Shortcut form: [start-]end[/stride][:format]
                    let (rest, fmt) = part
                        .split_once(':')
                        .map_or((part, None), |(a, b)| (a, Some(b)));
                    let (rest, st) = rest
                        .split_once('/')
                        .map_or((rest, None), |(a, b)| (a, Some(b)));
                    match rest.split_once('-') {
                        Some((a, b)) => {
                            set("start", a)?;
                            set("end", b)?;
                        }
                        None => set("end", rest)?,
                    }
                    if let Some(st) = st {
                        set("stride", st)?;
                    }
                    if let Some(f) = fmt {
                        set("format", f)?;
                    }
                }
            }
        }
    }
    for k in ["start", "end", "count", "stride", "format"] {
        if let Ok(Some(v)) = kwargs.get::<Option<Value>>(k) {
            set(k, &py_str(&v))?;
        }
    }
    let end = match (end, count) {
        (Some(_), Some(_)) => {
            return Err(lookup_error(
                "sequence",
                "can't specify both count and end in with_sequence",
            ));
        }
        (Some(e), None) => e,
        (None, Some(c)) => start + (c - 1) * stride,
        (None, None) => {
            return Err(lookup_error(
                "sequence",
                "must specify count or end in with_sequence",
            ));
        }
    };
    if stride == 0 {
        return Ok(Vec::new());
    }
    if stride > 0 && end < start {
        return Err(lookup_error(
            "sequence",
            "to count backwards make stride negative",
        ));
    }
    if stride < 0 && end > start {
        return Err(lookup_error(
            "sequence",
            "to count forward don't make stride negative",
        ));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(Value::from(match &format {
            Some(f) => printf_int(f, i),
            None => i.to_string(),
        }));
        i += stride;
    }
    Ok(out)
}

/// Python's `fmt % i` for one integer conversion (`%d`, `%02d`, `%x`, `%o`).
fn printf_int(fmt: &str, n: i64) -> String {
    let Some(pos) = fmt.find('%') else {
        return fmt.to_string();
    };
    let rest = &fmt[pos + 1..];
    let spec_end = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let spec = &rest[..spec_end];
    let conv = rest[spec_end..].chars().next().unwrap_or('d');
    let zero = spec.starts_with('0');
    let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
    let body = match conv {
        'x' => format!("{n:x}"),
        'X' => format!("{n:X}"),
        'o' => format!("{n:o}"),
        _ => n.to_string(),
    };
    let padded = if zero {
        format!("{body:0>width$}")
    } else {
        format!("{body:>width$}")
    };
    format!(
        "{}{}{}",
        &fmt[..pos],
        padded,
        &rest[(spec_end + conv.len_utf8()).min(rest.len())..]
    )
}
