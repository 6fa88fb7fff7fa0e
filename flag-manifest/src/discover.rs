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

/// The value of the build variable `name` (one of the `ENV_*` constants), or `None` when it is unset, not
/// Unicode, or blank: an empty value counts as unset, for the macros and `cargo flags` alike.
///
/// ```
/// assert_eq!(flag_manifest::env_var("FEATURE_FLAGS_DOC_EXAMPLE_UNSET"), None);
/// ```
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Where [`find_manifest`] found the manifest, and where it looked first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundManifest {
    /// The manifest.
    pub path: PathBuf,
    /// The candidates the search looked at and found no file at, nearest first: the `flags.toml` of each
    /// directory from the crate's up to, not including, the one it was found in (none when the manifest is
    /// named by `FEATURE_FLAGS_MANIFEST`). While none of them becomes a file, the same search finds the same
    /// manifest, so a caller that remembers the answer checks these instead of searching again.
    pub passed: Vec<PathBuf>,
}

/// Finds the manifest for the crate in `crate_dir`: `explicit` (the value of `FEATURE_FLAGS_MANIFEST`,
/// relative to `crate_dir`) when given and not empty, else the nearest `flags.toml` in `crate_dir` or one of
/// its parents. The one search for the manifest, for the macros and `cargo flags` alike.
///
/// Returns a message that says where it looked when there is none.
///
/// ```
/// let dir = std::env::temp_dir().join("flag-manifest-doc-find");
/// std::fs::create_dir_all(dir.join("crates/app")).unwrap();
/// std::fs::write(dir.join("flags.toml"), "").unwrap();
/// let found = flag_manifest::find_manifest(&dir.join("crates/app"), None).unwrap();
/// assert_eq!(found.path, dir.join("flags.toml"));
/// assert_eq!(found.passed, [dir.join("crates/app/flags.toml"), dir.join("crates/flags.toml")]);
/// ```
pub fn find_manifest(crate_dir: &Path, explicit: Option<&str>) -> Result<FoundManifest, String> {
    if let Some(explicit) = explicit.filter(|value| !value.is_empty()) {
        let path = crate_dir.join(explicit);
        return if path.is_file() {
            Ok(FoundManifest {
                path,
                passed: Vec::new(),
            })
        } else {
            Err(format!(
                "{ENV_MANIFEST}={explicit:?} names {}, which is not a file",
                path.display()
            ))
        };
    }
    let mut passed = Vec::new();
    for dir in crate_dir.ancestors() {
        let candidate = dir.join(MANIFEST_FILE_NAME);
        if candidate.is_file() {
            return Ok(FoundManifest {
                path: candidate,
                passed,
            });
        }
        passed.push(candidate);
    }
    Err(format!(
        "no {MANIFEST_FILE_NAME} found in {} or any of its parents; create one at the workspace root \
         (see the flag-runtime README) or set {ENV_MANIFEST} to its path",
        crate_dir.display()
    ))
}

/// [`find_manifest`]'s path alone.
///
/// ```
/// let dir = std::env::temp_dir().join("flag-manifest-doc-locate");
/// std::fs::create_dir_all(dir.join("crates/app")).unwrap();
/// std::fs::write(dir.join("flags.toml"), "").unwrap();
/// let found = flag_manifest::locate_manifest(&dir.join("crates/app"), None).unwrap();
/// assert_eq!(found, dir.join("flags.toml"));
/// ```
pub fn locate_manifest(crate_dir: &Path, explicit: Option<&str>) -> Result<PathBuf, String> {
    find_manifest(crate_dir, explicit).map(|found| found.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_passes_the_directories_below_the_manifest() {
        let root = std::env::temp_dir().join(format!("flag-manifest-find-{}", std::process::id()));
        let crate_dir = root.join("crates/app");
        std::fs::create_dir_all(&crate_dir).unwrap();
        std::fs::write(root.join(MANIFEST_FILE_NAME), "").unwrap();
        std::fs::write(root.join("crates/named.toml"), "").unwrap();

        let found = find_manifest(&crate_dir, None).unwrap();
        assert_eq!(found.path, root.join(MANIFEST_FILE_NAME));
        assert_eq!(
            found.passed,
            [
                crate_dir.join(MANIFEST_FILE_NAME),
                root.join("crates").join(MANIFEST_FILE_NAME)
            ]
        );
        // Named explicitly: no search, so nothing passed.
        let named = find_manifest(&crate_dir, Some("../named.toml")).unwrap();
        assert_eq!(named.path, crate_dir.join("../named.toml"));
        assert!(named.passed.is_empty());
        // An empty name is no name.
        assert_eq!(find_manifest(&crate_dir, Some("")).unwrap(), found);
        // The nearest wins, and nothing is passed when it is in the crate's directory.
        std::fs::write(crate_dir.join(MANIFEST_FILE_NAME), "").unwrap();
        let own = find_manifest(&crate_dir, None).unwrap();
        assert_eq!(own.path, crate_dir.join(MANIFEST_FILE_NAME));
        assert!(own.passed.is_empty());

        let missing = find_manifest(&crate_dir, Some("../gone.toml")).unwrap_err();
        assert!(missing.contains("which is not a file"), "{missing}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
