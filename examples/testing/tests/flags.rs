//! Tests of code behind flags, run in parallel by the default test harness (no `--test-threads=1`).
//!
//! - A test that runs the code on its own thread forces a flag with `override_local` (or
//!   `override_local_variant`): other tests, on other threads, keep seeing the real state.
//! - A test whose code runs on other threads forces it with `override_global` (or
//!   `override_global_variant`); their guards hold a process-wide lock, so such tests take turns.
//! - A test that asserts a flag's real state where another test may override it process-wide holds the same
//!   lock, with `lock_global_overrides()`.

use flag_example_testing::{
    Checkout, Order, ReceiptFormat, Verdict, checkout_steps, review, search, send_receipt,
};
use flag_runtime::{
    Context, lock_global_overrides, override_global, override_global_variant, override_local,
    override_local_variant,
};

fn orders() -> Vec<Order> {
    vec![
        Order::new(1, "Ada Lovelace", 1_250),
        Order::new(2, "ada lovelace", 990),
        Order::new(3, "Grace Hopper", 250_000),
        Order::new(4, "AdaLovelace", 120_000),
    ]
}

// ---- override_local: the code runs on the test's own thread ----

#[test]
fn search_is_exact_while_fuzzy_search_is_off() {
    // `fuzzy_search` is off in flags.toml, and no test overrides it process-wide, so this test needs no
    // override: `fuzzy_search_ignores_case_and_spaces`, running at the same time, forces it on for its
    // own thread only.
    assert_eq!(search(&orders(), "Ada Lovelace"), [1]);
    assert_eq!(search(&orders(), "ADA LOVELACE"), [] as [u32; 0]);
}

#[test]
fn fuzzy_search_ignores_case_and_spaces() {
    let _on = override_local("fuzzy_search", true).unwrap();
    assert_eq!(search(&orders(), "ADA LOVELACE"), [1, 2, 4]);
}

#[test]
fn a_local_override_stays_on_its_thread() {
    let _on = override_local("fuzzy_search", true).unwrap();
    let elsewhere = std::thread::spawn(|| search(&orders(), "ADA LOVELACE"))
        .join()
        .unwrap();
    assert_eq!(
        elsewhere,
        [] as [u32; 0],
        "a spawned thread sees the real state: off"
    );
    assert_eq!(search(&orders(), "ADA LOVELACE"), [1, 2, 4]);
}

// ---- override_local_variant: every arm of a `match variant!(..)` ----

#[test]
fn every_checkout_variant() {
    // Any user: the override holds for every context.
    let ctx = Context::new().user_id("user-1").property("country", "FR");
    // `ALL` lists the variants compiled from flags.toml, and the `match` below has no catch-all: a variant
    // added to flags.toml stops this test compiling until it says what that variant should do.
    for &variant in Checkout::ALL {
        let expected: &[&str] = match variant {
            Checkout::TwoStep => &["cart", "address and payment"],
            Checkout::OnePage => &["cart, address and payment"],
        };
        let _forced = override_local_variant("checkout", variant.name()).unwrap();
        assert_eq!(checkout_steps(&ctx), expected, "variant {variant}");
    }
    // The `None` arm: the flag off.
    let _off = override_local("checkout", false).unwrap();
    assert_eq!(
        checkout_steps(&ctx),
        ["cart", "address", "payment", "confirmation"]
    );
}

#[test]
fn a_misspelled_variant_is_an_error_not_a_silent_off() {
    let error = override_local_variant("checkout", "one_pag").unwrap_err();
    assert_eq!(
        error.to_string(),
        "flag `checkout` has no variant `one_pag`; did you mean `one_page`?"
    );
}

// ---- the real rules, with the lock: another test overrides `checkout` process-wide ----

#[test]
fn checkout_rules_decide_per_user() {
    // `checkout_on_every_thread` overrides `checkout` process-wide; while this test holds the lock, it
    // cannot, so what this test sees is flags.toml's rules.
    let _real = lock_global_overrides();
    let qa = Context::new().user_id("qa-team");
    assert_eq!(
        checkout_steps(&qa),
        ["cart, address and payment"],
        "qa-team: first rule, and the one_page override"
    );
    let abroad = Context::new().user_id("user-1").property("country", "FR");
    assert_eq!(
        checkout_steps(&abroad).len(),
        4,
        "no rule matches outside NZ"
    );

    // 50% of NZ, by user id: sticky, so the same users each time, and close to half of many.
    let users: Vec<String> = (0..2000).map(|n| format!("user-{n}")).collect();
    let shorter = |user: &String| {
        checkout_steps(&Context::new().user_id(user).property("country", "NZ")).len() < 4
    };
    let first: Vec<bool> = users.iter().map(shorter).collect();
    let second: Vec<bool> = users.iter().map(shorter).collect();
    assert_eq!(first, second, "a user keeps their checkout");
    let on = first.iter().filter(|on| **on).count();
    assert!((900..=1100).contains(&on), "{on} of 2000 NZ users");
}

// ---- override_global: the code runs on other threads ----

#[test]
fn checkout_on_every_thread() {
    let _forced = override_global_variant("checkout", "two_step").unwrap();
    let steps = std::thread::spawn(|| checkout_steps(&Context::new().user_id("user-1")))
        .join()
        .unwrap();
    assert_eq!(steps, ["cart", "address and payment"]);
}

#[test]
fn fraud_check_holds_large_orders_in_every_worker() {
    let _on = override_global("fraud_check", true).unwrap();
    // Orders 3 and 4 are of `LARGE_ORDER_CENTS` or more.
    let verdicts = review(&orders(), 4);
    assert_eq!(
        verdicts,
        [
            Verdict::Approved,
            Verdict::Approved,
            Verdict::Held,
            Verdict::Held
        ]
    );
}

#[test]
fn every_receipt_format_on_the_background_thread() {
    let order = Order::new(7, "Ada Lovelace", 1_250);
    let expected = [
        (ReceiptFormat::Plain, "Order 7: 12.50"),
        (ReceiptFormat::Html, "<p>Order <b>7</b>: 12.50</p>"),
    ];
    for (variant, receipt) in expected {
        let _forced = override_global_variant("receipt_format", variant.name()).unwrap();
        let sent = send_receipt(order.clone()).join().unwrap();
        assert_eq!(sent.as_deref(), Some(receipt), "variant {variant}");
    }
    let _off = override_global("receipt_format", false).unwrap();
    assert_eq!(
        send_receipt(order).join().unwrap(),
        None,
        "no receipt while off"
    );
}

// ---- lock_global_overrides: real states on other threads ----

#[test]
fn workers_see_the_real_state_not_the_tests_local_override() {
    // Without the lock, `fraud_check_holds_large_orders_in_every_worker` could be holding its override on
    // another thread right now, and the workers would see it.
    let _real = lock_global_overrides();
    // A local override reaches this thread only: the workers below do not see it.
    let _local = override_local("fraud_check", true).unwrap();
    assert_eq!(
        review(&orders(), 4),
        [Verdict::Approved; 4],
        "fraud_check is off in flags.toml"
    );
}

#[test]
fn receipts_are_plain_for_most_customers() {
    // The real 90/10 split, on the spawned threads; `every_receipt_format_on_the_background_thread`
    // overrides it process-wide, hence the lock.
    let _real = lock_global_overrides();
    let receipts: Vec<Option<String>> = (0..1000)
        .map(|n| {
            let order = Order::new(n, &format!("customer-{n}"), 100);
            send_receipt(order).join().unwrap()
        })
        .collect();
    let html = receipts
        .iter()
        .filter(|receipt| receipt.as_deref().is_some_and(|r| r.starts_with("<p>")))
        .count();
    assert!(
        receipts.iter().all(Option::is_some),
        "receipt_format is on in flags.toml"
    );
    assert!(
        (70..=130).contains(&html),
        "{html} of 1000 receipts in HTML, for a 10% weight"
    );
}
