//! The checks that look at the whole manifest or across flags: `requires` naming variants the other flag
//! has, cycles in `requires`; and the small ones of a flag's own table: `expires`, targeting on a static
//! flag.

use std::ops::Range;

use toml::Spanned;

use crate::diagnostic::Diagnostic;
use crate::model::{Date, Manifest};
use crate::suggest::did_you_mean;

/// Targeting keys (`key`, at `span`) on a static flag, which is decided once for every context.
pub(crate) fn static_targeting_error(
    text: &str,
    flag: &str,
    key: &str,
    span: Range<usize>,
) -> Diagnostic {
    Diagnostic::in_manifest(
        text,
        span,
        format!("flag `{flag}` has `{key}`, but only a dynamic flag is decided per context"),
    )
    .with_help(format!(
        "set `mode = \"dynamic\"` in `[flags.{flag}]`, or remove its `{key}`"
    ))
}

/// Every variant named by a `requires` entry must be one the required flag can yield.
pub(crate) fn check_required_variants(
    text: &str,
    manifest: &Manifest,
    errors: &mut Vec<Diagnostic>,
) {
    for flag in &manifest.flags {
        for requirement in &flag.requirements {
            let Some(required) = manifest.flag(&requirement.flag) else {
                continue;
            };
            let known = required.targeting.variant_names();
            for wanted in &requirement.variants {
                if known.contains(&wanted.as_str()) {
                    continue;
                }
                let message = if known.is_empty() {
                    format!(
                        "flag `{}` requires variant `{wanted}` of `{}`, which has no variants",
                        flag.name, required.name
                    )
                } else {
                    format!(
                        "flag `{}` requires variant `{wanted}` of `{}`, which has no such variant{}",
                        flag.name,
                        required.name,
                        did_you_mean(wanted, known.iter().copied())
                    )
                };
                errors.push(Diagnostic::in_manifest(
                    text,
                    requirement.span.clone(),
                    message,
                ));
            }
        }
    }
}

/// `expires`: a bare TOML date, without a time or an offset.
pub(crate) fn to_date(
    text: &str,
    value: &Spanned<toml::value::Datetime>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Date> {
    let datetime = value.get_ref();
    match (datetime.date, datetime.time, datetime.offset) {
        (Some(date), None, None) => Some(Date {
            year: date.year,
            month: date.month,
            day: date.day,
        }),
        _ => {
            errors.push(
                Diagnostic::in_manifest(
                    text,
                    value.span(),
                    format!("`expires` must be a date without a time, found `{datetime}`"),
                )
                .with_help("write a bare TOML date, such as `expires = 2027-03-01`"),
            );
            None
        }
    }
}

/// Reports each cycle in `requires` once, as the chain of names that closes it.
pub(crate) fn check_cycles(text: &str, manifest: &Manifest, errors: &mut Vec<Diagnostic>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        manifest: &Manifest,
        index: usize,
        marks: &mut [Mark],
        path: &mut Vec<usize>,
        cycles: &mut Vec<Vec<usize>>,
    ) {
        marks[index] = Mark::OnPath;
        path.push(index);
        for requirement in &manifest.flags[index].requirements {
            let Some(next) = manifest.flag_index(&requirement.flag) else {
                continue;
            };
            match marks[next] {
                Mark::New => visit(manifest, next, marks, path, cycles),
                Mark::OnPath => {
                    let start = path.iter().position(|&i| i == next).unwrap_or(0);
                    cycles.push(path[start..].to_vec());
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[index] = Mark::Done;
    }

    let mut marks = vec![Mark::New; manifest.flags.len()];
    let mut cycles = Vec::new();
    for index in 0..manifest.flags.len() {
        if marks[index] == Mark::New {
            visit(manifest, index, &mut marks, &mut Vec::new(), &mut cycles);
        }
    }
    for cycle in cycles {
        let first = &manifest.flags[cycle[0]];
        let mut chain: Vec<&str> = cycle
            .iter()
            .map(|&i| manifest.flags[i].name.as_str())
            .collect();
        chain.push(&first.name);
        let last = &manifest.flags[*cycle.last().unwrap_or(&cycle[0])];
        let span = last
            .requirements
            .iter()
            .find(|requirement| requirement.flag == first.name)
            .map_or(last.span.clone(), |requirement| requirement.span.clone());
        errors.push(
            Diagnostic::in_manifest(
                text,
                span,
                format!("`requires` forms a cycle: {}", chain.join(" -> ")),
            )
            .with_help(
                "a flag cannot depend on itself, even through others: remove one link of the chain",
            ),
        );
    }
}
