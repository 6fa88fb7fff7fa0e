//! The JSON Schema of `flags.toml` that the repository keeps for editors, `flags.schema.json` at the
//! workspace root, is the one `flag_manifest::json_schema()` generates from the manifest's types, and the
//! workspace's `flags.toml` points editors at it.
//!
//! After changing the manifest's types (or their doc comments), regenerate the file with
//!
//! ```text
//! UPDATE_SCHEMA=1 cargo test -p flag-tests --test schema
//! ```
//!
//! That the schema agrees with the parser is tested in flag-manifest (`flag-manifest/tests/schema.rs`).

use std::path::{Path, PathBuf};

const REGENERATE: &str = "UPDATE_SCHEMA=1 cargo test -p flag-tests --test schema";

fn workspace_file(name: &str) -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).join(name)
}

#[test]
fn flags_schema_json_is_up_to_date() {
    let path = workspace_file("flags.schema.json");
    let generated = flag_manifest::json_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some_and(|value| !value.is_empty() && value != "0") {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        return;
    }
    let committed = match std::fs::read_to_string(&path) {
        // A checkout may have turned the line endings into CRLF.
        Ok(text) => text.replace("\r\n", "\n"),
        Err(error) => panic!(
            "cannot read {}: {error}\ngenerate it with `{REGENERATE}`",
            path.display()
        ),
    };
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(old, new)| old != new)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "{} is out of date: it differs from flag_manifest::json_schema() from line {}:\n  \
             committed: {}\n  generated: {}\nregenerate it with `{REGENERATE}` and commit the result",
            path.display(),
            line + 1,
            committed.lines().nth(line).unwrap_or("(end of file)"),
            generated.lines().nth(line).unwrap_or("(end of file)"),
        );
    }
}

#[test]
fn flags_toml_names_its_schema() {
    let path = workspace_file("flags.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("#:schema ./flags.schema.json"),
        "the first line of {} points taplo and Even Better TOML at the schema",
        path.display()
    );
}
