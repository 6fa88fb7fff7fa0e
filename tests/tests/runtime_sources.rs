//! The sources read at start-up, with no initialisation call: `FEATURE_FLAGS` and `FEATURE_FLAGS_FILE`
//! (watched), their precedence, and bad input in each, which is reported and ignored.
//!
//! The runtime reads its environment once, on first use, so this file holds a single test that sets the
//! variables before anything touches the runtime; being the only test of its process makes that sound.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flag_runtime::flag;

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn scratch_file(contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("runtime-sources-{}.toml", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn environment_and_watched_file_at_start_up() {
    let file = scratch_file(
        "[flags.dark_mode]\ndefault = false\n\n[flags.fast_search]\ndefault = false\n",
    );
    // SAFETY: the only test of this binary; nothing else runs yet.
    unsafe {
        std::env::set_var("FEATURE_FLAGS_FILE", &file);
        std::env::set_var(
            "FEATURE_FLAGS",
            "fast_search=on, nwe_ui, new_api=off, new_ui=off, =on",
        );
    }
    let reports = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&reports);
    flag_runtime::set_reporter(move |error| sink.lock().unwrap().push(error.to_string()));

    // First use: the file and the environment are read now.
    assert!(
        flag!("fast_search"),
        "FEATURE_FLAGS (on) beats the file (off)"
    );
    assert!(
        !flag!("dark_mode"),
        "the file beats the compiled-in default"
    );
    assert_eq!(
        flag_runtime::flag_info("fast_search").unwrap().source,
        "env"
    );
    assert_eq!(flag_runtime::flag_info("dark_mode").unwrap().source, "file");

    let start_up: Vec<String> = reports.lock().unwrap().clone();
    let expected = [
        "unknown flag `nwe_ui`; did you mean `new_ui`?",
        "flag `new_api` is static and was compiled on",
        "`=on` is not a flag override",
    ];
    assert_eq!(start_up.len(), 3, "{start_up:#?}");
    for needle in expected {
        assert!(
            start_up.iter().any(|r| r.contains(needle)),
            "no report contains {needle:?}: {start_up:#?}"
        );
    }
    assert!(
        !start_up
            .iter()
            .any(|r| r.contains("`new_ui`") && r.contains("static")),
        "new_ui=off asks for the compiled state: nothing to report"
    );

    // set beats the environment; reset gives it back.
    flag_runtime::set("fast_search", false).unwrap();
    assert!(!flag!("fast_search"));
    flag_runtime::reset("fast_search").unwrap();
    assert!(flag!("fast_search"));

    // An edit of the watched file is picked up.
    std::fs::write(&file, "[flags.dark_mode]\ndefault = true\n").unwrap();
    wait_for("the reload that turns dark_mode on", || flag!("dark_mode"));

    // A broken file is reported and the last good state kept.
    reports.lock().unwrap().clear();
    std::fs::write(&file, "[flags.dark_mode]\ndefault = yes please\n").unwrap();
    wait_for("the report of the broken file", || {
        !reports.lock().unwrap().is_empty()
    });
    let broken = reports.lock().unwrap().clone();
    assert!(
        broken[0].contains("2:11"),
        "the report gives line and column: {broken:?}"
    );
    assert!(
        broken[0].contains("the last good state is kept"),
        "{broken:?}"
    );
    assert!(flag!("dark_mode"), "the last good state is kept");

    // A file is applied whole or not at all: an unknown flag in it refuses the rest too.
    reports.lock().unwrap().clear();
    std::fs::write(
        &file,
        "[flags.dark_mode]\ndefault = false\n[flags.no_such_flag]\ndefault = true\n[flags.fast_serch]\n",
    )
    .unwrap();
    wait_for("the report of the unknown flags", || {
        !reports.lock().unwrap().is_empty()
    });
    let unknown = reports.lock().unwrap().clone();
    assert_eq!(unknown.len(), 1, "one report for the file: {unknown:#?}");
    assert!(
        unknown[0].ends_with(
            "2 problems (the last good state is kept):\n  - unknown flag `fast_serch`; did you mean \
             `fast_search`?\n  - unknown flag `no_such_flag`"
        ),
        "every problem of the file is named, one a line: {unknown:?}"
    );
    assert!(flag!("dark_mode"), "dark_mode=false was not applied either");

    // A file that is removed is reported too, and fixing it resumes the reloads.
    std::fs::write(&file, "[flags.dark_mode]\ndefault = false\n").unwrap();
    wait_for("the reload after the fix", || !flag!("dark_mode"));
    std::fs::remove_file(&file).unwrap();
}
