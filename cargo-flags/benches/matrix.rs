//! How long generating a covering array takes: pairwise over 1,000 unconstrained flags (the optimal
//! construction; the goal is under a second), and over constrained flags (the greedy generator).
//!
//! `cargo bench -p cargo-flags --bench matrix`

use criterion::{Criterion, criterion_group, criterion_main};

use cargo_flags::matrix::constraints::{Closures, Constraints};
use cargo_flags::matrix::covering::generate;

fn unconstrained(c: &mut Criterion) {
    let closures = Closures::new(&Constraints::new(1000)).expect("no constraints");
    c.bench_function("pairwise_1000_flags", |b| {
        b.iter(|| generate(std::hint::black_box(&closures), 2))
    });
}

/// 1,000 flags in chains of requires: flag `i` requires flag `i + 1` unless `i + 1` is a multiple of 10.
fn constrained(c: &mut Criterion) {
    let mut constraints = Constraints::new(1000);
    for flag in 0..999 {
        if (flag + 1) % 10 != 0 {
            constraints.imply(
                flag,
                flag + 1,
                true,
                format!("`f{flag}` requires `f{}`", flag + 1),
            );
        }
    }
    let closures = Closures::new(&constraints).expect("satisfiable");
    let mut group = c.benchmark_group("constrained");
    group.sample_size(10);
    group.bench_function("pairwise_1000_flags_in_chains_of_10", |b| {
        b.iter(|| generate(std::hint::black_box(&closures), 2))
    });
    group.finish();
}

criterion_group!(benches, unconstrained, constrained);
criterion_main!(benches);
