//! Where things are: the workspace around the current directory, the `.rs` files of its members, and the
//! `flags.toml` the macros would read from here.
//!
//! The workspace and its members come from `cargo metadata --no-deps` (so `members` globs, `exclude` and
//! virtual manifests mean what cargo says they mean); the manifest comes from
//! [`flag_manifest::locate_manifest`], as in the macros. Paths shown to people are relative to the
//! workspace root, with `/` separators, as cargo prints them.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use flag_manifest::{ENV_MANIFEST, ENV_OVERRIDES, ENV_PROFILE, ENV_TODAY, Manifest};

use crate::CliError;

/// What the process environment says, read once so that commands (and their tests) get it explicitly.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `FEATURE_FLAGS_MANIFEST`.
    pub manifest: Option<String>,
    /// `FEATURE_FLAGS_PROFILE`.
    pub profile: Option<String>,
    /// `FEATURE_FLAGS`.
    pub overrides: Option<String>,
    /// `FEATURE_FLAGS_TODAY`.
    pub today: Option<String>,
    /// The cargo to run: `$CARGO` (set when cargo runs a subcommand), else `cargo`.
    pub cargo: Option<OsString>,
}

impl Env {
    /// The variables of this process; empty values count as unset, as in the macros.
    pub fn from_process() -> Env {
        let var = flag_manifest::env_var;
        Env {
            manifest: var(ENV_MANIFEST),
            profile: var(ENV_PROFILE),
            overrides: var(ENV_OVERRIDES),
            today: var(ENV_TODAY),
            cargo: std::env::var_os("CARGO"),
        }
    }
}

/// A cargo workspace: its root and the directories of its member packages.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root (canonical).
    pub root: PathBuf,
    /// Each member package's directory (canonical), sorted.
    pub members: Vec<PathBuf>,
    /// The target directory cargo builds into, never scanned.
    pub target_dir: Option<PathBuf>,
}

impl Workspace {
    /// The workspace that contains `cwd`, as `cargo metadata` describes it.
    pub fn discover(cwd: &Path, env: &Env) -> Result<Workspace, CliError> {
        let cargo = env.cargo.clone().unwrap_or_else(|| "cargo".into());
        let output = Command::new(&cargo)
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--offline",
            ])
            .current_dir(cwd)
            .output()
            .map_err(|error| {
                CliError::new(format!(
                    "cannot run `{} metadata`: {error}",
                    cargo.to_string_lossy()
                ))
                .help("install cargo (rustup) or put it on PATH, or set CARGO to its path")
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(CliError::new(format!(
                "`cargo metadata` failed in {}: {}",
                cwd.display(),
                stderr.trim()
            ))
            .help(
                "run cargo flags from inside a cargo workspace whose Cargo.toml files are valid",
            ));
        }
        let metadata: serde_json::Value =
            serde_json::from_slice(&output.stdout).map_err(|error| {
                CliError::new(format!("cannot read `cargo metadata` output: {error}"))
                    .help("check that `cargo --version` works and is cargo 1.85 or later")
            })?;
        let root = metadata["workspace_root"]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| {
                CliError::new("`cargo metadata` gave no workspace_root")
                    .help("check that `cargo --version` works and is cargo 1.85 or later")
            })?;
        let root = canonical(&root);
        let mut members: Vec<PathBuf> = metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|package| package["manifest_path"].as_str())
            .filter_map(|manifest| Path::new(manifest).parent().map(canonical))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if members.is_empty() {
            members.push(root.clone());
        }
        let target_dir = metadata["target_directory"]
            .as_str()
            .map(|dir| canonical(Path::new(dir)));
        Ok(Workspace {
            root,
            members,
            target_dir,
        })
    }

    /// The workspace with only the members whose crates read `manifest` (the nearest `flags.toml` above
    /// each, or `FEATURE_FLAGS_MANIFEST`, as in the macros), and the others with the manifest each reads.
    /// A member whose manifest cannot be found stays: its code is checked against `manifest`.
    pub fn readers_of(
        self,
        manifest: &ManifestFile,
        env: &Env,
    ) -> (Workspace, Vec<(String, String)>) {
        let mut others = Vec::new();
        let mut members = Vec::new();
        for member in &self.members {
            match flag_manifest::locate_manifest(member, env.manifest.as_deref()) {
                Ok(found) if canonical(&found) != manifest.path => {
                    others.push((self.display(member), self.display(&canonical(&found))));
                }
                _ => members.push(member.clone()),
            }
        }
        (Workspace { members, ..self }, others)
    }

    /// Every `.rs` file of every member, sorted, skipping target directories, hidden directories, the
    /// directories of other packages nested inside a member (a `Cargo.toml` of their own: another member,
    /// scanned on its own, or a package outside the workspace such as a test fixture) and `excludes`.
    pub fn rust_files(&self, excludes: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
        let mut files = BTreeSet::new();
        for member in &self.members {
            self.walk(member, member, excludes, &mut files)?;
        }
        Ok(files.into_iter().collect())
    }

    fn walk(
        &self,
        member: &Path,
        dir: &Path,
        excludes: &[PathBuf],
        files: &mut BTreeSet<PathBuf>,
    ) -> Result<(), CliError> {
        let entries = std::fs::read_dir(dir).map_err(|error| {
            CliError::new(format!("cannot list {}: {error}", self.display(dir)))
                .help("check the directory's permissions, or leave it out with --exclude")
        })?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if excludes.iter().any(|excluded| path.starts_with(excluded)) {
                continue;
            }
            if kind.is_dir() {
                let is_target = self.target_dir.as_deref() == Some(path.as_path())
                    || (name == "target" && path.join("CACHEDIR.TAG").is_file());
                let other_package = path.join("Cargo.toml").is_file() && path != member;
                if name.starts_with('.') || is_target || other_package {
                    continue;
                }
                self.walk(member, &path, excludes, files)?;
            } else if kind.is_file() && name.ends_with(".rs") {
                files.insert(path);
            }
        }
        Ok(())
    }

    /// `path` as people see it: relative to the workspace root with `/` separators when it is inside,
    /// else as given.
    pub fn display(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let parts: Vec<String> = relative
            .components()
            .map(|component| component.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.is_empty() {
            ".".to_owned()
        } else if relative.is_absolute() {
            relative.display().to_string()
        } else {
            parts.join("/")
        }
    }
}

/// The canonical form of `path`, or `path` made clean of `.` when it cannot be canonicalised.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        path.components()
            .filter(|component| *component != Component::CurDir)
            .collect()
    })
}

/// The manifest the macros would use for a crate in the current directory.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    /// Its path (canonical).
    pub path: PathBuf,
    /// Its path as shown to people.
    pub display: String,
    /// Its text.
    pub text: String,
}

impl ManifestFile {
    /// Finds and reads the manifest from `cwd`, honouring `FEATURE_FLAGS_MANIFEST` (relative to `cwd`).
    pub fn locate(cwd: &Path, env: &Env, workspace: &Workspace) -> Result<ManifestFile, CliError> {
        let path = flag_manifest::locate_manifest(cwd, env.manifest.as_deref())
            .map_err(|message| CliError::new(message).help(format!(
                "cargo flags reads the manifest the macros read: the nearest flags.toml above the current \
                 directory, or {ENV_MANIFEST}"
            )))?;
        let path = canonical(&path);
        let display = workspace.display(&path);
        let text = std::fs::read_to_string(&path).map_err(|error| {
            CliError::new(format!("cannot read {display}: {error}"))
                .help("check that the file is readable UTF-8 text")
        })?;
        Ok(ManifestFile {
            path,
            display,
            text,
        })
    }

    /// The parsed manifest, or every diagnostic rendered as `path:line:col: message`.
    pub fn parse(&self) -> Result<Manifest, Vec<String>> {
        Manifest::parse(&self.text).map_err(|diagnostics| {
            diagnostics
                .iter()
                .map(|diagnostic| diagnostic.render(Path::new(&self.display)))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_members_and_skips_what_is_not_theirs() {
        let dir = std::env::temp_dir().join(format!("cargo-flags-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in [
            ("Cargo.toml", ""),
            ("src/main.rs", ""),
            ("src/deep/mod.rs", ""),
            ("target/CACHEDIR.TAG", ""),
            ("target/debug/build.rs", ""),
            (".hidden/x.rs", ""),
            ("fixtures/other/Cargo.toml", ""),
            ("fixtures/other/src/lib.rs", ""),
            ("skipped/a.rs", ""),
            ("src/target/not_a_target_dir.rs", ""),
            ("notes.txt", ""),
        ] {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let root = canonical(&dir);
        let workspace = Workspace {
            root: root.clone(),
            members: vec![root.clone()],
            target_dir: None,
        };
        let files: Vec<String> = workspace
            .rust_files(&[root.join("skipped")])
            .unwrap()
            .iter()
            .map(|file| workspace.display(file))
            .collect();
        assert_eq!(
            files,
            [
                "src/deep/mod.rs",
                "src/main.rs",
                "src/target/not_a_target_dir.rs"
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn members_with_a_manifest_of_their_own_are_left_to_it() {
        let dir = std::env::temp_dir().join(format!("cargo-flags-readers-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for path in [
            "flags.toml",
            "app/Cargo.toml",
            "own/Cargo.toml",
            "own/flags.toml",
        ] {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let root = canonical(&dir);
        let workspace = Workspace {
            root: root.clone(),
            members: vec![root.join("app"), root.join("own")],
            target_dir: None,
        };
        let manifest = ManifestFile {
            path: root.join("flags.toml"),
            display: "flags.toml".into(),
            text: String::new(),
        };
        let (workspace, others) = workspace.readers_of(&manifest, &Env::default());
        assert_eq!(workspace.members, [root.join("app")]);
        assert_eq!(others, [("own".to_owned(), "own/flags.toml".to_owned())]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
