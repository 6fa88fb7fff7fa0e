//! The command line, declared with clap's derive: what each command accepts and the `--help` people read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  cargo flags list                          every flag, its state in this build and its references
  cargo flags list --profile beta --format json
  cargo flags check                         fails on an invalid manifest, expired flags, unknown names
  cargo flags explain new_ui                why new_ui is on or off, and where the code uses it
  cargo flags remove new_ui --keep on --dry-run
                                            show the diff that retires new_ui, keeping its code on
  cargo flags matrix                        few combinations of flag states that cover every pair
  cargo flags test                          cargo test under each of them; names the failing pair
  cargo flags fleet diff                    flags.toml against the fleet's etcd (the `fleet` feature)

Run it anywhere inside a cargo workspace: it reads the flags.toml the macros read (the nearest one above
the current directory, or FEATURE_FLAGS_MANIFEST) and every .rs file of the workspace's members.
Exit status: 0 fine, 1 problems found, 2 usage or I/O error.";

/// `cargo flags`: list, check, explain and retire the feature flags of a workspace.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-flags",
    bin_name = "cargo flags",
    version,
    about,
    after_help = EXAMPLES,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// How to print the result: a table for people, or JSON for programs.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Leave this file or directory out of the scan (repeatable; relative to the current directory),
    /// for example fixtures that reference flags of another manifest.
    #[arg(long, value_name = "PATH")]
    pub exclude: Vec<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns and sentences, for a terminal.
    Table,
    /// One JSON document on stdout, for scripts and CI.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every flag: mode, state in this build, owner, expiry, requires and reference count.
    #[command(after_help = "\
Examples:
  cargo flags list
  cargo flags list --profile beta
  FEATURE_FLAGS=new_ui=on cargo flags list --format json

The state is the one a build would compile in: the flag's default, then the profile (--profile, else
FEATURE_FLAGS_PROFILE), then FEATURE_FLAGS, read from the environment as the macros read it.")]
    List {
        /// Resolve under this `[profiles.NAME]` table (default: FEATURE_FLAGS_PROFILE).
        #[arg(long)]
        profile: Option<String>,
        /// The options every command accepts.
        #[command(flatten)]
        common: Common,
    },
    /// Check the manifest and the code: validity, expiry, unreferenced and undeclared flags.
    #[command(after_help = "\
Examples:
  cargo flags check
  FEATURE_FLAGS_TODAY=2026-10-01 cargo flags check --format json
  cargo flags check --strict --exclude tests/ui

Errors (exit status 1): the manifest does not parse or validate, a profile does not resolve, a flag's
`expires` date is before today (FEATURE_FLAGS_TODAY=YYYY-MM-DD, else the system clock in UTC), the code
names an undeclared flag or writes a malformed flag expression, a .rs file does not parse.
Warnings: a declared flag that no code references (errors with --strict).")]
    Check {
        /// Treat warnings (flags referenced nowhere) as errors.
        #[arg(long)]
        strict: bool,
        /// The options every command accepts.
        #[command(flatten)]
        common: Common,
    },
    /// Why a flag is on or off, what it requires and what requires it, and every place that uses it.
    #[command(after_help = "\
Examples:
  cargo flags explain new_ui
  cargo flags explain new_ui --profile beta
  FEATURE_FLAGS=-new_ui cargo flags explain new_ui --format json")]
    Explain {
        /// The flag.
        name: String,
        /// Resolve under this `[profiles.NAME]` table (default: FEATURE_FLAGS_PROFILE).
        #[arg(long)]
        profile: Option<String>,
        /// The options every command accepts.
        #[command(flatten)]
        common: Common,
    },
    /// Retire a flag: keep its code on (or off, or a value flag's value) for good, and delete it from the
    /// code and the manifest.
    #[command(after_help = "\
Examples:
  cargo flags remove new_ui --keep on --dry-run     print the diff, change nothing
  cargo flags remove new_ui --keep on               the new code stays, the old code goes
  cargo flags remove old_export --keep off          the flagged code goes
  cargo flags remove page_size                      a value flag: its default value stays in the code
  cargo flags remove page_size --keep large         ... or the value named large (or written 200)

With --keep on: #[feature_flag(\"x\")] attributes go and their items stay; items gated on not(\"x\") are
deleted; flag!(\"x\") becomes true and `if true {A} else {B}` becomes A; a fallback is dropped (and
reported when nothing else uses it); not/all/any expressions that mention x are simplified. --keep off is
the mirror image, and a fn with a fallback keeps its signature and calls the fallback.
A value flag (one with `type` and `values`) keeps one value: its `default` value, or the one --keep names
(a value's name, or a literal equal to one). Each flag_value!(\"x\") and flag_value!(\"x\", &ctx) becomes
that value as a Rust literal of the type the macro had: 50_i64, 0.5_f64, true, \"text\", an object's JSON
as a raw string. A boolean value flag's flag!(\"x\") and #[feature_flag] fold as for an on/off flag.
The flag leaves flags.toml: its [flags.x] table (with its rules, variants and values), its entries in
profiles and in other flags' `requires`. Every edit is a text edit at the exact place, so the rest of each
file is kept byte for byte.
Nothing is written when anything is refused: files that do not parse, a flag other flags require (with
--keep off), a shape it cannot rewrite, a string-API call of the flag it cannot delete. Run `cargo check`
afterwards.")]
    Remove {
        /// The flag to retire.
        name: String,
        /// What its code keeps from now on.
        #[command(flatten)]
        keep: RemoveKeep,
        /// Print a unified diff of what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The options every command accepts.
        #[command(flatten)]
        common: Common,
    },
    /// Print few combinations of flag states that contain every pair (or triple) of states of every pair
    /// (or triple) of flags that `requires` allows: a covering array.
    #[command(after_help = "\
Examples:
  cargo flags matrix                        every static flag, pairwise
  cargo flags matrix --flags new_ui,new_api,fast_search --include-dynamic
  cargo flags matrix --strength 3 --profile beta
  cargo flags matrix --format github        for a CI job's strategy.matrix

Each row is a full assignment of the varied flags, usable as a FEATURE_FLAGS value; the other flags keep
their state under the profile. No row breaks a `requires`, and the pairs `requires` rules out are listed
with the reason. With 2 states per flag and no constraints, the pairwise rows are as few as possible (the
smallest N with C(N-1, ceil(N/2)) >= the number of flags: 6 rows cover 10 flags, 10 rows 126).
--format json prints an array with one object per row, each flag's name to true or false; --format
github prints {\"include\": [{\"row\": 1, \"feature_flags\": \"a=on,b=off\"}, ..]} on one line:
  echo \"matrix=$(cargo flags matrix --format github)\" >> \"$GITHUB_OUTPUT\"
  # then: strategy: { matrix: ${{ fromJSON(needs.plan.outputs.matrix) }} }
  #       env: { FEATURE_FLAGS: ${{ matrix.feature_flags }} }")]
    Matrix {
        /// Which flags vary, and how.
        #[command(flatten)]
        options: MatrixOptions,
        /// Not options of this command: `matrix` reads no code.
        #[arg(skip = Common { format: Format::Table, exclude: Vec::new() })]
        common: Common,
    },
    /// Run `cargo test` once per row of `cargo flags matrix`, then say which rows failed, how to reproduce
    /// each, and which pair of states the failing rows share.
    #[command(after_help = "\
Examples:
  cargo flags test                          every static flag, pairwise: a build and a test run per row
  cargo flags test --no-fail-fast -- --workspace
  cargo flags test --flags fast_search,dark_mode --include-dynamic -- --lib

Static flags are set through FEATURE_FLAGS at build time, one row after the other in the same target
directory, so dependencies are built once and only the crates that use flags are rebuilt. Dynamic flags
(--include-dynamic) are set through FEATURE_FLAGS at run time, with a test runner (`env`), so rows that
differ only in dynamic flags share one build (doc tests see the build's value). Arguments after `--` go to
`cargo test` as they are. Each row's output is kept in the target directory (flags-test/row-N.log).
Progress goes to stderr: a bar on a terminal, a line per row otherwise.
Exit status: 0 every row passed, 1 some row failed, 2 usage or I/O error.")]
    Test {
        /// Which flags vary, and how.
        #[command(flatten)]
        options: MatrixOptions,
        /// Run every row even after one fails (by default the run stops at the first failing row).
        #[arg(long)]
        no_fail_fast: bool,
        /// Arguments for `cargo test`, after `--`.
        #[arg(last = true, value_name = "ARGS")]
        cargo_args: Vec<String>,
        /// Not options of this command: `test` reads no code.
        #[arg(skip = Common { format: Format::Table, exclude: Vec::new() })]
        common: Common,
    },
    /// Read and write the dynamic flags a fleet of instances shares through etcd: push, set, edit, get,
    /// delete, diff, history, status (needs the `fleet` feature).
    #[command(after_help = crate::fleet::args::FLEET_HELP)]
    Fleet {
        /// Where the fleet is, and what to do.
        #[command(flatten)]
        args: crate::fleet::FleetArgs,
        /// Not options of this command: `fleet` reads no code (its own --format is global).
        #[arg(skip = Common { format: Format::Table, exclude: Vec::new() })]
        common: Common,
    },
}

/// The options of `matrix` and `test`: which flags vary, under which profile, and how to print.
#[derive(Debug, Args, Clone)]
pub struct MatrixOptions {
    /// Cover every pair (2) or every triple (3) of states.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=3))]
    pub strength: u8,
    /// The flags to vary, comma-separated (default: every static flag, and every dynamic flag with
    /// --include-dynamic).
    #[arg(long, value_delimiter = ',', value_name = "NAME,..")]
    pub flags: Vec<String>,
    /// The profile that decides the other flags (default: FEATURE_FLAGS_PROFILE).
    #[arg(long)]
    pub profile: Option<String>,
    /// Vary dynamic flags too (set at run time).
    #[arg(long)]
    pub include_dynamic: bool,
    /// How to print the rows (or the results).
    #[arg(long, value_enum, default_value_t = MatrixFormat::Table)]
    pub format: MatrixFormat,
}

/// Output formats of `matrix` and `test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// Aligned columns and sentences, for a terminal.
    Table,
    /// JSON on stdout: `matrix` prints an array with one object per row, each flag's name to its state.
    Json,
    /// One line of JSON that a GitHub Actions job's `strategy.matrix` accepts (`matrix`); annotations for
    /// the failing rows after the table (`test`).
    Github,
}

impl Command {
    /// The options shared by every command.
    pub fn common(&self) -> &Common {
        match self {
            Command::List { common, .. }
            | Command::Check { common, .. }
            | Command::Explain { common, .. }
            | Command::Remove { common, .. }
            | Command::Matrix { common, .. }
            | Command::Test { common, .. }
            | Command::Fleet { common, .. } => common,
        }
    }
}

/// `--keep` of `remove`: what a retired flag's code keeps.
#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct RemoveKeep {
    /// `on` or `off` for an on/off flag (required). For a value flag, the value kept: a value's name, or a
    /// literal equal to one (default: the flag's `default` value).
    #[arg(long = "keep", value_name = "on|off|VALUE")]
    pub keep: Option<String>,
}

impl RemoveKeep {
    /// `--keep` as written (`on`, `off`, a value's name or a literal), or `None` when it was not given;
    /// [`crate::remove::kept::choose`] reads it against the flag.
    pub fn text(&self) -> Option<&str> {
        self.keep.as_deref()
    }
}

/// The state a retired flag's code keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Keep {
    /// The flag's code stays, as if the flag were always on.
    On,
    /// The flag's code goes, as if the flag were always off.
    Off,
}

impl Keep {
    /// `true` for on.
    pub fn on(self) -> bool {
        self == Keep::On
    }

    /// `"on"` or `"off"`.
    pub fn as_str(self) -> &'static str {
        if self.on() { "on" } else { "off" }
    }
}
