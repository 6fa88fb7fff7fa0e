//! The fleet's figures, printed (not a timed test): a throwaway etcd on loopback and `fleet-instance`
//! processes, as in `tests/fleet/`.
//!
//! 1. Propagation: for N instance processes (3, then 10), 500 writes of `fast_search` (on, off, ...), one at
//!    a time. For each, the time from the write's acknowledgement (`FleetClient::write` returned `Accepted`)
//!    to the change being visible to `flag!` in the last of the N instances, and from the write being sent.
//!    Each instance prints `REV <revision> <ns since the Unix epoch>` from a `subscribe` callback, which runs
//!    once the change is published to `flag!`'s slots; all processes share one clock. The watch event can
//!    reach an instance before the acknowledgement reaches the writer: a latency from the acknowledgement may
//!    be negative.
//! 2. `flag!` while the fleet runs: in this process, joined to the fleet with `Builder::etcd`, a loop of
//!    `flag!("fast_search")` against a loop of relaxed loads of a `static AtomicBool`, in alternating rounds,
//!    while a writer thread flips `fast_search` and rewrites `checkout_v2`'s rules through etcd as fast as it
//!    can. A subscriber stores each change into the `AtomicBool` too, so both loops read a cache line that
//!    other threads write at the same rate.
//! 3. Memory: one instance applies 100,000 changes of rules and variants (three flags per transaction,
//!    alternating two tables each); its `VmRSS` after a warm-up and after.
//!
//! ```text
//! cargo bench -p flag-tests --features fleet --bench fleet_propagation
//! cargo bench -p flag-tests --features fleet --bench fleet_propagation -- --instances 3 --writes 100 --memory-changes 6000
//! ```

#[path = "../tests/fleet/support.rs"]
mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use flag_etcd::{AuditInfo, FleetClient, Write};
use flag_runtime::flag;
use support::{Fleet, Instance, PREFIX, WAIT, memory_run};

/// What to run, from the command line (cargo adds `--bench`, which is ignored).
struct Options {
    instances: Vec<usize>,
    writes: usize,
    memory_changes: usize,
    rounds: usize,
}

fn options() -> Options {
    let mut options = Options {
        instances: vec![3, 10],
        writes: 500,
        memory_changes: 100_000,
        rounds: 40,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || -> String {
            args.next()
                .cloned()
                .unwrap_or_else(|| panic!("{arg} needs a value"))
        };
        let number = |text: &str| -> usize {
            text.parse()
                .unwrap_or_else(|_| panic!("{arg}: {text:?} is not a number"))
        };
        match arg.as_str() {
            "--instances" => {
                options.instances = value().split(',').map(number).collect();
            }
            "--writes" => options.writes = number(&value()),
            "--memory-changes" => options.memory_changes = number(&value()),
            "--rounds" => options.rounds = number(&value()),
            "--bench" => {}
            other => panic!(
                "unknown argument {other:?}; expected --instances N,M --writes N --memory-changes N --rounds N"
            ),
        }
    }
    options
}

fn nanos(time: SystemTime) -> i128 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as i128)
}

/// The value at quantile `q` of sorted `values`.
fn quantile(sorted: &[i128], q: f64) -> i128 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(ns: i128) -> String {
    format!("{:.2}", ns as f64 / 1e6)
}

/// Waits until `instance` reports a `REV` at or after `revision`; returns when it became visible (ns).
fn seen_at(instance: &Instance, revision: i64) -> i128 {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match instance.revs.recv_timeout(left) {
            Ok((seen, at)) if seen >= revision => return at as i128,
            Ok(_) => {}
            Err(_) => panic!(
                "{}: revision {revision} not seen within {WAIT:?}",
                instance.name
            ),
        }
    }
}

fn propagation(n: usize, writes: usize) {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let mut instances: Vec<Instance> = (1..=n)
        .map(|i| Instance::start(&format!("bench-{i}"), &fleet.endpoint(), None))
        .collect();
    for instance in &mut instances {
        instance.send("follow");
        assert_eq!(instance.line(), "following");
    }
    let (mut from_ack, mut from_send) = (Vec::new(), Vec::new());
    let warm_up = 20;
    for k in 0..warm_up + writes {
        let table = format!("default = {}", k % 2 == 0);
        let sent = SystemTime::now();
        let revision = fleet.put("fast_search", &table);
        let acked = SystemTime::now();
        let visible = instances
            .iter()
            .map(|instance| seen_at(instance, revision))
            .max()
            .unwrap_or_default();
        if k >= warm_up {
            from_ack.push(visible - nanos(acked));
            from_send.push(visible - nanos(sent));
        }
    }
    from_ack.sort_unstable();
    from_send.sort_unstable();
    println!(
        "| {n} | {writes} | {} | {} | {} | {} | {} | {} |",
        ms(quantile(&from_ack, 0.5)),
        ms(quantile(&from_ack, 0.99)),
        ms(from_ack[from_ack.len() - 1]),
        ms(quantile(&from_send, 0.5)),
        ms(quantile(&from_send, 0.99)),
        ms(from_send[from_send.len() - 1]),
    );
}

/// The floor: a process-wide switch, written by the same subscriber that sees each change.
static FLOOR: AtomicBool = AtomicBool::new(false);

/// The measured dynamic check, in one function so that it is one callsite.
#[inline(always)]
fn fast_search() -> bool {
    flag!("fast_search")
}

/// The loop of `flag-runtime/benches/check.rs` (criterion's `b.iter(|| black_box(check()))`): each result
/// goes through `black_box`.
#[inline(never)]
fn dynamic_each(iterations: u64) -> u64 {
    for _ in 0..iterations {
        black_box(fast_search());
    }
    0
}

#[inline(never)]
fn floor_each(iterations: u64) -> u64 {
    for _ in 0..iterations {
        black_box(FLOOR.load(Ordering::Relaxed));
    }
    0
}

/// A tighter loop that sums the results: how often the flag was found on, and less loop around the check.
#[inline(never)]
fn dynamic_sum(iterations: u64) -> u64 {
    let mut on = 0;
    for _ in 0..iterations {
        on += u64::from(black_box(fast_search()));
    }
    on
}

#[inline(never)]
fn floor_sum(iterations: u64) -> u64 {
    let mut on = 0;
    for _ in 0..iterations {
        on += u64::from(black_box(FLOOR.load(Ordering::Relaxed)));
    }
    on
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

const ITERATIONS: u64 = 20_000_000;

/// Alternating rounds of the floor and the check: their median ns per check, and how often each found
/// the flag on (the summing loops only).
fn rounds_of(rounds: usize, floor: fn(u64) -> u64, dynamic: fn(u64) -> u64) -> [(f64, u64); 2] {
    let (mut floor_ns, mut dynamic_ns) = (Vec::new(), Vec::new());
    let (mut floor_on, mut dynamic_on) = (0, 0);
    for _ in 0..rounds {
        let t = Instant::now();
        floor_on += floor(ITERATIONS);
        floor_ns.push(t.elapsed().as_nanos() as f64 / ITERATIONS as f64);
        let t = Instant::now();
        dynamic_on += dynamic(ITERATIONS);
        dynamic_ns.push(t.elapsed().as_nanos() as f64 / ITERATIONS as f64);
    }
    [
        (median(&mut floor_ns), floor_on),
        (median(&mut dynamic_ns), dynamic_on),
    ]
}

fn print_rows(phase: &str, shape: &str, rounds: usize, [floor, dynamic]: [(f64, u64); 2]) {
    let checks = (ITERATIONS * rounds as u64) as f64;
    let found = |on: u64| {
        if shape == "sum" {
            format!("{:.1}%", on as f64 / checks * 100.0)
        } else {
            "-".to_owned()
        }
    };
    println!(
        "| {phase} | {shape} | relaxed load of a `static AtomicBool` | {:.3} | 1.00x | {} |",
        floor.0,
        found(floor.1)
    );
    println!(
        "| {phase} | {shape} | `flag!(\"fast_search\")` | {:.3} | {:.2}x | {} |",
        dynamic.0,
        dynamic.0 / floor.0,
        found(dynamic.1)
    );
}

fn check_cost(rounds: usize) {
    let Some(fleet) = Fleet::start() else {
        return;
    };
    // Reports are kept and printed below: this process outlives its etcd, whose end would be reported.
    let reports = Arc::new(std::sync::Mutex::new(Vec::new()));
    {
        let reports = Arc::clone(&reports);
        flag_runtime::set_reporter(move |error| {
            if let Ok(mut reports) = reports.lock() {
                reports.push(error.to_string());
            }
        });
    }
    flag_runtime::Builder::new()
        .etcd(fleet.endpoint(), PREFIX)
        .etcd_instance("bench-in-process")
        .env_overrides(false)
        .install()
        .expect("the first use of the runtime in this process");
    let changes = Arc::new(AtomicU64::new(0));
    let _subscription = {
        let changes = Arc::clone(&changes);
        flag_runtime::subscribe(move |change| {
            if change.name == "fast_search" {
                FLOOR.store(change.enabled, Ordering::Relaxed);
                changes.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    assert!(flag_runtime::fleet_status().is_some(), "joined the fleet");
    black_box(fast_search()); // registers the callsite

    // Quiet: the fleet source runs, nothing is written.
    print_rows(
        "quiet",
        "each",
        rounds,
        rounds_of(rounds, floor_each, dynamic_each),
    );
    print_rows(
        "quiet",
        "sum",
        rounds,
        rounds_of(rounds, floor_sum, dynamic_sum),
    );

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, written, config) = (Arc::clone(&stop), Arc::clone(&written), fleet.config());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async {
                let mut client = FleetClient::connect(&config).await.expect("connect");
                let mut k = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    k += 1;
                    let writes = vec![
                        Write::put("fast_search", format!("default = {}", k % 2 == 0)),
                        Write::put(
                            "checkout_v2",
                            format!("[[rules]]\nrollout = {{ percent = {} }}\n", k % 100),
                        ),
                    ];
                    let outcome = client.write(writes, AuditInfo::new("bench", "churn")).await;
                    assert!(outcome.is_ok_and(|o| o.is_accepted()), "a write");
                    written.fetch_add(1, Ordering::Relaxed);
                }
            });
        })
    };
    // Let the writes start arriving.
    while changes.load(Ordering::Relaxed) < 5 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let (written_before, changes_before) = (
        written.load(Ordering::Relaxed),
        changes.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    let each = rounds_of(rounds, floor_each, dynamic_each);
    let sum = rounds_of(rounds, floor_sum, dynamic_sum);
    let took = started.elapsed();
    let (written_during, changes_during) = (
        written.load(Ordering::Relaxed) - written_before,
        changes.load(Ordering::Relaxed) - changes_before,
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("the writer");
    print_rows("changes arriving", "each", rounds, each);
    print_rows("changes arriving", "sum", rounds, sum);
    println!(
        "\n{rounds} alternating rounds of {ITERATIONS} checks per loop and phase; while changes arrived \
         ({:.1} s), {written_during} transactions (fast_search flipped and checkout_v2's rules replaced in \
         each) were written and this process applied {changes_during} changes of fast_search",
        took.as_secs_f64()
    );
    if let Ok(reports) = reports.lock() {
        for report in reports.iter() {
            println!("reported meanwhile: {report}");
        }
    }
}

fn main() {
    let options = options();
    if !flag_etcd::testing::require_etcd() {
        return;
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "fleet_propagation: {cpus} CPUs, {} ns since the Unix epoch at start",
        nanos(SystemTime::now())
    );

    println!(
        "\nPropagation: write acknowledged (or sent) -> visible to flag! in every one of N instances, ms\n"
    );
    println!(
        "| N instances | writes | p50 from ack | p99 from ack | max from ack | p50 from send | p99 from send | max from send |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &n in &options.instances {
        propagation(n, options.writes);
    }

    println!("\nA dynamic check while the fleet source runs and changes arrive\n");
    println!("| fleet | loop | check | median ns | ratio | found on |");
    println!("| --- | --- | --- | ---: | ---: | ---: |");
    check_cost(options.rounds);

    println!("\nMemory\n");
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let run = memory_run(&mut fleet, options.memory_changes);
    println!("{run}");
}
