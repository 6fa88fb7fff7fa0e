//! A value flag at run time (the workspace's `page_size`: integer, small = 10, medium = 50, large = 200,
//! default medium, `plan in [pro, team]` chooses large): `FEATURE_FLAGS`, the runtime file, `set_value` and
//! `set_table` choose a value with the same check and keep the last good state on bad input; evaluations
//! give the value and the reason.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flag_runtime::{Context, Reason, Value, evaluate, flag, value_of};

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn scratch_file(contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flag-typed-values-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("flags.toml");
    std::fs::write(&path, contents).unwrap();
    path
}

fn outcome(ctx: &Context<'_>) -> (Option<Value>, Reason) {
    let evaluation = evaluate("page_size", ctx).unwrap();
    (evaluation.value, evaluation.reason)
}

#[test]
fn every_source_chooses_a_declared_value() {
    let file = scratch_file("[flags.page_size]\ndefault = \"large\"\n");
    // SAFETY: the only test of this binary; nothing else runs yet.
    unsafe {
        std::env::set_var("FEATURE_FLAGS_FILE", &file);
        std::env::set_var("FEATURE_FLAGS", "page_size=nope, page_size=10");
    }
    let reports = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&reports);
    flag_runtime::set_reporter(move |error| sink.lock().unwrap().push(error.to_string()));

    // First use: the environment (a literal, after a refused name) beats the file.
    assert!(flag!("dark_mode"));
    assert_eq!(value_of("page_size").unwrap(), Some(Value::Int(10)));
    let start_up = reports.lock().unwrap().clone();
    assert_eq!(
        start_up,
        [
            "flag `page_size`: `nope` is neither the name nor the value of one of the flag's values: \
          small = 10, medium = 50, large = 200"
        ]
    );

    // Rules choose per context; the value without a rule is the layered one.
    let pro = Context::new().user_id("1").property("plan", "pro");
    let free = Context::new().user_id("1").property("plan", "free");
    assert_eq!(
        outcome(&pro),
        (Some(Value::Int(200)), Reason::TargetingMatch)
    );
    assert_eq!(outcome(&free), (Some(Value::Int(10)), Reason::Default));

    // set_value beats the environment, by name or literal; a bad value changes nothing.
    flag_runtime::set_value("page_size", "medium").unwrap();
    assert_eq!(value_of("page_size").unwrap(), Some(Value::Int(50)));
    assert!(flag_runtime::set_value("page_size", "51").is_err());
    assert!(
        flag_runtime::set_value("dark_mode", "on").is_err(),
        "an on/off flag"
    );
    assert_eq!(value_of("page_size").unwrap(), Some(Value::Int(50)));
    let info = flag_runtime::flag_info("page_size").unwrap();
    assert_eq!(info.value, Some(Value::Int(50)));
    assert_eq!(info.default_value, Some("medium"));
    flag_runtime::reset("page_size").unwrap();
    assert_eq!(value_of("page_size").unwrap(), Some(Value::Int(10)));

    // A table: disabled gives the default value with reason Disabled, whatever the rules.
    flag_runtime::set_table("page_size", "enabled = false\n").unwrap();
    assert_eq!(outcome(&pro), (Some(Value::Int(10)), Reason::Disabled));
    assert!(!evaluate("page_size", &pro).unwrap().enabled);
    let refused = flag_runtime::set_table("page_size", "enabled = true\ndefault = 11\n");
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(
        outcome(&pro),
        (Some(Value::Int(10)), Reason::Disabled),
        "unchanged"
    );

    // A partial rollout that chooses a value is a split; weighted variants (without rules, or after a
    // rule without a value) name values.
    flag_runtime::reset("page_size").unwrap();
    flag_runtime::set_table(
        "page_size",
        "default = \"small\"\n[[rules]]\nrollout = { percent = 50 }\nvalue = \"large\"\n",
    )
    .unwrap();
    let mut reasons = std::collections::BTreeMap::new();
    for user in 0..200 {
        let user = user.to_string();
        let ctx = Context::new().user_id(&user);
        let (value, reason) = outcome(&ctx);
        match reason {
            Reason::Split => assert_eq!(value, Some(Value::Int(200))),
            Reason::Default => assert_eq!(value, Some(Value::Int(10))),
            other => panic!("{other:?}"),
        }
        *reasons.entry(format!("{reason:?}")).or_insert(0) += 1;
    }
    assert!(
        reasons["Split"] > 60 && reasons["Default"] > 60,
        "{reasons:?}"
    );
    flag_runtime::set_table(
        "page_size",
        "rules = []\n[[variants]]\nname = \"small\"\nweight = 1\n[[variants]]\nname = \"large\"\nweight = 1\n",
    )
    .unwrap();
    let split = evaluate("page_size", &free).unwrap();
    assert_eq!(split.reason, Reason::Split);
    assert!(
        matches!(split.variant.as_deref(), Some("small" | "large")),
        "{split:?}"
    );
    assert!(
        flag_runtime::set_table("page_size", "[[variants]]\nname = \"huge\"\nweight = 1\n")
            .is_err()
    );
    flag_runtime::reset("page_size").unwrap();

    // The watched file: a value it does not declare is reported and the last good state kept.
    std::fs::write(&file, "[flags.page_size]\ndefault = \"huge\"\n").unwrap();
    reports.lock().unwrap().clear();
    wait_for("the report of the bad value", || {
        !reports.lock().unwrap().is_empty()
    });
    let bad = reports.lock().unwrap().clone();
    assert!(
        bad[0].contains("`huge` is neither the name nor the value"),
        "{bad:?}"
    );
    assert!(bad[0].contains("the last good state is kept"), "{bad:?}");
    assert_eq!(
        value_of("page_size").unwrap(),
        Some(Value::Int(10)),
        "env still wins"
    );
}
