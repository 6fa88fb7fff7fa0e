//! Where the manifest is, and the names of the variables a build reads.

use std::path::{Path, PathBuf};

/// The manifest's file name, looked for in the crate's directory and each of its parents.
pub const MANIFEST_FILE_NAME: &str = "flags.toml";
/// Names the manifest explicitly; a relative path is taken from the crate's directory.
pub const ENV_MANIFEST: &str = "FEATURE_FLAGS_MANIFEST";
/// Chooses a `[profiles.NAME]` table at build time.
pub const ENV_PROFILE: &str = "FEATURE_FLAGS_PROFILE";
/// Per-build overrides such as `new_ui=on,-legacy`, applied on top of the profile.
pub const ENV_OVERRIDES: &str = "FEATURE_FLAGS";
/// The variable that pins the date expiry is judged against, as `YYYY-MM-DD` (else the clock, in UTC).
pub const ENV_TODAY: &str = "FEATURE_FLAGS_TODAY";

/// Finds the manifest for the crate in `crate_dir`: `explicit` (the value of `FEATURE_FLAGS_MANIFEST`,
/// relative to `crate_dir`) when given, else the nearest `flags.toml` in `crate_dir` or one of its parents.
///
/// Returns a message that says where it looked when there is none.
///
/// ```
/// let dir = std::env::temp_dir().join("flag-manifest-doc-locate");
/// std::fs::create_dir_all(dir.join("crates/app")).unwrap();
/// std::fs::write(dir.join("flags.toml"), "").unwrap();
/// let found = flag_manifest::locate_manifest(&dir.join("crates/app"), None).unwrap();
/// assert_eq!(found, dir.join("flags.toml"));
/// ```
pub fn locate_manifest(crate_dir: &Path, explicit: Option<&str>) -> Result<PathBuf, String> {
    if let Some(explicit) = explicit.filter(|value| !value.is_empty()) {
        let path = crate_dir.join(explicit);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{ENV_MANIFEST}={explicit:?} names {}, which is not a file",
                path.display()
            ))
        };
    }
    // flag-macros skips this search on repeat uses by checking that the candidates passed over are still
    // not files (`passed_candidates` in its load.rs): a change to the search must be made there too.
    crate_dir
        .ancestors()
        .map(|dir| dir.join(MANIFEST_FILE_NAME))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!(
                "no {MANIFEST_FILE_NAME} found in {} or any of its parents; create one at the workspace root \
                 (see the flag-runtime README) or set {ENV_MANIFEST} to its path",
                crate_dir.display()
            )
        })
}
