//! Timestamps in the form Ansible's command module reports (`str(datetime)`), in UTC:
//! the modules crate carries no time-zone database.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `2026-11-22 14:47:06.720116`
pub(crate) fn timestamp(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    )
}

/// `0:00:00.008031` (Python's `str(timedelta)`).
pub(crate) fn delta(d: Duration) -> String {
    let secs = d.as_secs();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let clock = format!(
        "{}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    );
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_python_datetime() {
        let t = UNIX_EPOCH + Duration::from_micros(1_795_358_826_720_116);
        assert_eq!(timestamp(t), "2026-11-22 14:47:06.720116");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01 00:00:00.000000");
        assert_eq!(delta(Duration::from_micros(8031)), "0:00:00.008031");
        assert_eq!(delta(Duration::from_secs(90_061)), "1 day, 1:01:01.000000");
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
