//! Shared by the end-to-end tests: fixture copies, running the built binary, and snapshot files.
//!
//! Fixtures live in `tests/fixtures/NAME` and are copied to a fresh directory under
//! `CARGO_TARGET_TMPDIR` before each use, with `@FLAG_RUNTIME@` in their `Cargo.toml` files replaced by the
//! absolute path of this repository's `flag-runtime`. Snapshots are plain files in `tests/snapshots/`;
//! `CARGO_FLAGS_BLESS=1` rewrites the ones that differ, to be read and checked by hand before committing.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The variables the binary reads; every run starts without them.
pub const FLAG_VARIABLES: [&str; 5] = [
    "FEATURE_FLAGS",
    "FEATURE_FLAGS_PROFILE",
    "FEATURE_FLAGS_MANIFEST",
    "FEATURE_FLAGS_FILE",
    "FEATURE_FLAGS_TODAY",
];

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit status.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The fixtures' directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// This repository's flag-runtime, which the fixtures depend on.
pub fn flag_runtime() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flag-runtime");
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// A copy of a fixture in a directory of its own, deleted when the test passes (kept for a look when it
/// fails).
pub struct Fixture(PathBuf);

impl std::ops::Deref for Fixture {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Fixture {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A fresh copy of fixture `name` for test `test`, in a directory of this process (several runs of the test
/// suite may share a target directory).
pub fn fixture(name: &str, test: &str) -> Fixture {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-flags-e2e")
        .join(format!("{test}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot clear {}: {e}", dir.display()));
    }
    copy_dir(&fixtures().join(name), &dir);
    Fixture(dir)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_name() == "Cargo.toml" {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let runtime = flag_runtime().display().to_string();
            std::fs::write(&target, text.replace("@FLAG_RUNTIME@", &runtime)).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs `cargo-flags flags ARGS` in `dir`, as cargo runs a subcommand, with `env` and no other flag
/// variable.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-flags"));
    command.arg("flags").args(args).current_dir(dir);
    for name in FLAG_VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// `dir/path` as text.
pub fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Parses JSON output.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// Compares `actual` with `tests/snapshots/NAME`; with `CARGO_FLAGS_BLESS=1`, rewrites the file instead.
pub fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    assert!(
        !actual.contains(env!("CARGO_MANIFEST_DIR"))
            && !actual.contains(env!("CARGO_TARGET_TMPDIR")),
        "snapshot {name} holds a machine path:\n{actual}"
    );
    if std::env::var_os("CARGO_FLAGS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if std::fs::read_to_string(&path).ok().as_deref() != Some(actual) {
            std::fs::write(&path, actual).unwrap();
            eprintln!("blessed {name}: read it before committing");
        }
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("no snapshot {name} ({e}); create it with CARGO_FLAGS_BLESS=1 and read it")
    });
    if expected != actual {
        panic!(
            "snapshot {name} differs (rerun with CARGO_FLAGS_BLESS=1 and read the diff):\n--- expected\n{expected}\n--- actual\n{actual}"
        );
    }
}
