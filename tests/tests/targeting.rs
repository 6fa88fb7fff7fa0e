//! Contextual checks through the macros: `flag!("name", &ctx)`, typed `variant!`, `requires` on a variant,
//! explicit states that hold for every context, rules replaced by a runtime file, and evaluation counters.
//! The flags are the workspace's `checkout_v2` (two rules, two variants) and `express_pay` (requires
//! `checkout_v2` with the `one_page` variant).

use std::sync::{Mutex, MutexGuard, PoisonError};

use flag_runtime::{Context, flag, variant};

flag_runtime::flag_variants!();

use flag_variants::CheckoutV2;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn checkout(ctx: &Context<'_>) -> bool {
    flag!("checkout_v2", ctx)
}

fn kiwi(user: &str) -> Context<'_> {
    Context::new()
        .user_id(user)
        .property("country", "NZ")
        .property("app_version", "2.3.0")
}

#[test]
fn rules_decide_per_context() {
    let _turn = serial();
    assert!(
        checkout(&Context::new().user_id("42")),
        "in the first rule's user list"
    );
    assert!(!checkout(&Context::new().user_id("43")), "no rule matches");
    assert!(
        !checkout(
            &Context::new()
                .user_id("43")
                .property("country", "FR")
                .property("app_version", "9.0.0")
        ),
        "wrong country"
    );
    let old_app = Context::new()
        .user_id("1")
        .property("country", "NZ")
        .property("app_version", "2.0.9");
    assert!(!checkout(&old_app), "app too old, whatever the bucket");
    assert!(
        !flag!("checkout_v2"),
        "without a context, the plain state (off)"
    );
}

#[test]
fn a_quarter_of_eligible_users_and_sticky() {
    let _turn = serial();
    let ids: Vec<String> = (1000..5000).map(|i| i.to_string()).collect();
    let on = ids.iter().filter(|id| checkout(&kiwi(id))).count();
    let share = on as f64 / ids.len() as f64;
    assert!(
        (0.22..0.28).contains(&share),
        "{on} of {} users: {share}",
        ids.len()
    );
    for id in ids.iter().take(200) {
        assert_eq!(
            checkout(&kiwi(id)),
            checkout(&kiwi(id)),
            "user {id} changed bucket"
        );
    }
}

#[test]
fn typed_variants() {
    let _turn = serial();
    assert_eq!(
        variant!("checkout_v2", &Context::new().user_id("42")),
        Some(CheckoutV2::OnePage),
        "override"
    );
    assert_eq!(
        variant!("checkout_v2", &Context::new().user_id("43")),
        None,
        "off: no variant"
    );
    let mut counts = [0usize; 2];
    for id in 0..2000 {
        let id = format!("user-{id}");
        match variant!("checkout_v2", &Context::new().user_id(&id)) {
            Some(CheckoutV2::Control) => counts[0] += 1,
            Some(CheckoutV2::OnePage) => counts[1] += 1,
            None => {}
        }
    }
    assert_eq!(counts, [0, 0], "users outside the rules get no variant");
    for id in 0..4000 {
        let id = format!("{id}");
        match variant!("checkout_v2", &kiwi(&id)) {
            Some(CheckoutV2::Control) => counts[0] += 1,
            Some(CheckoutV2::OnePage) => counts[1] += 1,
            None => {}
        }
    }
    let total = counts[0] + counts[1];
    assert!(total > 800, "{counts:?}");
    assert!(
        counts[0].abs_diff(counts[1]) < total / 5,
        "50/50 weights: {counts:?}"
    );
    assert_eq!(CheckoutV2::OnePage.to_string(), "one_page");
}

#[test]
fn requires_a_variant_of_another_flag() {
    let _turn = serial();
    assert!(
        flag!("express_pay", &Context::new().user_id("42")),
        "42 gets one_page"
    );
    assert!(
        !flag!("express_pay", &Context::new().user_id("43")),
        "checkout_v2 off"
    );
    assert!(
        !flag!("express_pay"),
        "without a context no variant is known: off"
    );
    let control_user = (0..4000)
        .map(|id| id.to_string())
        .find(|id| variant!("checkout_v2", &kiwi(id)) == Some(CheckoutV2::Control))
        .expect("some user gets control");
    assert!(
        !flag!("express_pay", &kiwi(&control_user)),
        "control, not one_page"
    );
}

#[test]
fn explicit_states_hold_for_every_context() {
    let _turn = serial();
    flag_runtime::set("checkout_v2", false).unwrap();
    assert!(!checkout(&Context::new().user_id("42")));
    flag_runtime::set("checkout_v2", true).unwrap();
    assert!(checkout(&Context::new().user_id("43")));
    assert_eq!(
        variant!("checkout_v2", &Context::new().user_id("43")),
        None,
        "forced on: no variant"
    );
    flag_runtime::reset("checkout_v2").unwrap();
    assert!(!checkout(&Context::new().user_id("43")));
    {
        let _local = flag_runtime::override_local("checkout_v2", true).unwrap();
        assert!(checkout(&Context::new().user_id("43")));
    }
    assert!(checkout(&Context::new().user_id("42")));
}

#[test]
fn a_runtime_file_replaces_the_rules() {
    let _turn = serial();
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("targeting-rules.toml");
    std::fs::write(
        &file,
        "[flags.checkout_v2]\n[[flags.checkout_v2.rules]]\nuser_ids = [\"99\"]\n",
    )
    .unwrap();
    flag_runtime::load_file(&file).unwrap();
    assert!(checkout(&Context::new().user_id("99")));
    assert!(
        !checkout(&Context::new().user_id("42")),
        "the compiled rules are replaced"
    );
    assert_eq!(flag_runtime::flag_info("checkout_v2").unwrap().rules, 1);
    std::fs::write(&file, "").unwrap();
    flag_runtime::load_file(&file).unwrap();
    assert!(
        checkout(&Context::new().user_id("42")),
        "back to the compiled rules"
    );
    assert_eq!(flag_runtime::flag_info("checkout_v2").unwrap().rules, 2);
}

#[test]
fn the_string_api_and_payloads() {
    let _turn = serial();
    let decided = flag_runtime::evaluate("checkout_v2", &Context::new().user_id("42")).unwrap();
    assert!(decided.enabled);
    assert_eq!(decided.variant.as_deref(), Some("one_page"));
    assert_eq!(decided.payload.unwrap().value, r#"{"steps": 1}"#);
    assert!(flag_runtime::evaluate("checkout_v3", &Context::new()).is_err());
}

#[test]
fn counters() {
    let _turn = serial();
    let before = flag_runtime::flag_info("checkout_v2").unwrap().evaluations;
    flag_runtime::count_evaluations(true);
    for _ in 0..3 {
        let _ = variant!("checkout_v2", &Context::new().user_id("42"));
    }
    let _ = checkout(&Context::new().user_id("43"));
    let _ = flag!("checkout_v2");
    flag_runtime::count_evaluations(false);
    let _ = checkout(&Context::new().user_id("43"));
    let after = flag_runtime::flag_info("checkout_v2").unwrap().evaluations;
    assert_eq!(after.on - before.on, 3);
    assert_eq!(
        after.off - before.off,
        2,
        "one contextual, one context-free"
    );
    assert_eq!(after.variants[1].0, "one_page");
    assert_eq!(after.variants[1].1 - before.variants[1].1, 3);
}
