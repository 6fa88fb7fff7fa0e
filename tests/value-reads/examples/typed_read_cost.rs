//! Instructions per typed object read, `flag_value!("layout": Layout)` on a dynamic flag whose value is
//! already decoded, for `valgrind --tool=callgrind` (steadier than time on a shared machine). It lives
//! here rather than beside flag-runtime's `read_cost` because this crate's manifest has an object flag.
//!
//! `typed_reads(n)` does one read to warm the call site (register it, decode the value), then `n` reads;
//! callgrind's `--toggle-collect` counts that function alone. Run it with n reads and with none: the
//! difference divided by n is the cost of one read, the loop's own instructions included (the `floor`
//! function is the same loop around one relaxed load, for comparison).
//!
//! ```text
//! cargo build --release -p flag-value-reads --example typed_read_cost
//! for f in floor typed_reads; do for n in 1000000 0; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="typed_read_cost::$f" \
//!     target/release/examples/typed_read_cost $n 2>&1 | grep Collected
//! done; done
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicU8, Ordering};

use flag_runtime::flag_value;

/// `layout`'s values, as the program reads them.
#[derive(serde::Deserialize)]
struct Layout {
    columns: u8,
}

static FLOOR: AtomicU8 = AtomicU8::new(1);

#[inline(never)]
fn floor(reads: u64) -> u64 {
    let warm = u64::from(black_box(FLOOR.load(Ordering::Relaxed)));
    warm + (0..reads)
        .map(|_| u64::from(black_box(FLOOR.load(Ordering::Relaxed))))
        .sum::<u64>()
}

#[inline(never)]
fn typed_reads(reads: u64) -> u64 {
    let read = || {
        black_box(match flag_value!("layout": Layout) {
            Ok(layout) => u64::from(layout.columns),
            Err(_) => 0,
        })
    };
    let warm = read();
    warm + (0..reads).map(|_| read()).sum::<u64>()
}

fn main() {
    let reads = match std::env::args().nth(1) {
        Some(reads) => match reads.parse() {
            Ok(reads) => reads,
            Err(error) => {
                eprintln!("typed_read_cost: the number of reads, `{reads}`: {error}");
                std::process::exit(2);
            }
        },
        None => 1_000_000,
    };
    let reads = black_box(reads);
    // A value the compiler cannot see: without it, LLVM knows that nothing ever stores to `FLOOR` and reads
    // the constant instead of loading it, and the floor would count no load at all.
    FLOOR.store(black_box(1), Ordering::Relaxed);
    let (floor, typed) = (floor(reads), typed_reads(reads));
    // `layout`'s default value has one column: every read must have decoded it.
    assert_eq!((floor, typed), (reads + 1, reads + 1));
    println!("{reads} reads: floor {floor}, typed {typed}");
}
