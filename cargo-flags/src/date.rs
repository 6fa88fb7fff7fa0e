//! "Today", for expiry: `FEATURE_FLAGS_TODAY=YYYY-MM-DD` when set (reproducible checks and tests), else the
//! system clock's date in UTC, read by `flag_manifest::Date::today`, as the macros read it, so that the two
//! never disagree on what a date is.

use flag_manifest::{Date, ENV_TODAY};

use crate::CliError;

/// Today's date: `pinned` (the value of `FEATURE_FLAGS_TODAY`) when given, else the UTC date of the clock.
pub fn today(pinned: Option<&str>) -> Result<Date, CliError> {
    Date::today(pinned).map_err(|message| {
        CliError::new(message).help(format!(
            "fix it, or unset {ENV_TODAY} to use the system clock"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_pinned_or_refused_with_help() {
        assert_eq!(
            today(Some("2026-01-31")).unwrap(),
            Date {
                year: 2026,
                month: 1,
                day: 31
            }
        );
        let error = today(Some("31/01/2026")).unwrap_err();
        assert!(
            error.message.contains("write it as YYYY-MM-DD"),
            "{}",
            error.message
        );
        assert!(error.help.unwrap().contains("unset FEATURE_FLAGS_TODAY"));
        assert!(today(None).unwrap().year >= 2024);
    }
}
