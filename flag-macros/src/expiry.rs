//! Build-time expiry: each use of a flag whose `expires` date has passed gets a compiler warning that names
//! the flag, its owner and the command that retires it.
//!
//! Stable proc macros cannot emit warnings; like tracing-attributes, the expansion defines a `#[deprecated]`
//! constant carrying the message and uses it, spanned on the flag's name, so rustc's `deprecated` lint
//! reports it there (and `#![deny(deprecated)]` turns it into an error).
//!
//! "Today" is the build machine's clock (UTC) unless `FEATURE_FLAGS_TODAY=YYYY-MM-DD` pins it, for
//! reproducible builds. The variable is tracked like the others; the clock is not, so a flag that expires
//! between two builds warns from the next rebuild of the crate on.

use std::time::{SystemTime, UNIX_EPOCH};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::LitStr;

use crate::load::Build;
use flag_manifest::Date;
use flag_syntax::FlagExpr;

/// Pins the date that expiry is judged against.
pub const ENV_TODAY: &str = "FEATURE_FLAGS_TODAY";

/// Today's date: `FEATURE_FLAGS_TODAY` if set, else the system clock in UTC.
pub fn today() -> Result<Date, String> {
    match std::env::var(ENV_TODAY) {
        Ok(value) if !value.trim().is_empty() => parse_date(value.trim()).ok_or_else(|| {
            format!(
                "{ENV_TODAY}={value:?} is not a date: write it as YYYY-MM-DD, such as 2027-03-01"
            )
        }),
        _ => {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            Ok(civil_date(seconds / 86_400))
        }
    }
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day = parts
        .next()?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some(Date { year, month, day })
}

/// The calendar date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> Date {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date {
        year: u16::try_from(year).unwrap_or(u16::MAX),
        month: month as u8,
        day: day as u8,
    }
}

/// One use of an expired flag: where it is and what to say.
pub struct Expired {
    /// The flag's name as written.
    pub span: Span,
    /// The warning's text.
    pub message: String,
}

/// Every name in `expr` whose flag expired before `today`.
pub fn expired_names(expr: &FlagExpr, build: &Build, today: Date) -> Vec<Expired> {
    // Most uses, in most builds, name no expired flag: no need to look each name up then.
    if build
        .earliest_expiry
        .is_none_or(|earliest| earliest >= today)
    {
        return Vec::new();
    }
    expr.names()
        .into_iter()
        .filter_map(|name| check(name, build, today))
        .collect()
}

fn check(literal: &LitStr, build: &Build, today: Date) -> Option<Expired> {
    let name = literal.value();
    let flag = build.manifest.flag(&name)?;
    let expires = flag.expires.filter(|&expires| expires < today)?;
    let owner = flag
        .owner
        .as_deref()
        .map_or_else(String::new, |owner| format!(", owner {owner}"));
    Some(Expired {
        span: literal.span(),
        message: format!(
            "flag `{name}` expired on {expires}{owner}: remove it with `cargo flags remove {name} --keep on|off`"
        ),
    })
}

/// Statements that make rustc warn at each expired use: a `#[deprecated]` constant, used on the name.
pub fn warnings(expired: &[Expired]) -> TokenStream {
    expired
        .iter()
        .map(|Expired { span, message }| {
            let constant =
                format_ident!("FLAG_EXPIRED", span = Span::mixed_site().located_at(*span));
            quote_spanned! {*span=>
                {
                    #[deprecated(note = #message)]
                    const #constant: () = ();
                    #constant
                };
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(
            civil_date(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            civil_date(11_016),
            Date {
                year: 2000,
                month: 2,
                day: 29
            }
        );
        assert_eq!(
            civil_date(20_781),
            Date {
                year: 2026,
                month: 11,
                day: 24
            }
        );
        assert_eq!(
            civil_date(20_819),
            Date {
                year: 2027,
                month: 1,
                day: 1
            }
        );
    }

    #[test]
    fn parses_pinned_dates() {
        assert_eq!(
            parse_date("2026-10-01"),
            Some(Date {
                year: 2026,
                month: 10,
                day: 1
            })
        );
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }
}
