//! What happens between builds, and what ends up in a binary, checked on scratch cargo projects.
//!
//! The other integration tests are compiled once, under the workspace's `flags.toml`, so they cannot show
//! that editing the manifest or changing a `FEATURE_FLAGS*` variable makes cargo rebuild the crates that
//! read them (and leaves them alone otherwise), that this holds even for a crate whose every flagged item
//! was removed, or that code under a flag that is off leaves nothing in an optimised binary. Each test here
//! therefore writes a small cargo project of its own under `CARGO_TARGET_TMPDIR`, runs the real `cargo` on
//! it, and looks at what cargo reports, what the program prints and what the binary contains.
//!
//! The scratch projects share one target directory, so flag-runtime and its dependencies are compiled once
//! per profile; cargo's lock on that directory serialises the tests' builds. Cargo judges freshness by
//! modification times, so an edit made after a build waits until its mtime is sure to be later than that
//! build's outputs (see [`Scratch::edit`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// The variables the macros read; removed from every scratch build so that only what a step sets applies.
const FLAG_VARIABLES: [&str; 3] = [
    "FEATURE_FLAGS",
    "FEATURE_FLAGS_PROFILE",
    "FEATURE_FLAGS_MANIFEST",
];

/// How long after a build an edit waits: more than the one-second mtime resolution of the coarsest file
/// systems, so that the edited file is always newer than what the build wrote.
const MTIME_MARGIN: Duration = Duration::from_millis(1100);

/// The directory every scratch build compiles into.
fn shared_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch-target")
}

/// The flag-runtime package of this workspace, which every scratch project depends on by path.
fn runtime_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../flag-runtime")
}

/// The workspace's lock file, copied into each scratch project so that it builds with the versions the
/// workspace was tested with and does not need to resolve them afresh.
fn workspace_lockfile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock")
}

/// `path` as a TOML basic string.
fn toml_string(path: &Path) -> String {
    let text = path.to_str().unwrap_or_else(|| {
        panic!(
            "scratch paths must be UTF-8 to be written into a Cargo.toml: {}",
            path.display()
        )
    });
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The `Cargo.toml` of a scratch package named `name`: depends on flag-runtime by absolute path, plus
/// `extra_dependencies` (lines of a `[dependencies]` table), and is a workspace of its own.
fn package_manifest(name: &str, extra_dependencies: &str) -> String {
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         flag-runtime = {{ path = {runtime} }}\n\
         {extra_dependencies}\n\
         \n\
         # Not part of the workspace the scratch directory happens to sit in.\n\
         [workspace]\n",
        runtime = toml_string(&runtime_dir()),
    )
}

/// A manifest declaring the static flag `beta_feature`, off or on by default, and a profile `on` that
/// turns it on.
fn beta_manifest(default: bool) -> String {
    format!(
        "[flags.beta_feature]\n\
         description = \"Flag switched by the rebuild tests\"\n\
         owner = \"flag-tests\"\n\
         default = {default}\n\
         \n\
         [profiles.on]\n\
         beta_feature = true\n"
    )
}

/// A program that prints, on one line, `flag!("beta_feature")` and which of two twin fns gated on
/// `beta_feature` was kept.
const BETA_MAIN: &str = r#"use flag_runtime::{feature_flag, flag};

#[feature_flag("beta_feature")]
fn variant() -> &'static str {
    "variant=on"
}

#[feature_flag(not("beta_feature"))]
fn variant() -> &'static str {
    "variant=off"
}

fn main() {
    println!("flag={} {}", flag!("beta_feature"), variant());
}
"#;

/// What [`BETA_MAIN`] prints with `beta_feature` off.
const BETA_OFF: &str = "flag=false variant=off";
/// What [`BETA_MAIN`] prints with `beta_feature` on.
const BETA_ON: &str = "flag=true variant=on";

/// A scratch cargo project: a directory of its own, recreated empty for each test.
struct Scratch {
    /// The project's directory.
    root: PathBuf,
    /// When the last cargo command run on this project finished, if any.
    last_build: Option<SystemTime>,
}

/// What a successful cargo command printed.
struct CargoRun {
    /// The command, for messages.
    description: String,
    /// cargo's stdout: for `cargo run`, the program's output.
    stdout: String,
    /// cargo's own messages (`Compiling ..`, `Fresh ..`, warnings).
    stderr: String,
}

impl Scratch {
    /// A fresh, empty directory named after `test`, whatever an earlier run left there.
    fn new(test: &str) -> Self {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("rebuild_and_binary")
            .join(test);
        if root.exists() {
            fs::remove_dir_all(&root).unwrap_or_else(|error| {
                panic!(
                    "could not remove the old scratch project {}: {error}",
                    root.display()
                )
            });
        }
        fs::create_dir_all(&root).unwrap_or_else(|error| {
            panic!(
                "could not create the scratch project {}: {error}",
                root.display()
            )
        });
        Scratch {
            root,
            last_build: None,
        }
    }

    /// The absolute path of `relative` in the project.
    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Writes `contents` to `relative`, creating its directories. For files written before any build; use
    /// [`Scratch::edit`] after one.
    fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|error| panic!("could not create {}: {error}", parent.display()));
        }
        fs::write(&path, contents)
            .unwrap_or_else(|error| panic!("could not write {}: {error}", path.display()));
    }

    /// Writes a package: its `Cargo.toml` (see [`package_manifest`]) in `dir` and `source_path` (relative to
    /// `dir`) with `source`.
    fn write_package(
        &self,
        dir: &str,
        name: &str,
        extra_dependencies: &str,
        source_path: &str,
        source: &str,
    ) {
        self.write(
            &format!("{dir}/Cargo.toml"),
            &package_manifest(name, extra_dependencies),
        );
        self.write(&format!("{dir}/{source_path}"), source);
    }

    /// Rewrites `relative` after a build, first waiting until [`MTIME_MARGIN`] has passed since that build
    /// finished: cargo compares modification times, and an edit in the same (file-system) second as the
    /// build, or one that keeps the file's length, could otherwise go unnoticed.
    fn edit(&mut self, relative: &str, contents: &str) {
        if let Some(last_build) = self.last_build {
            let since = SystemTime::now()
                .duration_since(last_build)
                .unwrap_or_default();
            if let Some(wait) = MTIME_MARGIN.checked_sub(since) {
                std::thread::sleep(wait);
            }
        }
        self.write(relative, contents);
        if let Some(last_build) = self.last_build {
            let path = self.path(relative);
            let modified = fs::metadata(&path)
                .and_then(|metadata| metadata.modified())
                .unwrap_or_else(|error| {
                    panic!("could not read the mtime of {}: {error}", path.display())
                });
            assert!(
                modified > last_build,
                "the edit of {} has mtime {modified:?}, not later than the last build ({last_build:?}); \
                 cargo would not see it",
                path.display()
            );
        }
    }

    /// Runs cargo with `args` in the package directory `dir` (relative to the project; `"."` for the root),
    /// with none of the flag variables set except those in `env`, and the shared target directory. Panics
    /// with cargo's whole output when it fails.
    fn cargo(&mut self, dir: &str, args: &[&str], env: &[(&str, &str)]) -> CargoRun {
        let package_dir = self.path(dir);
        let lockfile = package_dir.join("Cargo.lock");
        if !lockfile.exists() && workspace_lockfile().exists() {
            fs::copy(workspace_lockfile(), &lockfile).unwrap_or_else(|error| {
                panic!(
                    "could not copy {} to {}: {error}",
                    workspace_lockfile().display(),
                    lockfile.display()
                )
            });
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut command = Command::new(&cargo);
        command
            .args(args)
            .current_dir(&package_dir)
            .env("CARGO_TARGET_DIR", shared_target_dir())
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("CARGO_TERM_QUIET")
            .env_remove("CARGO_BUILD_TARGET");
        for name in FLAG_VARIABLES {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        let description = format!(
            "`{cargo} {}` in {} with {env:?}",
            args.join(" "),
            package_dir.display()
        );
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("could not start {description}: {error}"));
        self.last_build = Some(SystemTime::now());
        let run = CargoRun {
            description,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            output.status.success(),
            "{} failed ({})\n--- stderr ---\n{}\n--- stdout ---\n{}",
            run.description,
            output.status,
            run.stderr,
            run.stdout
        );
        run
    }

    /// `cargo run` in `dir` with `env` (see [`Scratch::cargo`]).
    fn run(&mut self, dir: &str, env: &[(&str, &str)]) -> CargoRun {
        self.cargo(dir, &["run"], env)
    }
}

impl CargoRun {
    /// Asserts that the program printed exactly `expected` (one line).
    fn assert_output(&self, expected: &str) -> &Self {
        assert_eq!(
            self.stdout.trim_end(),
            expected,
            "unexpected output from {}\n--- stderr ---\n{}",
            self.description,
            self.stderr
        );
        self
    }

    /// Asserts that cargo compiled the package `package`.
    fn assert_compiled(&self, package: &str) -> &Self {
        assert!(
            self.stderr.contains(&format!("Compiling {package} v")),
            "{} did not compile `{package}`; cargo said:\n{}",
            self.description,
            self.stderr
        );
        self
    }

    /// Asserts that cargo did not compile the package `package`.
    fn assert_not_compiled(&self, package: &str) -> &Self {
        assert!(
            !self.stderr.contains(&format!("Compiling {package} v")),
            "{} compiled `{package}` again although nothing changed; cargo said:\n{}",
            self.description,
            self.stderr
        );
        self
    }
}

/// Whether `needle` occurs anywhere in `haystack`.
fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn editing_the_manifest_rebuilds_and_changes_the_result() {
    const PACKAGE: &str = "manifest-edit-app";
    let mut scratch = Scratch::new("editing_the_manifest_rebuilds_and_changes_the_result");
    scratch.write_package(".", PACKAGE, "", "src/main.rs", BETA_MAIN);
    scratch.write("flags.toml", &beta_manifest(false));

    scratch.run(".", &[]).assert_output(BETA_OFF);

    scratch.edit("flags.toml", &beta_manifest(true));
    scratch
        .run(".", &[])
        .assert_output(BETA_ON)
        .assert_compiled(PACKAGE);

    // Nothing changed since: the tracking must not make every build a rebuild.
    let unchanged = scratch.cargo(".", &["build", "-v"], &[]);
    unchanged.assert_not_compiled(PACKAGE);
    assert!(
        unchanged.stderr.contains(&format!("Fresh {PACKAGE} v")),
        "expected cargo -v to report {PACKAGE} as fresh; cargo said:\n{}",
        unchanged.stderr
    );
}

#[test]
fn changing_a_variable_rebuilds() {
    const PACKAGE: &str = "variables-app";
    let mut scratch = Scratch::new("changing_a_variable_rebuilds");
    scratch.write_package(".", PACKAGE, "", "src/main.rs", BETA_MAIN);
    scratch.write("flags.toml", &beta_manifest(false));
    scratch.write("alternative/flags-on.toml", &beta_manifest(true));
    let alternative = scratch.path("alternative/flags-on.toml");
    let alternative = alternative
        .to_str()
        .expect("the scratch directory's path is UTF-8");

    // A plain build first, so that each later step changes one variable only (the profile step changes
    // two): a variable that is not tracked leaves the previous output in place.
    scratch.run(".", &[]).assert_output(BETA_OFF);
    scratch
        .run(".", &[("FEATURE_FLAGS", "beta_feature=on")])
        .assert_output(BETA_ON)
        .assert_compiled(PACKAGE);
    scratch
        .run(".", &[("FEATURE_FLAGS_PROFILE", "on")])
        .assert_output(BETA_ON)
        .assert_compiled(PACKAGE);
    scratch
        .run(".", &[])
        .assert_output(BETA_OFF)
        .assert_compiled(PACKAGE);
    scratch
        .run(".", &[("FEATURE_FLAGS_MANIFEST", alternative)])
        .assert_output(BETA_ON)
        .assert_compiled(PACKAGE);
}

#[test]
fn a_crate_whose_only_flagged_item_is_removed_is_rebuilt() {
    const LIBRARY: &str = "only_removed";
    const APP: &str = "removed-user-app";
    let mut scratch = Scratch::new("a_crate_whose_only_flagged_item_is_removed_is_rebuilt");
    // The manifest sits above both packages, so both find it.
    scratch.write("flags.toml", &beta_manifest(false));
    scratch.write_package(
        "only_removed",
        LIBRARY,
        "",
        "src/lib.rs",
        r#"//! A library whose only flagged item is removed while `beta_feature` is off.

#[flag_runtime::feature_flag("beta_feature")]
pub mod extra {
    pub const PRESENT: bool = true;
}
"#,
    );
    scratch.write_package(
        "app",
        APP,
        "only_removed = { path = \"../only_removed\" }",
        "src/main.rs",
        r#"use flag_runtime::feature_flag;

#[feature_flag("beta_feature")]
fn has_extra() -> bool {
    only_removed::extra::PRESENT
}

#[feature_flag(not("beta_feature"))]
fn has_extra() -> bool {
    false
}

fn main() {
    println!("has_extra={}", has_extra());
}
"#,
    );

    scratch.run("app", &[]).assert_output("has_extra=false");

    // Had `only_removed` not been rebuilt, the app would fail to compile: `extra` would still be missing.
    scratch.edit("flags.toml", &beta_manifest(true));
    scratch
        .cargo("app", &["run", "-v"], &[])
        .assert_compiled(LIBRARY)
        .assert_compiled(APP)
        .assert_output("has_extra=true");
}

#[test]
fn disabled_code_leaves_no_trace_in_a_release_binary() {
    const PACKAGE: &str = "no-trace-app";
    let mut scratch = Scratch::new("disabled_code_leaves_no_trace_in_a_release_binary");
    scratch.write(
        "flags.toml",
        "[flags.off_flag]\n\
         description = \"Off: what it gates must not reach the binary\"\n\
         default = false\n\
         \n\
         [flags.on_flag]\n\
         description = \"On: shows that the search finds what is there\"\n\
         default = true\n",
    );
    scratch.write_package(
        ".",
        PACKAGE,
        "",
        "src/main.rs",
        r#"use flag_runtime::{feature_flag, flag};

#[feature_flag("off_flag")]
fn secret() {
    println!("SECRET_MARKER_5f1c9a");
}

#[feature_flag(not("off_flag"))]
fn secret() {}

#[feature_flag("off_flag")]
#[unsafe(no_mangle)]
pub extern "C" fn secret_symbol_5f1c9a() -> u32 {
    7
}

#[feature_flag("on_flag")]
#[unsafe(no_mangle)]
pub extern "C" fn visible_symbol_5f1c9a() -> u32 {
    9
}

#[feature_flag("on_flag")]
fn visible() {
    println!("VISIBLE_MARKER_5f1c9a");
}

fn main() {
    if flag!("off_flag") {
        println!("BRANCH_MARKER_5f1c9a");
    }
    secret();
    visible();
    // Called through an opaque pointer: a direct call would be inlined and the linker would then drop the
    // unexported fn, symbol and all, from the executable.
    let visible_symbol: extern "C" fn() -> u32 = std::hint::black_box(visible_symbol_5f1c9a);
    std::hint::black_box(visible_symbol());
}
"#,
    );

    scratch.cargo(".", &["build", "--release"], &[]);
    let binary = shared_target_dir()
        .join("release")
        .join(format!("{PACKAGE}{}", std::env::consts::EXE_SUFFIX));
    let bytes = fs::read(&binary)
        .unwrap_or_else(|error| panic!("could not read the binary {}: {error}", binary.display()));

    let output = Command::new(&binary)
        .output()
        .unwrap_or_else(|error| panic!("could not run {}: {error}", binary.display()));
    assert!(
        output.status.success(),
        "{} failed: {}",
        binary.display(),
        output.status
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        "VISIBLE_MARKER_5f1c9a"
    );

    for present in ["VISIBLE_MARKER_5f1c9a", "visible_symbol_5f1c9a"] {
        assert!(
            contains_bytes(&bytes, present.as_bytes()),
            "`{present}` is missing from {}, so the search cannot be trusted to find what is there",
            binary.display()
        );
    }
    for absent in [
        "SECRET_MARKER_5f1c9a",
        "BRANCH_MARKER_5f1c9a",
        "secret_symbol_5f1c9a",
    ] {
        assert!(
            !contains_bytes(&bytes, absent.as_bytes()),
            "`{absent}`, under a flag that is off, is in {}",
            binary.display()
        );
    }
}

#[test]
fn a_renamed_dependency_works() {
    // Users may rename the runtime in Cargo.toml; generated code must then name `::flags`, which the macros
    // learn from the user's Cargo.toml.
    let scratch = Scratch::new("a_renamed_dependency_works");
    scratch.write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"renamed-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nflags = {{ package = \"flag-runtime\", path = {} }}\n\n[workspace]\n",
            toml_string(&runtime_dir())
        ),
    );
    scratch.write(
        "flags.toml",
        "[flags.live]\nmode = \"dynamic\"\n\n[flags.built]\ndefault = true\n",
    );
    scratch.write(
        "src/main.rs",
        r#"use flags::{feature_flag, flag};

fn old_greeting() -> &'static str {
    "old"
}

#[feature_flag("live", fallback = old_greeting)]
fn greeting() -> &'static str {
    "new"
}

fn main() {
    let before = (flag!("live"), greeting());
    flags::set("live", true).unwrap();
    let after = (flag!("live"), greeting());
    println!("{before:?} {after:?} {}", flag!("built"));
}
"#,
    );
    let mut scratch = scratch;
    scratch
        .run(".", &[])
        .assert_output(r#"(false, "old") (true, "new") true"#);
}

#[test]
fn rustdoc_says_which_flag_guards_a_documented_item() {
    // The note is built only where rustdoc can show it (not inside rustc, where `cfg(doc)` is never set):
    // `cargo doc` must still show it, for a kept item, a switched fn and a fallback under a static flag.
    let mut scratch = Scratch::new("rustdoc_says_which_flag_guards_a_documented_item");
    scratch.write_package(
        ".",
        "doc-notes-lib",
        "",
        "src/lib.rs",
        r#"use flag_runtime::feature_flag;

/// The old rendering.
pub fn render_v1() -> u8 {
    1
}

/// Renders the new UI.
#[feature_flag("shown")]
pub fn kept() {}

/// Renders at run time.
#[feature_flag("live", fallback = render_v1)]
pub fn switched() -> u8 {
    2
}

/// Renders under a static flag that is off.
#[feature_flag("hidden", fallback = render_v1)]
pub fn replaced() -> u8 {
    3
}
"#,
    );
    scratch.write(
        "flags.toml",
        "[flags.shown]\ndefault = true\n\n[flags.hidden]\n\n[flags.live]\nmode = \"dynamic\"\n",
    );
    scratch.cargo(".", &["doc", "--no-deps"], &[]);
    let page = |item: &str| {
        let path = shared_target_dir()
            .join("doc")
            .join("doc_notes_lib")
            .join(format!("fn.{item}.html"));
        fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("could not read {}: {error}", path.display()))
    };
    let expectations = [
        (
            "kept",
            "feature flag <code>\"shown\"</code> is on in this build",
        ),
        (
            "switched",
            "Switched at run time by feature flag <code>\"live\"</code>",
        ),
        (
            "replaced",
            "Feature flag <code>\"hidden\"</code> is off in this build",
        ),
    ];
    for (item, note) in expectations {
        let html = page(item);
        assert!(
            html.contains(note),
            "the docs of `{item}` lack {note:?}:\n{html}"
        );
    }
}
