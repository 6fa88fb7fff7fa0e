//! A crate with its own `flags.toml`, whose dynamic value flags cover both ways a `flag_value!` read works
//! (see `flag_manifest::FlagValues::slot_bits`): the value's own bits in the flag's slot (booleans, integers
//! within `i32`, negative ones too), and an index into the declared values (integers beyond `i32`, floats,
//! strings, objects). Its test, `tests/reads.rs`, switches each flag through every value and reads it back;
//! `tests/generic_reads.rs` reads object flags as a type parameter, and `tests/compile_fail.rs` checks the
//! compile errors of typed reads with the `json` feature on. `examples/typed_read_cost.rs` counts a typed
//! read's instructions.
