//! Many threads reading dynamic flags while others set, reset, reload and override them: no deadlock, every
//! read is a state that some writer set, and the final state is the last one written. Bounded in time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flag_runtime::flag;

const RUN_FOR: Duration = Duration::from_millis(600);

#[test]
fn readers_and_writers_together() {
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("concurrency-{}.toml", std::process::id()));
    std::fs::write(&file, "[flags.dark_mode]\ndefault = true\n").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();

    // Readers: a thread-local override must always win in its own thread, whatever the writers do.
    for reader in 0..4 {
        let stop = Arc::clone(&stop);
        let reads = Arc::clone(&reads);
        threads.push(std::thread::spawn(move || {
            let pinned = reader % 2 == 0;
            let _guard =
                (reader < 2).then(|| flag_runtime::override_local("dark_mode", pinned).unwrap());
            let mut count = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let dark = flag!("dark_mode");
                let _fast = flag!("fast_search");
                if reader < 2 {
                    assert_eq!(dark, pinned, "a thread-local override was lost");
                } else {
                    // Introspection is one consistent snapshot: a state and the layer that decided it
                    // come from the same recomputation (the process-wide override forces `false`).
                    let info = flag_runtime::flag_info("dark_mode").unwrap();
                    assert!(
                        info.layer != flag_runtime::Layer::Override || !info.enabled,
                        "dark_mode on while the override that forces it off decides: {info:?}"
                    );
                }
                count += 1;
            }
            reads.fetch_add(count, Ordering::Relaxed);
        }));
    }
    // Writers: set/reset, global overrides, file reloads.
    let setter = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut on = false;
            while !stop.load(Ordering::Relaxed) {
                flag_runtime::set("fast_search", on).unwrap();
                on = !on;
            }
        })
    };
    let overrider = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _guard = flag_runtime::override_global("dark_mode", false).unwrap();
                std::thread::yield_now();
            }
        })
    };
    let reloader = {
        let stop = Arc::clone(&stop);
        let file = file.clone();
        std::thread::spawn(move || {
            let mut on = true;
            while !stop.load(Ordering::Relaxed) {
                std::fs::write(&file, format!("[flags.dark_mode]\ndefault = {on}\n")).unwrap();
                flag_runtime::load_file(&file).unwrap();
                on = !on;
            }
        })
    };

    let started = Instant::now();
    std::thread::sleep(RUN_FOR);
    stop.store(true, Ordering::Relaxed);
    for thread in threads.into_iter().chain([setter, overrider, reloader]) {
        thread.join().expect("a thread panicked");
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the threads took too long to stop: a deadlock?"
    );
    assert!(reads.load(Ordering::Relaxed) > 1000);

    // The last writes decide: set wins over the file, and without set the file decides.
    flag_runtime::set("fast_search", true).unwrap();
    assert!(flag!("fast_search"));
    std::fs::write(&file, "[flags.dark_mode]\ndefault = false\n").unwrap();
    flag_runtime::load_file(&file).unwrap();
    assert!(!flag!("dark_mode"));
    assert_eq!(flag_runtime::flag_info("dark_mode").unwrap().source, "file");
    std::fs::remove_file(&file).unwrap();
}
