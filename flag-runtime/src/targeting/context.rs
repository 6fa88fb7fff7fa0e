//! The evaluation context: who and what a flag is being decided for.
//!
//! A [`Context`] borrows every value it holds, so building one copies a few pointers and evaluating a flag
//! against it allocates nothing. The first eight properties live inline; more spill into a `Vec`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use super::short_str::ShortStr;

/// How many properties a context holds without allocating (none when `scripts/trick-cost` measures the
/// context without its inline array).
const INLINE_PROPERTIES: usize = if cfg!(flag_runtime_without = "inline_properties") {
    0
} else {
    8
};

/// Who and what a dynamic flag is decided for: a user id, a session id, a remote address, the current time,
/// the environment, the application's name and any string properties.
///
/// Rules compare its fields (`user_id`, `session_id`, `remote_address`, `current_time`, `environment`,
/// `app_name`, or a property's name); rollouts and variants hash one of them to keep a user in the same
/// bucket. A field that is not set, or set to an empty string, counts as missing. The current time is the
/// time of each evaluation unless one is set.
///
/// Build it once per request and pass it to every check: it borrows its values, so it is cheap to build and
/// to copy, and checking a flag against it does not allocate.
///
/// ```
/// use flag_runtime::Context;
///
/// let user = String::from("42");
/// let ctx = Context::new()
///     .user_id(&user)
///     .session_id("s-19f3")
///     .remote_address("10.0.0.1")
///     .environment("prod")
///     .app_name("shop")
///     .property("country", "NZ")
///     .property("plan", "pro");
/// assert_eq!(ctx.field("user_id"), Some("42"));
/// assert_eq!(ctx.field("country"), Some("NZ"));
/// assert_eq!(ctx.field("email"), None);
///
/// // An empty value counts as missing, so an optional one can be passed with `unwrap_or_default()`.
/// let session: Option<&str> = None;
/// assert_eq!(Context::new().session_id(session.unwrap_or_default()).field("session_id"), None);
/// ```
#[derive(Clone)]
pub struct Context<'a> {
    user_id: Option<&'a str>,
    session_id: Option<&'a str>,
    remote_address: Option<&'a str>,
    environment: Option<&'a str>,
    app_name: Option<&'a str>,
    current_time: Option<SystemTime>,
    inline: [(&'a str, &'a str); INLINE_PROPERTIES],
    inline_len: usize,
    spilled: Vec<(&'a str, &'a str)>,
}

impl Default for Context<'_> {
    /// The same as [`Context::new`].
    fn default() -> Self {
        Context::new()
    }
}

impl<'a> Context<'a> {
    /// An empty context: every field missing, the time read at each evaluation. A `const fn`, so that an
    /// empty context can be a `static`.
    ///
    /// ```
    /// use flag_runtime::Context;
    ///
    /// static NOBODY: Context<'static> = Context::new();
    /// assert_eq!(NOBODY.field("user_id"), None);
    /// ```
    #[inline]
    pub const fn new() -> Self {
        Context {
            user_id: None,
            session_id: None,
            remote_address: None,
            environment: None,
            app_name: None,
            current_time: None,
            inline: [("", ""); INLINE_PROPERTIES],
            inline_len: 0,
            spilled: Vec::new(),
        }
    }

    /// The user's id: matched by `user_ids`, and the first choice of `default` stickiness.
    #[must_use]
    #[inline]
    pub fn user_id(mut self, id: &'a str) -> Self {
        self.user_id = Some(id);
        self
    }

    /// The session's id: the second choice of `default` stickiness.
    #[must_use]
    #[inline]
    pub fn session_id(mut self, id: &'a str) -> Self {
        self.session_id = Some(id);
        self
    }

    /// The client's IP address, for `in_cidr` constraints (and the third choice of `default` stickiness
    /// for variants).
    #[must_use]
    #[inline]
    pub fn remote_address(mut self, address: &'a str) -> Self {
        self.remote_address = Some(address);
        self
    }

    /// Fixes the time that `date_after` and `date_before` compare, instead of the time of each evaluation.
    #[must_use]
    #[inline]
    pub fn current_time(mut self, time: SystemTime) -> Self {
        self.current_time = Some(time);
        self
    }

    /// The environment the program runs in, such as `"prod"`.
    #[must_use]
    #[inline]
    pub fn environment(mut self, environment: &'a str) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The application's name.
    #[must_use]
    #[inline]
    pub fn app_name(mut self, name: &'a str) -> Self {
        self.app_name = Some(name);
        self
    }

    /// Sets the property `name` to `value`; setting a name again replaces its value.
    #[must_use]
    #[inline]
    pub fn property(mut self, name: &'a str, value: &'a str) -> Self {
        if self.inline_len < INLINE_PROPERTIES {
            self.inline[self.inline_len] = (name, value);
            self.inline_len += 1;
        } else {
            self.spilled.push((name, value));
        }
        self
    }

    /// The value of a field by the name a rule gives it: `user_id`, `session_id`, `remote_address`,
    /// `environment`, `app_name`, or a property. `None` when missing or empty (and for `current_time`, which
    /// is not a string: see [`Context::current_time`]).
    #[inline]
    pub fn field(&self, name: &str) -> Option<&'a str> {
        match name {
            "user_id" => self.user(),
            "session_id" => self.session(),
            "remote_address" => self.address(),
            "environment" => non_empty(self.environment),
            "app_name" => non_empty(self.app_name),
            "current_time" => None,
            property => self.property_value(property),
        }
    }

    #[inline]
    pub(crate) fn user(&self) -> Option<&'a str> {
        non_empty(self.user_id)
    }

    #[inline]
    pub(crate) fn session(&self) -> Option<&'a str> {
        non_empty(self.session_id)
    }

    #[inline]
    pub(crate) fn address(&self) -> Option<&'a str> {
        non_empty(self.remote_address)
    }

    #[inline]
    pub(crate) fn environment_value(&self) -> Option<&'a str> {
        non_empty(self.environment)
    }

    #[inline]
    pub(crate) fn app_name_value(&self) -> Option<&'a str> {
        non_empty(self.app_name)
    }

    /// The property's latest value.
    #[inline]
    pub(crate) fn property_value(&self, name: &str) -> Option<&'a str> {
        let latest = |properties: &[(&'a str, &'a str)]| {
            properties
                .iter()
                .rev()
                .find(|(key, _)| *key == name)
                .map(|&(_, value)| value)
        };
        let found = if self.spilled.is_empty() {
            None
        } else {
            latest(&self.spilled)
        };
        non_empty(found.or_else(|| latest(&self.inline[..self.inline_len])))
    }

    /// The property's latest value, by a name compiled with the rules.
    #[inline]
    pub(crate) fn compiled_property_value(&self, name: &ShortStr) -> Option<&'a str> {
        if self.has_spilled_properties() || !name.is_short() {
            self.property_value(name.as_str())
        } else {
            self.short_property_value(name)
        }
    }

    /// Whether some properties did not fit inline (rare).
    #[inline]
    pub(crate) fn has_spilled_properties(&self) -> bool {
        !self.spilled.is_empty()
    }

    /// [`Context::compiled_property_value`] for a short name (see [`ShortStr::is_short`]) when no property
    /// spilled (see [`Context::has_spilled_properties`]): a loop without calls.
    #[inline]
    pub(crate) fn short_property_value(&self, name: &ShortStr) -> Option<&'a str> {
        debug_assert!(!self.has_spilled_properties() && name.is_short());
        let inline = self.inline.get(..self.inline_len).unwrap_or_default();
        let latest = inline.iter().rev().find(|(key, _)| name.matches_short(key));
        non_empty(latest.map(|&(_, value)| value))
    }

    /// The instant compared by date constraints, in milliseconds since the Unix epoch.
    #[inline]
    pub(crate) fn now_millis(&self) -> i64 {
        let time = self.current_time.unwrap_or_else(SystemTime::now);
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        }
    }
}

#[inline]
fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|value| !value.is_empty())
}

impl fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Context");
        let fields = [
            ("user_id", self.user_id),
            ("session_id", self.session_id),
            ("remote_address", self.remote_address),
            ("environment", self.environment),
            ("app_name", self.app_name),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                out.field(name, &value);
            }
        }
        if let Some(time) = &self.current_time {
            out.field("current_time", time);
        }
        let properties: Vec<_> = self.inline[..self.inline_len]
            .iter()
            .chain(self.spilled.iter())
            .collect();
        if !properties.is_empty() {
            out.field("properties", &properties);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn later_properties_win_and_spill_past_the_inline_ones() {
        let names = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"];
        let mut ctx = Context::new();
        for name in names {
            ctx = ctx.property(name, name);
        }
        for name in names {
            assert_eq!(ctx.field(name), Some(name));
        }
        let ctx = ctx.property("p1", "again").property("p9", "too");
        assert_eq!(ctx.field("p1"), Some("again"));
        assert_eq!(ctx.field("p9"), Some("too"));
    }

    #[test]
    fn empty_values_are_missing() {
        let ctx = Context::new().user_id("").property("country", "");
        assert_eq!(ctx.field("user_id"), None);
        assert_eq!(ctx.field("country"), None);
    }

    #[test]
    fn time_is_fixed_or_now() {
        let fixed = Context::new().current_time(UNIX_EPOCH + Duration::from_millis(1_500));
        assert_eq!(fixed.now_millis(), 1_500);
        let before = Context::new().current_time(UNIX_EPOCH - Duration::from_millis(2));
        assert_eq!(before.now_millis(), -2);
        assert!(Context::new().now_millis() > 1_700_000_000_000);
    }

    #[test]
    fn debug_shows_what_is_set() {
        let text = format!("{:?}", Context::new().user_id("42").property("plan", "pro"));
        assert_eq!(
            text,
            r#"Context { user_id: "42", properties: [("plan", "pro")] }"#
        );
    }
}
