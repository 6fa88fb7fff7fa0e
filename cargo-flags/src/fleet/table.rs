//! A flag's table as the fleet stores it: written from flags.toml, checked as the runtime checks it, edited
//! in place, summarised for people. Nothing here talks to etcd, so it is compiled (and unit tested) without
//! the `fleet` feature.

use std::path::Path;

use flag_manifest::targeting::VariantsSummary;
use flag_manifest::{
    Built, FileState, Flag, Manifest, Mode, Operator, TableError, Targeting, did_you_mean,
    parse_flag_table, targeting_to_toml,
};
use serde::Serialize;

/// What the runtime makes of a key's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The runtime applies it; `effect` says what the flag is then.
    Applies {
        /// The flag's state, rules and variants with the table applied, and which layer gave each.
        effect: String,
        /// Something the runtime may still refuse that only the program knows (a `regex` constraint
        /// needs flag-runtime's `regex` feature).
        note: Option<String>,
    },
    /// The runtime accepts it and changes nothing: a static flag's table that repeats what was compiled in.
    Ignored {
        /// Why nothing changes.
        message: String,
    },
    /// The runtime refuses it and keeps the flag's previous table: every problem, one per line.
    Refused {
        /// Each problem, with its place (`origin:line:col`) when it has one.
        problems: Vec<String>,
    },
}

impl Verdict {
    /// Whether a write of this table may go ahead.
    pub fn applies(&self) -> bool {
        matches!(self, Verdict::Applies { .. })
    }

    /// One line for people.
    pub fn line(&self) -> String {
        match self {
            Verdict::Applies { effect, note } => match note {
                Some(note) => format!("applies: {effect} ({note})"),
                None => format!("applies: {effect}"),
            },
            Verdict::Ignored { message } => format!("ignored: {message}"),
            Verdict::Refused { problems } => format!("refused: {}", problems.join("; ")),
        }
    }
}

/// The table `push` writes for a dynamic flag of the manifest: `default = ..`, then its rules, variants and
/// variant stickiness when it has any (a part it does not have is left out, and the runtime keeps what it
/// compiled in, which a build of this manifest also lacks).
pub fn manifest_table(flag: &Flag) -> String {
    let mut text = format!("default = {}\n", flag.default);
    if !flag.targeting.is_empty() {
        text.push('\n');
        text.push_str(&targeting_to_toml(&flag.targeting));
    }
    text
}

/// Checks flag `name`'s table `text` as a program built from `manifest` would before applying it: the same
/// parser ([`parse_flag_table`]) and the same rules ([`Built::check`]). Positions are given as
/// `origin:line:col`, in `text`.
pub fn check_table(manifest: &Manifest, name: &str, text: &str, origin: &str) -> Verdict {
    let Some(flag) = manifest.flag(name) else {
        return Verdict::Refused {
            problems: vec![format!(
                "flag `{name}` is not declared in flags.toml{}: a program built from it refuses this key",
                did_you_mean(name, manifest.flags.iter().map(|flag| flag.name.as_str()))
            )],
        };
    };
    let state = match parse_flag_table(name, text) {
        Ok(state) => state,
        Err(diagnostics) => {
            return Verdict::Refused {
                problems: diagnostics
                    .iter()
                    .map(|diagnostic| diagnostic.render(Path::new(origin)))
                    .collect(),
            };
        }
    };
    let built = Built::from_manifest(flag);
    let merged = state.targeting_over(&built.targeting);
    match built.check(&state, &merged) {
        Ok(true) => Verdict::Applies {
            effect: effect(flag, &state, &merged),
            note: has_regex(&merged).then(|| {
                "a `regex` constraint needs flag-runtime's `regex` feature in the program"
                    .to_owned()
            }),
        },
        Ok(false) => Verdict::Ignored {
            message: format!(
                "flag `{name}` is static and the table repeats what was compiled in ({}): it changes nothing",
                crate::output::state(flag.default)
            ),
        },
        Err(error @ TableError::Static { .. }) => Verdict::Refused {
            problems: vec![format!("{origin}: flag `{name}`: {error}")],
        },
        Err(TableError::Refused(why)) => Verdict::Refused {
            problems: vec![format!("{origin}: flag `{name}`: {why}")],
        },
    }
}

fn has_regex(targeting: &Targeting) -> bool {
    targeting.rules.iter().any(|rule| {
        rule.constraints
            .iter()
            .any(|constraint| constraint.operator == Operator::Regex)
    })
}

/// What the flag is with `state` applied: its plain state, its rules and its variants, each with the layer
/// that gave it (`fleet` or `compiled`).
fn effect(flag: &Flag, state: &FileState, merged: &Targeting) -> String {
    let layer = |given: bool| if given { "fleet" } else { "compiled" };
    let on = state.enabled.unwrap_or(flag.default);
    let mut parts = Vec::new();
    if merged.rules.is_empty() {
        parts.push(format!(
            "{} ({})",
            crate::output::state(on),
            layer(state.enabled.is_some())
        ));
    } else {
        let rules: Vec<String> = merged.rules.iter().map(ToString::to_string).collect();
        parts.push(format!(
            "on where a rule matches ({}): {}",
            layer(state.rules.is_some()),
            rules.join("; ")
        ));
        parts.push(format!(
            "{} without a context ({})",
            crate::output::state(on),
            layer(state.enabled.is_some())
        ));
    }
    if !merged.variants.is_empty() {
        parts.push(format!(
            "variants {} ({})",
            VariantsSummary(&merged.variants),
            layer(state.variants.is_some())
        ));
    }
    parts.join("; ")
}

/// How a fleet key compares with the manifest, for `diff` and `push`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The key means what flags.toml says (however it is written).
    Same,
    /// The key says something else.
    Differs,
    /// flags.toml declares the dynamic flag; the fleet has no key for it.
    Missing,
    /// The runtime would refuse the key.
    Refused,
    /// The fleet has a key for a flag that flags.toml does not declare as dynamic.
    Extra,
}

impl Comparison {
    /// The word shown in tables.
    pub fn word(self) -> &'static str {
        match self {
            Comparison::Same => "same",
            Comparison::Differs => "differs",
            Comparison::Missing => "missing",
            Comparison::Refused => "refused",
            Comparison::Extra => "extra",
        }
    }
}

/// Compares the fleet's table `text` of dynamic flag `flag` (None: no key) with what flags.toml says.
pub fn compare(manifest: &Manifest, flag: &Flag, text: Option<&str>, origin: &str) -> Comparison {
    let Some(text) = text else {
        return Comparison::Missing;
    };
    if !check_table(manifest, &flag.name, text, origin).applies() {
        return Comparison::Refused;
    }
    match parse_flag_table(&flag.name, text) {
        Ok(state)
            if state.enabled.unwrap_or(flag.default) == flag.default
                && state.targeting_over(&flag.targeting) == flag.targeting =>
        {
            Comparison::Same
        }
        _ => Comparison::Differs,
    }
}

/// The dynamic flags of the manifest, in its order.
pub fn dynamic_flags(manifest: &Manifest) -> impl Iterator<Item = &Flag> {
    manifest
        .flags
        .iter()
        .filter(|flag| flag.mode == Mode::Dynamic)
}

/// `text` with its top-level `default` set to `on`, every other byte kept; a table without `default` gets
/// `default = on` as its first line. Fails when `text` is not TOML or its `default` is not a plain value.
pub fn set_default(text: &str, on: bool) -> Result<String, String> {
    let value = if on { "true" } else { "false" };
    let document = toml_edit::Document::parse(text).map_err(|error| error.to_string())?;
    match document.as_table().get("default") {
        None => Ok(format!("default = {value}\n{text}")),
        Some(item) => {
            let span = item
                .as_value()
                .and_then(toml_edit::Value::span)
                .ok_or_else(|| "its `default` is not a plain value".to_owned())?;
            Ok(format!(
                "{}{value}{}",
                &text[..span.start],
                &text[span.end..]
            ))
        }
    }
}

/// A table on one line, for tables of people: its lines without blanks and comments, joined with `; `, cut
/// at 60 characters; `(no key)` for none.
pub fn one_line(text: Option<&str>) -> String {
    const WIDTH: usize = 60;
    let Some(text) = text else {
        return "(no key)".to_owned();
    };
    let line = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect::<Vec<_>>()
        .join("; ");
    if line.is_empty() {
        return "(empty)".to_owned();
    }
    if line.chars().count() <= WIDTH {
        return line;
    }
    let cut: String = line.chars().take(WIDTH - 1).collect();
    format!("{cut}…")
}

/// Seconds since the Unix epoch as an ISO 8601 date-time in UTC (`2026-11-24T09:41:07Z`).
pub fn iso_utc(seconds: u64) -> String {
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    let date = flag_manifest::Date::from_days_since_epoch(seconds.div_euclid(86_400));
    let time = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        time / 3_600,
        time % 3_600 / 60,
        time % 60
    )
}

/// A unified diff of a key's table, `a/KEY` to `b/KEY` (without the key's leading '/'); `/dev/null` for no
/// key.
pub fn key_diff(key: &str, old: Option<&str>, new: Option<&str>) -> String {
    let from = if old.is_some() {
        format!("a/{}", key.trim_start_matches('/'))
    } else {
        "/dev/null".to_owned()
    };
    let to = if new.is_some() {
        format!("b/{}", key.trim_start_matches('/'))
    } else {
        "/dev/null".to_owned()
    };
    let (old, new) = (old.unwrap_or(""), new.unwrap_or(""));
    let mut out = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&from, &to)
        .to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
[flags.live_rates]
mode = "dynamic"
owner = "team-billing"
default = true

[flags.layout]
mode = "dynamic"
default = true
[[flags.layout.rules]]
constraints = [{ context = "country", operator = "in", values = ["NZ"] }]
[[flags.layout.variants]]
name = "compact"
weight = 50
[[flags.layout.variants]]
name = "roomy"
weight = 50

[flags.fast_tax]
default = true
"#;

    fn manifest() -> Manifest {
        Manifest::parse(MANIFEST).unwrap()
    }

    #[test]
    fn manifest_tables_read_back_as_the_manifest_says() {
        let manifest = manifest();
        for flag in dynamic_flags(&manifest) {
            let text = manifest_table(flag);
            assert!(
                check_table(&manifest, &flag.name, &text, "key").applies(),
                "{text}"
            );
            assert_eq!(
                compare(&manifest, flag, Some(&text), "key"),
                Comparison::Same,
                "{text}"
            );
        }
        assert_eq!(
            manifest_table(manifest.flag("live_rates").unwrap()),
            "default = true\n"
        );
        let layout = manifest_table(manifest.flag("layout").unwrap());
        assert!(
            layout.starts_with("default = true\n\n[[rules]]\n"),
            "{layout}"
        );
    }

    #[test]
    fn compares_by_meaning() {
        let manifest = manifest();
        let rates = manifest.flag("live_rates").unwrap();
        let layout = manifest.flag("layout").unwrap();
        let cmp = |flag, text| compare(&manifest, flag, text, "key");
        assert_eq!(cmp(rates, None), Comparison::Missing);
        assert_eq!(cmp(rates, Some("default=true # same\n")), Comparison::Same);
        assert_eq!(cmp(rates, Some("")), Comparison::Same);
        assert_eq!(cmp(rates, Some("default = false\n")), Comparison::Differs);
        assert_eq!(cmp(rates, Some("default = maybe\n")), Comparison::Refused);
        // Leaving the variants out keeps the compiled ones: the same.
        assert_eq!(cmp(layout, Some("default = true\n")), Comparison::Same);
        assert_eq!(
            cmp(layout, Some("[[variants]]\nname = \"roomy\"\nweight = 1\n")),
            Comparison::Differs
        );
    }

    #[test]
    fn checks_as_the_runtime_does() {
        let manifest = manifest();
        let check = |name, text| check_table(&manifest, name, text, "k");
        assert_eq!(
            check("live_rate", "default = true\n"),
            Verdict::Refused {
                problems: vec![
                    "flag `live_rate` is not declared in flags.toml; did you mean `live_rates`?: a \
                     program built from it refuses this key"
                        .to_owned()
                ]
            }
        );
        let Verdict::Refused { problems } = check("live_rates", "default = true\nowner = \"me\"\n")
        else {
            panic!()
        };
        assert!(
            problems[0].starts_with("k: flag `live_rates`: `owner` differ"),
            "{problems:?}"
        );
        let Verdict::Refused { problems } = check("live_rates", "\ndefault = maybe\n") else {
            panic!()
        };
        assert!(problems[0].starts_with("k:2:11: "), "{problems:?}");
        let Verdict::Refused { problems } =
            check("layout", "[[variants]]\nname = \"compakt\"\nweight = 1\n")
        else {
            panic!()
        };
        assert!(
            problems[0].contains("did you mean `compact`?"),
            "{problems:?}"
        );
        assert!(matches!(
            check("fast_tax", "default = true\n"),
            Verdict::Ignored { .. }
        ));
        assert!(matches!(
            check("fast_tax", "default = false\n"),
            Verdict::Refused { .. }
        ));
        assert_eq!(
            check("layout", "default = false\n").line(),
            "applies: on where a rule matches (compiled): country in [NZ]; off without a context \
             (fleet); variants compact 50%, roomy 50% (compiled)"
        );
    }

    #[test]
    fn sets_default_in_place() {
        assert_eq!(
            set_default("# why\ndefault = true  # note\n[[rules]]\n", false).unwrap(),
            "# why\ndefault = false  # note\n[[rules]]\n"
        );
        assert_eq!(
            set_default("[[variants]]\nname = \"a\"\n", true).unwrap(),
            "default = true\n[[variants]]\nname = \"a\"\n"
        );
        assert_eq!(set_default("", true).unwrap(), "default = true\n");
        assert!(set_default("default = [", true).is_err());
        assert!(set_default("[default]\nx = 1\n", true).is_err());
    }

    #[test]
    fn summaries() {
        assert_eq!(one_line(None), "(no key)");
        assert_eq!(
            one_line(Some("# c\ndefault = true\n\n[[rules]]\n")),
            "default = true; [[rules]]"
        );
        assert_eq!(one_line(Some(&"x".repeat(100))).chars().count(), 60);
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(
            key_diff("/p/a", None, Some("default = true\n")),
            "--- /dev/null\n+++ b/p/a\n@@ -0,0 +1 @@\n+default = true\n"
        );
    }
}
