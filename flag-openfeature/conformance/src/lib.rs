//! Nothing but a home: this crate gives the OpenFeature conformance test (`tests/conformance.rs`) a
//! `flags.toml` of its own, the flagd testbed's flags translated, since a program's flags are those of the
//! manifest nearest to the crates that use the flag macros.
