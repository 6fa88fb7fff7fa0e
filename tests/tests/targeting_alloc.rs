//! Proves that evaluating a flag's targeting allocates nothing, with a global allocator that counts the
//! allocations made by the current thread while it measures.
//!
//! The issue asks for zero heap allocations when a flag with one constraint and a 25% rollout is evaluated
//! against a context; `the_counter_sees_allocations` shows the counter would catch one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use flag_runtime::__targeting_for_tests::CompiledTargeting;
use flag_runtime::Context;

struct CountingAllocator;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    let _ = MEASURING.try_with(|measuring| {
        if measuring.get() {
            let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        }
    });
}

// SAFETY: every method forwards to the system allocator with the caller's arguments; counting touches only
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// How many allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|count| count.set(0));
    MEASURING.with(|measuring| measuring.set(true));
    f();
    MEASURING.with(|measuring| measuring.set(false));
    ALLOCATIONS.with(Cell::get)
}

fn compile(name: &str, text: &str) -> CompiledTargeting {
    let targeting = flag_manifest::parse_flag_rules(text).unwrap();
    CompiledTargeting::new(name, &targeting).unwrap()
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(allocations_in(|| {}), 0);
    assert!(allocations_in(|| drop(black_box(Box::new(7u64)))) >= 1);
    assert!(allocations_in(|| drop(black_box(format!("{}", black_box(42))))) >= 1);
}

#[test]
fn one_constraint_and_a_quarter_rollout_allocate_nothing() {
    let targeting = compile(
        "checkout_v2",
        r#"
[[rules]]
constraints = [{ context = "country", operator = "in", values = ["NZ", "AU"] }]
rollout = { percent = 25, stickiness = "user_id" }

[[variants]]
name = "control"
weight = 50
[[variants]]
name = "treatment"
weight = 50
payload = { type = "string", value = "red" }
"#,
    );
    let user_ids: Vec<String> = (0..2_000).map(|id| format!("user-{id}")).collect();
    let mut on = 0;
    let mut variants = 0;
    let allocations = allocations_in(|| {
        for user_id in &user_ids {
            let ctx = Context::new()
                .user_id(user_id.as_str())
                .property("country", "NZ");
            if black_box(targeting.is_enabled(black_box(&ctx), false)) {
                on += 1;
            }
            if black_box(targeting.variant(black_box(&ctx), false)).is_some() {
                variants += 1;
            }
        }
    });
    assert_eq!(allocations, 0, "evaluation allocated");
    // The loop did real work: about a quarter of the users are in, and they get a variant.
    assert!((400..600).contains(&on), "{on} of 2000");
    assert_eq!(on, variants);
}

#[test]
fn every_operator_but_regex_evaluates_without_allocating() {
    let targeting = compile(
        "everything",
        r#"
[[rules]]
user_ids = ["nobody"]
[[rules]]
constraints = [
  { context = "email", operator = "str_ends_with", values = ["@EXAMPLE.com"], case_insensitive = true },
  { context = "email", operator = "str_starts_with", values = ["ann"] },
  { context = "email", operator = "str_contains", values = ["@"] },
  { context = "plan", operator = "not_in", values = ["free"] },
  { context = "plan", operator = "in", values = ["PRO"], case_insensitive = true },
  { context = "age", operator = "num_gte", value = 18 },
  { context = "age", operator = "num_lt", value = "120.5" },
  { context = "app_version", operator = "semver_gte", value = "2.0.0-beta.2" },
  { context = "app_version", operator = "semver_lt", value = "3.0.0" },
  { context = "current_time", operator = "date_after", value = "2020-01-01T00:00:00Z" },
  { context = "signed_up", operator = "date_before", value = "2030-01-01T00:00:00+02:00" },
  { context = "remote_address", operator = "in_cidr", values = ["10.0.0.0/8", "2001:db8::/32"] },
  { context = "missing", operator = "in", values = ["x"], inverted = true },
]
rollout = { percent = 100, stickiness = "default", group = "g" }
[[rules.variants]]
name = "a"
weight = 1
[[rules.variants]]
name = "b"
weight = 1
overrides = [{ context = "plan", values = ["enterprise"] }]
[[rules]]
rollout = { percent = 50, stickiness = "random" }
"#,
    );
    let allocations = allocations_in(|| {
        for _ in 0..100 {
            let ctx = Context::new()
                .session_id("s-1")
                .remote_address("10.1.2.3")
                .property("email", "ann@example.com")
                .property("plan", "pro")
                .property("age", "42")
                .property("app_version", "2.1.0")
                .property("signed_up", "2021-06-01T12:00:00Z");
            let evaluation = black_box(targeting.evaluate(black_box(&ctx), false));
            assert!(evaluation.enabled);
            assert!(evaluation.variant.is_some());
            // No rule for this one but the random rollout.
            black_box(targeting.is_enabled(black_box(&Context::new()), false));
        }
    });
    assert_eq!(allocations, 0, "evaluation allocated");
}

/// A dynamic value flag read with `flag_value!` (the workspace's `page_size`), without and with a context,
/// allocates nothing once the runtime has started; the reads do real work (the rule's value and a value
/// chosen at run time both show).
#[test]
fn a_dynamic_value_read_allocates_nothing() {
    use flag_runtime::flag_value;

    // The first read starts the runtime, which allocates: not measured.
    assert_eq!(flag_value!("page_size"), 50);
    let pro = Context::new().user_id("user-1").property("plan", "pro");
    let free = Context::new().user_id("user-1").property("plan", "free");
    assert_eq!(flag_value!("page_size", &pro), 200);
    let mut total = 0i64;
    let allocations = allocations_in(|| {
        for _ in 0..2_000 {
            total += black_box(flag_value!("page_size"));
            total += black_box(flag_value!("page_size", black_box(&pro)));
            total += black_box(flag_value!("page_size", black_box(&free)));
        }
    });
    assert_eq!(allocations, 0, "a value read allocated");
    assert_eq!(total, 2_000 * (50 + 200 + 50));
}
