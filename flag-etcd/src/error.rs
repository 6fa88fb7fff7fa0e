//! The one error type of this crate.

use std::fmt;
use std::time::Duration;

use tonic::Code;

/// What went wrong, and where.
///
/// Every variant that involves the server names the endpoints asked and the operation that
/// failed, so that a message on its own tells an operator what to look at. No answer from a
/// server makes this crate panic: a malformed one is [`Error::BadAnswer`].
///
/// ```
/// let err = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/prod")
///     .unwrap_err();
/// assert!(matches!(err, flag_etcd::Error::InvalidConfig(_)));
/// assert!(err.to_string().contains("must end with '/'"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work: an empty endpoint list, a prefix without its trailing
    /// '/', a zero timeout.
    InvalidConfig(String),
    /// An argument cannot be written: an empty name or one with a '/', a duplicate name in one
    /// write, too many writes for one transaction.
    InvalidInput(String),
    /// No etcd answered: the connection was refused, reset or never established.
    Unreachable {
        /// The endpoints tried, comma-separated.
        endpoints: String,
        /// What was being done (`"connect"`, `"list"`, `"write"`, ...).
        operation: &'static str,
        /// The transport's own words.
        message: String,
    },
    /// The server did not answer in time.
    Timeout {
        /// The endpoints tried, comma-separated.
        endpoints: String,
        /// What was being done.
        operation: &'static str,
        /// The limit that passed.
        after: Duration,
    },
    /// The server answered with an error (a gRPC status other than "unavailable"), for example
    /// a revision that is compacted or in the future, or too many operations in one transaction.
    Server {
        /// The endpoints tried, comma-separated.
        endpoints: String,
        /// What was being done.
        operation: &'static str,
        /// The server's message.
        message: String,
    },
    /// The server's answer was not what the protocol promises (a missing header, an unknown
    /// event type, a record that is not JSON).
    BadAnswer {
        /// The endpoints tried, comma-separated.
        endpoints: String,
        /// What was being done.
        operation: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// Writes without `if_revision` kept racing with other writers and were given up after
    /// this many attempts (see [`FleetClient::write`](crate::FleetClient::write)).
    Contention {
        /// How many transactions were tried.
        attempts: u32,
    },
    /// The watcher's thread or its tokio runtime could not be started.
    Thread(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig(msg) => write!(f, "invalid fleet configuration: {msg}"),
            Error::InvalidInput(msg) => write!(f, "invalid fleet write: {msg}"),
            Error::Unreachable {
                endpoints,
                operation,
                message,
            } => write!(
                f,
                "etcd at {endpoints} is unreachable ({operation}): {message}"
            ),
            Error::Timeout {
                endpoints,
                operation,
                after,
            } => write!(
                f,
                "etcd at {endpoints} did not answer within {} ms ({operation})",
                after.as_millis()
            ),
            Error::Server {
                endpoints,
                operation,
                message,
            } => write!(f, "etcd at {endpoints} refused {operation}: {message}"),
            Error::BadAnswer {
                endpoints,
                operation,
                message,
            } => write!(
                f,
                "etcd at {endpoints} gave an unexpected answer to {operation}: {message}"
            ),
            Error::Contention { attempts } => write!(
                f,
                "the keys kept changing under this write; gave up after {attempts} transactions"
            ),
            Error::Thread(msg) => write!(f, "cannot start the fleet watcher: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Turns an etcd-client error into ours, naming the endpoints and the operation.
    pub(crate) fn from_etcd(
        endpoints: &str,
        operation: &'static str,
        err: etcd_client::Error,
    ) -> Self {
        use etcd_client::Error as E;
        let endpoints = endpoints.to_owned();
        match err {
            E::GRpcStatus(status) => {
                let message = if status.message().is_empty() {
                    format!("{:?}", status.code())
                } else {
                    status.message().to_owned()
                };
                match status.code() {
                    Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
                        Error::Unreachable {
                            endpoints,
                            operation,
                            message,
                        }
                    }
                    Code::Unknown if looks_like_transport(&message) => Error::Unreachable {
                        endpoints,
                        operation,
                        message,
                    },
                    _ => Error::Server {
                        endpoints,
                        operation,
                        message,
                    },
                }
            }
            E::TransportError(e) => Error::Unreachable {
                endpoints,
                operation,
                message: full_chain(&e),
            },
            E::IoError(e) => Error::Unreachable {
                endpoints,
                operation,
                message: e.to_string(),
            },
            E::WatchError(message) | E::LeaseKeepAliveError(message) => Error::Unreachable {
                endpoints,
                operation,
                message,
            },
            E::InvalidArgs(message) | E::EndpointError(message) => {
                Error::InvalidConfig(format!("endpoints {endpoints}: {message}"))
            }
            E::InvalidUri(e) => Error::InvalidConfig(format!("endpoints {endpoints}: {e}")),
            other => Error::BadAnswer {
                endpoints,
                operation,
                message: other.to_string(),
            },
        }
    }
}

fn looks_like_transport(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "transport",
        "connect",
        "connection",
        "broken pipe",
        "reset",
        "h2 protocol",
    ]
    .iter()
    .any(|w| m.contains(w))
}

/// The message of an error and of every error under it, joined by ": ".
pub(crate) fn full_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
