//! What a crate tells the runtime about its flags, at link time.
//!
//! The first use of any flag macro in a crate (static or dynamic, wherever an item can go; see
//! `flag-macros/src/track.rs`) also submits the crate's [`Catalog`] (every flag of its manifest, with the
//! state this build compiled in) to an `inventory` collection. The runtime reads every submitted catalog when
//! it starts, so it knows every flag of the program (for introspection and for checking names given at run
//! time) before any check has run. A crate that uses no flag macro submits nothing.

use flag_manifest::{FlagValues, Mode, NamedValue};

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
    /// Static or dynamic.
    pub(crate) fn mode(&self) -> Mode {
        if self.dynamic {
            Mode::Dynamic
        } else {
            Mode::Static
        }
    }

    /// How `other`, a second declaration of this flag, differs from this one in what reads compiled against
    /// it rely on (the mode, a value flag's type and values, the variants), as `in use: ..; ignored: ..` at
    /// the first difference, or `None`. Its compiled-in state, default value, rules and descriptions may
    /// differ: crates built under different profiles or manifests differ there, and the first declaration's
    /// apply.
    pub(crate) fn differs_from(&self, other: &FlagDecl) -> Option<String> {
        let (in_use, ignored) = self.first_difference(other)?;
        Some(format!("in use: {in_use}; ignored: {ignored}"))
    }

    fn first_difference(&self, other: &FlagDecl) -> Option<(String, String)> {
        if self.mode() != other.mode() {
            return Some((self.mode().to_string(), other.mode().to_string()));
        }
        let kind = |values: Option<&FlagValues>| {
            values.map_or_else(
                || "an on/off flag".to_owned(),
                |values| format!("{} values", values.value_type),
            )
        };
        match (self.values, other.values) {
            (Some(one), Some(two)) if one.value_type == two.value_type => {
                // Names and values, in order (a value's index is what a read may hold); a value's span points
                // into its own manifest.
                let value = |value: Option<&NamedValue>, index: usize| match value {
                    Some(value) => {
                        format!("value {} `{}` = {}", index + 1, value.name, value.value)
                    }
                    None => format!("no value {}", index + 1),
                };
                for index in 0..one.values.len().max(two.values.len()) {
                    let (a, b) = (one.values.get(index), two.values.get(index));
                    if a.map(|a| (&a.name, &a.value)) != b.map(|b| (&b.name, &b.value)) {
                        return Some((value(a, index), value(b, index)));
                    }
                }
            }
            (None, None) => {}
            (one, two) => return Some((kind(one), kind(two))),
        }
        if self.variants != other.variants {
            // `variant!` maps the runtime's index into the first declaration's variants onto its own enum.
            let variants = |decl: &FlagDecl| match decl.variants {
                [] => "no variants".to_owned(),
                names => format!("variants {}", names.join(", ")),
            };
            return Some((variants(self), variants(other)));
        }
        None
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
    use flag_manifest::{Value, ValueType};

    /// A value flag's values, each named value at `span` (its bytes in some manifest), `default` the index of
    /// the one that applies.
    fn values(
        value_type: ValueType,
        values: &[(&str, Value)],
        span: std::ops::Range<usize>,
        default: usize,
    ) -> &'static FlagValues {
        Box::leak(Box::new(FlagValues {
            value_type,
            values: values
                .iter()
                .map(|(name, value)| NamedValue {
                    name: (*name).to_owned(),
                    value: value.clone(),
                    span: span.clone(),
                })
                .collect(),
            default: Some(default),
        }))
    }

    fn sizes(small: i64, span: std::ops::Range<usize>, default: usize) -> &'static FlagValues {
        let sizes = [
            ("small", Value::Integer(small)),
            ("large", Value::Integer(200)),
        ];
        values(ValueType::Integer, &sizes, span, default)
    }

    fn decl(values: Option<&'static FlagValues>) -> FlagDecl {
        FlagDecl {
            values,
            ..FlagDecl::dynamic("page_size", false)
        }
    }

    #[test]
    fn declarations_differ_in_what_reads_rely_on() {
        let first = decl(Some(sizes(10, 0..0, 0)));
        // The same values from another manifest: other spans, another default value, another compiled-in
        // state, other rules.
        let elsewhere = FlagDecl {
            default: true,
            targeting: "[[rules]]\nuser_ids = [\"7\"]\n",
            ..decl(Some(sizes(10, 40..45, 1)))
        };
        assert_eq!(first.differs_from(&elsewhere), None);

        let cases = [
            (
                decl(Some(sizes(20, 0..0, 0))),
                "in use: value 1 `small` = 10; ignored: value 1 `small` = 20",
            ),
            (
                decl(Some(values(
                    ValueType::Integer,
                    &[("small", Value::Integer(10))],
                    0..0,
                    0,
                ))),
                "in use: value 2 `large` = 200; ignored: no value 2",
            ),
            (
                decl(Some(values(
                    ValueType::String,
                    &[("small", Value::String("s".into()))],
                    0..0,
                    0,
                ))),
                "in use: integer values; ignored: string values",
            ),
            (
                decl(None),
                "in use: integer values; ignored: an on/off flag",
            ),
            (
                FlagDecl {
                    dynamic: false,
                    ..decl(Some(sizes(10, 0..0, 0)))
                },
                "in use: dynamic; ignored: static",
            ),
        ];
        for (other, expected) in cases {
            assert_eq!(first.differs_from(&other).as_deref(), Some(expected));
        }
    }

    #[test]
    fn declarations_differ_in_their_variants() {
        let variants = |variants| FlagDecl {
            variants,
            ..FlagDecl::dynamic("checkout_v2", false)
        };
        let first = variants(&["control", "one_page"]);
        assert_eq!(
            first.differs_from(&variants(&["control", "one_page"])),
            None
        );
        assert_eq!(
            first
                .differs_from(&variants(&["one_page", "control"]))
                .as_deref(),
            Some("in use: variants control, one_page; ignored: variants one_page, control")
        );
        assert_eq!(
            first.differs_from(&variants(&[])).as_deref(),
            Some("in use: variants control, one_page; ignored: no variants")
        );
    }

    /// A second, different declaration of a flag is reported, and the first stays in use.
    #[test]
    fn a_conflicting_declaration_is_reported() {
        use std::sync::{Arc, Mutex};

        use crate::Error;

        let first: &'static FlagDecl = Box::leak(Box::new(FlagDecl {
            name: "catalog_conflict_test",
            ..decl(Some(sizes(10, 0..0, 0)))
        }));
        let second: &'static FlagDecl = Box::leak(Box::new(FlagDecl {
            name: "catalog_conflict_test",
            ..decl(Some(sizes(20, 0..0, 0)))
        }));
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&reports);
        let reporter = crate::report::reporter_for_tests(move |error: &Error| {
            if let Error::Conflict { flag, .. } = error
                && flag == "catalog_conflict_test"
            {
                sink.lock().unwrap().push(error.to_string());
            }
        });
        let ids = crate::registry::with(|registry| {
            (
                registry.declare(first),
                registry.declare(first),
                registry.declare(second),
            )
        });
        drop(reporter);
        assert_eq!(
            (ids.0, ids.0),
            (ids.1, ids.2),
            "one flag, the first declaration's"
        );
        let reports = reports.lock().unwrap().clone();
        assert_eq!(
            reports,
            [
                "flag `catalog_conflict_test` is declared differently by two crates of this program (in use: \
              value 1 `small` = 10; ignored: value 1 `small` = 20): a read compiled against the ignored \
              declaration may see a value or variant it does not expect; give the flags different names, \
              or build both crates from one manifest"
            ],
            "the same declaration twice is not a conflict; a different one is, once"
        );
    }
}
