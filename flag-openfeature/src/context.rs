//! OpenFeature's evaluation context as ours: the SDK hands the provider owned, typed fields, and the runtime's
//! [`Context`] borrows text. This module is the one place that says which field becomes which, and turns
//! numbers, booleans and dates into the text our operators compare, without allocating for the common ones.
//!
//! The mapping, as Unleash's OpenFeature providers do it: `targeting_key` is the user id; `sessionId`,
//! `remoteAddress`, `environment` and `appName` are our fields of those names; `currentTime` is the instant
//! that date constraints compare; every other field is a property. Booleans become `true`/`false`, numbers
//! their decimal text (`42`, `0.5`), dates RFC 3339 (`2026-11-24T10:00:00Z`, what `date_after` reads);
//! structures cannot be compared by any operator and are left out.

use std::fmt::{self, Write as _};
use std::time::SystemTime;

use flag_runtime::Context;
use open_feature::{
    EvaluationContext, EvaluationContextFieldValue, EvaluationError, EvaluationErrorCode,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How many converted values (numbers, dates) fit without allocating.
const INLINE_TEXTS: usize = 8;

/// The longest converted value kept inline: an `i64` takes 20 bytes, an RFC 3339 date with nanoseconds and
/// an offset 35.
const INLINE_TEXT_LEN: usize = 40;

/// `f` applied to our context for `source`. A context with no custom fields (a call without a context,
/// or with a targeting key only) needs no conversion, and skips building the converted values. Fails with
/// `INVALID_CONTEXT` as [`Converted::new`] does.
#[inline]
pub(crate) fn with_context<R>(
    source: &EvaluationContext,
    f: impl FnOnce(&Context<'_>) -> R,
) -> Result<R, EvaluationError> {
    if source.custom_fields.is_empty() {
        return Ok(match source.targeting_key {
            None => f(&NO_CONTEXT),
            Some(_) => f(&keyed(source)),
        });
    }
    let converted = Converted::new(source)?;
    Ok(f(&converted.context(source)))
}

/// Our context with `source`'s targeting key as the user id, and nothing else yet.
fn keyed(source: &EvaluationContext) -> Context<'_> {
    match &source.targeting_key {
        Some(key) => Context::new().user_id(key),
        None => Context::new(),
    }
}

/// The context of a call that passes none: built once, not at each resolution.
static NO_CONTEXT: Context<'static> = Context::new();

/// The fields of an [`EvaluationContext`] that are not text, converted to text once per evaluation, so that a
/// [`Context`] can borrow them.
pub(crate) struct Converted {
    inline: [InlineText; INLINE_TEXTS],
    inline_len: usize,
    spilled: Vec<String>,
    current_time: Option<SystemTime>,
}

impl Converted {
    /// Converts what `source` holds that is not text. Fails with `INVALID_CONTEXT` for a `currentTime` that
    /// is neither a date nor RFC 3339 text.
    pub(crate) fn new(source: &EvaluationContext) -> Result<Self, EvaluationError> {
        let mut converted = Converted {
            inline: [InlineText::EMPTY; INLINE_TEXTS],
            inline_len: 0,
            spilled: Vec::new(),
            current_time: None,
        };
        for (name, value) in &source.custom_fields {
            if name == "currentTime" {
                converted.current_time = Some(current_time(value)?);
                continue;
            }
            match value {
                EvaluationContextFieldValue::Int(number) => {
                    converted.push(format_args!("{number}"))
                }
                EvaluationContextFieldValue::Float(number) => {
                    converted.push(format_args!("{number}"))
                }
                EvaluationContextFieldValue::DateTime(date) => converted.push_date(date),
                EvaluationContextFieldValue::Bool(_)
                | EvaluationContextFieldValue::String(_)
                | EvaluationContextFieldValue::Struct(_) => {}
            }
        }
        Ok(converted)
    }

    /// Our context for `source`, which must be the context this was made from (its fields are visited in the
    /// same order, so that the converted values line up).
    pub(crate) fn context<'a>(&'a self, source: &'a EvaluationContext) -> Context<'a> {
        let mut context = keyed(source);
        if let Some(time) = self.current_time {
            context = context.current_time(time);
        }
        let mut next = 0;
        for (name, value) in &source.custom_fields {
            let text = match value {
                EvaluationContextFieldValue::String(text) => text.as_str(),
                EvaluationContextFieldValue::Bool(true) => "true",
                EvaluationContextFieldValue::Bool(false) => "false",
                EvaluationContextFieldValue::Struct(_) => continue,
                EvaluationContextFieldValue::Int(_)
                | EvaluationContextFieldValue::Float(_)
                | EvaluationContextFieldValue::DateTime(_) => {
                    if name == "currentTime" {
                        continue;
                    }
                    next += 1;
                    self.text(next - 1)
                }
            };
            context = match name.as_str() {
                "currentTime" => context,
                "sessionId" => context.session_id(text),
                "remoteAddress" => context.remote_address(text),
                "environment" => context.environment(text),
                "appName" => context.app_name(text),
                property => context.property(property, text),
            };
        }
        context
    }

    fn push(&mut self, value: fmt::Arguments<'_>) {
        if self.inline_len < INLINE_TEXTS && self.spilled.is_empty() {
            let mut slot = InlineText::EMPTY;
            if slot.write_fmt(value).is_ok() {
                self.inline[self.inline_len] = slot;
                self.inline_len += 1;
                return;
            }
        }
        self.spilled.push(value.to_string());
    }

    fn push_date(&mut self, date: &OffsetDateTime) {
        match date.format(&Rfc3339) {
            Ok(text) => self.push(format_args!("{text}")),
            // A year outside 0..=9999 has no RFC 3339 form; its ISO 8601 text still compares as a date would.
            Err(_) => self.push(format_args!("{date}")),
        }
    }

    fn text(&self, index: usize) -> &str {
        if index < self.inline_len {
            self.inline[index].as_str()
        } else {
            self.spilled
                .get(index - self.inline_len)
                .map_or("", String::as_str)
        }
    }
}

/// `currentTime` as an instant: a date, or RFC 3339 text.
fn current_time(value: &EvaluationContextFieldValue) -> Result<SystemTime, EvaluationError> {
    let date = match value {
        EvaluationContextFieldValue::DateTime(date) => Ok(*date),
        EvaluationContextFieldValue::String(text) => OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|error| format!("`currentTime` is not an RFC 3339 date: {error}")),
        _ => Err("`currentTime` must be a date or RFC 3339 text".to_owned()),
    };
    date.map(SystemTime::from)
        .map_err(|message| EvaluationError {
            code: EvaluationErrorCode::InvalidContext,
            message: Some(message),
        })
}

/// Text formatted in place, up to [`INLINE_TEXT_LEN`] bytes.
#[derive(Clone, Copy)]
struct InlineText {
    bytes: [u8; INLINE_TEXT_LEN],
    len: usize,
}

impl InlineText {
    const EMPTY: InlineText = InlineText {
        bytes: [0; INLINE_TEXT_LEN],
        len: 0,
    };

    fn as_str(&self) -> &str {
        // Only whole `str`s are ever written, so the bytes are UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl fmt::Write for InlineText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn fields(source: &EvaluationContext, check: impl FnOnce(&Context<'_>)) {
        let converted = Converted::new(source).expect("a valid context");
        check(&converted.context(source));
    }

    #[test]
    fn named_fields_and_properties() {
        let source = EvaluationContext::default()
            .with_targeting_key("42")
            .with_custom_field("sessionId", "s-1")
            .with_custom_field("remoteAddress", "10.0.0.1")
            .with_custom_field("environment", "prod")
            .with_custom_field("appName", "shop")
            .with_custom_field("email", "a@b.c");
        fields(&source, |ctx| {
            assert_eq!(ctx.field("user_id"), Some("42"));
            assert_eq!(ctx.field("session_id"), Some("s-1"));
            assert_eq!(ctx.field("remote_address"), Some("10.0.0.1"));
            assert_eq!(ctx.field("environment"), Some("prod"));
            assert_eq!(ctx.field("app_name"), Some("shop"));
            assert_eq!(ctx.field("email"), Some("a@b.c"));
            assert_eq!(
                ctx.field("sessionId"),
                None,
                "a named field is not a property"
            );
        });
    }

    #[test]
    fn numbers_booleans_and_dates_become_text() {
        let date = OffsetDateTime::from_unix_timestamp(1_795_000_000).expect("a date");
        let source = EvaluationContext::default()
            .with_custom_field("age", 42)
            .with_custom_field("ratio", 0.5)
            .with_custom_field("whole", 3.0)
            .with_custom_field("beta", true)
            .with_custom_field("trial", false)
            .with_custom_field("signed_up", date)
            .with_custom_field("blob", EvaluationContextFieldValue::new_struct(7_u8));
        fields(&source, |ctx| {
            assert_eq!(ctx.field("age"), Some("42"));
            assert_eq!(ctx.field("ratio"), Some("0.5"));
            assert_eq!(ctx.field("whole"), Some("3"));
            assert_eq!(ctx.field("beta"), Some("true"));
            assert_eq!(ctx.field("trial"), Some("false"));
            assert_eq!(ctx.field("signed_up"), Some("2026-11-18T11:06:40Z"));
            assert_eq!(ctx.field("blob"), None);
        });
    }

    #[test]
    fn many_and_long_numbers_spill() {
        let mut source = EvaluationContext::default().with_custom_field("huge", 1e300);
        for n in 0..20 {
            source = source.with_custom_field(format!("n{n}"), n);
        }
        fields(&source, |ctx| {
            for n in 0..20 {
                assert_eq!(ctx.field(&format!("n{n}")), Some(n.to_string().as_str()));
            }
            assert_eq!(ctx.field("huge").map(str::len), Some(301));
        });
    }

    #[test]
    fn current_time_from_a_date_or_text() {
        let source =
            EvaluationContext::default().with_custom_field("currentTime", "1970-01-01T00:00:01.5Z");
        let converted = Converted::new(&source).expect("RFC 3339 text");
        assert_eq!(
            converted.current_time,
            Some(UNIX_EPOCH + Duration::from_millis(1_500))
        );
        assert_eq!(converted.context(&source).field("currentTime"), None);

        let bad = EvaluationContext::default().with_custom_field("currentTime", "yesterday");
        let error = Converted::new(&bad).err().map(|error| error.code);
        assert_eq!(error, Some(EvaluationErrorCode::InvalidContext));
        let number = EvaluationContext::default().with_custom_field("currentTime", 5);
        assert!(Converted::new(&number).is_err());
    }
}
