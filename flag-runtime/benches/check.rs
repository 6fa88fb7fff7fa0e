//! What one flag check costs, measured against the cheapest possible run-time check and the usual
//! alternatives, all in one criterion group (`flag_check`) so that the numbers come from the same run and can
//! be compared as ratios.
//!
//! Every iteration does exactly one check and returns its `bool` through [`std::hint::black_box`], so the
//! check cannot be folded away or hoisted out of the loop:
//!
//! | benchmark | what one iteration does |
//! | --- | --- |
//! | `atomic_bool_relaxed` | the floor: a relaxed load of a `static AtomicBool`, the instruction a dynamic check performs |
//! | `atomic_bool_relaxed_via_pointer` | the same load through `black_box(&STATIC)` (see below) |
//! | `dynamic_flag` | `flag!("fast_search")` (dynamic, default off), its callsite registered before measuring |
//! | `static_flag` | `flag!("new_api")` (static): a literal `true`, so loop overhead only |
//! | `dynamic_value_i64` | `flag_value!("page_size")` (dynamic integer value flag): the value's own bits, one relaxed load |
//! | `dynamic_value_bool` | `flag_value!("dense_results")` (dynamic boolean value flag): the same |
//! | `hashmap_string_bool` | `HashMap<String, bool>` of the manifest's 5 flags, looked up by a `black_box`ed `&str` |
//! | `rwlock_hashmap` | the same map behind a `RwLock`: read lock, lookup, unlock |
//! | `string_api` | `flag_runtime::is_enabled("fast_search")`: the registry's mutex and name lookup |
//!
//! The floor loads the static directly: LLVM keeps a relaxed atomic load inside the loop (checked in the
//! disassembly), exactly as a dynamic check's callsite is loaded. Reading it through `black_box(&FLOOR)`
//! instead makes the compiler spill the pointer to the stack and reload it, one extra store per iteration, so
//! `atomic_bool_relaxed_via_pointer` measures a little more than the floor; it is kept to show that ratios
//! against such a floor would flatter the flag. At this scale (a few cycles) every benchmark is bound by the
//! loop and the stores `black_box` makes, not by the load itself.
//!
//! Run it from the workspace root, then print the medians and their ratios to the floor:
//!
//! ```text
//! cargo bench -p flag-runtime --bench check
//! scripts/bench-ratios            # add --check to fail if dynamic_flag > 1.5x atomic_bool_relaxed
//! ```
//!
//! Each benchmark warms up for 1 s and measures for 3 s (plots are off: the script reads criterion's
//! `estimates.json`), so the whole group takes about 35 s once built.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use flag_runtime::__targeting_for_tests::{CompiledTargeting, murmur3_x86_32};
use flag_runtime::{Context, flag, flag_value};

/// Names of flags declared in the workspace's `flags.toml`, for the map-based alternatives.
const FLAG_NAMES: [&str; 5] = [
    "new_ui",
    "new_api",
    "legacy_export",
    "fast_search",
    "dark_mode",
];

/// The floor: a plain process-wide switch, off like `fast_search`.
static FLOOR: AtomicBool = AtomicBool::new(false);

/// The measured dynamic check. `flag!` creates one callsite per invocation in the source, so the check lives
/// in one function: calling it before measuring registers the very callsite that is measured.
#[inline(always)]
fn fast_search() -> bool {
    flag!("fast_search")
}

/// The measured dynamic value read, in one function for the same reason as [`fast_search`].
#[inline(always)]
fn page_size() -> i64 {
    flag_value!("page_size")
}

/// The measured dynamic boolean value read, in one function for the same reason as [`fast_search`].
#[inline(always)]
fn dense_results() -> bool {
    flag_value!("dense_results")
}

/// The measured static check, in a function for symmetry with [`fast_search`].
#[inline(always)]
fn new_api() -> bool {
    flag!("new_api")
}

fn flag_map() -> HashMap<String, bool> {
    FLAG_NAMES
        .iter()
        .map(|name| {
            let on = matches!(*name, "new_api" | "legacy_export" | "dark_mode");
            (name.to_string(), on)
        })
        .collect()
}

fn flag_check(c: &mut Criterion) {
    // The steady state: the callsite is registered and holds "off", and the registry exists.
    assert!(
        !fast_search(),
        "fast_search should be off (is FEATURE_FLAGS set?)"
    );
    assert_eq!(flag_runtime::is_enabled("fast_search"), Ok(false));
    assert!(new_api());
    assert_eq!(
        page_size(),
        50,
        "page_size should be medium (is FEATURE_FLAGS set?)"
    );
    assert!(
        !dense_results(),
        "dense_results should be comfortable (is FEATURE_FLAGS set?)"
    );

    let mut group = c.benchmark_group("flag_check");

    group.bench_function("atomic_bool_relaxed_via_pointer", |b| {
        b.iter(|| black_box(black_box(&FLOOR).load(Ordering::Relaxed)))
    });

    // The floor: LLVM keeps a relaxed atomic load inside the loop (checked in the disassembly), the exact
    // instruction a dynamic check performs.
    group.bench_function("atomic_bool_relaxed", |b| {
        b.iter(|| black_box(FLOOR.load(Ordering::Relaxed)))
    });

    group.bench_function("dynamic_flag", |b| b.iter(|| black_box(fast_search())));

    group.bench_function("dynamic_value_i64", |b| b.iter(|| black_box(page_size())));

    group.bench_function("dynamic_value_bool", |b| {
        b.iter(|| black_box(dense_results()))
    });

    group.bench_function("static_flag", |b| b.iter(|| black_box(new_api())));

    let map = flag_map();
    group.bench_function("hashmap_string_bool", |b| {
        b.iter(|| {
            let name: &str = black_box("fast_search");
            black_box(map.get(name).copied().unwrap_or(false))
        })
    });

    let locked = RwLock::new(flag_map());
    group.bench_function("rwlock_hashmap", |b| {
        b.iter(|| {
            let name: &str = black_box("fast_search");
            let map = locked.read().unwrap();
            black_box(map.get(name).copied().unwrap_or(false))
        })
    });

    group.bench_function("string_api", |b| {
        b.iter(|| black_box(flag_runtime::is_enabled(black_box("fast_search")).unwrap_or(false)))
    });

    group.finish();
}

/// The contextual check of a flag with one constraint and a 25% rollout, against a bare murmur3 over the key
/// the rollout hashes (`"search_ranking:{user id}"`), in a group of their own.
#[inline(always)]
fn search_ranking(ctx: &Context<'_>) -> bool {
    flag!("search_ranking", ctx)
}

fn contextual(c: &mut Criterion) {
    let ctx = Context::new()
        .user_id("user-123456")
        .property("plan", "pro");
    let _ = search_ranking(&ctx);
    let mut group = c.benchmark_group("contextual");
    group.bench_function("murmur3_over_the_key", |b| {
        b.iter(|| {
            let key: &[u8] = black_box(b"search_ranking:user-123456");
            black_box(murmur3_x86_32(&[key], 0))
        })
    });
    group.bench_function("rollout_with_one_constraint", |b| {
        b.iter(|| black_box(search_ranking(black_box(&ctx))))
    });
    // The engine alone, on the same rule: what the macro's callsite adds is the difference.
    let targeting = flag_manifest::parse_flag_rules(
        "[[rules]]\nconstraints = [{ context = \"plan\", operator = \"in\", values = [\"pro\", \"team\"] }]\nrollout = { percent = 25 }\n",
    )
    .expect("the rule parses");
    let engine = CompiledTargeting::new("search_ranking", &targeting).expect("the rule compiles");
    let rollout_only = flag_manifest::parse_flag_rules("[[rules]]\nrollout = { percent = 25 }\n")
        .expect("the rule parses");
    let rollout_only =
        CompiledTargeting::new("search_ranking", &rollout_only).expect("the rule compiles");
    group.bench_function("engine_rollout_without_constraint", |b| {
        b.iter(|| black_box(rollout_only.is_enabled(black_box(&ctx), false)))
    });
    group.bench_function("engine_only", |b| {
        b.iter(|| black_box(engine.is_enabled(black_box(&ctx), false)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots();
    targets = flag_check, contextual
}
criterion_main!(benches);
