//! Starting the runtime in code with `Builder`, and watching files with `watch_file`: the builder's file
//! and poll interval are honoured and the environment ignored when asked, a second install is refused,
//! and a watch ends with `FileWatch::stop` or when it is dropped.
//!
//! The runtime starts once per process, so this file holds a single test that installs before anything
//! else touches the runtime.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use flag_runtime::{Builder, Error, flag};

const POLL: Duration = Duration::from_millis(50);

fn scratch(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("builder-{name}-{}.toml", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits long enough for several polls, then checks that `condition` still holds.
fn stays(what: &str, condition: impl Fn() -> bool) {
    std::thread::sleep(POLL * 6);
    assert!(condition(), "{what}");
}

#[test]
fn builder_then_watches() {
    let builder_file = scratch("builder", "[flags.dark_mode]\ndefault = false\n");
    // SAFETY: the only test of this binary; nothing else runs yet.
    unsafe { std::env::set_var("FEATURE_FLAGS", "fast_search=on") };
    Builder::new()
        .file(&builder_file)
        .poll_interval(POLL)
        .env_overrides(false)
        .install()
        .unwrap();
    assert!(!flag!("dark_mode"), "the builder's file was read at start");
    assert!(!flag!("fast_search"), "FEATURE_FLAGS was not read");
    assert_eq!(
        Builder::new().install(),
        Err(Error::AlreadyInitialized),
        "a second install is refused"
    );
    std::fs::write(&builder_file, "[flags.dark_mode]\ndefault = true\n").unwrap();
    wait_for("the builder's watcher to reload", || flag!("dark_mode"));

    // watch_file: reads now, then on each change, until stopped.
    let watched = scratch("watched", "[flags.fast_search]\ndefault = true\n");
    let watch = flag_runtime::watch_file(&watched, POLL);
    assert!(flag!("fast_search"), "read at once");
    std::fs::write(&watched, "[flags.fast_search]\ndefault = false\n").unwrap();
    wait_for("the watch to reload", || !flag!("fast_search"));
    watch.stop();
    std::fs::write(&watched, "[flags.fast_search]\ndefault = true\n").unwrap();
    stays("a stopped watch reads no more", || !flag!("fast_search"));

    // Dropping the watch stops it too.
    let dropped = scratch("dropped", "[flags.fast_search]\ndefault = true\n");
    drop(flag_runtime::watch_file(&dropped, POLL));
    assert!(flag!("fast_search"), "read once before the drop");
    std::fs::write(&dropped, "[flags.fast_search]\ndefault = false\n").unwrap();
    stays("a dropped watch reads no more", || flag!("fast_search"));

    for file in [builder_file, watched, dropped] {
        std::fs::remove_file(file).unwrap();
    }
}
