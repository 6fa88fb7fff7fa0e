//! A service instance for the fleet tests and the `fleet_propagation` benchmark.
//!
//! It joins the fleet the way a service does, through the environment only (`FEATURE_FLAGS_ETCD`,
//! `FEATURE_FLAGS_ETCD_PREFIX`, `FEATURE_FLAGS_ETCD_SNAPSHOT`, `FEATURE_FLAGS_ETCD_INSTANCE`): its first use of
//! the runtime starts the fleet source. It then prints `ready {"start_ms":..,"status":..}` and answers one
//! line per command read on stdin, so that a test can compare what several instances see:
//!
//! | command | answer (one line) |
//! | --- | --- |
//! | `status` | `{"status": fleet_status(), "flags": {name: {enabled, layer, source, fleet}}}`, the two read at the same fleet revision |
//! | `eval N` | counts and an FNV-1a digest of `checkout_v2` (state and variant), `search_ranking` and `express_pay` over N deterministic contexts |
//! | `wait REV TIMEOUT_MS` | `{"reached": bool, "revision": R, "waited_ms": ..}` once the fleet's revision is at least REV, or at the timeout |
//! | `invariant A B MS` | reads `flags()` in a loop for MS ms: `{"reads", "violations", "revisions"}`, a violation being A and B with different states or fleet revisions |
//! | `reports` | every problem reported to `set_reporter` so far, as `{"kind", "key", "revision", "text"}` |
//! | `follow` | `following`; from then on, one line `REV <revision> <ns since the Unix epoch>` as soon as a fleet revision changed a flag's state |
//! | `rss` | `{"rss_kib": VmRSS}` of this process |
//! | `quit` | `bye`, and the process exits |
//!
//! A malformed command gets `error <why>`. Lines starting with `REV ` are never answers.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flag_runtime::{Context, Error, FlagInfo, flag, variant};
use serde_json::{Value, json};

flag_runtime::flag_variants!();

/// What `set_reporter` received, in order.
static REPORTS: Mutex<Vec<Value>> = Mutex::new(Vec::new());

/// The last revision printed by `follow`.
static FOLLOWED: AtomicI64 = AtomicI64::new(0);

fn main() {
    let started = Instant::now();
    // Before the first use, so that what the start-up reports (a corrupt snapshot, etcd out of reach) is kept.
    flag_runtime::set_reporter(|error| {
        let report = report_json(error);
        REPORTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(report);
    });
    // The first use: joins the fleet, waiting at most the runtime's start wait for etcd.
    let status = flag_runtime::fleet_status();
    let start_ms = started.elapsed().as_secs_f64() * 1e3;
    println!(
        "ready {}",
        json!({ "start_ms": start_ms, "status": status })
    );

    let mut subscription = None;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["status"] => Ok(status_json().to_string()),
            ["eval", n] => number(n).map(|n| eval(n).to_string()),
            ["wait", revision, timeout_ms] => number(revision)
                .and_then(|revision| Ok((revision, number(timeout_ms)?)))
                .map(|(revision, timeout_ms)| wait(revision, timeout_ms).to_string()),
            ["invariant", a, b, ms] => number(ms).map(|ms| invariant(a, b, ms).to_string()),
            ["reports"] => Ok(Value::Array(
                REPORTS
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone(),
            )
            .to_string()),
            ["follow"] => {
                subscription.get_or_insert_with(follow);
                Ok("following".to_owned())
            }
            ["rss"] => Ok(json!({ "rss_kib": rss_kib() }).to_string()),
            ["quit"] => {
                println!("bye");
                return;
            }
            _ => Err(format!("unknown command {line:?}")),
        };
        match answer {
            Ok(answer) => println!("{answer}"),
            Err(why) => println!("error {why}"),
        }
    }
}

fn number<T: std::str::FromStr>(word: &str) -> Result<T, String> {
    word.parse()
        .map_err(|_| format!("{word:?} is not a number here"))
}

fn report_json(error: &Error) -> Value {
    let (kind, key, revision) = match error {
        Error::Fleet { key, revision, .. } => ("fleet", Some(key.as_str()), Some(*revision)),
        Error::FleetUnavailable { revision, .. } => ("fleet_unavailable", None, Some(*revision)),
        Error::FleetConfig { .. } => ("fleet_config", None, None),
        _ => ("other", None, None),
    };
    json!({ "kind": kind, "key": key, "revision": revision, "text": error.to_string() })
}

fn flag_json(flag: &FlagInfo) -> Value {
    json!({ "enabled": flag.enabled, "layer": flag.layer, "source": flag.source, "fleet": flag.fleet })
}

/// The fleet's status and every flag, read again until both come from the same fleet revision (each is
/// one lock of the registry; a batch may land between the two).
fn status_json() -> Value {
    loop {
        let before = flag_runtime::fleet_status();
        let flags = flag_runtime::flags();
        let after = flag_runtime::fleet_status();
        if before.as_ref().map(|s| s.revision) == after.as_ref().map(|s| s.revision) {
            let flags: serde_json::Map<String, Value> = flags
                .iter()
                .map(|flag| (flag.name.to_owned(), flag_json(flag)))
                .collect();
            return json!({ "status": after, "flags": flags });
        }
    }
}

/// Context `i` of `eval`: user ids `0..N` (so the manifest's users 7 and 42 are among them), four
/// countries, three app versions, three plans.
fn context(i: u64, user: &str) -> Context<'_> {
    Context::new()
        .user_id(user)
        .property("country", ["NZ", "AU", "FR", "US"][(i % 4) as usize])
        .property("app_version", ["2.0.0", "2.3.0", "3.1.0"][(i % 3) as usize])
        .property("plan", ["free", "pro", "team"][((i / 4) % 3) as usize])
}

fn eval(n: u64) -> Value {
    use flag_variants::CheckoutV2;
    let (mut on, mut control, mut one_page, mut ranking, mut express) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    // FNV-1a over each context's outcomes.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for i in 0..n {
        let user = i.to_string();
        let ctx = context(i, &user);
        let checkout = flag!("checkout_v2", &ctx);
        let chosen = variant!("checkout_v2", &ctx);
        let search_ranking = flag!("search_ranking", &ctx);
        let express_pay = flag!("express_pay", &ctx);
        on += u64::from(checkout);
        control += u64::from(chosen == Some(CheckoutV2::Control));
        one_page += u64::from(chosen == Some(CheckoutV2::OnePage));
        ranking += u64::from(search_ranking);
        express += u64::from(express_pay);
        let outcome = u8::from(checkout)
            | match chosen {
                None => 0,
                Some(CheckoutV2::Control) => 2,
                Some(CheckoutV2::OnePage) => 4,
            }
            | u8::from(search_ranking) << 3
            | u8::from(express_pay) << 4;
        for byte in i.to_le_bytes().into_iter().chain([outcome]) {
            digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    json!({
        "n": n,
        "checkout_v2": on,
        "control": control,
        "one_page": one_page,
        "search_ranking": ranking,
        "express_pay": express,
        "digest": format!("{digest:016x}"),
    })
}

fn revision() -> i64 {
    flag_runtime::fleet_status().map_or(0, |status| status.revision)
}

fn wait(target: i64, timeout_ms: u64) -> Value {
    let started = Instant::now();
    let deadline = started + Duration::from_millis(timeout_ms);
    let mut now = revision();
    while now < target && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
        now = revision();
    }
    json!({
        "reached": now >= target,
        "revision": now,
        "waited_ms": started.elapsed().as_secs_f64() * 1e3,
    })
}

/// Reads `flags()` (one lock: a consistent view) in a loop for `ms` ms and counts the reads where flags `a`
/// and `b` differ in state or in the fleet revision that set them.
fn invariant(a: &str, b: &str, ms: u64) -> Value {
    let deadline = Instant::now() + Duration::from_millis(ms);
    let (mut reads, mut violations) = (0u64, 0u64);
    let mut revisions = BTreeSet::new();
    let mut first_violation = None;
    while Instant::now() < deadline {
        let flags = flag_runtime::flags();
        let find = |name: &str| flags.iter().find(|flag| flag.name == name);
        let (Some(fa), Some(fb)) = (find(a), find(b)) else {
            return json!({ "error": format!("no flag {a} or {b} in this program") });
        };
        let revision = |flag: &FlagInfo| flag.fleet.as_ref().map(|fleet| fleet.revision);
        reads += 1;
        if let Some(r) = revision(fa) {
            revisions.insert(r);
        }
        if fa.enabled != fb.enabled || revision(fa) != revision(fb) {
            violations += 1;
            first_violation.get_or_insert_with(|| json!([flag_json(fa), flag_json(fb)]));
        }
    }
    json!({
        "reads": reads,
        "violations": violations,
        "revisions": revisions.len(),
        "first_violation": first_violation,
    })
}

/// Prints `REV <revision> <ns since the Unix epoch>` from the change's callback, which runs once the
/// change is visible to `flag!`; once per revision.
fn follow() -> flag_runtime::Subscription {
    flag_runtime::subscribe(|change| {
        let Some(revision) = change.revision else {
            return;
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        if FOLLOWED.fetch_max(revision, Ordering::Relaxed) < revision {
            println!("REV {revision} {nanos}");
        }
    })
}

/// This process's resident memory in KiB (Linux), or `None`.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
