//! One entry of a flag's `requires`, checked: a flag name, or a table saying the state the flag must be in.
//!
//! `requires` is not targeting: it holds on static flags too, where it is checked at build time; only a
//! dynamic flag may need another flag off or on with a variant (see `parse::manifest`).

use toml::Spanned;

use super::describe;
use crate::diagnostic::Diagnostic;
use crate::model::Requirement;
use crate::suggest::did_you_mean;

/// One entry of `requires`: a flag name, or a table `{ flag = "name", enabled = false, variants = [..] }`.
pub(crate) fn build_requirement(
    text: &str,
    entry: &Spanned<toml::Value>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Requirement> {
    let span = entry.span();
    let error = |message: String| Diagnostic::in_manifest(text, span.clone(), message);
    let table = match entry.get_ref() {
        toml::Value::String(name) => {
            return Some(Requirement {
                flag: name.clone(),
                enabled: true,
                variants: Vec::new(),
                span,
            });
        }
        toml::Value::Table(table) => table,
        other => {
            errors.push(
                error(format!(
                    "each entry of `requires` is a flag name or a table, found {}",
                    describe(other)
                ))
                .with_help(
                    r#"write `"name"`, or `{ flag = "name", enabled = false }` on a dynamic flag"#,
                ),
            );
            return None;
        }
    };
    let mut valid = true;
    for key in table.keys() {
        if !["flag", "enabled", "variants"].contains(&key.as_str()) {
            errors.push(error(format!(
                "unknown key `{key}` in an entry of `requires`, expected `flag`, `enabled` or `variants`{}",
                did_you_mean(key, ["flag", "enabled", "variants"])
            )));
            valid = false;
        }
    }
    let flag = match table.get("flag") {
        Some(toml::Value::String(name)) => Some(name.clone()),
        Some(other) => {
            errors.push(error(format!(
                "`flag` in an entry of `requires` must be a flag name, found {}",
                describe(other)
            )));
            None
        }
        None => {
            errors.push(error(
                "an entry of `requires` written as a table needs `flag = \"name\"`".to_owned(),
            ));
            None
        }
    };
    let enabled = match table.get("enabled") {
        None => true,
        Some(toml::Value::Boolean(enabled)) => *enabled,
        Some(other) => {
            errors.push(error(format!(
                "`enabled` in an entry of `requires` must be true or false, found {}",
                describe(other)
            )));
            valid = false;
            true
        }
    };
    let mut variant_names = Vec::new();
    match table.get("variants") {
        None => {}
        Some(toml::Value::Array(names)) => {
            for name in names {
                match name {
                    toml::Value::String(name) => variant_names.push(name.clone()),
                    other => {
                        errors.push(error(format!(
                            "`variants` in an entry of `requires` lists variant names, found {}",
                            describe(other)
                        )));
                        valid = false;
                    }
                }
            }
        }
        Some(other) => {
            errors.push(error(format!(
                "`variants` in an entry of `requires` must be a list of variant names, found {}",
                describe(other)
            )));
            valid = false;
        }
    }
    if !enabled && !variant_names.is_empty() {
        errors.push(error(
            "an entry of `requires` cannot ask for variants of a flag that must be off".to_owned(),
        ));
        valid = false;
    }
    let flag = flag?;
    valid.then_some(Requirement {
        flag,
        enabled,
        variants: variant_names,
        span,
    })
}
