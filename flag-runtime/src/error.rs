//! What can go wrong with run-time input: names, values and files that the runtime ignores and reports.

use std::fmt;
use std::path::PathBuf;

/// A problem with run-time input. The runtime never stops the program for one: the string API returns it,
/// and sources read in the background (the environment, a watched file) pass it to the reporter (see
/// [`set_reporter`](crate::set_reporter)) and keep the last good state.
///
/// ```
/// let error = flag_runtime::set("fast_serch", true).unwrap_err();
/// assert_eq!(error.to_string(), "unknown flag `fast_serch`; did you mean `fast_search`?");
/// assert!(!flag_runtime::flag!("fast_search"), "nothing changed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No flag of the program has this name.
    UnknownFlag {
        /// The name given.
        name: String,
        /// The closest declared name, if one is close.
        suggestion: Option<String>,
    },
    /// The flag is static: compiled in or out, it cannot change at run time.
    StaticFlag {
        /// The flag's name.
        name: String,
        /// The state compiled in.
        compiled: bool,
    },
    /// A `FEATURE_FLAGS` value that does not parse.
    InvalidOverride {
        /// What is wrong, with its position.
        message: String,
    },
    /// A runtime flags file that cannot be read, does not parse, or asks what the program cannot honour;
    /// nothing of it applies, and the last good state is kept.
    File {
        /// The file.
        path: PathBuf,
        /// Every problem, with line and column where known (at least one).
        problems: Vec<String>,
    },
    /// [`Builder::install`](crate::Builder::install) was called after the runtime had started.
    AlreadyInitialized,
    /// A variant the flag was compiled without: its `flag_variants!` enum has no such variant.
    UnknownVariant {
        /// The flag.
        flag: String,
        /// The variant asked for.
        variant: String,
        /// The closest of the flag's variants, if one is close.
        suggestion: Option<String>,
    },
    /// A flag's rules that cannot be compiled (a `regex` constraint without the `regex` feature); the flag
    /// keeps its previous rules.
    Rules {
        /// The flag.
        flag: String,
        /// What is wrong.
        message: String,
    },
    /// A flag's table (in a runtime flags file) that the program cannot honour: a variant it was built
    /// without, a key only the build decides given another value, or rules it cannot compile.
    Entry {
        /// The flag.
        flag: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A fleet table that the program refuses (it does not parse, names an unknown or static flag, or asks
    /// what the program cannot honour): the flag keeps its previous state; the rest of the batch applies.
    Fleet {
        /// The table's key in the store.
        key: String,
        /// The store's revision of the change.
        revision: i64,
        /// What is wrong.
        message: String,
    },
    /// The fleet's store is out of reach: the state stays as of `revision` while the source retries.
    FleetUnavailable {
        /// The fleet's prefix.
        prefix: String,
        /// The revision of the state kept (0: none was ever read).
        revision: i64,
        /// Whether that state came from the local snapshot file.
        from_snapshot: bool,
        /// Why.
        error: String,
    },
    /// The fleet's settings cannot be used (a missing prefix, a malformed endpoint, the `etcd` feature not
    /// compiled in): the program runs without the fleet.
    FleetConfig {
        /// What is wrong and what to do.
        message: String,
    },
    /// An object flag's value that does not decode as the type `flag_value!("name": Type)` reads it as.
    ObjectType {
        /// The flag.
        flag: String,
        /// The name of the value.
        value: String,
        /// The Rust type.
        type_name: &'static str,
        /// What the decoder says.
        message: String,
    },
    /// Two crates of the program declare the same flag differently (each crate's flags come from the manifest
    /// it was built with): static in one and dynamic in the other, other value types or values, or other
    /// variants. The first declaration is used, and a read compiled against the other may see a value or
    /// variant it does not expect. Give the flags different names, or build both crates from one manifest.
    Conflict {
        /// The flag.
        flag: String,
        /// The first difference, as `in use: ..; ignored: ..`.
        message: String,
    },
    /// A catalog of flags compiled in by a macro of another version than this runtime's.
    Catalog {
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownFlag { name, suggestion: Some(suggestion) } => {
                write!(f, "unknown flag `{name}`; did you mean `{suggestion}`?")
            }
            Error::UnknownFlag { name, suggestion: None } => write!(f, "unknown flag `{name}`"),
            Error::StaticFlag { name, compiled } => write!(
                f,
                "flag `{name}` is static and was compiled {}: it cannot change at run time; rebuild with \
                 FEATURE_FLAGS={name}={} to change it",
                if *compiled { "on" } else { "off" },
                if *compiled { "off" } else { "on" }
            ),
            Error::InvalidOverride { message } => f.write_str(message),
            Error::File { path, problems } => match problems.as_slice() {
                [problem] => write!(
                    f,
                    "runtime flags file {}: {problem} (the last good state is kept)",
                    path.display()
                ),
                problems => {
                    write!(
                        f,
                        "runtime flags file {}: {} problems (the last good state is kept):",
                        path.display(),
                        problems.len()
                    )?;
                    problems
                        .iter()
                        .try_for_each(|problem| write!(f, "\n  - {problem}"))
                }
            },
            Error::UnknownVariant {
                flag,
                variant,
                suggestion,
            } => {
                write!(f, "flag `{flag}` has no variant `{variant}`")?;
                match suggestion {
                    Some(suggestion) => write!(f, "; did you mean `{suggestion}`?"),
                    None => Ok(()),
                }
            }
            Error::Rules { flag, message } => {
                write!(f, "the rules of flag `{flag}` cannot be used: {message}")
            }
            Error::Entry { flag, message } => write!(f, "flag `{flag}`: {message}"),
            Error::Fleet {
                key,
                revision,
                message,
            } => write!(
                f,
                "fleet key {key} at revision {revision}: {message} (the flag keeps its previous state)"
            ),
            Error::FleetUnavailable {
                prefix,
                revision,
                from_snapshot,
                error,
            } => {
                write!(f, "fleet {prefix}: the store is out of reach ({error}); ")?;
                match (revision, from_snapshot) {
                    (0, _) => f.write_str("serving the flags below the fleet until it answers"),
                    (revision, true) => write!(
                        f,
                        "serving the local snapshot's flags, as of revision {revision}, until it answers"
                    ),
                    (revision, false) => write!(
                        f,
                        "serving the flags as of revision {revision} until it answers"
                    ),
                }
            }
            Error::FleetConfig { message } => write!(f, "fleet: {message}"),
            Error::ObjectType {
                flag,
                value,
                type_name,
                message,
            } => write!(
                f,
                "flag `{flag}`: value `{value}` does not decode as `{type_name}`: {message}"
            ),
            Error::Conflict { flag, message } => write!(
                f,
                "flag `{flag}` is declared differently by two crates of this program ({message}): a read \
                 compiled against the ignored declaration may see a value or variant it does not expect; give \
                 the flags different names, or build both crates from one manifest"
            ),
            Error::Catalog { message } => write!(
                f,
                "a flag catalog compiled into this program cannot be read: {message} (are flag-macros \
                 and flag-runtime of the same version?)"
            ),
            Error::AlreadyInitialized => f.write_str(
                "the flag runtime has already started: call Builder::install before the first flag check",
            ),
        }
    }
}

impl std::error::Error for Error {}
