//! Bad values in the fleet: a table that does not parse, an unknown flag, a static flag and a variant the
//! program lacks, all in one transaction with a good write. Each bad key is reported with its key and
//! revision and keeps its previous state; the good write of the same transaction applies.

use flag_etcd::Write;
use serde_json::Value;

use crate::support::{Fleet, Instance, PREFIX, flag, fleet_revision};

/// checkout_v2 on for everyone, every user in `control`.
const ALL_CONTROL: &str = "default = true\n[[rules]]\nrollout = { percent = 100 }\n[[variants]]\nname = \"control\"\nweight = 1\n";

#[test]
fn bad_values_are_reported_and_keep_the_previous_state_while_the_rest_applies() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let mut instance = Instance::start("bad-values", &fleet.endpoint(), None);
    let good = fleet.write(vec![
        Write::put("fast_search", "default = true"),
        Write::put("dark_mode", "default = false"),
        Write::put("checkout_v2", ALL_CONTROL),
    ]);
    instance.wait_for(good);
    let before = instance.eval(1_000);
    assert_eq!(
        (&before["checkout_v2"], &before["control"]),
        (&Value::from(1000), &Value::from(1000)),
        "{before}"
    );

    let bad = fleet.write(vec![
        Write::put("fast_search", "default = maybe"),
        Write::put("no_such_flag", "default = true"),
        Write::put("new_ui", "default = true"),
        Write::put(
            "checkout_v2",
            "[[variants]]\nname = \"three_page\"\nweight = 1\n",
        ),
        Write::put("dark_mode", "default = true"),
    ]);
    instance.wait_for(bad);
    let status = instance.status();
    assert_eq!(status["status"]["revision"], bad);

    // The good write of the same transaction applied.
    assert_eq!(flag(&status, "dark_mode")["enabled"], true, "{status}");
    assert_eq!(fleet_revision(&status, "dark_mode"), Some(bad));
    // Each bad key kept its previous state.
    assert_eq!(flag(&status, "fast_search")["enabled"], true, "{status}");
    assert_eq!(fleet_revision(&status, "fast_search"), Some(good));
    assert_eq!(fleet_revision(&status, "checkout_v2"), Some(good));
    assert_eq!(
        instance.eval(1_000),
        before,
        "checkout_v2 keeps its variants"
    );
    let new_ui = flag(&status, "new_ui");
    assert_eq!(
        (&new_ui["enabled"], &new_ui["layer"], &new_ui["fleet"]),
        (&Value::Bool(false), &Value::from("compiled"), &Value::Null),
        "a static flag is compiled in or out: {status}"
    );
    assert!(status["flags"].get("no_such_flag").is_none());

    // Each one reported, with its key and revision.
    let reports: Vec<Value> = instance
        .reports()
        .into_iter()
        .filter(|report| report["kind"] == "fleet")
        .collect();
    let mut keys: Vec<&str> = reports.iter().filter_map(|r| r["key"].as_str()).collect();
    keys.sort_unstable();
    let expected: Vec<String> = ["checkout_v2", "fast_search", "new_ui", "no_such_flag"]
        .iter()
        .map(|name| format!("{PREFIX}{name}"))
        .collect();
    assert_eq!(keys, expected, "{reports:#?}");
    for report in &reports {
        assert_eq!(report["revision"], bad, "{report}");
        let text = report["text"].as_str().unwrap_or_default();
        assert!(
            text.starts_with(&format!(
                "fleet key {} at revision {bad}: ",
                report["key"].as_str().unwrap_or_default()
            )) && text.ends_with("(the flag keeps its previous state)"),
            "{text}"
        );
    }
    let text_of = |name: &str| {
        reports
            .iter()
            .find(|r| r["key"] == format!("{PREFIX}{name}"))
            .and_then(|r| r["text"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        text_of("no_such_flag").contains("unknown flag"),
        "{reports:#?}"
    );
    assert!(text_of("new_ui").contains("static"), "{reports:#?}");
    assert!(
        text_of("checkout_v2").contains("three_page"),
        "{reports:#?}"
    );
    for report in &reports {
        eprintln!("reported: {}", report["text"]);
    }
}
