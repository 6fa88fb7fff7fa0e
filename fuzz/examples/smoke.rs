//! A stable-Rust stand-in for `cargo fuzz run`: feeds the fuzz targets random and mutated inputs for a
//! bounded time and reports how many ran and which, if any, panicked.
//!
//! ```text
//! cargo run --release --example smoke -- [--seconds 60] [--iterations N] [--seed 1] [--target all|manifest|state_file|overrides]
//! ```
//!
//! There is no coverage feedback: inputs come from the seed corpus (`corpus/<target>/`), mutated by byte
//! flips, insertions, deletions, duplications, splices and dictionary fragments, or are built from scratch.
//! An input whose outcome (see `flag_manifest_fuzz::manifest`) has not been seen before joins the pool of
//! inputs to mutate, a crude substitute for coverage. The run is deterministic for a seed and an iteration
//! count. A panicking input is written to `artifacts/smoke/<target>-<n>` and reported; the exit code is 1
//! when any input panicked.

use std::collections::{BTreeMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Target = fn(&[u8]) -> String;

thread_local! {
    /// Whether a target is running: a panic there is a finding, anywhere else a bug of this runner.
    static IN_TARGET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

const TARGETS: [(&str, Target); 3] = [
    ("manifest", flag_manifest_fuzz::manifest),
    ("state_file", flag_manifest_fuzz::state_file),
    ("overrides", flag_manifest_fuzz::overrides),
];

/// Fragments worth inserting: the manifest's and `FEATURE_FLAGS`' vocabulary and TOML's punctuation.
const DICTIONARY: &[&str] = &[
    "[flags.a]\n",
    "[flags.b]\n",
    "[flags.new_ui]\n",
    "[profiles.beta]\n",
    "[[flags]]\n",
    "[flags]\n",
    "[flags.A]\n",
    "[flags.\"a b\"]\n",
    "[flags.a.b]\n",
    "flags.c.default = true\n",
    "default = true\n",
    "default = false\n",
    "default = maybe\n",
    "mode = \"dynamic\"\n",
    "mode = \"static\"\n",
    "requires = [\"a\"]\n",
    "requires = [\"b\", \"a\"]\n",
    "requires = [\n",
    "expires = 2027-03-01\n",
    "expires = 2027-03-01T10:00:00Z\n",
    "expires = 1979-05-27T00:32:00.999999-07:00\n",
    "owner = \"team\"\n",
    "description = \"\"\"\nmulti\n\"\"\"\n",
    "description = '''x'''\n",
    "a = true\n",
    "b = false\n",
    "x = { y = [1, 2.5, \"z\", { w = inf }] }\n",
    "\"\\u00e9\"",
    "\"\\U0001F600\"",
    "\"\\x\"",
    "0x7f",
    "+inf",
    "nan",
    "1e400",
    "9223372036854775808",
    "new_ui",
    "new_api",
    "fast_search",
    "beta",
    "=on",
    "=off",
    "=TRUE",
    "=0",
    ",",
    ",-",
    "-",
    "=",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "#",
    ".",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\u{0}",
    "\u{feff}",
    "é",
    "𝔣",
    "\u{301}",
];

/// Bytes that change how TOML and `FEATURE_FLAGS` read what follows.
const PUNCTUATION: &[u8] = b"[]=\".,#{}'\n-";

/// splitmix64: small, fast, and reproducible from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Options {
    seconds: u64,
    iterations: Option<u64>,
    seed: u64,
    targets: Vec<(&'static str, Target)>,
    max_len: usize,
}

fn options() -> Options {
    let mut options = Options {
        seconds: 60,
        iterations: None,
        seed: 1,
        targets: TARGETS.to_vec(),
        max_len: 4096,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let number = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| usage(&format!("{} needs a number", args[i])))
        };
        match args[i].as_str() {
            "--seconds" => options.seconds = number(),
            "--iterations" => options.iterations = Some(number()),
            "--seed" => options.seed = number(),
            "--max-len" => options.max_len = number() as usize,
            "--target" if value == "all" => options.targets = TARGETS.to_vec(),
            "--target" => {
                options.targets = TARGETS
                    .iter()
                    .filter(|(name, _)| *name == value)
                    .copied()
                    .collect();
                if options.targets.is_empty() {
                    usage(&format!("unknown target {value}"));
                }
            }
            other => usage(&format!("unknown argument {other}")),
        }
        i += 2;
    }
    options
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "smoke: {problem}\nusage: smoke [--seconds S] [--iterations N] [--seed N] [--max-len BYTES] \
         [--target all|manifest|state_file|overrides]"
    );
    std::process::exit(2);
}

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    let corpus: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect();
    if corpus.is_empty() {
        vec![Vec::new()]
    } else {
        corpus
    }
}

/// One mutation of `input`, in place.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, pool: &[Vec<u8>]) {
    let len = input.len();
    match rng.below(10) {
        0 if len > 0 => {
            let at = rng.below(len);
            input[at] ^= 1 << rng.below(8);
        }
        1 => {
            let at = rng.below(len + 1);
            let byte = match rng.below(4) {
                0 => rng.next() as u8,
                1 => PUNCTUATION[rng.below(PUNCTUATION.len())],
                2 => 0xFF,
                _ => b'a' + rng.below(26) as u8,
            };
            input.insert(at, byte);
        }
        2 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(16)).min(len);
            input.drain(start..end);
        }
        3 | 4 => {
            let at = rng.below(len + 1);
            let fragment = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
            input.splice(at..at, fragment.iter().copied());
        }
        5 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(64)).min(len);
            let copy = input[start..end].to_vec();
            let at = rng.below(len + 1);
            input.splice(at..at, copy);
        }
        6 if !pool.is_empty() => {
            let other = &pool[rng.below(pool.len())];
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        7 if len > 0 => {
            input.truncate(rng.below(len));
        }
        8 if len > 0 => {
            // Repeat one line many times: long inputs, many tables, deep arrays.
            let start = rng.below(len);
            let end = (start + 1 + rng.below(24)).min(len);
            let copy = input[start..end].to_vec();
            let times = 1 + rng.below(200);
            let at = rng.below(len + 1);
            let repeated: Vec<u8> = copy
                .iter()
                .copied()
                .cycle()
                .take(copy.len() * times)
                .collect();
            input.splice(at..at, repeated);
        }
        _ => {
            let at = rng.below(len + 1);
            let c = char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{fffd}');
            let mut buffer = [0; 4];
            input.splice(at..at, c.encode_utf8(&mut buffer).bytes());
        }
    }
}

/// A fresh input: dictionary fragments, or random bytes.
fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut input = Vec::new();
    if rng.chance(70) {
        for _ in 0..rng.below(24) {
            input.extend_from_slice(DICTIONARY[rng.below(DICTIONARY.len())].as_bytes());
        }
    } else {
        for _ in 0..rng.below(64) {
            input.push(rng.next() as u8);
        }
    }
    input
}

struct Finding {
    target: &'static str,
    message: String,
    input: Vec<u8>,
    count: u64,
}

fn main() {
    let options = options();
    let message: Arc<Mutex<String>> = Arc::default();
    {
        let message = Arc::clone(&message);
        panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if IN_TARGET.get() {
                *message.lock().unwrap_or_else(|e| e.into_inner()) =
                    format!("{location}: {payload}");
            } else {
                eprintln!("smoke: panicked outside the targets at {location}: {payload}");
            }
        }));
    }

    let mut rng = Rng(options.seed);
    let budget =
        Duration::from_secs(options.seconds) / u32::try_from(options.targets.len()).unwrap_or(1);
    let started = Instant::now();
    let mut findings: BTreeMap<String, Finding> = BTreeMap::new();
    let mut report = Vec::new();

    for &(name, target) in &options.targets {
        let corpus = load_corpus(name);
        let mut pool: Vec<Vec<u8>> = corpus.clone();
        let mut outcomes: HashSet<String> = HashSet::new();
        let target_started = Instant::now();
        let mut runs: u64 = 0;
        let mut bytes: u64 = 0;
        let mut longest = 0;
        loop {
            if let Some(limit) = options.iterations {
                if runs >= limit {
                    break;
                }
            } else if runs.is_multiple_of(256) && target_started.elapsed() >= budget {
                break;
            }
            let mut input = if runs < corpus.len() as u64 {
                corpus[runs as usize].clone()
            } else if rng.chance(85) {
                let mut input = pool[rng.below(pool.len())].clone();
                for _ in 0..1 + rng.below(4) {
                    mutate(&mut rng, &mut input, &pool);
                }
                input
            } else {
                generate(&mut rng)
            };
            input.truncate(options.max_len);
            runs += 1;
            bytes += input.len() as u64;
            longest = longest.max(input.len());
            IN_TARGET.set(true);
            let result = panic::catch_unwind(AssertUnwindSafe(|| target(&input)));
            IN_TARGET.set(false);
            match result {
                Ok(outcome) => {
                    if outcomes.insert(outcome) && pool.len() < 4096 {
                        pool.push(input);
                    }
                }
                Err(_) => {
                    let message = message.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let key = format!("{name}: {message}");
                    let finding = findings.entry(key).or_insert_with(|| Finding {
                        target: name,
                        message,
                        input: input.clone(),
                        count: 0,
                    });
                    finding.count += 1;
                    if input.len() < finding.input.len() {
                        finding.input = input;
                    }
                }
            }
        }
        let elapsed = target_started.elapsed();
        report.push(format!(
            "| {name} | {runs} | {:.1} | {:.0} | {} | {} | {longest} |",
            elapsed.as_secs_f64(),
            runs as f64 / elapsed.as_secs_f64().max(1e-9),
            bytes / runs.max(1),
            outcomes.len(),
        ));
    }

    println!(
        "smoke run: seed {}, {:.1} s in all, {}",
        options.seed,
        started.elapsed().as_secs_f64(),
        match options.iterations {
            Some(n) => format!("{n} inputs per target"),
            None => format!("{} s per target", budget.as_secs()),
        }
    );
    println!();
    println!(
        "| target | inputs run | seconds | inputs/s | mean bytes | distinct outcomes | longest input |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for line in &report {
        println!("{line}");
    }
    println!();
    if findings.is_empty() {
        println!("no input panicked");
        return;
    }
    let artifacts = fuzz_dir().join("artifacts").join("smoke");
    let _ = std::fs::create_dir_all(&artifacts);
    println!("{} distinct panics:", findings.len());
    for (index, finding) in findings.values().enumerate() {
        let path = artifacts.join(format!("{}-{index}", finding.target));
        let _ = std::fs::write(&path, &finding.input);
        println!(
            "- {} ({} inputs): {}\n  smallest input ({} bytes, saved as {}): {:?}",
            finding.target,
            finding.count,
            finding.message,
            finding.input.len(),
            display(&path),
            String::from_utf8_lossy(&finding.input)
        );
    }
    std::process::exit(1);
}

fn display(path: &Path) -> String {
    path.strip_prefix(fuzz_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}
