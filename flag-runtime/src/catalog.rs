//! What a crate tells the runtime about its flags, at link time.
//!
//! The first use of any flag macro in a crate (static or dynamic, wherever an item can go; see
//! `flag-macros/src/track.rs`) also submits the crate's [`Catalog`] (every flag of its manifest, with the
//! state this build compiled in) to an `inventory` collection. The runtime reads every submitted catalog when
//! it starts, so it knows every flag of the program (for introspection and for checking names given at run
//! time) before any check has run. A crate that uses no flag macro submits nothing.

/// One flag as a build resolved it, decoded from a [`Catalog`]. Not a stable API.
#[derive(Debug)]
pub struct FlagDecl {
    /// The flag's name.
    pub name: &'static str,
    /// Whether the flag can change at run time.
    pub dynamic: bool,
    /// The state the build compiled in.
    pub default: bool,
    /// What decided that state at build time: `default`, `profile NAME` or `FEATURE_FLAGS at build time`.
    pub source: &'static str,
    /// The manifest's `description`.
    pub description: Option<&'static str>,
    /// The manifest's `owner`.
    pub owner: Option<&'static str>,
    /// The manifest's `expires`, as `YYYY-MM-DD`.
    pub expires: Option<&'static str>,
    /// The flags that must be on: the names of the `requirements` whose state is on, taken from them when
    /// the catalog is decoded (the catalog carries each entry once), for `FlagInfo::requires`.
    pub requires: &'static [&'static str],
    /// Every `requires` entry with the state it needs (on, off, or on with one of some variants).
    pub requirements: &'static [RequirementDecl],
    /// The flag's rules and variants as TOML (`flag_manifest::rules_to_toml`), empty when it has none.
    pub targeting: &'static str,
    /// The variant names this build's `flag_variants!` enums were generated from, in order.
    pub variants: &'static [&'static str],
    /// A value flag's type and values, with the value the build chose as their `default`.
    pub values: Option<&'static flag_manifest::FlagValues>,
    /// The manifest's `metadata`.
    pub metadata: &'static [(String, flag_manifest::Value)],
}

impl FlagDecl {
    /// How `other`, a second declaration of this flag, differs from this one in what its reads rely on (the
    /// mode, and a value flag's type and values), or `None`. Its compiled-in state, default value, rules
    /// and descriptions may differ: crates built under different profiles or manifests differ there, and
    /// the first declaration's apply.
    pub(crate) fn differs_from(&self, other: &FlagDecl) -> Option<String> {
        let mode = |decl: &FlagDecl| if decl.dynamic { "dynamic" } else { "static" };
        if self.dynamic != other.dynamic {
            return Some(format!("{} and {}", mode(self), mode(other)));
        }
        let values = |decl: &FlagDecl| match decl.values {
            Some(values) => format!(
                "{} values {}",
                values.value_type,
                values
                    .values
                    .iter()
                    .map(|value| format!("{} = {}", value.name, value.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "on/off".to_owned(),
        };
        let same_values = match (self.values, other.values) {
            // Names and values: a value's span points into its own manifest.
            (Some(one), Some(other)) => {
                one.value_type == other.value_type
                    && one.values.len() == other.values.len()
                    && one
                        .values
                        .iter()
                        .zip(&other.values)
                        .all(|(a, b)| a.name == b.name && a.value == b.value)
            }
            (one, other) => one.is_none() && other.is_none(),
        };
        (!same_values).then(|| format!("{}; and {}", values(self), values(other)))
    }

    /// A dynamic flag known only by its name and compiled-in state: what a check declares for a flag no
    /// catalog did, and the start of a declaration in tests.
    pub(crate) const fn dynamic(name: &'static str, default: bool) -> FlagDecl {
        FlagDecl {
            name,
            dynamic: true,
            default,
            source: "default",
            description: None,
            owner: None,
            expires: None,
            requires: &[],
            requirements: &[],
            targeting: "",
            variants: &[],
            values: None,
            metadata: &[],
        }
    }
}

/// One `requires` entry of a [`FlagDecl`]. Not a stable API.
#[derive(Debug)]
pub struct RequirementDecl {
    /// The required flag.
    pub flag: &'static str,
    /// The state it must be in.
    pub enabled: bool,
    /// When not empty, it must be on with one of these variants.
    pub variants: &'static [&'static str],
}

/// Every flag of one crate's manifest, packed into one string by `flag_manifest::packed` (one literal is far
/// cheaper to compile than a struct per flag). Built by generated code; not a stable API.
#[derive(Debug)]
pub struct Catalog {
    /// The flags, in the manifest's order.
    pub packed: &'static str,
}

inventory::collect!(Catalog);

/// The flags of every catalog linked into the program, decoded (once, when the registry starts; the
/// declarations live for the rest of the program), or why a catalog could not be read.
pub(crate) fn linked() -> impl Iterator<Item = Result<Vec<&'static FlagDecl>, String>> {
    inventory::iter::<Catalog>
        .into_iter()
        .map(|catalog| catalog.decode())
}

impl Catalog {
    fn decode(&self) -> Result<Vec<&'static FlagDecl>, String> {
        let flags = flag_manifest::packed::unpack(self.packed)?;
        let leak = |strings: Vec<&'static str>| -> &'static [&'static str] {
            Box::leak(strings.into_boxed_slice())
        };
        flags
            .into_iter()
            .map(|flag| {
                let (values, metadata) = flag_manifest::packed::values_from_toml(flag.values)
                    .map_err(|error| format!("flag `{}`: {error}", flag.name))?;
                let requirements: Vec<RequirementDecl> = flag
                    .requirements
                    .into_iter()
                    .map(|(required, enabled, variants)| RequirementDecl {
                        flag: required,
                        enabled,
                        variants: leak(variants),
                    })
                    .collect();
                let decl: &'static FlagDecl = Box::leak(Box::new(FlagDecl {
                    name: flag.name,
                    dynamic: flag.dynamic,
                    default: flag.default,
                    source: flag.source,
                    description: flag.description,
                    owner: flag.owner,
                    expires: flag.expires,
                    requires: leak(
                        requirements
                            .iter()
                            .filter(|required| required.enabled)
                            .map(|required| required.flag)
                            .collect(),
                    ),
                    requirements: Box::leak(requirements.into_boxed_slice()),
                    targeting: flag.targeting,
                    variants: leak(flag.variants),
                    values: values.map(|values| &*Box::leak(Box::new(values))),
                    metadata: Box::leak(metadata.into_boxed_slice()),
                }));
                Ok(decl)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flag_manifest::{FlagValues, NamedValue, Value, ValueType};

    fn values(value_type: ValueType, values: &[(&str, Value)]) -> &'static FlagValues {
        Box::leak(Box::new(FlagValues {
            value_type,
            values: values
                .iter()
                .map(|(name, value)| NamedValue {
                    name: (*name).to_owned(),
                    value: value.clone(),
                    span: 0..0,
                })
                .collect(),
            default: Some(0),
        }))
    }

    #[test]
    fn declarations_differ_in_what_reads_rely_on() {
        let small = values(ValueType::Integer, &[("small", Value::Integer(10))]);
        let decl = |values| FlagDecl {
            values,
            ..FlagDecl::dynamic("page_size", false)
        };
        let same = decl(Some(small));
        // The same values from another manifest: another span, another compiled-in state.
        let elsewhere = FlagDecl {
            default: true,
            ..decl(Some(values(
                ValueType::Integer,
                &[("small", Value::Integer(10))],
            )))
        };
        assert_eq!(same.differs_from(&elsewhere), None);

        let other = decl(Some(values(
            ValueType::Integer,
            &[("small", Value::Integer(20))],
        )));
        assert_eq!(
            same.differs_from(&other).as_deref(),
            Some("integer values small = 10; and integer values small = 20")
        );
        assert_eq!(
            same.differs_from(&decl(None)).as_deref(),
            Some("integer values small = 10; and on/off")
        );
        let static_one = FlagDecl {
            dynamic: false,
            ..decl(Some(small))
        };
        assert_eq!(
            same.differs_from(&static_one).as_deref(),
            Some("dynamic and static")
        );
    }

    /// A second, different declaration of a flag is reported, and the first stays in use.
    #[test]
    fn a_conflicting_declaration_is_reported() {
        use std::sync::{Arc, Mutex};

        use crate::Error;

        let first: &'static FlagDecl = Box::leak(Box::new(FlagDecl {
            values: Some(values(ValueType::Integer, &[("small", Value::Integer(10))])),
            ..FlagDecl::dynamic("catalog_conflict_test", false)
        }));
        let second: &'static FlagDecl = Box::leak(Box::new(FlagDecl {
            values: Some(values(
                ValueType::String,
                &[("small", Value::String("s".into()))],
            )),
            ..FlagDecl::dynamic("catalog_conflict_test", false)
        }));
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&reports);
        let before =
            crate::report::swap_reporter_for_tests(Some(Box::new(move |error: &Error| {
                if let Error::Conflict { flag, .. } = error
                    && flag == "catalog_conflict_test"
                {
                    sink.lock().unwrap().push(error.to_string());
                }
            })));
        let ids = crate::registry::with(|registry| {
            (
                registry.declare(first),
                registry.declare(first),
                registry.declare(second),
            )
        });
        crate::report::swap_reporter_for_tests(before);
        assert_eq!(
            (ids.0, ids.0),
            (ids.1, ids.2),
            "one flag, the first declaration's"
        );
        let reports = reports.lock().unwrap().clone();
        assert_eq!(
            reports,
            [
                "flag `catalog_conflict_test` is declared differently by two crates of this program \
              (integer values small = 10; and string values small = s): the first declaration is used; \
              give the flags different names, or build both crates from one manifest"
            ],
            "the same declaration twice is not a conflict; a different one is, once"
        );
    }
}
