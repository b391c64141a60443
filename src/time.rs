//! Dates and times without a date library: what promptctl needs is "today" for model
//! lifecycles and readable timestamps for the audit log.

/// Today's date in UTC as YYYY-MM-DD, to compare with deprecation dates. `PROMPTCTL_TODAY`
/// (a YYYY-MM-DD date) stands in for it, like `SOURCE_DATE_EPOCH` for builds: CI can check
/// prompts as of a date, and outputs stay reproducible while the catalog's dates come and go.
pub fn today() -> String {
    if let Ok(date) = std::env::var("PROMPTCTL_TODAY")
        && days_from_civil(&date).is_some()
        && date.len() == 10
    {
        return date;
    }
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    civil_date(i64::try_from(days).unwrap_or(0))
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_date(days_since_epoch: i64) -> String {
    let z = days_since_epoch + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days from `from` to `to`, both `YYYY-MM-DD` (negative when `to` is earlier); `None` for
/// a text that is not such a date.
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(days_from_civil(to)? - days_from_civil(from)?)
}

/// Howard Hinnant's days-from-civil: days since 1970-01-01 of a `YYYY-MM-DD` date.
fn days_from_civil(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Now as RFC 3339 UTC with microseconds (`2026-12-02T08:13:49.317398Z`), as log lines carry.
pub fn rfc3339_now() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = i64::try_from(since.as_secs()).unwrap_or(0);
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:06}Z",
        civil_date(seconds.div_euclid(86_400)),
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since.subsec_micros()
    )
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn format_ms(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}",
        civil_date(days),
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_412), "2025-11-20");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn counts_days_between_dates() {
        assert_eq!(days_between("2026-12-01", "2026-12-11"), Some(10));
        assert_eq!(days_between("2024-02-28", "2024-03-01"), Some(2));
        assert_eq!(days_between("2026-12-11", "2026-12-01"), Some(-10));
        assert_eq!(days_from_civil("1970-01-01"), Some(0));
        assert_eq!(days_between("2026-13-01", "2026-12-01"), None);
        for days in [0, 11_016, 20_412] {
            assert_eq!(days_from_civil(&civil_date(days)), Some(days));
        }
    }

    #[test]
    fn formats_milliseconds() {
        assert_eq!(format_ms(0), "1970-01-01 00:00:00");
        assert_eq!(format_ms(1_763_600_000_123), "2025-11-20 00:53:20");
    }
}
