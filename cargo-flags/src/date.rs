//! "Today", for expiry: `FEATURE_FLAGS_TODAY=YYYY-MM-DD` when set (reproducible checks and tests), else the
//! system clock's civil date in UTC, computed here rather than pulling in a date library.

use std::time::{SystemTime, UNIX_EPOCH};

use flag_manifest::Date;

use crate::CliError;
use crate::workspace::ENV_TODAY;

/// Today's date: `pinned` (the value of `FEATURE_FLAGS_TODAY`) when given, else the UTC date of the clock.
pub fn today(pinned: Option<&str>) -> Result<Date, CliError> {
    match pinned {
        Some(value) => parse_date(value.trim()).ok_or_else(|| {
            CliError::new(format!(
                "{ENV_TODAY}={value:?} is not a date: expected YYYY-MM-DD, such as 2026-03-01"
            ))
            .help(format!(
                "fix it, or unset {ENV_TODAY} to use the system clock"
            ))
        }),
        None => {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            Ok(civil_from_days(seconds.div_euclid(86_400) as i64))
        }
    }
}

/// `YYYY-MM-DD` with a real month and day.
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(year) && all_digits(month) && all_digits(day)) {
        return None;
    }
    let date = Date {
        year: year.parse().ok()?,
        month: month.parse().ok()?,
        day: day.parse().ok()?,
    };
    (1..=12)
        .contains(&date.month)
        .then_some(())
        .filter(|()| (1..=days_in_month(date.year, date.month)).contains(&date.day))
        .map(|()| date)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The civil date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date {
        year: year.clamp(0, i64::from(u16::MAX)) as u16,
        month: month as u8,
        day: day as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), date(1970, 1, 1));
        assert_eq!(civil_from_days(59), date(1970, 3, 1));
        assert_eq!(civil_from_days(11_016), date(2000, 2, 29));
        assert_eq!(civil_from_days(19_723), date(2024, 1, 1));
        assert_eq!(civil_from_days(20_513), date(2026, 3, 1));
        assert_eq!(civil_from_days(-1), date(1969, 12, 31));
    }

    #[test]
    fn parses_and_refuses_dates() {
        assert_eq!(parse_date("2026-03-01"), Some(date(2026, 3, 1)));
        assert_eq!(parse_date("2024-02-29"), Some(date(2024, 2, 29)));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-3-1",
            "26-03-01",
            "2026-03-01x",
            "tomorrow",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(today(Some("2026-01-31")).unwrap(), date(2026, 1, 31));
        let error = today(Some("31/01/2026")).unwrap_err();
        assert!(
            error.message.contains("expected YYYY-MM-DD"),
            "{}",
            error.message
        );
        assert!(today(None).unwrap().year >= 2024);
    }
}
