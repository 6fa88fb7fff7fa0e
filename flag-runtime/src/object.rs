//! Object flags read as a Rust type: `flag_value!("layout": Layout)` gives a `&'static Layout`.
//!
//! An object flag's values are declared at build time, so each needs decoding at most once: the call site
//! owns a cache with one entry per declared value, fills an entry on the first read of its value, and every
//! later read is a reference into it (a dynamic flag's value is still chosen at each read, by one load of
//! its index). Decoding needs a JSON parser, so it lives behind the `json` feature, which brings
//! `serde_json`; without it the call is a compile error that says to enable it.

use std::sync::OnceLock;

use crate::Error;

/// One declared value of an object flag, decoded (or not) as one call site's type. Used by generated
/// code; not a stable API.
pub type Decoded<T> = OnceLock<Result<T, Error>>;

/// The value `json` (the flag's value called `value`) decoded as a `T`, decoded on the first call and
/// kept in `cache`. Called by generated code; not a stable API.
#[cfg(feature = "json")]
pub fn decode<T>(
    cache: &'static Decoded<T>,
    flag: &'static str,
    value: &'static str,
    json: &'static str,
) -> Result<&'static T, Error>
where
    T: serde::de::DeserializeOwned + Send + Sync,
{
    cache
        .get_or_init(|| {
            serde_json::from_str(json).map_err(|error| Error::ObjectType {
                flag: flag.to_owned(),
                value: value.to_owned(),
                type_name: std::any::type_name::<T>(),
                message: error.to_string(),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Without the `json` feature, a call is a compile error: no type implements [`JsonFeature`].
#[cfg(not(feature = "json"))]
pub fn decode<T: JsonFeature>(
    _cache: &'static Decoded<T>,
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
