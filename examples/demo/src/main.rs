//! A tour of the toolkit on the workspace's `flags.toml`: which code paths ran, and why.
//!
//! ```text
//! cargo run -p flag-demo                                   # the manifest's defaults
//! FEATURE_FLAGS_PROFILE=beta cargo run -p flag-demo        # another build: static flags change
//! FEATURE_FLAGS=fast_search=on target/debug/flag-demo      # same binary: dynamic flags change
//! target/debug/flag-demo --watch demo-flags.toml 30        # edit the file while it runs
//! cargo run -p flag-demo -- --serve 127.0.0.1:8080         # the operators' page, JSON API and OFREP
//! ```

mod serve;

use std::time::{Duration, Instant};

use flag_runtime::{Context, feature_flag, flag, flag_value, variant};

flag_runtime::flag_variants!();

use flag_variants::CheckoutV2;

// Static flags: one of each pair is compiled, the other is gone from the binary.

#[feature_flag("new_ui")]
fn dashboard() -> &'static str {
    "new dashboard"
}

#[feature_flag(not("new_ui"))]
fn dashboard() -> &'static str {
    "classic dashboard"
}

fn json_export_only() -> &'static str {
    "JSON"
}

#[feature_flag("legacy_export", fallback = json_export_only)]
fn export_formats() -> &'static str {
    "CSV and JSON"
}

// Dynamic flags: both paths are compiled, the choice is made at each call.

fn search_by_scan(query: &str) -> String {
    format!("scanned every record for {query:?}")
}

#[feature_flag("fast_search", fallback = search_by_scan)]
fn search(query: &str) -> String {
    format!("looked {query:?} up in the new index")
}

fn theme() -> &'static str {
    if flag!("dark_mode") { "dark" } else { "light" }
}

fn tour() {
    println!("Flags compiled into this program (flag_runtime::flags()):");
    let flags = flag_runtime::flags();
    let width = flags.iter().map(|info| info.name.len()).max().unwrap_or(0);
    // One line of `describe()` per clause, aligned under the first.
    let indent = format!(";\n{}", " ".repeat(width + 12));
    for info in flags {
        let description = info.describe().replace("; ", &indent);
        println!(
            "  {:<width$} {:<8} {description}",
            info.name,
            info.mode.as_str()
        );
    }
    println!();
    println!("Paths that ran:");
    println!("  dashboard:      {}", dashboard());
    println!("  export formats: {}", export_formats());
    println!(
        "  api version:    {}",
        if flag!("new_api") { "v2" } else { "v1" }
    );
    println!("  search:         {}", search("rust"));
    println!("  theme:          {}", theme());
    // Typed values: an i64 chosen per plan at run time, and a constant decided at build time.
    let pro = Context::new().property("plan", "pro");
    println!(
        "  page size:      {} rows ({} on the pro plan); uploads up to {UPLOAD_LIMIT_MB} MB",
        flag_value!("page_size"),
        flag_value!("page_size", &pro)
    );
}

/// A static value flag's value is a constant.
const UPLOAD_LIMIT_MB: i64 = flag_value!("upload_limit_mb");

/// `checkout_v2` decided per user: its rules (a user list; NZ and AU on app 2.1.0 or later, 25% of them),
/// and its two variants, 50/50.
fn rollout() {
    println!();
    println!("checkout_v2 over 4000 users in NZ on app 2.3.0 (rule: 25% of them, by user id):");
    let ids: Vec<String> = (1..=4000).map(|id| format!("user-{id}")).collect();
    let mut on = 0;
    let mut variants = [0; 2];
    for id in &ids {
        let ctx = Context::new()
            .user_id(id)
            .property("country", "NZ")
            .property("app_version", "2.3.0");
        if flag!("checkout_v2", &ctx) {
            on += 1;
        }
        match variant!("checkout_v2", &ctx) {
            Some(CheckoutV2::Control) => variants[0] += 1,
            Some(CheckoutV2::OnePage) => variants[1] += 1,
            None => {}
        }
    }
    println!(
        "  on for {on} ({:.1}%); variants: control {}, one_page {}",
        100.0 * f64::from(on) / ids.len() as f64,
        variants[0],
        variants[1]
    );
    println!("  per user:");
    for (user, country) in [
        ("42", "FR"),
        ("user-17", "NZ"),
        ("user-18", "NZ"),
        ("user-19", "AU"),
        ("user-20", "FR"),
    ] {
        let ctx = Context::new()
            .user_id(user)
            .property("country", country)
            .property("app_version", "2.3.0");
        let shown = match variant!("checkout_v2", &ctx) {
            Some(variant) => format!("on, variant {variant}"),
            None => "off".to_owned(),
        };
        println!("    {user:<8} {country}: {shown}");
    }
}

/// Watches a runtime flags file for `seconds`, printing each change of a dynamic flag as it happens.
fn watch(path: &str, seconds: u64) {
    println!(
        "Watching {path} for {seconds} s: edit it, e.g. `[flags.fast_search]` / `default = true`."
    );
    let _subscription = flag_runtime::subscribe(|change| {
        println!(
            "  {} is now {} ({})",
            change.name,
            if change.enabled { "on" } else { "off" },
            change.source
        );
    });
    flag_runtime::set_reporter(|error| println!("  ignored: {error}"));
    let _watch = flag_runtime::watch_file(path, Duration::from_millis(200));
    println!("  search: {}; theme: {}", search("rust"), theme());
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("  search: {}; theme: {}", search("rust"), theme());
}

/// Prints each change of a dynamic flag for `seconds`, whatever its source (the fleet, with the `etcd`
/// feature and `FEATURE_FLAGS_ETCD`; a runtime file; ...).
fn follow(seconds: u64) {
    let _subscription = flag_runtime::subscribe(|change| {
        let revision = change
            .revision
            .map(|revision| format!(", revision {revision}"))
            .unwrap_or_default();
        println!(
            "  {} is now {} ({}{revision})",
            change.name,
            if change.enabled { "on" } else { "off" },
            change.source
        );
    });
    flag_runtime::set_reporter(|error| println!("  ignored: {error}"));
    match flag_runtime::fleet_status() {
        Some(status) => println!(
            "Following the fleet at {} (revision {}{}) for {seconds} s.",
            status.prefix,
            status.revision,
            if status.from_snapshot {
                ", from the local snapshot"
            } else {
                ""
            }
        ),
        None => println!(
            "Following flag changes for {seconds} s (no fleet: FEATURE_FLAGS_ETCD is not set)."
        ),
    }
    println!("  search: {}; theme: {}", search("rust"), theme());
    std::thread::sleep(Duration::from_secs(seconds));
    println!("  search: {}; theme: {}", search("rust"), theme());
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            tour();
            rollout();
        }
        [flag, seconds] if flag == "--follow" => match seconds.parse() {
            Ok(seconds) => follow(seconds),
            Err(_) => eprintln!("not a number of seconds: {seconds}"),
        },
        [flag, address] if flag == "--serve" => serve::serve(address),
        [flag, path] if flag == "--watch" => watch(path, 20),
        [flag, path, seconds] if flag == "--watch" => match seconds.parse() {
            Ok(seconds) => watch(path, seconds),
            Err(_) => eprintln!("not a number of seconds: {seconds}"),
        },
        _ => eprintln!(
            "usage: flag-demo [--watch FILE [SECONDS] | --follow SECONDS | --serve ADDRESS:PORT]"
        ),
    }
}
