//! A crate with its own `flags.toml`: a static flag, a dynamic flag, a profile, and a flag with rules and
//! variants, each gating code the way you would in your own crate.
//!
//! ```text
//! cargo run -p flag-example-standalone                               # the manifest's defaults
//! FEATURE_FLAGS_PROFILE=beta cargo run -p flag-example-standalone    # another build: the `beta` profile
//! FEATURE_FLAGS=spell_check=on target/debug/flag-example-standalone  # same binary, a dynamic flag switched
//! ```

use flag_runtime::{Context, feature_flag, flag, variant};

// One enum per flag with variants (here `flag_variants::Onboarding`), generated from flags.toml. It must be
// invoked at the crate root.
flag_runtime::flag_variants!();

use flag_variants::Onboarding;

// `new_layout` is static: one of these two fns is compiled, the other is removed as `#[cfg]` would remove it.

/// How the report is laid out.
#[feature_flag("new_layout")]
fn layout() -> &'static str {
    "two columns"
}

/// How the report is laid out.
#[feature_flag(not("new_layout"))]
fn layout() -> &'static str {
    "one column"
}

// A static flag's `flag!` is a literal `true` or `false`, usable in constants.
const COLUMN_WIDTH: usize = if flag!("new_layout") { 30 } else { 60 };

// `spell_check` is dynamic: both fns are compiled, and each call of `title` runs one of them.

/// The title as written, when `spell_check` is off.
fn title_as_written(text: &str) -> String {
    text.to_owned()
}

/// The title with a common misspelling corrected, when `spell_check` is on.
#[feature_flag("spell_check", fallback = title_as_written)]
fn title(text: &str) -> String {
    text.replace("Teh", "The").replace(" teh ", " the ")
}

/// What a user sees on their first run: `onboarding` is decided per user, by its rules and variants.
fn first_run(ctx: &Context<'_>) -> &'static str {
    match variant!("onboarding", ctx) {
        Some(Onboarding::Tour) => "a guided tour",
        Some(Onboarding::Checklist) => "a checklist",
        None => "straight to the report",
    }
}

fn main() {
    println!("Flags (flag_runtime::flags()):");
    for info in flag_runtime::flags() {
        // `describe()` says what decides the flag now; one clause per line.
        let described = info.describe().replace("; ", ";\n                        ");
        println!("  {:<12} {:<8} {described}", info.name, info.mode.as_str());
    }

    println!();
    println!("Report:");
    println!("  layout: {}, {COLUMN_WIDTH} characters wide", layout());
    println!("  title:  {}", title("Teh quarterly numbers"));
    if flag!("spell_check") {
        println!("  (titles are spell-checked)");
    }

    println!();
    println!("First run, per user:");
    for (user, country) in [
        ("alice", "FR"),
        ("bob", "FR"),
        ("carol", "FR"),
        ("user-1", "NZ"),
        ("user-2", "NZ"),
        ("user-3", "AU"),
    ] {
        let ctx = Context::new().user_id(user).property("country", country);
        println!("  {user:<7} {country}: {}", first_run(&ctx));
    }

    let users: Vec<String> = (1..=1000).map(|n| format!("user-{n}")).collect();
    let (mut on, mut tour, mut checklist) = (0, 0, 0);
    for user in &users {
        let ctx = Context::new().user_id(user).property("country", "NZ");
        if flag!("onboarding", &ctx) {
            on += 1;
        }
        match variant!("onboarding", &ctx) {
            Some(Onboarding::Tour) => tour += 1,
            Some(Onboarding::Checklist) => checklist += 1,
            None => {}
        }
    }
    println!(
        "  {} users in NZ: onboarding for {on} (tour {tour}, checklist {checklist})",
        users.len()
    );
}
