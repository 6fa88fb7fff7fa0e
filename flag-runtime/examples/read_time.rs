//! Time per read against a relaxed atomic load, paired round by round, for a machine too busy for criterion's
//! separate runs: each round times the floor and each read over the same number of iterations, back to back
//! and in a rotating order, and takes each read's ratio to that round's floor. Load that comes and goes
//! then disturbs both sides of a ratio alike, and the median over the rounds is the figure.
//!
//! ```text
//! cargo run --release -p flag-runtime --example read_time            # 31 rounds of 20,000,000 reads
//! cargo run --release -p flag-runtime --example read_time -- 51 5000000
//! ```
//!
//! Prints, for each read, the median, lowest and highest ratio over the rounds, and the floor's median time
//! per read. The goal (issue 15) is a dynamic value read at most 1.5x the floor.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use flag_runtime::{flag, flag_value};

static FLOOR: AtomicBool = AtomicBool::new(false);

/// One kind of read: its name and a loop of `reads` of it.
type Read = (&'static str, fn(u64) -> u64);

#[inline(never)]
fn floor(reads: u64) -> u64 {
    (0..reads)
        .map(|_| u64::from(black_box(FLOOR.load(Ordering::Relaxed))))
        .sum()
}

#[inline(never)]
fn dynamic_flag(reads: u64) -> u64 {
    (0..reads)
        .map(|_| u64::from(black_box(flag!("fast_search"))))
        .sum()
}

#[inline(never)]
fn dynamic_value_i64(reads: u64) -> u64 {
    (0..reads)
        .map(|_| black_box(flag_value!("page_size")) as u64)
        .sum()
}

#[inline(never)]
fn dynamic_value_bool(reads: u64) -> u64 {
    (0..reads)
        .map(|_| u64::from(black_box(flag_value!("dense_results"))))
        .sum()
}

/// Seconds per read of `read`'s loop of `reads`.
fn time(read: fn(u64) -> u64, reads: u64) -> f64 {
    let start = Instant::now();
    black_box(read(black_box(reads)));
    start.elapsed().as_secs_f64() / reads as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(31)
        .max(1);
    let reads: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000_000)
        .max(1);
    // A value the compiler cannot see: without it, LLVM knows that nothing ever stores to `FLOOR` and reads
    // the constant `false` instead of loading it, and the floor would time no load at all.
    FLOOR.store(black_box(false), Ordering::Relaxed);
    // The first reads register the call sites and start the runtime: not part of what is timed.
    assert!(!flag!("fast_search"));
    assert_eq!(flag_value!("page_size"), 50);
    assert!(!flag_value!("dense_results"));

    let kinds: [Read; 4] = [
        ("floor (relaxed AtomicBool load)", floor),
        ("flag!(\"fast_search\")", dynamic_flag),
        ("flag_value!(\"page_size\"), i64", dynamic_value_i64),
        ("flag_value!(\"dense_results\"), bool", dynamic_value_bool),
    ];
    let mut floors = Vec::with_capacity(rounds);
    let mut ratios = vec![Vec::with_capacity(rounds); kinds.len()];
    for round in 0..rounds {
        let mut seconds = [0.0; 4];
        for step in 0..kinds.len() {
            let kind = (round + step) % kinds.len();
            seconds[kind] = time(kinds[kind].1, reads);
        }
        floors.push(seconds[0]);
        for (kind, ratios) in ratios.iter_mut().enumerate() {
            ratios.push(seconds[kind] / seconds[0]);
        }
    }
    println!(
        "{rounds} rounds of {reads} reads each; floor median {:.3} ns per read",
        median(&mut floors) * 1e9
    );
    println!(
        "{:<40} {:>8} {:>8} {:>8}",
        "read", "median", "lowest", "highest"
    );
    for ((name, _), ratios) in kinds.iter().zip(&mut ratios).skip(1) {
        let median = median(ratios);
        println!(
            "{name:<40} {median:>7.2}x {:>7.2}x {:>7.2}x",
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}
