//! Python string/list/dict methods minijinja-contrib's pycompat lacks (`center`,
//! `ljust`, `zfill`, `index`, `copy`, ...); everything else goes to pycompat.

use minijinja::value::{ValueKind, from_args};
use minijinja::{Error, ErrorKind, State, Value};

use super::convert::map_value;

pub(super) fn unknown_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if let Some(s) = value.as_str() {
        let width = |args: &[Value]| -> Result<(usize, char), Error> {
            let (w, fill): (usize, Option<String>) = from_args(args)?;
            Ok((w, fill.and_then(|f| f.chars().next()).unwrap_or(' ')))
        };
        let len = s.chars().count();
        let pad = |n: usize, c: char| std::iter::repeat_n(c, n).collect::<String>();
        match method {
            "center" => {
                let (w, c) = width(args)?;
                let total = w.saturating_sub(len);
                // Python puts the extra space on the right only when the width is odd.
                let left = total / 2 + (total & w & 1);
                return Ok(Value::from(format!(
                    "{}{s}{}",
                    pad(left, c),
                    pad(total - left, c)
                )));
            }
            "ljust" => {
                let (w, c) = width(args)?;
                return Ok(Value::from(format!("{s}{}", pad(w.saturating_sub(len), c))));
            }
            "rjust" => {
                let (w, c) = width(args)?;
                return Ok(Value::from(format!("{}{s}", pad(w.saturating_sub(len), c))));
            }
            "zfill" => {
                let (w,): (usize,) = from_args(args)?;
                let (sign, digits) = match s.strip_prefix(['-', '+']) {
                    Some(rest) => (&s[..1], rest),
                    None => ("", s),
                };
                return Ok(Value::from(format!(
                    "{sign}{}{digits}",
                    pad(w.saturating_sub(len), '0')
                )));
            }
            "swapcase" => {
                let () = from_args(args)?;
                return Ok(Value::from(
                    s.chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                c.to_lowercase().collect::<String>()
                            } else {
                                c.to_uppercase().collect()
                            }
                        })
                        .collect::<String>(),
                ));
            }
            "partition" | "rpartition" => {
                let (sep,): (String,) = from_args(args)?;
                let found = if method == "partition" {
                    s.find(&sep)
                } else {
                    s.rfind(&sep)
                };
                let parts = match found {
                    Some(i) => [&s[..i], sep.as_str(), &s[i + sep.len()..]],
                    None if method == "partition" => [s, "", ""],
                    None => ["", "", s],
                };
                return Ok(Value::from(
                    parts.iter().map(|p| Value::from(*p)).collect::<Vec<_>>(),
                ));
            }
            "index" => {
                let (sub,): (String,) = from_args(args)?;
                return s
                    .find(&sub)
                    .map(|i| Value::from(s[..i].chars().count()))
                    .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "substring not found"));
            }
            "removeprefix" => {
                let (p,): (String,) = from_args(args)?;
                return Ok(Value::from(s.strip_prefix(p.as_str()).unwrap_or(s)));
            }
            "removesuffix" => {
                let (p,): (String,) = from_args(args)?;
                return Ok(Value::from(s.strip_suffix(p.as_str()).unwrap_or(s)));
            }
            _ => {}
        }
    }
    if value.kind() == ValueKind::Seq {
        match method {
            "index" => {
                let (needle,): (Value,) = from_args(args)?;
                return value
                    .try_iter()?
                    .position(|x| x == needle)
                    .map(Value::from)
                    .ok_or_else(|| {
                        Error::new(ErrorKind::InvalidOperation, "value is not in list")
                    });
            }
            "copy" => return Ok(Value::from(value.try_iter()?.collect::<Vec<_>>())),
            _ => {}
        }
    }
    if value.kind() == ValueKind::Map && method == "copy" {
        let pairs: Vec<(Value, Value)> = value
            .try_iter()?
            .map(|k| {
                let v = value.get_item(&k).unwrap_or_default();
                (k, v)
            })
            .collect();
        return Ok(map_value(pairs));
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}
