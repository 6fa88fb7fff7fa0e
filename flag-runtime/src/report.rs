//! Where problems with run-time input go: stderr by default, `tracing` or `log` with the feature of that
//! name, or a function of the application's.

use std::sync::{PoisonError, RwLock};

use crate::Error;

type Reporter = Box<dyn Fn(&Error) + Send + Sync>;

static REPORTER: RwLock<Option<Reporter>> = RwLock::new(None);

/// Sends problems with run-time input (unknown names in `FEATURE_FLAGS`, a broken runtime file, ...) to
/// `reporter` instead of the default (a line on stderr; a warning through `tracing` or `log` with the feature
/// of that name).
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// flag_runtime::set_reporter(move |error| sink.lock().unwrap().push(error.to_string()));
/// let missing = std::env::temp_dir().join("no-such-flags-file.toml");
/// let _ = flag_runtime::load_file(&missing);
/// assert!(seen.lock().unwrap().is_empty(), "load_file returns its error rather than reporting it");
/// ```
pub fn set_reporter(reporter: impl Fn(&Error) + Send + Sync + 'static) {
    *REPORTER.write().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(reporter));
}

/// Puts `reporter` in place of the chosen one, returning it, for unit tests that read what is reported.
#[cfg(test)]
pub(crate) fn swap_reporter_for_tests(reporter: Option<Reporter>) -> Option<Reporter> {
    std::mem::replace(
        &mut *REPORTER.write().unwrap_or_else(PoisonError::into_inner),
        reporter,
    )
}

/// Reports `error` to the chosen reporter.
pub(crate) fn report(error: &Error) {
    let reporter = REPORTER.read().unwrap_or_else(PoisonError::into_inner);
    match reporter.as_ref() {
        Some(reporter) => reporter(error),
        None => default_report(error),
    }
}

#[cfg(feature = "tracing")]
fn default_report(error: &Error) {
    tracing::warn!(target: "flag_runtime", "{error}");
}

#[cfg(all(feature = "log", not(feature = "tracing")))]
fn default_report(error: &Error) {
    log::warn!(target: "flag_runtime", "{error}");
}

#[cfg(not(any(feature = "tracing", feature = "log")))]
fn default_report(error: &Error) {
    eprintln!("flag-runtime: {error}");
}
