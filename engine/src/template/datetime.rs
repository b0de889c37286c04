//! `now(utc=False, fmt=None)`: a Python-like datetime (`.year`, `.strftime()`,
//! `.isoformat()`), or a string when `fmt` is given.

use std::fmt;
use std::sync::Arc;

use minijinja::value::{Kwargs, Object, ObjectRepr, from_args};
use minijinja::{Environment, Error, ErrorKind, State, Value};

/// A point in time as templates see Python's `datetime.datetime`.
#[derive(Debug)]
pub struct PyDateTime(pub jiff::civil::DateTime);

impl PyDateTime {
    fn strftime(&self, fmt: &str) -> Result<String, Error> {
        jiff::fmt::strtime::format(fmt, self.0)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("strftime failed: {e}")))
    }

    fn iso(&self, sep: char) -> String {
        let d = self.0;
        let micro = d.subsec_nanosecond() / 1000;
        let base = format!(
            "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            d.hour(),
            d.minute(),
            d.second()
        );
        if micro == 0 {
            base
        } else {
            format!("{base}.{micro:06}")
        }
    }
}

impl Object for PyDateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let d = self.0;
        Some(Value::from(match key.as_str()? {
            "year" => i64::from(d.year()),
            "month" => i64::from(d.month()),
            "day" => i64::from(d.day()),
            "hour" => i64::from(d.hour()),
            "minute" => i64::from(d.minute()),
            "second" => i64::from(d.second()),
            "microsecond" => i64::from(d.subsec_nanosecond() / 1000),
            _ => return None,
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "strftime" => {
                let (fmt,): (String,) = from_args(args)?;
                Ok(Value::from(self.strftime(&fmt)?))
            }
            "isoformat" => {
                let (sep,): (Option<String>,) = from_args(args)?;
                let sep = sep.and_then(|s| s.chars().next()).unwrap_or('T');
                Ok(Value::from(self.iso(sep)))
            }
            "weekday" => Ok(Value::from(i64::from(
                self.0.weekday().to_monday_zero_offset(),
            ))),
            "date" => Ok(Value::from(self.0.date().to_string())),
            _ => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!("datetime has no method named {method}"),
            )),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso(' '))
    }
}

pub(super) fn register(env: &mut Environment<'static>) {
    add_filter!(env, "to_datetime", |s: &str,
                                     fmt: Option<&str>|
     -> Result<Value, Error> {
        let fmt = fmt.unwrap_or("%Y-%m-%d %H:%M:%S");
        let dt = jiff::fmt::strtime::parse(fmt, s)
            .and_then(|t| t.to_datetime())
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "The filter plugin 'ansible.builtin.to_datetime' failed: \
                             time data '{s}' does not match format '{fmt}' ({e})"
                    ),
                )
            })?;
        Ok(Value::from_object(PyDateTime(dt)))
    });
    env.add_function("now", |kwargs: Kwargs| -> Result<Value, Error> {
        let utc: Option<bool> = kwargs.get("utc")?;
        let fmt: Option<String> = kwargs.get("fmt")?;
        kwargs.assert_all_used()?;
        let now = jiff::Timestamp::now();
        let tz = if utc.unwrap_or(false) {
            jiff::tz::TimeZone::UTC
        } else {
            jiff::tz::TimeZone::system()
        };
        let dt = PyDateTime(now.to_zoned(tz).datetime());
        Ok(match fmt {
            Some(f) => Value::from(dt.strftime(&f)?),
            None => Value::from_object(dt),
        })
    });
}
