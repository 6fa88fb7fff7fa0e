//! Changing a flag's rules while the program runs: it writes a runtime flags file step by step, loads each
//! version with `flag_runtime::load_file`, and shows after each step who gets the flag and which variant.
//!
//! ```text
//! cargo run -p flag-example-live-rules                        # the scripted steps, unattended
//! cargo run -p flag-example-live-rules -- --watch rules.toml  # watch a file that you edit, for 60 s
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use flag_runtime::{Context, Error, flag, variant};

flag_runtime::flag_variants!();

use flag_variants::NewCheckout;

/// How many simulated users each step counts.
const USERS: usize = 10_000;

/// The scripted steps: what each one does, and the runtime file it writes.
const STEPS: &[(&str, &str)] = &[
    (
        "Widen the rollout to 50%",
        r#"[flags.new_checkout]
[[flags.new_checkout.rules]]
rollout = { percent = 50, stickiness = "user_id" }
"#,
    ),
    (
        "Widen it to everyone",
        r#"[flags.new_checkout]
[[flags.new_checkout.rules]]
rollout = { percent = 100, stickiness = "user_id" }
"#,
    ),
    (
        "Give the blue button 80% (keeping the rules: a key the file leaves out goes back to flags.toml)",
        r#"[flags.new_checkout]
[[flags.new_checkout.rules]]
rollout = { percent = 100, stickiness = "user_id" }

[[flags.new_checkout.variants]]
name = "green_button"
weight = 20

[[flags.new_checkout.variants]]
name = "blue_button"
weight = 80
"#,
    ),
    (
        "A bad file: a variant the program was built without, and a misspelled flag",
        r#"[flags.new_checkout]
[[flags.new_checkout.rules]]
rollout = { percent = 100, stickiness = "user_id" }

[[flags.new_checkout.variants]]
name = "red_button"
weight = 100

[flags.new_chekout]
default = true
"#,
    ),
    (
        "A bad file: a rollout over 100%",
        r#"[flags.new_checkout]
[[flags.new_checkout.rules]]
rollout = { percent = 150, stickiness = "user_id" }
"#,
    ),
    (
        "Kill switch: no rules, off for everyone",
        r#"[flags.new_checkout]
default = false
rules = []
"#,
    ),
    ("An empty file: back to what flags.toml compiled in", ""),
];

/// The countries of the simulated users, in turn, for rules with a `country` constraint.
const COUNTRIES: [&str; 4] = ["NZ", "AU", "FR", "US"];

/// Who has the flag and which variant, for the simulated users `user-1` to `user-{USERS}`.
struct Census {
    /// Per user: the variant, or `None` while the flag is off for them.
    variants: Vec<Option<NewCheckout>>,
}

impl Census {
    fn take(users: &[String]) -> Census {
        let variants = users
            .iter()
            .enumerate()
            .map(|(n, user)| {
                let ctx = Context::new()
                    .user_id(user)
                    .property("country", COUNTRIES[n % COUNTRIES.len()]);
                // `flag!` and `variant!` agree: a variant only where the flag is on.
                debug_assert_eq!(
                    flag!("new_checkout", &ctx),
                    variant!("new_checkout", &ctx).is_some()
                );
                variant!("new_checkout", &ctx)
            })
            .collect();
        Census { variants }
    }

    fn on(&self) -> usize {
        self.variants.iter().filter(|v| v.is_some()).count()
    }

    fn with(&self, variant: NewCheckout) -> usize {
        self.variants
            .iter()
            .filter(|v| **v == Some(variant))
            .count()
    }

    /// Prints the counts, and how they moved since `before`.
    fn print(&self, before: Option<&Census>) {
        let share = |n: usize| 100.0 * n as f64 / self.variants.len() as f64;
        println!(
            "  on for {} of {} users ({:.1}%): green_button {}, blue_button {}",
            self.on(),
            self.variants.len(),
            share(self.on()),
            self.with(NewCheckout::GreenButton),
            self.with(NewCheckout::BlueButton),
        );
        if let Some(before) = before.filter(|before| before.on() > 0) {
            let pairs = || before.variants.iter().zip(&self.variants);
            let kept = pairs().filter(|(b, a)| b.is_some() && a.is_some()).count();
            let switched = pairs()
                .filter(|(b, a)| b.is_some() && a.is_some() && b != a)
                .count();
            println!(
                "  of the {} users who had it before: {kept} still have it, {switched} changed variant",
                before.on()
            );
        }
    }
}

/// What decides the flag now, as `flag_info(..).describe()` says it: one clause per line.
fn describe() -> String {
    match flag_runtime::flag_info("new_checkout") {
        Ok(info) => info.describe().replace("; ", ";\n       "),
        Err(error) => format!("unknown: {error}"),
    }
}

/// Runs the scripted steps against a runtime file of its own.
fn scripted() -> Result<(), String> {
    let users: Vec<String> = (1..=USERS).map(|n| format!("user-{n}")).collect();
    let file = std::env::temp_dir().join(format!("flag-live-rules-{}.toml", std::process::id()));

    println!("0. As compiled in (flags.toml)");
    println!("  now: {}", describe());
    let mut census = Census::take(&users);
    census.print(None);

    for (number, (what, contents)) in STEPS.iter().enumerate() {
        println!();
        println!("{}. {what}", number + 1);
        for line in contents.lines() {
            println!("{}", format!("  | {line}").trim_end());
        }
        std::fs::write(&file, contents)
            .map_err(|error| format!("cannot write {}: {error}", file.display()))?;
        match flag_runtime::load_file(&file) {
            Ok(()) => println!("  loaded"),
            // The error lists every problem the file has.
            Err(Error::File { problems, .. }) => {
                println!("  refused, the last good state is kept:");
                for problem in problems {
                    println!("    - {problem}");
                }
            }
            Err(error) => println!("  refused: {error}"),
        }
        println!("  now: {}", describe());
        let next = Census::take(&users);
        next.print(Some(&census));
        census = next;
    }
    let _ = std::fs::remove_file(&file);
    Ok(())
}

/// Watches `path` for `seconds`, printing what decides the flag and the counts whenever the file changes it.
fn watch(path: &Path, seconds: u64) {
    let users: Vec<String> = (1..=USERS).map(|n| format!("user-{n}")).collect();
    println!(
        "Watching {} for {seconds} s: write [flags.new_checkout] tables into it (see README.md).",
        path.display()
    );
    // A watched file's problems go to the reporter (stderr by default): a file that is missing, does not
    // parse or cannot be honoured changes nothing.
    flag_runtime::set_reporter(|error| println!("  ignored: {error}"));
    let _watch = flag_runtime::watch_file(path, Duration::from_millis(200));
    let mut shown = String::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        let now = describe();
        if now != shown {
            println!("now: {now}");
            Census::take(&users).print(None);
            shown = now;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: flag-example-live-rules [--watch FILE [SECONDS]]";
    let outcome = match args.as_slice() {
        [] => scripted(),
        [option, path] if option == "--watch" => {
            watch(&PathBuf::from(path), 60);
            Ok(())
        }
        [option, path, seconds] if option == "--watch" => match seconds.parse() {
            Ok(seconds) => {
                watch(&PathBuf::from(path), seconds);
                Ok(())
            }
            Err(_) => Err(format!("not a number of seconds: {seconds}\n{usage}")),
        },
        _ => Err(usage.to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
