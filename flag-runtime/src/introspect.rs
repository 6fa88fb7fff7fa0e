//! What a program can say about its flags: every flag it was compiled with, its state and why.

use serde::Serialize;

use crate::Error;
use crate::registry::{self, Flag, Layer, Registry, source_label};
use crate::value::{Value, ValueType};
use flag_manifest::targeting::VariantsSummary;

/// Whether a flag is decided at build time or at run time: the manifest's `mode`.
pub use flag_manifest::Mode;

/// A flag as the program sees it now. Serialises with serde, so that an application can serve it as JSON.
///
/// A value flag also shows its type, its values, the one it has now and its default:
///
/// ```
/// use flag_runtime::{Value, ValueType};
/// assert!(flag_runtime::flag!("dark_mode")); // any use of a flag macro brings the program's flags
/// let page_size = flag_runtime::flag_info("page_size")?;
/// assert_eq!(page_size.value_type, Some(ValueType::Integer));
/// assert_eq!(page_size.values[2], ("large", Value::Int(200)));
/// assert_eq!(page_size.value, Some(Value::Int(50)));
/// assert_eq!(page_size.default_value, Some("medium"));
/// assert_eq!(page_size.value_layer, Some(flag_runtime::Layer::Compiled));
/// assert_eq!(page_size.metadata, [("ticket", Value::Str("UI-7"))]);
/// # Ok::<(), flag_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FlagInfo {
    /// The flag's name.
    pub name: &'static str,
    /// Static or dynamic.
    pub mode: Mode,
    /// The state this thread sees without a context: what `flag!("name")` gives. Where
    /// [`FlagInfo::targeting`] applies, checks with a context (`flag!("name", &ctx)`) are decided by its
    /// rules instead.
    pub enabled: bool,
    /// The layer that decided `enabled`.
    pub layer: Layer,
    /// What decided `enabled`, in words: `default`, `profile NAME` or `FEATURE_FLAGS at build time`
    /// (compiled in), then `file`, `env`, `set`, `override` (process-wide) or `override (this thread)`.
    pub source: String,
    /// The manifest's description.
    pub description: Option<&'static str>,
    /// The manifest's owner.
    pub owner: Option<&'static str>,
    /// The manifest's expiry date, `YYYY-MM-DD`.
    pub expires: Option<&'static str>,
    /// The flags this one requires on.
    pub requires: &'static [&'static str],
    /// Every `requires` entry in words: `new_api`, `legacy off`, `checkout with variant one_page`.
    pub requirements: Vec<String>,
    /// The names of its variants, as compiled in: the variants of its `flag_variants!` enum.
    pub variants: &'static [&'static str],
    /// Its rules and variants now, when it has any.
    pub targeting: Option<TargetingInfo>,
    /// What the fleet says of it, when the fleet has a table for it: shown even where a higher layer
    /// (`FEATURE_FLAGS`, `set`, an override) decides, so that both values can be seen.
    pub fleet: Option<FleetValue>,
    /// How often it was evaluated while counting was on (see [`count_evaluations`](crate::count_evaluations)).
    pub evaluations: EvaluationCounts,
    /// A value flag's `type` (`None` for an on/off flag).
    pub value_type: Option<ValueType>,
    /// A value flag's values, by name, in the manifest's order.
    pub values: Vec<(&'static str, Value)>,
    /// A value flag's value now, without a context (what `flag_value!("name")` gives); for a value flag,
    /// [`FlagInfo::enabled`] says whether it is enabled.
    pub value: Option<Value>,
    /// The layer that chose [`FlagInfo::value`] (`None` for an on/off flag): `compiled`, `file`, `fleet`,
    /// `env`, `set` ([`set_value`](crate::set_value)), `override`
    /// ([`override_global_value`](crate::override_global_value)) or, on the thread that holds one,
    /// `override (this thread)` ([`override_local_value`](crate::override_local_value)).
    pub value_layer: Option<Layer>,
    /// The name of the value the build compiled in as the default (the manifest's `default`, or the one a
    /// profile or `FEATURE_FLAGS` chose at build time).
    pub default_value: Option<&'static str>,
    /// The manifest's `metadata`, sorted by key.
    pub metadata: Vec<(&'static str, Value)>,
}

/// What decides a dynamic flag per context: its rules and variants as they are now, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TargetingInfo {
    /// Whether they decide contextual checks now: false while an explicit state (`FEATURE_FLAGS`, [`set`],
    /// an override) holds the flag for every context.
    ///
    /// [`set`]: crate::set
    pub applies: bool,
    /// One line per rule (`country in [NZ, AU] and 30% rollout by user_id`): the flag is on for a context
    /// that any rule matches, and off for the others. Empty: the plain state decides.
    pub rules: Vec<String>,
    /// The layer that gave the rules.
    pub rules_layer: Layer,
    /// The flag-level variants and their shares (`control 50%, one_page 50%`), when it has any; a rule may
    /// carry variants of its own (see its line).
    pub variants: Option<String>,
    /// The layer that gave the variants.
    pub variants_layer: Layer,
}

impl FlagInfo {
    /// What decides the flag, in one line: its plain state and why, then its rules and variants.
    ///
    /// ```
    /// let checkout = flag_runtime::flag_info("checkout_v2")?;
    /// let express = flag_runtime::flag_info("express_pay")?;
    /// assert_eq!(express.describe(), "off (default, requires checkout_v2 with variant one_page)");
    /// assert_eq!(
    ///     checkout.describe(),
    ///     "on for contexts that a rule matches (compiled): user_id in [42, 7]; country in [NZ, AU] and \
    ///      app_version semver_gte 2.1.0 and 25% rollout by user_id; variants control 50%, one_page 50% \
    ///      (with overrides) (compiled); off without a context (default)"
    /// );
    /// assert!(!flag_runtime::flag!("checkout_v2"), "off without a context");
    /// let page_size = flag_runtime::flag_info("page_size")?;
    /// assert_eq!(
    ///     page_size.describe(),
    ///     "the value a rule chooses for the contexts it matches (compiled): plan in [pro, team] -> large; \
    ///      integer medium = 50 without a context (default)"
    /// );
    /// # Ok::<(), flag_runtime::Error>(())
    /// ```
    pub fn describe(&self) -> String {
        let requires = if self.requirements.is_empty() {
            String::new()
        } else {
            format!(", requires {}", self.requirements.join(" and "))
        };
        let state = match (
            &self.value_type,
            self.values.iter().find(|(_, v)| Some(*v) == self.value),
        ) {
            (Some(value_type), Some((name, value))) if self.enabled => {
                format!("{value_type} {name} = {value}")
            }
            (Some(value_type), Some((name, value))) => {
                format!("disabled, {value_type} {name} = {value}")
            }
            (Some(value_type), None) => format!("{value_type}, no value"),
            (None, _) if self.enabled => "on".to_owned(),
            (None, _) => "off".to_owned(),
        };
        let plain = format!("{state} ({}{requires})", self.source);
        let Some(targeting) = self.targeting.as_ref().filter(|t| t.applies) else {
            return plain + &self.describe_fleet();
        };
        let mut out = if targeting.rules.is_empty() {
            plain.clone()
        } else {
            format!(
                "{} ({}): {}",
                if self.value_type.is_some() {
                    "the value a rule chooses for the contexts it matches"
                } else {
                    "on for contexts that a rule matches"
                },
                targeting.rules_layer,
                targeting.rules.join("; ")
            )
        };
        if let Some(variants) = &targeting.variants {
            out.push_str(&format!(
                "; variants {variants} ({})",
                targeting.variants_layer
            ));
        }
        if !targeting.rules.is_empty() {
            out.push_str(&format!(
                "; {state} without a context ({}{requires})",
                self.source
            ));
        }
        out.push_str(&self.describe_fleet());
        out
    }
}

/// A flag's table in the fleet, as this program applied it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FleetValue {
    /// The revision that wrote it.
    pub revision: i64,
    /// The state it gives (`default`), if it gives one.
    pub enabled: Option<bool>,
    /// The higher layer that decides the flag instead, if one does.
    pub masked_by: Option<Layer>,
}

/// Evaluation counts of one flag.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct EvaluationCounts {
    /// Checks that found it on.
    pub on: u64,
    /// Checks that found it off.
    pub off: u64,
    /// How often each variant was chosen, by name.
    pub variants: Vec<(&'static str, u64)>,
}

impl FlagInfo {
    /// The fleet's value where a higher layer masks it.
    fn describe_fleet(&self) -> String {
        match &self.fleet {
            Some(FleetValue {
                revision,
                enabled: Some(on),
                masked_by: Some(layer),
            }) => format!(
                "; the fleet says {} at revision {revision}, masked by {layer}",
                if *on { "on" } else { "off" }
            ),
            _ => String::new(),
        }
    }
}

fn info(flag: &Flag) -> FlagInfo {
    let decl = flag.decl();
    let (enabled, layer) = match flag.cell().local_override() {
        Some(enabled) => (enabled, Layer::LocalOverride),
        None => flag.state(),
    };
    let targeting = flag.targeting();
    let (rules_layer, variants_layer) = flag.targeting_layers();
    FlagInfo {
        name: decl.name,
        mode: decl.mode(),
        enabled,
        layer,
        source: source_label(decl, layer),
        description: decl.description,
        owner: decl.owner,
        expires: decl.expires,
        requires: decl.requires,
        requirements: decl
            .requirements
            .iter()
            .map(|required| match (required.enabled, required.variants) {
                (false, _) => format!("{} off", required.flag),
                (true, []) => required.flag.to_owned(),
                (true, [variant]) => format!("{} with variant {variant}", required.flag),
                (true, variants) => {
                    format!(
                        "{} with a variant of {}",
                        required.flag,
                        variants.join(", ")
                    )
                }
            })
            .collect(),
        variants: decl.variants,
        targeting: (!targeting.is_empty()).then(|| TargetingInfo {
            applies: matches!(layer, Layer::Compiled | Layer::File | Layer::Fleet),
            rules: targeting.rules.iter().map(ToString::to_string).collect(),
            rules_layer,
            variants: (!targeting.variants.is_empty())
                .then(|| VariantsSummary(&targeting.variants).to_string()),
            variants_layer,
        }),
        fleet: flag.fleet().map(|fleet| FleetValue {
            revision: fleet.revision,
            enabled: fleet.state.enabled,
            masked_by: (layer > Layer::Fleet).then_some(layer),
        }),
        evaluations: {
            let (on, off, variants) = flag.cell().counts.read();
            EvaluationCounts {
                on,
                off,
                variants: decl.variants.iter().copied().zip(variants).collect(),
            }
        },
        value_type: decl.values.map(|values| values.value_type),
        values: decl
            .values
            .iter()
            .flat_map(|values| &values.values)
            .map(|named| (named.name.as_str(), Value::of(&named.value)))
            .collect(),
        value: flag
            .cell()
            .current_value()
            .map(|named| Value::of(&named.value)),
        value_layer: flag.cell().value_layer(),
        default_value: decl
            .values
            .and_then(|values| values.default_value())
            .map(|named| named.name.as_str()),
        metadata: decl
            .metadata
            .iter()
            .map(|(key, value)| (key.as_str(), Value::of(value)))
            .collect(),
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
/// assert_eq!(search.enabled, flag_runtime::flag!("fast_search"));
/// ```
pub fn flags() -> Vec<FlagInfo> {
    registry::with(|registry: &mut Registry| {
        let mut flags: Vec<FlagInfo> = registry.flags().iter().map(info).collect();
        flags.sort_by_key(|flag| flag.name);
        flags
    })
}

/// One flag, by name.
///
/// ```
/// let dark = flag_runtime::flag_info("dark_mode").unwrap();
/// assert_eq!(dark.source, "default");
/// assert_eq!(dark.enabled, flag_runtime::flag!("dark_mode"));
/// assert!(flag_runtime::flag_info("dark_mod").is_err());
/// ```
pub fn flag_info(name: &str) -> Result<FlagInfo, Error> {
    registry::with(|registry| registry.find(name).map(|id| info(registry.flag(id))))
}
