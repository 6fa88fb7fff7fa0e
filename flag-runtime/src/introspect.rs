//! What a program can say about its flags: every flag it was compiled with, its state and why.

use serde::Serialize;

use crate::Error;
use crate::overrides;
use crate::registry::{self, Flag, Registry, source_label};

/// Whether a flag is decided at build time or at run time: the manifest's `mode`.
pub use flag_manifest::Mode;

/// A flag as the program sees it now. Serialises with serde, so that an application can serve it as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagInfo {
    /// The flag's name.
    pub name: &'static str,
    /// Static or dynamic.
    pub mode: Mode,
    /// The state this thread sees.
    pub enabled: bool,
    /// What decided it: `default`, `profile NAME` or `FEATURE_FLAGS at build time` (compiled in), then
    /// `file`, `env`, `set`, `override` (process-wide) or `override (this thread)`.
    pub source: String,
    /// The manifest's description.
    pub description: Option<&'static str>,
    /// The manifest's owner.
    pub owner: Option<&'static str>,
    /// The manifest's expiry date, `YYYY-MM-DD`.
    pub expires: Option<&'static str>,
    /// The flags this one requires.
    pub requires: &'static [&'static str],
    /// The names of its variants, as compiled in.
    pub variants: &'static [&'static str],
    /// How many rules decide it now (from the manifest, or from a runtime file that replaced them).
    pub rules: usize,
    /// How often it was evaluated while counting was on (see [`count_evaluations`](crate::count_evaluations)).
    pub evaluations: Evaluations,
}

/// Evaluation counts of one flag.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Evaluations {
    /// Checks that found it on.
    pub on: u64,
    /// Checks that found it off.
    pub off: u64,
    /// How often each variant was chosen, by name.
    pub variants: Vec<(&'static str, u64)>,
}

fn info(flag: &Flag) -> FlagInfo {
    let decl = flag.decl;
    let (enabled, source) = match overrides::local(flag.cell.id) {
        Some(on) => (on, "override (this thread)".to_owned()),
        None => (flag.effective, source_label(decl, flag.layer)),
    };
    FlagInfo {
        name: decl.name,
        mode: if decl.dynamic {
            Mode::Dynamic
        } else {
            Mode::Static
        },
        enabled,
        source,
        description: decl.description,
        owner: decl.owner,
        expires: decl.expires,
        requires: decl.requires,
        variants: decl.variants,
        rules: flag
            .file_targeting
            .as_ref()
            .or(flag.compiled_targeting.as_ref())
            .map_or(0, |targeting| targeting.rules.len()),
        evaluations: {
            let (on, off, variants) = flag.cell.counts.read();
            Evaluations {
                on,
                off,
                variants: decl.variants.iter().copied().zip(variants).collect(),
            }
        },
    }
}

/// Every flag compiled into the program, sorted by name.
///
/// Flags are known from the crates that check a dynamic flag: each such crate brings its whole manifest. A
/// program that uses only static flags has nothing to list (and carries no flag names).
///
/// ```
/// let flags = flag_runtime::flags();
/// let search = flags.iter().find(|f| f.name == "fast_search").unwrap();
/// assert_eq!(search.mode, flag_runtime::Mode::Dynamic);
/// assert_eq!(search.owner, Some("team-search"));
/// let json = serde_json::to_string(search).unwrap();
/// assert!(json.contains(r#""mode":"dynamic""#));
/// # let _ = flag_runtime::flag!("fast_search"); // links this crate's catalog
/// ```
pub fn flags() -> Vec<FlagInfo> {
    registry::with(|registry: &mut Registry| {
        let mut flags: Vec<FlagInfo> = registry.flags.iter().map(info).collect();
        flags.sort_by_key(|flag| flag.name);
        flags
    })
}

/// One flag, by name.
///
/// ```
/// # let _ = flag_runtime::flag!("dark_mode");
/// let dark = flag_runtime::flag_info("dark_mode").unwrap();
/// assert_eq!(dark.source, "default");
/// assert!(flag_runtime::flag_info("dark_mod").is_err());
/// ```
pub fn flag_info(name: &str) -> Result<FlagInfo, Error> {
    registry::with(|registry| registry.find(name).map(|id| info(&registry.flags[id])))
}
