//! Unit tests of the engine: every operator with its edge cases, rollout edges, variant weights and
//! stickiness, rule variants, and the errors of hand-built models.

use std::time::{Duration, UNIX_EPOCH};

use flag_manifest::{Constraint, Operator, Targeting, parse_flag_rules};

use super::*;

fn compile(text: &str) -> CompiledTargeting {
    let targeting = parse_flag_rules(text).unwrap_or_else(|errors| panic!("{errors:#?}"));
    CompiledTargeting::new("flag", &targeting).unwrap()
}

/// A targeting with one rule holding one constraint on the property `p` (or the named field).
fn one_constraint(constraint: &str) -> CompiledTargeting {
    compile(&format!("[[rules]]\nconstraints = [{constraint}]\n"))
}

fn with_property(targeting: &CompiledTargeting, value: &str) -> bool {
    targeting.is_enabled(&Context::new().property("p", value), false)
}

fn without_property(targeting: &CompiledTargeting) -> bool {
    targeting.is_enabled(&Context::new(), false)
}

#[test]
fn without_rules_the_plain_state_decides() {
    let targeting = compile("");
    assert!(!targeting.has_rules());
    assert!(targeting.is_enabled(&Context::new(), true));
    assert!(!targeting.is_enabled(&Context::new(), false));
    // A rule without conditions matches everyone, whatever the plain state.
    let everyone = compile("[[rules]]\n");
    assert!(everyone.is_enabled(&Context::new(), false));
}

#[test]
fn any_rule_turns_the_flag_on() {
    let targeting = compile(
        r#"
[[rules]]
user_ids = ["42", "7"]
[[rules]]
constraints = [{ context = "country", operator = "in", values = ["NZ"] }]
"#,
    );
    assert!(targeting.is_enabled(&Context::new().user_id("7"), false));
    assert!(targeting.is_enabled(&Context::new().property("country", "NZ"), false));
    assert!(!targeting.is_enabled(&Context::new().user_id("8").property("country", "AU"), true));
    assert!(!targeting.is_enabled(&Context::new(), true));
    // Conditions of one rule must all hold.
    let both = compile(
        r#"
[[rules]]
user_ids = ["42"]
constraints = [{ context = "environment", operator = "in", values = ["prod"] }]
"#,
    );
    assert!(both.is_enabled(&Context::new().user_id("42").environment("prod"), false));
    assert!(!both.is_enabled(&Context::new().user_id("42").environment("dev"), false));
    // An empty list of user ids matches no one.
    assert!(!compile("[[rules]]\nuser_ids = []\n").is_enabled(&Context::new().user_id("1"), false));
}

#[test]
fn in_and_not_in() {
    let is_in = one_constraint(r#"{ context = "p", operator = "in", values = ["a", "b"] }"#);
    assert!(with_property(&is_in, "b"));
    assert!(!with_property(&is_in, "B"));
    assert!(!with_property(&is_in, "c"));
    assert!(!without_property(&is_in));
    let not_in = one_constraint(r#"{ context = "p", operator = "not_in", values = ["a", "b"] }"#);
    assert!(!with_property(&not_in, "a"));
    assert!(with_property(&not_in, "c"));
    assert!(
        without_property(&not_in),
        "a missing field is not in any list"
    );
    let empty_in = one_constraint(r#"{ context = "p", operator = "in", values = [] }"#);
    assert!(!with_property(&empty_in, "a"));
    let empty_not_in = one_constraint(r#"{ context = "p", operator = "not_in", values = [] }"#);
    assert!(with_property(&empty_not_in, "a"));
    let folded = one_constraint(
        r#"{ context = "p", operator = "in", values = ["Straße"], case_insensitive = true }"#,
    );
    assert!(with_property(&folded, "STRAßE"));
    let inverted =
        one_constraint(r#"{ context = "p", operator = "in", values = ["a"], inverted = true }"#);
    assert!(!with_property(&inverted, "a"));
    assert!(with_property(&inverted, "z"));
    assert!(
        without_property(&inverted),
        "inverted flips the missing field's outcome too"
    );
    let inverted_not_in = one_constraint(
        r#"{ context = "p", operator = "not_in", values = ["a"], inverted = true }"#,
    );
    assert!(with_property(&inverted_not_in, "a"));
    assert!(!without_property(&inverted_not_in));
}

/// A context with `count` filler properties, enough past eight to spill the later ones out of line.
fn with_fillers(mut ctx: Context<'static>, count: usize) -> Context<'static> {
    const FILLERS: [&str; 10] = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"];
    for filler in &FILLERS[..count] {
        ctx = ctx.property(filler, "filler");
    }
    ctx
}

#[test]
fn in_and_not_in_decide_alike_on_every_path() {
    // The engine tests a case-sensitive `in`/`not_in` on a property with a name and values of at most eight
    // bytes on a quick path, unless the context's properties spilled; everything else on the general one.
    // Names and values on both sides of that limit, lists mixing them, inline and spilled contexts, repeated
    // names: every decision must be what the plain definition gives.
    let names = ["p", "plan", "tenant_x", "tenant_xy", "a_much_longer_name"];
    let values = [
        "",
        "a",
        "b",
        "pro",
        "prO",
        "team",
        "12345678",
        "12345679",
        "123456789",
        "1234x6789",
    ];
    let lists: [&[&str]; 5] = [
        &["pro", "team"],
        &["123456789", "pro"],
        &["a", "12345678"],
        &["1234x6789"],
        &[],
    ];
    for name in names {
        let mut contexts = vec![Context::new(), with_fillers(Context::new(), 10)];
        for value in values {
            let set = Context::new().property(name, value);
            contexts.push(set.clone());
            contexts.push(Context::new().property(name, "team").property(name, value));
            contexts.push(with_fillers(Context::new(), 7).property(name, value));
            contexts.push(with_fillers(Context::new(), 9).property(name, value));
            contexts.push(with_fillers(set.clone(), 9));
            contexts.push(with_fillers(set, 3).property(name, "zzz"));
        }
        for list in lists {
            for operator in ["in", "not_in"] {
                for inverted in [false, true] {
                    let quoted: Vec<String> =
                        list.iter().map(|value| format!("{value:?}")).collect();
                    let targeting = one_constraint(&format!(
                        r#"{{ context = "{name}", operator = "{operator}", values = [{}], inverted = {inverted} }}"#,
                        quoted.join(", ")
                    ));
                    for ctx in &contexts {
                        let found = ctx.field(name).is_some_and(|value| list.contains(&value));
                        let expected = (found != (operator == "not_in")) != inverted;
                        assert_eq!(
                            targeting.is_enabled(ctx, false),
                            expected,
                            "{name} {operator} {list:?} (inverted: {inverted}) for {ctx:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn quick_and_general_constraints_mix_in_one_rule() {
    // Quick constraints before and after ones that take the general path: all must hold.
    let targeting = compile(
        r#"
[[rules]]
constraints = [
    { context = "plan", operator = "in", values = ["pro", "team"] },
    { context = "email", operator = "str_ends_with", values = ["@example.com"] },
    { context = "country", operator = "not_in", values = ["FR"] },
    { context = "a_much_longer_name", operator = "in", values = ["x"] },
]
"#,
    );
    let full = || {
        Context::new()
            .property("plan", "pro")
            .property("email", "kim@example.com")
            .property("country", "NZ")
            .property("a_much_longer_name", "x")
    };
    assert!(targeting.is_enabled(&full(), false));
    assert!(targeting.is_enabled(&with_fillers(full(), 9), false));
    assert!(!targeting.is_enabled(&full().property("plan", "free"), false));
    assert!(!targeting.is_enabled(&full().property("email", "kim@example.org"), false));
    assert!(!targeting.is_enabled(&full().property("country", "FR"), false));
    assert!(!targeting.is_enabled(&full().property("a_much_longer_name", "y"), false));
    assert!(!targeting.is_enabled(&with_fillers(full(), 9).property("plan", "free"), false));
}

#[test]
fn built_in_fields() {
    let cases = [
        ("user_id", Context::new().user_id("x")),
        ("session_id", Context::new().session_id("x")),
        ("remote_address", Context::new().remote_address("x")),
        ("environment", Context::new().environment("x")),
        ("app_name", Context::new().app_name("x")),
    ];
    for (field, ctx) in cases {
        let targeting = one_constraint(&format!(
            r#"{{ context = "{field}", operator = "in", values = ["x"] }}"#
        ));
        assert!(targeting.is_enabled(&ctx, false), "{field}");
        assert!(
            !targeting.is_enabled(&Context::new().property(field, "x"), false),
            "{field}"
        );
    }
}

#[test]
fn string_operators() {
    let starts =
        one_constraint(r#"{ context = "p", operator = "str_starts_with", values = ["ab", "x"] }"#);
    assert!(with_property(&starts, "abc"));
    assert!(with_property(&starts, "xyz"));
    assert!(!with_property(&starts, "cab"));
    assert!(!with_property(&starts, "ABC"));
    assert!(!without_property(&starts));
    let ends = one_constraint(
        r#"{ context = "p", operator = "str_ends_with", values = ["@example.com"], case_insensitive = true }"#,
    );
    assert!(with_property(&ends, "ann@EXAMPLE.com"));
    assert!(!with_property(&ends, "ann@example.org"));
    let contains =
        one_constraint(r#"{ context = "p", operator = "str_contains", values = ["mid"] }"#);
    assert!(with_property(&contains, "amidst"));
    assert!(!with_property(&contains, "aMIDst"));
    let contains_folded = one_constraint(
        r#"{ context = "p", operator = "str_contains", values = ["MiD"], case_insensitive = true }"#,
    );
    assert!(with_property(&contains_folded, "aMIDst"));
    let inverted = one_constraint(
        r#"{ context = "p", operator = "str_contains", values = ["mid"], inverted = true }"#,
    );
    assert!(!with_property(&inverted, "amidst"));
    assert!(without_property(&inverted));
}

#[test]
fn number_operators() {
    let check = |operator: &str, value: &str, expected: [bool; 3]| {
        let targeting = one_constraint(&format!(
            r#"{{ context = "p", operator = "{operator}", value = "{value}" }}"#
        ));
        let got = [
            with_property(&targeting, "11"),
            with_property(&targeting, "12.0"),
            with_property(&targeting, " 13 "),
        ];
        assert_eq!(got, expected, "{operator} {value}");
        assert!(!without_property(&targeting), "{operator}: missing");
        assert!(
            !with_property(&targeting, "twelve"),
            "{operator}: not a number"
        );
    };
    check("num_eq", "12", [false, true, false]);
    check("num_gt", "12", [false, false, true]);
    check("num_gte", "12", [false, true, true]);
    check("num_lt", "12", [true, false, false]);
    check("num_lte", "12.0", [true, true, false]);
    let bare = compile(
        "[[rules]]\nconstraints = [{ context = \"age\", operator = \"num_gte\", value = 18 }]\n",
    );
    assert!(bare.is_enabled(&Context::new().property("age", "18"), false));
    assert!(!bare.is_enabled(&Context::new().property("age", "1e1"), false));
}

#[test]
fn date_operators() {
    let at = |rfc3339: &str| {
        let millis = flag_manifest::targeting::parse_rfc3339(rfc3339).unwrap();
        UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap())
    };
    let after = one_constraint(
        r#"{ context = "current_time", operator = "date_after", value = "2022-01-29T13:00:00.000Z" }"#,
    );
    let before = one_constraint(
        r#"{ context = "current_time", operator = "date_before", value = "2022-01-29T15:00:00+02:00" }"#,
    );
    let ctx = |time| Context::new().current_time(at(time));
    assert!(after.is_enabled(&ctx("2022-01-29T13:00:00.001Z"), false));
    assert!(
        !after.is_enabled(&ctx("2022-01-29T13:00:00Z"), false),
        "strictly after"
    );
    assert!(before.is_enabled(&ctx("2022-01-29T12:59:59.999Z"), false));
    assert!(
        !before.is_enabled(&ctx("2022-01-29T13:00:00Z"), false),
        "strictly before"
    );
    // Without a fixed time, now: long after 2022.
    assert!(after.is_enabled(&Context::new(), false));
    assert!(!before.is_enabled(&Context::new(), false));
    // A property compared as a date.
    let signed_up = one_constraint(
        r#"{ context = "p", operator = "date_before", value = 2020-01-01T00:00:00Z }"#,
    );
    assert!(with_property(&signed_up, "2019-12-31T23:59:59Z"));
    assert!(!with_property(&signed_up, "2020-01-01T00:00:00Z"));
    assert!(!with_property(&signed_up, "last year"));
    assert!(!without_property(&signed_up));
}

#[test]
fn semver_operators() {
    let check = |operator: &str, value: &str, version: &str, expected: bool| {
        let targeting = one_constraint(&format!(
            r#"{{ context = "p", operator = "{operator}", value = "{value}" }}"#
        ));
        assert_eq!(
            with_property(&targeting, version),
            expected,
            "{version} {operator} {value}"
        );
    };
    check("semver_eq", "1.2.2", "1.2.2", true);
    check("semver_eq", "1.2.2", "1.2.2+build.9", true);
    check("semver_eq", "1.2.2", "1.2.3", false);
    check("semver_gt", "1.2.2", "1.2.10", true);
    check("semver_gt", "2.0.0-alpha.1", "2.0.0-beta.1", true);
    check("semver_gt", "2.0.0-rc", "2.0.0-alpha.1", false);
    check("semver_gte", "1.2.2", "1.2.2", true);
    check("semver_gte", "1.2.2", "1.2.1", false);
    check("semver_lt", "2.0.0-alpha.3", "2.0.0-alpha.1", true);
    check("semver_lt", "2.0.0-alpha.1", "1.9.1-beta.1", true);
    check("semver_lt", "2.0.0-alpha.1", "2.0.0", false);
    check("semver_lte", "1.2.2", "1.2.2", true);
    check("semver_lte", "1.2.2", "1.2.3", false);
    check("semver_eq", "2.0.0", "v2.0.0", false);
    check("semver_lt", "9.9.9", "not a version", false);
    let inverted = one_constraint(
        r#"{ context = "p", operator = "semver_gt", value = "2.1.0", inverted = true }"#,
    );
    assert!(with_property(&inverted, "2.0.0"));
    assert!(!with_property(&inverted, "2.1.1"));
}

#[test]
fn cidr_operator() {
    let targeting = one_constraint(
        r#"{ context = "remote_address", operator = "in_cidr", values = ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"] }"#,
    );
    let from = |address| targeting.is_enabled(&Context::new().remote_address(address), false);
    assert!(from("10.20.30.40"));
    assert!(from("192.168.1.7"));
    assert!(from("2001:db8:1::1"));
    assert!(from("::ffff:10.1.1.1"));
    assert!(!from("192.168.1.8"));
    assert!(!from("11.0.0.1"));
    assert!(!from("not an address"));
    assert!(!targeting.is_enabled(&Context::new(), false));
}

#[cfg(feature = "regex")]
#[test]
fn regex_operator() {
    let targeting =
        one_constraint(r#"{ context = "p", operator = "regex", value = "^user\\d{3}$" }"#);
    assert!(with_property(&targeting, "user123"));
    assert!(!with_property(&targeting, "user12"));
    assert!(!without_property(&targeting));
    let unanchored = one_constraint(r#"{ context = "p", operator = "regex", value = "cat" }"#);
    assert!(with_property(&unanchored, "concatenate"));
    let folded = one_constraint(
        r#"{ context = "p", operator = "regex", value = "^abc$", case_insensitive = true }"#,
    );
    assert!(with_property(&folded, "AbC"));
    let inverted = one_constraint(
        r#"{ context = "p", operator = "regex", value = "^abc$", inverted = true }"#,
    );
    assert!(with_property(&inverted, "xyz"));
}

#[cfg(not(feature = "regex"))]
#[test]
fn regex_needs_the_feature() {
    let constraint = Constraint {
        context: "p".into(),
        operator: Operator::Regex,
        values: vec!["^a$".into()],
        case_insensitive: false,
        inverted: false,
    };
    let targeting = Targeting {
        rules: vec![flag_manifest::Rule {
            constraints: vec![constraint],
            ..Default::default()
        }],
        ..Default::default()
    };
    let error = CompiledTargeting::new("flag", &targeting).unwrap_err();
    assert!(error.contains("`regex` feature"), "{error}");
}

#[test]
fn hand_built_models_are_checked() {
    let targeting = |operator, values: &[&str]| Targeting {
        rules: vec![flag_manifest::Rule {
            constraints: vec![Constraint {
                context: "p".into(),
                operator,
                values: values.iter().map(|value| (*value).to_owned()).collect(),
                case_insensitive: false,
                inverted: false,
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let error = |operator, values| {
        CompiledTargeting::new("checkout", &targeting(operator, values)).unwrap_err()
    };
    assert_eq!(
        error(Operator::NumGt, &["twelve"]),
        "flag `checkout`, rule 1: `twelve` is not a number"
    );
    assert!(error(Operator::SemverEq, &["1.2"]).ends_with("`1.2` is not a semantic version"));
    assert!(error(Operator::DateAfter, &["2022-01-01"]).ends_with("is not an RFC 3339 date-time"));
    assert!(
        error(Operator::InCidr, &["10.0.0.0/40"]).ends_with("is not an IP address or CIDR block")
    );
    assert!(error(Operator::NumEq, &["1", "2"]).ends_with("takes exactly one value, found 2"));
}

/// The rollout's bucket for a user id, as Unleash computes it.
fn unleash_bucket(group: &str, id: &str) -> u32 {
    murmur3_x86_32(&[format!("{group}:{id}").as_bytes()], 0) % 100 + 1
}

#[test]
fn rollout_edges_follow_the_bucket_exactly() {
    let ids: Vec<String> = (0..10_000).map(|id| id.to_string()).collect();
    for percent in [0u32, 1, 25, 99, 100] {
        let targeting = compile(&format!(
            "[[rules]]\nrollout = {{ percent = {percent}, stickiness = \"user_id\", group = \"g\" }}\n"
        ));
        let mut on = 0;
        for id in &ids {
            let enabled = targeting.is_enabled(&Context::new().user_id(id.as_str()), false);
            assert_eq!(
                enabled,
                unleash_bucket("g", id) <= percent,
                "{percent}% for {id}"
            );
            on += u32::from(enabled);
        }
        let expected = percent * 100;
        assert!(
            on.abs_diff(expected) <= 150,
            "{percent}%: {on} of 10000 users are on"
        );
        if percent == 0 {
            assert_eq!(on, 0);
        }
        if percent == 100 {
            assert_eq!(on, 10_000);
        }
    }
}

#[test]
fn rollout_group_defaults_to_the_flag_name() {
    let targeting = CompiledTargeting::new(
        "checkout_v2",
        &parse_flag_rules("[[rules]]\nrollout = { percent = 50 }\n").unwrap(),
    )
    .unwrap();
    for id in ["1", "2", "3", "4", "5", "6", "7", "8"] {
        assert_eq!(
            targeting.is_enabled(&Context::new().user_id(id), false),
            unleash_bucket("checkout_v2", id) <= 50
        );
    }
}

#[test]
fn rollout_stickiness() {
    let rollout = |stickiness: &str| {
        compile(&format!(
            "[[rules]]\nrollout = {{ percent = 100, stickiness = \"{stickiness}\" }}\n"
        ))
    };
    // A missing user id, session id or field matches no bucket...
    assert!(!rollout("user_id").is_enabled(&Context::new().session_id("s"), false));
    assert!(!rollout("session_id").is_enabled(&Context::new().user_id("u"), false));
    assert!(!rollout("tenant").is_enabled(&Context::new().user_id("u"), false));
    assert!(rollout("tenant").is_enabled(&Context::new().property("tenant", "t"), false));
    // ...but `default` falls back to the session id, then to a random draw, and `random` always draws.
    assert!(rollout("default").is_enabled(&Context::new(), false));
    assert!(rollout("random").is_enabled(&Context::new(), false));
    let half_default = compile("[[rules]]\nrollout = { percent = 50, group = \"g\" }\n");
    for id in ["1", "2", "3", "4", "5", "6"] {
        let by_session = half_default.is_enabled(&Context::new().session_id(id), false);
        assert_eq!(by_session, unleash_bucket("g", id) <= 50);
        // The user id wins over the session id.
        let by_user = half_default.is_enabled(&Context::new().user_id(id).session_id("zzz"), false);
        assert_eq!(by_user, unleash_bucket("g", id) <= 50);
    }
    let half_random = rollout_random(50);
    let on = (0..10_000)
        .filter(|_| half_random.is_enabled(&Context::new().user_id("same"), false))
        .count();
    assert!((4_500..5_500).contains(&on), "random 50%: {on}");
}

#[test]
fn default_stickiness_buckets_every_key_length_like_unleash() {
    // The bucket's hash continues a kept state after `"{group}:"`; groups of every length modulo 4 leave
    // every number of bytes pending, and keys of every length end in every tail. User ids and session ids
    // under four bytes take the general path, longer ones the quick one.
    let text = "u-0123456789abcdefghijklmnopqrstuvwxyz";
    for group in ["g", "gr", "grp", "grou", "search_ranking"] {
        for percent in [0u32, 1, 25, 50, 99, 100] {
            let targeting = compile(&format!(
                "[[rules]]\nrollout = {{ percent = {percent}, group = \"{group}\" }}\n"
            ));
            for len in 1..text.len() {
                let id = &text[..len];
                let expected = unleash_bucket(group, id) <= percent;
                let by_user = Context::new().user_id(id).session_id("ignored");
                let by_session = Context::new().user_id("").session_id(id);
                for ctx in [by_user, by_session] {
                    assert_eq!(
                        targeting.is_enabled(&ctx, false),
                        expected,
                        "{group} {percent}% {ctx:?}"
                    );
                }
            }
        }
    }
}

fn rollout_random(percent: u32) -> CompiledTargeting {
    compile(&format!(
        "[[rules]]\nrollout = {{ percent = {percent}, stickiness = \"random\" }}\n"
    ))
}

const WEIGHTED: &str = r#"
[[variants]]
name = "control"
weight = 50
[[variants]]
name = "treatment"
weight = 30
payload = { type = "json", value = '{"color":"red"}' }
[[variants]]
name = "never"
weight = 0
[[variants]]
name = "small"
weight = 20
"#;

/// The variant Unleash gives a user id: the first whose cumulative weight reaches the bucket.
fn unleash_variant(group: &str, id: &str, weights: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = weights.iter().map(|(_, weight)| weight).sum();
    let target = murmur3_x86_32(&[format!("{group}:{id}").as_bytes()], 86_028_157) % total + 1;
    let mut cumulative = 0;
    for (name, weight) in weights {
        if *weight == 0 {
            continue;
        }
        cumulative += weight;
        if cumulative >= target {
            return name;
        }
    }
    unreachable!()
}

#[test]
fn variant_weights_and_stickiness() {
    let targeting = compile(WEIGHTED);
    let weights = [
        ("control", 50),
        ("treatment", 30),
        ("never", 0),
        ("small", 20),
    ];
    let mut counts = [0u32; 4];
    for id in 0..10_000 {
        let id = id.to_string();
        let ctx = Context::new().user_id(id.as_str());
        let choice = targeting.variant(&ctx, true).unwrap();
        assert_eq!(
            choice.name,
            unleash_variant("flag", &id, &weights),
            "user {id}"
        );
        assert_eq!(targeting.variant(&ctx, true), Some(choice), "sticky");
        counts[choice.index] += 1;
        if choice.name == "treatment" {
            assert_eq!(choice.payload.unwrap().value, r#"{"color":"red"}"#);
        } else {
            assert!(choice.payload.is_none());
        }
    }
    assert_eq!(counts[2], 0, "weight 0 never wins");
    for (count, expected) in [(counts[0], 5_000), (counts[1], 3_000), (counts[3], 2_000)] {
        assert!(count.abs_diff(expected) <= 250, "{counts:?}");
    }
    // Off: no variant.
    assert_eq!(targeting.variant(&Context::new().user_id("1"), false), None);
}

#[test]
fn variant_stickiness_fallbacks() {
    let targeting = compile(WEIGHTED);
    let weights = [
        ("control", 50),
        ("treatment", 30),
        ("never", 0),
        ("small", 20),
    ];
    for id in ["a", "b", "c", "d", "e", "f"] {
        // `default`: the session id, then the remote address, when there is no user id.
        let by_session = targeting
            .variant(&Context::new().session_id(id), true)
            .unwrap();
        assert_eq!(by_session.name, unleash_variant("flag", id, &weights));
        let by_address = targeting
            .variant(&Context::new().remote_address(id), true)
            .unwrap();
        assert_eq!(by_address.name, unleash_variant("flag", id, &weights));
    }
    let by_tenant = compile(&format!("variant_stickiness = \"tenant\"\n{WEIGHTED}"));
    for id in ["a", "b", "c", "d", "e", "f"] {
        let ctx = Context::new().user_id("ignored").property("tenant", id);
        assert_eq!(
            by_tenant.variant(&ctx, true).unwrap().name,
            unleash_variant("flag", id, &weights)
        );
    }
    // Without the field, a random draw: every weighted variant shows up.
    let mut seen = [false; 4];
    for _ in 0..1_000 {
        seen[by_tenant.variant(&Context::new(), true).unwrap().index] = true;
    }
    assert_eq!(seen, [true, true, false, true]);
}

#[test]
fn variant_overrides_come_first() {
    let targeting = compile(
        r#"
[[variants]]
name = "a"
weight = 100
[[variants]]
name = "b"
weight = 0
overrides = [{ context = "user_id", values = ["42", "7"] }, { context = "plan", values = ["beta"] }]
"#,
    );
    assert_eq!(
        targeting
            .variant(&Context::new().user_id("7"), true)
            .unwrap()
            .name,
        "b"
    );
    assert_eq!(
        targeting
            .variant(&Context::new().property("plan", "beta"), true)
            .unwrap()
            .name,
        "b"
    );
    assert_eq!(
        targeting
            .variant(&Context::new().user_id("8"), true)
            .unwrap()
            .name,
        "a"
    );
}

#[test]
fn a_matching_rule_s_variants_come_before_the_flag_s() {
    let targeting = compile(
        r#"
[[rules]]
constraints = [{ context = "plan", operator = "in", values = ["pro"] }]
rollout = { percent = 100, stickiness = "tenant", group = "pro-group" }
[[rules.variants]]
name = "pro_a"
weight = 1
[[rules.variants]]
name = "pro_b"
weight = 1
[[rules]]
user_ids = ["1", "2"]
[[variants]]
name = "plain"
weight = 1
[[variants]]
name = "pro_a"
weight = 0
"#,
    );
    assert_eq!(
        targeting.variant_names().collect::<Vec<_>>(),
        ["plain", "pro_a", "pro_b"]
    );
    for tenant in ["t1", "t2", "t3", "t4", "t5"] {
        let ctx = Context::new()
            .property("plan", "pro")
            .property("tenant", tenant);
        let choice = targeting.variant(&ctx, false).unwrap();
        let expected = unleash_variant("pro-group", tenant, &[("pro_a", 1), ("pro_b", 1)]);
        assert_eq!(choice.name, expected);
        assert_eq!(choice.index, if expected == "pro_a" { 1 } else { 2 });
    }
    let plain = targeting.evaluate(&Context::new().user_id("1"), false);
    assert!(plain.enabled);
    assert_eq!(plain.variant.unwrap().name, "plain");
    let off = targeting.evaluate(&Context::new().user_id("3"), true);
    assert_eq!(off, Outcome::plain(false));
}

#[test]
fn compiled_targeting_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledTargeting>();
    assert_send_sync::<Context<'static>>();
}
