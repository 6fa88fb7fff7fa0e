//! Overrides as tests use them: forcing a variant, on this thread or on every thread, and process-wide
//! overrides that take turns through their lock while other tests run in parallel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use flag_runtime::{Context, flag, variant};

flag_runtime::flag_variants!();

use flag_variants::CheckoutV2;

/// A context no rule of `checkout_v2` matches: the flag is off for it unless forced.
fn nobody() -> Context<'static> {
    Context::new().user_id("nobody").property("country", "FR")
}

#[test]
fn a_local_variant_override_reaches_every_arm_on_this_thread_only() {
    // The other tests here override `checkout_v2` process-wide: keep them off while this one looks at
    // the real state on other threads.
    let _quiet = flag_runtime::lock_global_overrides();
    assert_eq!(variant!("checkout_v2", &nobody()), None);
    let control = flag_runtime::override_local_variant("checkout_v2", "control").unwrap();
    assert_eq!(
        variant!("checkout_v2", &nobody()),
        Some(CheckoutV2::Control)
    );
    assert!(
        flag!("checkout_v2", &nobody()),
        "forced on with its variant"
    );
    assert!(flag!("checkout_v2"), "and without a context");
    {
        let _inner = flag_runtime::override_local_variant("checkout_v2", "one_page").unwrap();
        assert_eq!(
            variant!("checkout_v2", &nobody()),
            Some(CheckoutV2::OnePage)
        );
        let evaluated = flag_runtime::evaluate("checkout_v2", &nobody()).unwrap();
        assert_eq!(evaluated.variant.as_deref(), Some("one_page"));
        assert_eq!(
            evaluated.payload.map(|payload| payload.value).as_deref(),
            Some(r#"{"steps": 1}"#),
            "the variant's payload comes with it"
        );
    }
    assert_eq!(
        variant!("checkout_v2", &nobody()),
        Some(CheckoutV2::Control)
    );
    let elsewhere = std::thread::spawn(|| variant!("checkout_v2", &nobody()));
    assert_eq!(
        elsewhere.join().unwrap(),
        None,
        "other threads are unaffected"
    );
    drop(control);
    assert_eq!(variant!("checkout_v2", &nobody()), None);
}

#[test]
fn overrides_refuse_what_the_program_cannot_do() {
    let typo = flag_runtime::override_local_variant("checkout_v2", "one_pag").unwrap_err();
    assert_eq!(
        typo.to_string(),
        "flag `checkout_v2` has no variant `one_pag`; did you mean `one_page`?"
    );
    let none = flag_runtime::override_global_variant("fast_search", "fast").unwrap_err();
    assert!(matches!(none, flag_runtime::Error::UnknownVariant { .. }));
    let static_flag = flag_runtime::override_global("new_api", false).unwrap_err();
    assert!(matches!(
        static_flag,
        flag_runtime::Error::StaticFlag { .. }
    ));
}

#[test]
fn a_global_variant_override_reaches_spawned_threads() {
    let guard = flag_runtime::override_global_variant("checkout_v2", "one_page").unwrap();
    let seen = std::thread::spawn(|| variant!("checkout_v2", &nobody()))
        .join()
        .unwrap();
    assert_eq!(seen, Some(CheckoutV2::OnePage));
    let info = flag_runtime::flag_info("checkout_v2").unwrap();
    assert_eq!(info.layer, flag_runtime::Layer::Override);
    // Nested guards on one thread share the lock: no deadlock, and the innermost wins.
    {
        let _off = flag_runtime::override_global("checkout_v2", false).unwrap();
        let seen = std::thread::spawn(|| variant!("checkout_v2", &nobody()))
            .join()
            .unwrap();
        assert_eq!(seen, None);
    }
    assert_eq!(
        variant!("checkout_v2", &nobody()),
        Some(CheckoutV2::OnePage)
    );
    drop(guard);
    assert_eq!(variant!("checkout_v2", &nobody()), None);
}

#[test]
fn process_wide_overrides_take_turns() {
    // Two "tests" on two threads, each holding a process-wide override for a while: the second may only
    // start once the first has dropped every guard, so neither sees the other's flag.
    let first_done = Arc::new(AtomicBool::new(false));
    let first_holds = Arc::new(Barrier::new(2));
    let first = {
        let first_done = Arc::clone(&first_done);
        let first_holds = Arc::clone(&first_holds);
        std::thread::spawn(move || {
            let _guard = flag_runtime::override_global("fast_search", true).unwrap();
            first_holds.wait();
            std::thread::sleep(Duration::from_millis(200));
            assert!(flag!("fast_search"), "nobody else changed it meanwhile");
            first_done.store(true, Ordering::SeqCst);
        })
    };
    first_holds.wait();
    let second = std::thread::spawn(move || {
        let _guard = flag_runtime::override_global("fast_search", false).unwrap();
        assert!(
            first_done.load(Ordering::SeqCst),
            "the second override waited for the first test's guards"
        );
        assert!(!flag!("fast_search"));
    });
    first.join().unwrap();
    second.join().unwrap();
}

#[test]
fn value_overrides_nest_and_reach_every_read() {
    let _quiet = flag_runtime::lock_global_overrides();
    let pro = Context::new().property("plan", "pro");
    // dense_results is a boolean value flag (read from its slot's bits), page_size an integer one.
    assert!(!flag_runtime::flag_value!("dense_results"));
    {
        let _dense = flag_runtime::override_local_value("dense_results", "dense").unwrap();
        assert!(flag_runtime::flag_value!("dense_results"));
        let _small = flag_runtime::override_local_value("page_size", "small").unwrap();
        assert_eq!(flag_runtime::flag_value!("page_size", &pro), 10);
        {
            let _large = flag_runtime::override_local_value("page_size", "200").unwrap();
            assert_eq!(flag_runtime::flag_value!("page_size"), 200);
            let evaluation = flag_runtime::evaluate("page_size", &Context::new()).unwrap();
            assert_eq!(evaluation.variant.as_deref(), Some("large"));
        }
        assert_eq!(
            flag_runtime::flag_value!("page_size"),
            10,
            "the outer guard again"
        );
        let elsewhere = std::thread::spawn(|| flag_runtime::flag_value!("dense_results"));
        assert!(
            !elsewhere.join().unwrap(),
            "other threads keep the real value"
        );
    }
    assert!(!flag_runtime::flag_value!("dense_results"));
    assert_eq!(flag_runtime::flag_value!("page_size", &pro), 200);
    {
        // A state forced inside a value override leaves the value; both say who decided them.
        let _small = flag_runtime::override_local_value("page_size", "small").unwrap();
        let _on = flag_runtime::override_local("page_size", true).unwrap();
        assert_eq!(flag_runtime::flag_value!("page_size"), 10);
        let local = flag_runtime::Layer::LocalOverride;
        assert_eq!(
            flag_runtime::flag_info("page_size").unwrap().value_layer,
            Some(local)
        );
        let evaluation = flag_runtime::evaluate("page_size", &pro).unwrap();
        assert_eq!(
            (evaluation.value_layer, evaluation.layer),
            (Some(local), local)
        );
    }
    drop(_quiet);

    let global = flag_runtime::override_global_value("page_size", "small").unwrap();
    let worker = std::thread::spawn(move || {
        let pro = Context::new().property("plan", "pro");
        flag_runtime::flag_value!("page_size", &pro)
    });
    assert_eq!(
        worker.join().unwrap(),
        10,
        "a process-wide value holds for every context"
    );
    assert_eq!(
        flag_runtime::flag_info("page_size").unwrap().value_layer,
        Some(flag_runtime::Layer::Override)
    );
    drop(global);
    assert_eq!(flag_runtime::flag_value!("page_size"), 50);

    for (name, value, message) in [
        (
            "dark_mode",
            "on",
            "flag `dark_mode`: the flag is on or off and carries no values: use `override_local`",
        ),
        (
            "upload_limit_mb",
            "large",
            "flag `upload_limit_mb` is static",
        ),
    ] {
        let error = flag_runtime::override_local_value(name, value).unwrap_err();
        assert!(error.to_string().starts_with(message), "{error}");
    }
}
