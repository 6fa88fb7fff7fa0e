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

/// Over 1,000 users in New Zealand on a recent app: how many get the flag, and each variant.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Split {
    on: usize,
    control: usize,
    one_page: usize,
}

fn split_over_kiwis() -> Split {
    let mut split = Split {
        on: 0,
        control: 0,
        one_page: 0,
    };
    for user in 1000..2000 {
        let user = user.to_string();
        let ctx = kiwi(&user);
        let on = checkout(&ctx);
        let chosen = variant!("checkout_v2", &ctx);
        assert_eq!(on, chosen.is_some(), "an on user always has a variant");
        split.on += usize::from(on);
        match chosen {
            Some(CheckoutV2::Control) => split.control += 1,
            Some(CheckoutV2::OnePage) => split.one_page += 1,
            None => {}
        }
    }
    split
}

fn load(file: &std::path::Path, text: &str) -> Result<(), flag_runtime::Error> {
    std::fs::write(file, text).unwrap();
    flag_runtime::load_file(file)
}

/// Each key of a flag's table in a runtime file replaces its own part of the flag; what the program cannot
/// honour is refused whole, with the last good state kept. (Issue: a file that repeated the rule lost the
/// variants; one with only variants turned the flag off; an unknown variant was accepted.)
#[test]
fn a_runtime_file_replaces_each_part_on_its_own() {
    let _turn = serial();
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("targeting-parts.toml");
    let compiled = split_over_kiwis();
    assert!((200..300).contains(&compiled.on), "{compiled:?}");

    // The same rule again, without variants: the compiled variants stay.
    load(
        &file,
        r#"
[flags.checkout_v2]
[[flags.checkout_v2.rules]]
constraints = [{ context = "country", operator = "in", values = ["NZ", "AU"] }]
rollout = { percent = 25, stickiness = "user_id" }
"#,
    )
    .unwrap();
    let same_rule = split_over_kiwis();
    assert_eq!(
        same_rule, compiled,
        "the rule decides the same users, variants kept"
    );
    let info = flag_runtime::flag_info("checkout_v2").unwrap();
    let targeting = info.targeting.as_ref().unwrap();
    assert_eq!(
        (targeting.rules_layer, targeting.variants_layer),
        (flag_runtime::Layer::File, flag_runtime::Layer::Compiled)
    );
    assert_eq!(
        targeting.rules,
        ["country in [NZ, AU] and 25% rollout by user_id"]
    );

    // Only variants, to change the split: the compiled rules stay.
    load(
        &file,
        r#"
[flags.checkout_v2]
[[flags.checkout_v2.variants]]
name = "control"
weight = 10
[[flags.checkout_v2.variants]]
name = "one_page"
weight = 90
"#,
    )
    .unwrap();
    let resplit = split_over_kiwis();
    assert_eq!(resplit.on, compiled.on, "the same users are on");
    assert!(
        resplit.one_page > resplit.control * 5,
        "the new split applies: {resplit:?}"
    );
    let info = flag_runtime::flag_info("checkout_v2").unwrap();
    let targeting = info.targeting.as_ref().unwrap();
    assert_eq!(targeting.rules.len(), 2, "the compiled rules");
    assert_eq!(
        targeting.variants.as_deref(),
        Some("control 10%, one_page 90%")
    );
    assert_eq!(
        (targeting.rules_layer, targeting.variants_layer),
        (flag_runtime::Layer::Compiled, flag_runtime::Layer::File)
    );

    // A variant the program was built without: refused, and the last good state stays.
    let error = load(
        &file,
        r#"
[flags.checkout_v2]
[[flags.checkout_v2.variants]]
name = "three_page"
weight = 1
"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("flag `checkout_v2`: variant `three_page`: the program was built with control, one_page only"),
        "{error}"
    );
    assert_eq!(split_over_kiwis(), resplit, "the last good state is kept");

    // Keys only the build decides may be repeated, not changed.
    load(
        &file,
        "[flags.checkout_v2]\nmode = \"dynamic\"\nowner = \"team-payments\"\ndefault = false\n",
    )
    .unwrap();
    let error = load(
        &file,
        "[flags.checkout_v2]\nowner = \"someone-else\"\ndefault = true\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`owner` differ from what the program was built with"),
        "{error}"
    );

    // `rules = []`: no rules, the plain state decides for every context.
    load(&file, "[flags.checkout_v2]\nrules = []\ndefault = true\n").unwrap();
    assert_eq!(split_over_kiwis().on, 1000);
    assert!(checkout(&Context::new()), "on without a context too");

    // An empty file: back to what was compiled in.
    load(&file, "").unwrap();
    assert_eq!(split_over_kiwis(), compiled);
    let info = flag_runtime::flag_info("checkout_v2").unwrap();
    assert_eq!(
        info.targeting.unwrap().variants_layer,
        flag_runtime::Layer::Compiled
    );
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
