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

/// `reporter` in place of the chosen one until the guard drops, for unit tests that read what is reported.
/// One such test runs at a time: tests run in parallel, and two that replaced the one reporter would take
/// each other's reports, or leave a stale reporter behind.
#[cfg(test)]
pub(crate) fn reporter_for_tests(
    reporter: impl Fn(&Error) + Send + Sync + 'static,
) -> ReporterForTests {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let serial = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let before = REPORTER
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .replace(Box::new(reporter));
    ReporterForTests {
        before,
        _serial: serial,
    }
}

/// Puts the reporter that [`reporter_for_tests`] replaced back when dropped, then lets the next such test
/// run.
#[cfg(test)]
pub(crate) struct ReporterForTests {
    before: Option<Reporter>,
    _serial: std::sync::MutexGuard<'static, ()>,
}

#[cfg(test)]
impl Drop for ReporterForTests {
    fn drop(&mut self) {
        *REPORTER.write().unwrap_or_else(PoisonError::into_inner) = self.before.take();
    }
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
