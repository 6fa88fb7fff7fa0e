//! The list page for 1,000 flags, rendered on the server (escaping included). Goal: under 20 ms.
//!
//! `cargo bench -p flag-admin --bench list_page`

#[path = "support.rs"]
mod support;

use criterion::Criterion;
use flag_admin::{Change, Expiry, FlagView};

/// A thousand flags like a big program's: descriptions, owners, rules, variants, expiries, last changes.
fn flags() -> Vec<FlagView> {
    (0..1000)
        .map(|i| FlagView {
            name: format!("flag_{i:04}"),
            description: Some(format!("Flag number {i}: the <new> checkout & \"its\" rollout by country")),
            owner: Some(format!("team-{}", i % 17)),
            mode: if i % 5 == 0 { "static" } else { "dynamic" }.to_owned(),
            value: None,
            enabled: i % 3 == 0,
            layer: "compiled".to_owned(),
            source: "default".to_owned(),
            fleet: None,
            rules: if i % 2 == 0 {
                vec![
                    "user_id in [42, 7]".to_owned(),
                    format!("country in [NZ, AU] and app_version semver_gte 2.1.0 and {}% rollout by user_id", i % 100),
                ]
            } else {
                Vec::new()
            },
            rules_apply: true,
            variants: (i % 4 == 0).then(|| "control 50%, one_page 50%".to_owned()),
            requirements: Vec::new(),
            expires: (i % 7 == 0).then(|| "2026-12-01".to_owned()),
            expiry: if i % 7 == 0 { Expiry::Soon } else { Expiry::None },
            evaluations: None,
            version: (i % 4) as u64,
            last_change: (i % 4 != 0).then(|| Change {
                flag: format!("flag_{i:04}"),
                version: (i % 4) as u64,
                actor: "ana (token)".to_owned(),
                at: "2026-11-24T09:30:00Z".to_owned(),
                action: "switch on".to_owned(),
                old: "off (default)".to_owned(),
                new: "on (set)".to_owned(),
                reason: "incident <42>".to_owned(),
            }),
        })
        .collect()
}

fn main() {
    let flags = flags();
    let page = flag_admin::__bench::render_list(&flags);
    println!(
        "the list page for {} flags: {} KiB of HTML",
        flags.len(),
        page.len() / 1024
    );
    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("list_page_1000_flags", |b| {
        b.iter(|| flag_admin::__bench::render_list(std::hint::black_box(&flags)))
    });
    criterion.final_summary();
    if let Some(median) = support::median_ns("list_page_1000_flags", "list_page_1000_flags")
        .or_else(|| support::median_ns("list_page_1000_flags", ""))
    {
        println!(
            "list page, 1,000 flags: {:.2} ms (goal: under 20 ms)",
            median / 1e6
        );
    }
}
