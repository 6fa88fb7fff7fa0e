//! Dynamic flags: run-time switching of `flag!` and gated fns, the string API, test overrides,
//! introspection and subscriptions. Built with no `FEATURE_FLAGS*` variable set: `fast_search` off and
//! `dark_mode` on by default; `new_ui` (static) off, `new_api` (static) on.
//!
//! The runtime's state is process-wide, so tests that change it for every thread take turns on `SERIAL`;
//! tests that use only thread-local overrides need not.

use std::sync::{Mutex, MutexGuard, PoisonError};

use flag_runtime::{Error, Mode, feature_flag, flag};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn fast_search() -> bool {
    flag!("fast_search")
}

#[test]
fn compiled_in_defaults() {
    let _turn = serial();
    assert!(!fast_search());
    assert!(flag!("dark_mode"));
    let info = flag_runtime::flag_info("fast_search").unwrap();
    assert_eq!((info.enabled, info.source.as_str()), (false, "default"));
}

#[test]
fn set_and_reset() {
    let _turn = serial();
    flag_runtime::set("fast_search", true).unwrap();
    assert!(fast_search());
    assert_eq!(flag_runtime::is_enabled("fast_search"), Ok(true));
    flag_runtime::reset("fast_search").unwrap();
    assert!(!fast_search());
}

#[test]
fn the_string_api_refuses_unknown_and_static_flags() {
    assert_eq!(
        flag_runtime::set("fast_serch", true),
        Err(Error::UnknownFlag {
            name: "fast_serch".into(),
            suggestion: Some("fast_search".into())
        })
    );
    assert_eq!(
        flag_runtime::set("new_api", false),
        Err(Error::StaticFlag {
            name: "new_api".into(),
            compiled: true
        })
    );
    assert!(flag_runtime::reset("zzz").is_err());
    assert!(flag_runtime::override_local("new_ui", true).is_err());
    assert!(flag_runtime::override_global("nope", true).is_err());
    assert_eq!(flag_runtime::is_enabled("new_api"), Ok(true));
    assert_eq!(flag_runtime::is_enabled("new_ui"), Ok(false));
}

#[test]
fn local_overrides_are_private_to_their_thread_and_nest() {
    let outer = flag_runtime::override_local("dark_mode", false).unwrap();
    assert!(!flag!("dark_mode"));
    {
        let _inner = flag_runtime::override_local("dark_mode", true).unwrap();
        assert!(flag!("dark_mode"));
        assert_eq!(
            flag_runtime::flag_info("dark_mode").unwrap().source,
            "override (this thread)"
        );
    }
    assert!(
        !flag!("dark_mode"),
        "dropping the inner guard restores the outer one"
    );
    let elsewhere = std::thread::spawn(|| flag!("dark_mode")).join().unwrap();
    assert!(elsewhere, "another thread sees the real state");
    drop(outer);
    assert!(flag!("dark_mode"));
}

#[test]
fn parallel_tests_with_opposite_local_overrides_do_not_see_each_other() {
    let threads: Vec<_> = [true, false, true, false]
        .into_iter()
        .map(|on| {
            std::thread::spawn(move || {
                let _guard = flag_runtime::override_local("fast_search", on).unwrap();
                (0..10_000).all(|_| fast_search() == on)
            })
        })
        .collect();
    for thread in threads {
        assert!(thread.join().unwrap());
    }
}

#[test]
fn precedence_between_set_and_overrides() {
    let _turn = serial();
    flag_runtime::set("dark_mode", false).unwrap();
    assert!(!flag!("dark_mode"));
    let global = flag_runtime::override_global("dark_mode", true).unwrap();
    assert!(flag!("dark_mode"), "a process-wide override beats set");
    assert!(std::thread::spawn(|| flag!("dark_mode")).join().unwrap());
    assert_eq!(
        flag_runtime::flag_info("dark_mode").unwrap().source,
        "override"
    );
    {
        let _local = flag_runtime::override_local("dark_mode", false).unwrap();
        assert!(
            !flag!("dark_mode"),
            "a thread-local override beats a process-wide one"
        );
    }
    drop(global);
    assert!(!flag!("dark_mode"), "set is back in force");
    assert_eq!(flag_runtime::flag_info("dark_mode").unwrap().source, "set");
    flag_runtime::reset("dark_mode").unwrap();
    assert!(flag!("dark_mode"));
}

#[test]
fn introspection_lists_every_flag_with_its_mode_and_source() {
    let _turn = serial();
    let flags = flag_runtime::flags();
    let names: Vec<&str> = flags.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "checkout_v2",
            "dark_mode",
            "dense_results",
            "express_pay",
            "fast_search",
            "legacy_export",
            "new_api",
            "new_ui",
            "page_size",
            "search_ranking",
            "upload_limit_mb"
        ]
    );
    let new_ui = &flags[7];
    assert_eq!(new_ui.mode, Mode::Static);
    assert!(!new_ui.enabled);
    assert_eq!(new_ui.owner, Some("team-ui"));
    assert_eq!(new_ui.expires, Some("2027-03-01"));
    assert_eq!(new_ui.requires, ["new_api"]);
    assert_eq!(new_ui.description, Some("Redesigned dashboard"));
    let json = serde_json::to_value(&flags[4]).unwrap();
    assert_eq!(json["name"], "fast_search");
    assert_eq!(json["mode"], "dynamic");
    assert_eq!(json["enabled"], false);
    assert_eq!(json["source"], "default");
    let checkout = &flags[0];
    assert_eq!(checkout.variants, ["control", "one_page"]);
    let targeting = checkout.targeting.as_ref().unwrap();
    assert_eq!(targeting.rules.len(), 2);
    assert_eq!(
        targeting.variants.as_deref(),
        Some("control 50%, one_page 50% (with overrides)")
    );
    assert_eq!(json["layer"], "compiled");
}

#[test]
fn subscribers_hear_of_process_wide_changes_only() {
    let _turn = serial();
    let (subscription, changes) = flag_runtime::changes();
    {
        let _local = flag_runtime::override_local("fast_search", true).unwrap();
    }
    flag_runtime::set("fast_search", true).unwrap();
    flag_runtime::set("fast_search", true).unwrap();
    flag_runtime::reset("fast_search").unwrap();
    drop(subscription);
    flag_runtime::set("fast_search", true).unwrap();
    flag_runtime::reset("fast_search").unwrap();
    let seen: Vec<(&str, bool, String)> = changes
        .try_iter()
        .map(|c| (c.name, c.enabled, c.source))
        .collect();
    assert_eq!(
        seen,
        [
            ("fast_search", true, "set".to_owned()),
            ("fast_search", false, "default".to_owned())
        ]
    );
}

#[test]
fn static_and_dynamic_flags_mix_in_expressions() {
    let _local = flag_runtime::override_local("fast_search", true).unwrap();
    // new_api (static, on) drops out of `all`; new_ui (static, off) drops out of `any`.
    assert!(flag!(all("new_api", "fast_search")));
    assert!(flag!(any("new_ui", "fast_search")));
    // Decided at build time, whatever the dynamic flag says: constants.
    const FOLDED: [bool; 2] = [
        flag!(all("new_ui", "fast_search")),
        flag!(any("new_api", not("fast_search"))),
    ];
    assert_eq!(FOLDED, [false, true]);
    assert!(!flag!(not("fast_search")));
    assert!(flag!(all("fast_search", "dark_mode")));
    let _dark = flag_runtime::override_local("dark_mode", false).unwrap();
    assert!(!flag!(all("fast_search", "dark_mode")));
    assert!(flag!(any("dark_mode", "fast_search")));
}

// Gated fns of every shape, switched at run time.

fn lookup_scan(key: u32, (scale, _): (u32, u32)) -> u32 {
    key * scale
}

#[feature_flag("fast_search", fallback = lookup_scan)]
fn lookup(key: u32, (scale, offset): (u32, u32)) -> u32 {
    key * scale + offset
}

struct Index {
    name: &'static str,
}

impl Index {
    fn describe_v1(&self, detail: impl std::fmt::Display) -> String {
        format!("{} v1 {detail}", self.name)
    }

    #[feature_flag("fast_search", fallback = Self::describe_v1)]
    fn describe(&self, detail: impl std::fmt::Display) -> String {
        format!("{} v2 {detail}", self.name)
    }

    #[feature_flag(all("fast_search", "new_api"))]
    fn warm_up(&mut self, counter: &mut u32) {
        *counter += 1;
    }
}

fn first_v1<T: Clone>(items: &[T]) -> Option<T> {
    items.last().cloned()
}

#[feature_flag("fast_search", fallback = first_v1)]
fn first<T: Clone>(items: &[T]) -> Option<T> {
    items.first().cloned()
}

async fn fetch_v1(id: u32) -> u32 {
    id
}

#[feature_flag(not("fast_search"), fallback = fetch_v1)]
async fn fetch(id: u32) -> u32 {
    id + 1000
}

fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the future is not ready"),
    }
}

#[test]
fn gated_fns_switch_at_each_call() {
    let mut index = Index { name: "idx" };
    let mut counter = 0;
    let check = |index: &mut Index, counter: &mut u32, on: bool| {
        assert_eq!(lookup(3, (10, 1)), if on { 31 } else { 30 });
        assert_eq!(
            index.describe(7),
            format!("idx {} 7", if on { "v2" } else { "v1" })
        );
        assert_eq!(first(&[1, 2, 3]), Some(if on { 1 } else { 3 }));
        assert_eq!(ready(fetch(5)), if on { 5 } else { 1005 });
        index.warm_up(counter);
    };
    {
        let _off = flag_runtime::override_local("fast_search", false).unwrap();
        check(&mut index, &mut counter, false);
        assert_eq!(counter, 0, "a unit fn does nothing while its flag is off");
    }
    let _on = flag_runtime::override_local("fast_search", true).unwrap();
    check(&mut index, &mut counter, true);
    assert_eq!(counter, 1);
}
