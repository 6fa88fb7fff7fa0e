//! Instructions per read, for `valgrind --tool=callgrind` (steadier than time on a shared machine): each
//! function below does 1,000,000 reads of one kind, and callgrind's `--toggle-collect` counts each alone.
//!
//! ```text
//! cargo build --release -p flag-runtime --example read_cost
//! for f in floor dynamic_flag dynamic_value dynamic_value_bool; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="read_cost::$f" \
//!     target/release/examples/read_cost 2>&1 | grep Collected
//! done
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};

use flag_runtime::{flag, flag_value};

const READS: u64 = 1_000_000;

static FLOOR: AtomicBool = AtomicBool::new(false);

#[inline(never)]
fn floor() -> u64 {
    (0..READS)
        .map(|_| u64::from(black_box(FLOOR.load(Ordering::Relaxed))))
        .sum()
}

#[inline(never)]
fn dynamic_flag() -> u64 {
    (0..READS)
        .map(|_| u64::from(black_box(flag!("fast_search"))))
        .sum()
}

#[inline(never)]
fn dynamic_value() -> u64 {
    (0..READS)
        .map(|_| black_box(flag_value!("page_size")) as u64)
        .sum()
}

#[inline(never)]
fn dynamic_value_bool() -> u64 {
    (0..READS)
        .map(|_| u64::from(black_box(flag_value!("dense_results"))))
        .sum()
}

fn main() {
    // A value the compiler cannot see: without it, LLVM knows that nothing ever stores to `FLOOR` and reads
    // the constant `false` instead of loading it, and the floor would time no load at all.
    FLOOR.store(black_box(false), Ordering::Relaxed);
    // The first reads register the callsites and start the runtime: not part of what is counted.
    assert!(!flag!("fast_search"));
    assert_eq!(flag_value!("page_size"), 50);
    assert!(!flag_value!("dense_results"));
    println!(
        "{} {} {} {}",
        floor(),
        dynamic_flag(),
        dynamic_value(),
        dynamic_value_bool()
    );
}
