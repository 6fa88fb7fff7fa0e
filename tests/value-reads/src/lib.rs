//! A crate with its own `flags.toml`, whose dynamic value flags cover both ways a `flag_value!` read works
//! (see `flag_manifest::FlagValues::slot_bits`): the value's own bits in the flag's slot (booleans, integers
//! within `i32`, negative ones too), and an index into the declared values (integers beyond `i32`, floats,
//! strings, objects). Its test, `tests/reads.rs`, switches each flag through every value and reads it back.
