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

use std::sync::OnceLock;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::LitStr;

use crate::load::Build;
use crate::session;
use flag_manifest::{Date, ENV_TODAY};
use flag_syntax::FlagExpr;

/// Today's date: `FEATURE_FLAGS_TODAY` if set, else the system clock in UTC. In rustc, read by the first
/// use only (see [`session`]).
pub fn today() -> Result<Date, String> {
    static FIXED: OnceLock<Result<Date, String>> = OnceLock::new();
    session::fixed(&FIXED, || {
        Date::today(std::env::var(ENV_TODAY).ok().as_deref())
    })
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
    let name = flag_syntax::name_text(literal);
    let flag = build.manifest.flag(&name)?;
    let expires = flag.expires.filter(|&expires| expires < today)?;
    let owner = flag
        .owner
        .as_deref()
        .map_or_else(String::new, |owner| format!(", owner {owner}"));
    Some(Expired {
        span: literal.span(),
        message: format!(
            "flag `{name}` expired on {expires}{owner}: remove it with {}",
            flag.remove_command("on|off")
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
    fn the_macros_read_dates_as_cargo_flags_does() {
        // One parser (flag_manifest::Date): dates cargo flags refuses are refused here too.
        for bad in ["2026-02-31", "2026-3-1", "+2026-03-01", "yesterday"] {
            assert!(Date::today(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            Date::today(Some("2026-10-01")),
            Ok(Date {
                year: 2026,
                month: 10,
                day: 1
            })
        );
    }
}
