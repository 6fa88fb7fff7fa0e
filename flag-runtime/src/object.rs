//! Object flags read as a Rust type: `flag_value!("layout": Layout)` gives a `&'static Layout`.
//!
//! An object flag's values are declared at build time, so each needs decoding at most once per type: the
//! call site owns a cache with one entry per declared value, fills it on the first read of its value as a
//! type, and every later read is a reference into it (a dynamic flag's value is still chosen at each read,
//! by one load of its index). Decoding needs a JSON parser, so it lives behind the `json` feature, which
//! brings `serde_json`; without it the call is a compile error that says to enable it.
//!
//! The cache is a `static` in the expansion, and a `static` cannot name a type parameter of the fn around
//! it, while the macro cannot tell `flag_value!("layout": T)` in a generic fn from a concrete type. So the
//! cache does not name the type: an entry ([`Decoded`]) holds decodings as `dyn Any`, told apart by their
//! `TypeId`. The first type a call site reads a value as takes the entry's `OnceLock`, so a call site of one
//! type (the common case) reads with a `OnceLock::get` and a downcast; any further type (a generic fn called
//! with several) goes to a short list behind a lock. A decoding lives as long as the program (it is leaked,
//! on purpose, so that the `&'static T` handed out stays valid): at most one per call site, declared value
//! and type, which the program's code bounds.

use std::any::Any;
use std::sync::{Mutex, OnceLock};

use crate::Error;

/// A decoding of one declared value as one type: a `Result<T, Error>`, its type erased, alive for the
/// rest of the program.
type Erased = &'static (dyn Any + Send + Sync);

/// One declared value of an object flag at one call site, decoded as each type the call site reads it
/// as. Used by generated code; not a stable API.
// Without the `json` feature nothing decodes, so nothing reads the fields.
#[cfg_attr(not(feature = "json"), allow(dead_code))]
pub struct Decoded {
    /// The decoding as the first type read: the only one, unless the call site is in a generic fn.
    first: OnceLock<Erased>,
    /// The decodings as other types, at most one each.
    others: Mutex<Vec<Erased>>,
}

impl Decoded {
    /// Nothing decoded yet.
    #[allow(clippy::new_without_default)] // a `static`'s initializer, which must be `const`
    pub const fn new() -> Self {
        Decoded {
            first: OnceLock::new(),
            others: Mutex::new(Vec::new()),
        }
    }
}

/// The value `json` (the flag's value called `value`) decoded as a `T`, decoded on the first call for
/// this `T` and kept in `cache`. Called by generated code; not a stable API.
#[cfg(feature = "json")]
#[inline]
pub fn decode<T>(
    cache: &'static Decoded,
    flag: &'static str,
    value: &'static str,
    json: &'static str,
) -> Result<&'static T, Error>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let decoded = match cache.first.get().and_then(|first| first.downcast_ref()) {
        Some(decoded) => decoded,
        None => decode_once::<T>(cache, flag, value, json),
    };
    decoded.as_ref().map_err(Clone::clone)
}

/// [`decode`] when `cache.first` does not hold a `T`: decodes the value as a `T` into `cache.first` if that
/// is empty, else into `cache.others` unless a `T` is there already.
#[cfg(feature = "json")]
#[cold]
#[inline(never)]
fn decode_once<T>(
    cache: &'static Decoded,
    flag: &'static str,
    value: &'static str,
    json: &'static str,
) -> &'static Result<T, Error>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let decoded = || -> Erased { Box::leak(Box::new(from_json::<T>(flag, value, json))) };
    // Runs `decoded` only when the slot is empty; a thread that finds it being filled waits.
    if let Some(first) = cache.first.get_or_init(decoded).downcast_ref() {
        return first;
    }
    // A panic while the lock was held (in a type's `Deserialize`) left the list as it was: nothing is
    // pushed before its decoding is complete.
    let mut others = cache
        .others
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(other) = others
        .iter()
        .copied()
        .find_map(|other| other.downcast_ref())
    {
        return other;
    }
    let other: &'static Result<T, Error> = Box::leak(Box::new(from_json(flag, value, json)));
    others.push(other);
    other
}

/// `json` decoded as a `T`, or the error that names the flag, the value and the type.
#[cfg(feature = "json")]
fn from_json<T: serde::de::DeserializeOwned>(
    flag: &'static str,
    value: &'static str,
    json: &'static str,
) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|error| Error::ObjectType {
        flag: flag.to_owned(),
        value: value.to_owned(),
        type_name: std::any::type_name::<T>(),
        message: error.to_string(),
    })
}

/// Without the `json` feature, a call is a compile error: no type implements [`JsonFeature`].
#[cfg(not(feature = "json"))]
pub fn decode<T: JsonFeature>(
    _cache: &'static Decoded,
    flag: &'static str,
    _value: &'static str,
    _json: &'static str,
) -> Result<&'static T, Error> {
    Err(Error::ObjectType {
        flag: flag.to_owned(),
        value: String::new(),
        type_name: std::any::type_name::<T>(),
        message: "flag-runtime was built without its `json` feature".to_owned(),
    })
}

/// What a type would need to be read from an object flag without the `json` feature: nothing has it, so
/// the compiler says what to do instead.
#[cfg(not(feature = "json"))]
#[diagnostic::on_unimplemented(
    message = "reading an object flag as a Rust type (`flag_value!(\"name\": {Self})`) needs flag-runtime's `json` feature",
    label = "needs the `json` feature",
    note = "enable it in Cargo.toml: flag-runtime = {{ version = \"...\", features = [\"json\"] }}; or read the flag's JSON text with `flag_value!(\"name\")`"
)]
pub trait JsonFeature {}
