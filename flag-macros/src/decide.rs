//! From a flag expression and this build's states to a decision: known now (static flags, folded like a
//! `cfg` predicate) or a check left for run time (dynamic flags).
//!
//! Static operands are folded away (by `flag_syntax::fold`, the rules `cargo flags remove` folds with too), so `all("static_off", "dynamic")` is known to be off at build time and
//! `any("static_on", "dynamic")` known to be on; only what truly depends on a dynamic flag reaches run time.

use proc_macro2::Span;

use crate::diagnostics::Errors;
use crate::load::Build;
use flag_manifest::{Mode, ValueType, did_you_mean};
use flag_syntax::{FlagExpr, Folded, Folder, Op, name_text};
use syn::LitStr;

/// What a flag expression comes to in this build.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Decided at build time.
    Known(bool),
    /// Decided at run time.
    Runtime(Check),
}

/// The part of an expression that depends on dynamic flags.
#[derive(Debug, Clone)]
pub enum Check {
    /// A dynamic flag's current state.
    Flag {
        /// The flag's position in the manifest.
        index: usize,
        /// The flag's name.
        name: String,
        /// The state this build compiles in, used until the runtime says otherwise.
        default: bool,
        /// The name's literal, for spans.
        span: Span,
    },
    /// Negation.
    Not(Box<Check>),
    /// Conjunction of at least two checks.
    All(Vec<Check>),
    /// Disjunction of at least two checks.
    Any(Vec<Check>),
}

/// Equal when they read the same flags the same way; spans do not count.
impl PartialEq for Check {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Check::Flag { name, default, .. },
                Check::Flag {
                    name: other_name,
                    default: other_default,
                    ..
                },
            ) => name == other_name && default == other_default,
            (Check::Not(a), Check::Not(b)) => a == b,
            (Check::All(a), Check::All(b)) | (Check::Any(a), Check::Any(b)) => a == b,
            _ => false,
        }
    }
}

impl Check {
    /// The first dynamic flag the check reads, for messages.
    pub fn first_flag(&self) -> (&str, Span) {
        match self {
            Check::Flag { name, span, .. } => (name, *span),
            Check::Not(inner) => inner.first_flag(),
            Check::All(operands) | Check::Any(operands) => operands[0].first_flag(),
        }
    }
}

/// Decides `expr` under `build`, recording an error for each unknown flag, which then counts as on, as every
/// flag does when nothing can be decided (see [`undecided`]).
pub fn decide(expr: &FlagExpr, build: &Build, errors: &mut Errors) -> Decision {
    match expr.fold(&mut Deciding { build, errors }) {
        Folded::Known(on) => Decision::Known(on),
        Folded::Open(check) => Decision::Runtime(check),
    }
}

/// What `expr` comes to when the build cannot decide it (the manifest cannot be read, a variable is
/// malformed): every flag counts as on. Any fixed choice keeps exactly one of two definitions gated on
/// `"name"` and `not("name")`, so the crate stays one consistent program and only the real error shows; "on"
/// also keeps an item gated on a single flag, the common case, for the code that uses it.
pub fn undecided(expr: &FlagExpr) -> bool {
    !matches!(expr.fold(&mut EveryFlagOn), Folded::Known(false))
}

/// The message for `name`, which the manifest does not declare: the closest declared name, if one is
/// close, else where to declare it.
pub fn unknown_flag_message(build: &Build, name: &str) -> String {
    let hint = did_you_mean(name, build.manifest.flag_names());
    if hint.is_empty() {
        format!(
            "unknown flag `{name}`: it is not declared in {} (add a `[flags.{name}]` table)",
            build.manifest_path.display()
        )
    } else {
        format!("unknown flag `{name}`{hint}")
    }
}

/// Folds with this build's states: a static flag is known, a dynamic one is left for run time.
struct Deciding<'a> {
    build: &'a Build,
    errors: &'a mut Errors,
}

impl Folder for Deciding<'_> {
    type Open = Check;

    fn flag(&mut self, literal: &LitStr) -> Folded<Check> {
        let build = self.build;
        let name = name_text(literal);
        let Some(index) = build.manifest.flag_index(&name) else {
            self.errors
                .error(literal.span(), unknown_flag_message(build, &name));
            return Folded::Known(true);
        };
        if let Some(values) = &build.manifest.flags[index].values {
            let value_type = values.value_type;
            let static_bool = match build.resolution.states[index].value {
                Some(chosen) if build.manifest.flags[index].mode == Mode::Static => {
                    match values.values[chosen].value {
                        flag_manifest::Value::Bool(on) => Some(on),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let (ValueType::Boolean, Some(on)) = (value_type, static_bool) {
                return Folded::Known(on);
            }
            let what = if value_type == ValueType::Boolean {
                "a dynamic boolean value flag".to_owned()
            } else {
                format!("{} value flag", value_type.with_article())
            };
            self.errors.error(
                literal.span(),
                format!(
                    "flag `{name}` is {what}, not on or off: read its value with `flag_value!(\"{name}\")`"
                ),
            );
            return Folded::Known(true);
        }
        let enabled = build.resolution.states[index].enabled;
        match build.manifest.flags[index].mode {
            Mode::Static => Folded::Known(enabled),
            Mode::Dynamic => Folded::Open(Check::Flag {
                index,
                name,
                default: enabled,
                span: literal.span(),
            }),
        }
    }

    fn not(&mut self, inner: Check) -> Check {
        Check::Not(Box::new(inner))
    }

    fn join(&mut self, op: Op, operands: Vec<Check>) -> Check {
        match op {
            Op::Any => Check::Any(operands),
            // Only `all` and `any` join operands.
            Op::All | Op::Not => Check::All(operands),
        }
    }
}

/// Folds with every flag on.
struct EveryFlagOn;

impl Folder for EveryFlagOn {
    type Open = ();

    fn flag(&mut self, _: &LitStr) -> Folded<()> {
        Folded::Known(true)
    }

    fn not(&mut self, (): ()) {}

    fn join(&mut self, _: Op, _: Vec<()>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    use flag_manifest::{Manifest, resolve};

    fn build() -> Build {
        let manifest = Manifest::parse(
            r#"
[flags.on]
default = true
[flags.off]
[flags.dyn]
mode = "dynamic"
default = true
"#,
        )
        .unwrap();
        let resolution = resolve(&manifest, None, None).unwrap();
        Build {
            manifest_path: "flags.toml".into(),
            manifest,
            resolution,
            earliest_expiry: None,
        }
    }

    fn decision(text: &str) -> Decision {
        let mut errors = Errors::default();
        let decision = decide(&syn::parse_str(text).unwrap(), &build(), &mut errors);
        assert!(errors.is_empty());
        decision
    }

    fn is_dyn(decision: &Decision) -> bool {
        matches!(decision, Decision::Runtime(Check::Flag { name, default: true, .. }) if name == "dyn")
    }

    #[test]
    fn folds_static_flags() {
        assert_eq!(decision(r#""on""#), Decision::Known(true));
        assert_eq!(decision(r#"not("on")"#), Decision::Known(false));
        assert_eq!(decision(r#"all("on", not("off"))"#), Decision::Known(true));
        assert_eq!(decision(r#"any("off", not("on"))"#), Decision::Known(false));
        assert_eq!(decision("all()"), Decision::Known(true));
        assert_eq!(decision("any()"), Decision::Known(false));
    }

    #[test]
    fn leaves_only_dynamic_parts_for_run_time() {
        assert!(is_dyn(&decision(r#""dyn""#)));
        assert!(is_dyn(&decision(r#"all("on", "dyn")"#)));
        assert!(is_dyn(&decision(r#"any("off", "dyn")"#)));
        assert_eq!(decision(r#"all("off", "dyn")"#), Decision::Known(false));
        assert_eq!(decision(r#"any("on", "dyn")"#), Decision::Known(true));
        assert!(matches!(
            decision(r#"not("dyn")"#),
            Decision::Runtime(Check::Not(_))
        ));
        assert!(
            matches!(decision(r#"all("dyn", not("dyn"))"#), Decision::Runtime(Check::All(v)) if v.len() == 2)
        );
    }

    #[test]
    fn unknown_flags_count_as_on_so_that_one_of_two_alternatives_stays() {
        let mut errors = Errors::default();
        let on = |text: &str, errors: &mut Errors| match decide(
            &syn::parse_str(text).unwrap(),
            &build(),
            errors,
        ) {
            Decision::Known(on) => on,
            Decision::Runtime(_) => panic!("{text} is static"),
        };
        assert!(on(r#""nwe""#, &mut errors));
        assert!(!on(r#"not("nwe")"#, &mut errors));
        assert!(!on(r#"all("off", "nwe")"#, &mut errors));
        assert!(on(r#"not(all("off", "nwe"))"#, &mut errors));
        let emitted = errors.into_compile_errors().to_string();
        assert!(emitted.contains("unknown flag `nwe`"), "{emitted}");
    }

    #[test]
    fn undecided_expressions_count_every_flag_as_on() {
        let value = |text: &str| undecided(&syn::parse_str(text).unwrap());
        assert!(value(r#""a""#));
        assert!(!value(r#"not("a")"#));
        assert!(value(r#"all("a", not(not("b")))"#));
        assert!(!value(r#"all("a", not("b"))"#));
        assert!(value(r#"any(not("a"), "b")"#));
        assert!(!value(r#"any(not("a"), not("b"))"#));
        assert!(value("all()"));
        assert!(!value("any()"));
        // Two alternatives: exactly one is on.
        for text in [r#""a""#, r#"all("a", "b")"#, r#"any(not("a"), "b")"#] {
            assert_ne!(value(text), value(&format!("not({text})")), "{text}");
        }
    }

    #[test]
    fn reports_every_unknown_flag_with_a_suggestion() {
        let mut errors = Errors::default();
        let expr = syn::parse_str(r#"all("of", "zzzzzz")"#).unwrap();
        assert_eq!(decide(&expr, &build(), &mut errors), Decision::Known(true));
        let text = errors.into_compile_errors().to_string();
        assert!(
            text.contains("unknown flag `of`; did you mean `off`?"),
            "{text}"
        );
        assert!(
            text.contains("unknown flag `zzzzzz`: it is not declared in flags.toml"),
            "{text}"
        );
    }
}
