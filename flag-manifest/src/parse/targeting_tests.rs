//! Tests of reading and checking targeting (rules, constraints, rollouts, variants, `requires` tables), in a
//! manifest, a runtime flags file and on its own.

use std::ops::Range;

use crate::diagnostic::Location;
use crate::model::{ExpiredPolicy, Manifest, Mode};
use crate::parse::parse_state_file;
use crate::targeting::{Operator, PayloadKind, Stickiness};
use crate::{Requirement, parse_flag_rules, rules_to_toml};

/// (line, column, message, help) of every error.
fn errors(text: &str) -> Vec<(usize, usize, String, Option<String>)> {
    Manifest::parse(text)
        .unwrap_err()
        .into_iter()
        .map(|d| match d.location {
            Location::Manifest { line, column, .. } => (line, column, d.message, d.help),
            other => panic!("unexpected location {other:?}"),
        })
        .collect()
}

fn one_error(text: &str) -> (usize, usize, String, Option<String>) {
    let mut found = errors(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.remove(0)
}

const FULL: &str = r#"
[flags.checkout_v2]
mode = "dynamic"
default = false
variant_stickiness = "tenant"

[[flags.checkout_v2.rules]]
user_ids = ["42", 7]

[[flags.checkout_v2.rules]]
constraints = [
  { context = "country", operator = "in", values = ["NZ", "AU"] },
  { context = "email", operator = "str_ends_with", values = ["@example.com"], case_insensitive = true },
  { context = "app_version", operator = "semver_gt", value = "2.1.0", inverted = true },
  { context = "current_time", operator = "date_after", value = 2022-01-29T13:00:00Z },
  { context = "age", operator = "num_gte", value = 18 },
  { context = "remote_address", operator = "in_cidr", values = ["10.0.0.0/8", "::1"] },
]
rollout = { percent = 25, stickiness = "user_id", group = "checkout" }
[[flags.checkout_v2.rules.variants]]
name = "rule_only"
weight = 1

[[flags.checkout_v2.variants]]
name = "control"
weight = 50

[[flags.checkout_v2.variants]]
name = "treatment"
weight = 50
payload = { type = "json", value = '{"color":"red"}' }
overrides = [{ context = "user_id", values = ["42", 7] }]

[flags.parent]
mode = "dynamic"
[flags.child]
mode = "dynamic"
requires = ["parent", { flag = "checkout_v2", variants = ["treatment"] }, { flag = "legacy", enabled = false }]
[flags.legacy]
"#;

#[test]
fn parses_the_whole_syntax() {
    let manifest = Manifest::parse(FULL).unwrap();
    let flag = manifest.flag("checkout_v2").unwrap();
    let targeting = &flag.targeting;
    assert_eq!(
        targeting.variant_stickiness,
        Stickiness::Field("tenant".into())
    );
    assert_eq!(
        targeting.rules[0].user_ids,
        Some(vec!["42".to_owned(), "7".to_owned()])
    );
    let rule = &targeting.rules[1];
    let operators: Vec<Operator> = rule.constraints.iter().map(|c| c.operator).collect();
    assert_eq!(
        operators,
        [
            Operator::In,
            Operator::StrEndsWith,
            Operator::SemverGt,
            Operator::DateAfter,
            Operator::NumGte,
            Operator::InCidr
        ]
    );
    assert!(rule.constraints[1].case_insensitive);
    assert!(rule.constraints[2].inverted);
    assert_eq!(rule.constraints[3].value(), Some("2022-01-29T13:00:00Z"));
    assert_eq!(rule.constraints[4].value(), Some("18"));
    let rollout = rule.rollout.as_ref().unwrap();
    assert_eq!(
        (rollout.percent, &rollout.stickiness),
        (25, &Stickiness::UserId)
    );
    assert_eq!(rollout.group.as_deref(), Some("checkout"));
    assert_eq!(rule.variants[0].name, "rule_only");
    assert_eq!(
        targeting.variants[1].payload.as_ref().unwrap().kind,
        PayloadKind::Json
    );
    assert_eq!(targeting.variants[1].overrides[0].values, ["42", "7"]);
    assert_eq!(
        targeting.variant_names(),
        ["control", "treatment", "rule_only"]
    );

    let child = manifest.flag("child").unwrap();
    assert_eq!(
        child.requires(),
        ["parent", "checkout_v2"],
        "only what must be on"
    );
    let shapes: Vec<(&str, bool, &[String])> = child
        .requirements
        .iter()
        .map(|r: &Requirement| (r.flag.as_str(), r.enabled, r.variants.as_slice()))
        .collect();
    assert_eq!(shapes[0], ("parent", true, &[][..]));
    assert_eq!(
        shapes[1],
        ("checkout_v2", true, &["treatment".to_owned()][..])
    );
    assert_eq!(shapes[2], ("legacy", false, &[][..]));
    assert!(manifest.flag("legacy").unwrap().targeting.is_empty());
    assert_eq!(manifest.settings.expired, ExpiredPolicy::Warn);
}

#[test]
fn round_trips_through_toml() {
    let manifest = Manifest::parse(FULL).unwrap();
    for flag in &manifest.flags {
        let text = rules_to_toml(flag);
        assert_eq!(parse_flag_rules(&text).unwrap(), flag.targeting, "{text}");
    }
    assert_eq!(rules_to_toml(manifest.flag("legacy").unwrap()), "");
}

#[test]
fn awkward_strings_round_trip() {
    let text = r#"
variant_stickiness = "tenant id"
[[rules]]
user_ids = ["it's", "say \"hi\"", "back\\slash", "line\nbreak", "日本", ""]
constraints = [
  { context = "a.b c", operator = "str_contains", values = ["'", "\"", "\t"] },
  { context = "x", operator = "in_cidr", values = [] },
]
[[variants]]
name = "v"
weight = 1
payload = { type = "csv", value = "a,'b',\"c\"" }
overrides = [{ context = "ünïcode", values = ["ß"] }]
"#;
    let targeting = parse_flag_rules(text).unwrap();
    let written = crate::targeting::targeting_to_toml(&targeting);
    assert_eq!(parse_flag_rules(&written).unwrap(), targeting, "{written}");
    assert_eq!(
        targeting.rules[0].user_ids.as_ref().unwrap()[3],
        "line\nbreak"
    );
}

#[test]
fn requirements_are_met_like_unleash_dependencies() {
    let manifest = Manifest::parse(FULL).unwrap();
    let [on, variant, off] = &manifest.flag("child").unwrap().requirements[..] else {
        panic!()
    };
    assert!(on.is_met(true, None) && on.is_met(true, Some("x")) && !on.is_met(false, None));
    assert!(variant.is_met(true, Some("treatment")));
    assert!(!variant.is_met(true, Some("control")) && !variant.is_met(true, None));
    assert!(!variant.is_met(false, Some("treatment")));
    assert!(off.is_met(false, None) && !off.is_met(true, None));
}

#[test]
fn targeting_needs_a_dynamic_flag() {
    let (line, column, message, help) =
        one_error("[flags.new_ui]\n[[flags.new_ui.rules]]\nuser_ids = [\"1\"]\n");
    assert_eq!((line, column), (2, 1));
    assert_eq!(
        message,
        "flag `new_ui` has `rules`, but only a dynamic flag is decided per context"
    );
    assert_eq!(
        help.unwrap(),
        "set `mode = \"dynamic\"` in `[flags.new_ui]`, or remove its `rules`"
    );
    let variants =
        one_error("[flags.a]\nmode = \"static\"\n[[flags.a.variants]]\nname = \"x\"\nweight = 1\n");
    assert!(variants.2.contains("has `variants`"), "{}", variants.2);
    let stickiness = one_error("[flags.a]\nvariant_stickiness = \"user_id\"\n");
    assert_eq!((stickiness.0, stickiness.1), (2, 22));
    let requirement =
        one_error("[flags.a]\nrequires = [{ flag = \"b\", enabled = false }]\n[flags.b]\n");
    assert_eq!((requirement.0, requirement.1), (2, 13));
    assert_eq!(
        requirement.2,
        "flag `a` is static, so it can only require other flags on"
    );
    assert!(requirement.3.unwrap().contains("set `mode = \"dynamic\"`"));
}

fn constraint_error(constraint: &str) -> (usize, usize, String, Option<String>) {
    one_error(&format!(
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nconstraints = [\n  {constraint},\n]\n"
    ))
}

#[test]
fn operators_are_checked_with_suggestions() {
    let (line, column, message, help) =
        constraint_error(r#"{ context = "x", operator = "str_end_with", values = ["a"] }"#);
    assert_eq!((line, column), (5, 31));
    assert_eq!(
        message,
        "unknown operator `str_end_with`; did you mean `str_ends_with`?"
    );
    assert!(
        help.unwrap()
            .starts_with("operators: in, not_in, str_starts_with")
    );
    let shouting = constraint_error(r#"{ context = "x", operator = "NUM_GT", value = "1" }"#);
    assert_eq!(
        shouting.2,
        "unknown operator `NUM_GT`; did you mean `num_gt`?"
    );
    let nonsense = constraint_error(r#"{ context = "x", operator = "whatever", value = "1" }"#);
    assert_eq!(nonsense.2, "unknown operator `whatever`");
}

#[test]
fn values_must_fit_their_operator() {
    let cases = [
        (
            r#"{ context = "x", operator = "num_gt", value = "twelve" }"#,
            "`twelve` is not a number",
        ),
        (
            r#"{ context = "x", operator = "num_eq", value = "NaN" }"#,
            "`NaN` is not a number",
        ),
        (
            r#"{ context = "x", operator = "semver_eq", value = "v1.2.3" }"#,
            "`v1.2.3` is not a semantic version",
        ),
        (
            r#"{ context = "x", operator = "date_before", value = "2027-03-01" }"#,
            "`2027-03-01` is not an RFC 3339 date-time",
        ),
        (
            r#"{ context = "x", operator = "date_after", value = 2027-03-01T10:00:00 }"#,
            "`2027-03-01T10:00:00` is not an RFC 3339 date-time",
        ),
        (
            r#"{ context = "x", operator = "in_cidr", values = ["10.0.0.0/8", "10.0.0.0/33"] }"#,
            "`10.0.0.0/33` is not an IP address or CIDR block",
        ),
    ];
    for (constraint, expected) in cases {
        let (line, _, message, help) = constraint_error(constraint);
        assert_eq!(line, 5);
        assert!(message.starts_with(expected), "{message}");
        assert!(help.is_some(), "{message}");
    }
    let column = constraint_error(r#"{ context = "x", operator = "num_gt", value = "twelve" }"#).1;
    assert_eq!(column, 49, "points at the value");
}

#[test]
fn value_counts_are_checked() {
    let two = constraint_error(r#"{ context = "x", operator = "num_gt", values = ["1", "2"] }"#);
    assert_eq!(
        two.2,
        "operator `num_gt` compares with exactly one value, found 2"
    );
    let none = constraint_error(r#"{ context = "x", operator = "semver_lt" }"#);
    assert_eq!(
        none.2,
        "operator `semver_lt` compares with exactly one value, found 0"
    );
    let list = constraint_error(r#"{ context = "x", operator = "in" }"#);
    assert_eq!(
        list.2,
        "operator `in` needs `values = [...]`, the values to compare with"
    );
    // One value in `values` is fine for a single-value operator, and `value` for a list operator.
    let manifest = Manifest::parse(
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nconstraints = [{ context = \"x\", operator = \"num_gt\", values = [\"1\"] }, { context = \"y\", operator = \"in\", value = \"z\", values = [\"w\"] }]\n",
    )
    .unwrap();
    let constraints = &manifest.flags[0].targeting.rules[0].constraints;
    assert_eq!(constraints[0].value(), Some("1"));
    assert_eq!(constraints[1].values, ["w", "z"]);
}

#[test]
fn context_names_are_checked() {
    let empty = constraint_error(r#"{ context = "", operator = "in", values = [] }"#);
    assert_eq!(empty.2, "a context field name cannot be empty");
    let camel = constraint_error(r#"{ context = "userId", operator = "in", values = [] }"#);
    assert_eq!(
        camel.2,
        "the context field is written `user_id`, not `userId`"
    );
    let time = constraint_error(r#"{ context = "current_time", operator = "in", values = [] }"#);
    assert!(
        time.2
            .starts_with("`current_time` can only be compared with"),
        "{}",
        time.2
    );
    let case = constraint_error(
        r#"{ context = "x", operator = "num_gt", value = "1", case_insensitive = true }"#,
    );
    assert!(
        case.2
            .starts_with("`case_insensitive` has no effect on `num_gt`"),
        "{}",
        case.2
    );
    let typo =
        constraint_error(r#"{ context = "x", operator = "in", values = [], invertd = true }"#);
    assert!(typo.2.starts_with("unknown field `invertd`"), "{}", typo.2);
}

#[cfg(feature = "regex")]
#[test]
fn regex_patterns_are_checked() {
    let broken = constraint_error(r#"{ context = "x", operator = "regex", value = "(open" }"#);
    assert_eq!(
        broken.2,
        "`(open` is not a regular expression: unclosed group"
    );
    let lookahead = constraint_error(r#"{ context = "x", operator = "regex", value = "(?=a)" }"#);
    assert!(lookahead.2.contains("look-around"), "{}", lookahead.2);
    assert!(
        parse_flag_rules("[[rules]]\nconstraints = [{ context = \"x\", operator = \"regex\", value = \"^a+$\" }]\n")
            .is_ok()
    );
}

#[cfg(not(feature = "regex"))]
#[test]
fn regex_needs_the_feature() {
    let (line, column, message, help) =
        constraint_error(r#"{ context = "x", operator = "regex", value = "^a$" }"#);
    assert_eq!((line, column), (5, 31));
    assert_eq!(
        message,
        "the `regex` operator needs the `regex` feature of flag-runtime"
    );
    assert!(help.unwrap().contains(r#"features = ["regex"]"#));
}

#[test]
fn rollouts_are_checked() {
    let rule = |rollout: &str| {
        one_error(&format!(
            "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nrollout = {rollout}\n"
        ))
    };
    let over = rule("{ percent = 120 }");
    assert_eq!((over.0, over.1), (4, 23));
    assert_eq!(
        over.2,
        "rollout `percent` must be between 0 and 100, found 120"
    );
    assert_eq!(
        rule("{ percent = -1 }").2,
        "rollout `percent` must be between 0 and 100, found -1"
    );
    assert_eq!(
        rule("{ percent = 5, group = \"\" }").2,
        "rollout `group` cannot be empty"
    );
    assert!(
        rule("{ percent = 5, stickiness = \"current_time\" }")
            .2
            .contains("cannot be `current_time`")
    );
    assert!(
        rule("{ percent = 5, stickiness = \"sessionId\" }")
            .2
            .contains("`session_id`, not `sessionId`")
    );
    assert!(
        rule("{ stickiness = \"user_id\" }")
            .2
            .contains("missing field `percent`")
    );
}

#[test]
fn variants_are_checked() {
    let found = errors(
        r#"[flags.a]
mode = "dynamic"
[[flags.a.variants]]
name = "Blue"
weight = 0
[[flags.a.variants]]
name = "green"
weight = 0
payload = { type = "yaml", value = "x" }
[[flags.a.variants]]
name = "green"
weight = -3
[[flags.a.variants]]
name = "red"
weight = 0
payload = { type = "number", value = "many" }
"#,
    );
    let messages: Vec<&str> = found
        .iter()
        .map(|(_, _, message, _)| message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "variant name `Blue` is not lowercase snake_case (a lowercase letter, then lowercase letters, digits and `_`)",
            "unknown payload type `yaml`, expected one of string, json, csv, number",
            "variant `green` is declared twice in the same list",
            "variant `weight` must be a whole number from 0 to 4294967295, found -3",
            "payload `many` is not a number, as its type `number` says",
            "the weights of these variants add up to 0",
        ]
    );
    assert_eq!((found[0].0, found[0].1), (4, 8));
    assert_eq!(found[0].3.as_deref(), Some("rename it `blue`"));
    assert_eq!(
        found[5].3.as_deref(),
        Some("give at least one variant a positive `weight`")
    );
}

#[test]
fn requirements_are_checked() {
    let base = "[flags.p]\nmode = \"dynamic\"\n[[flags.p.variants]]\nname = \"blue\"\nweight = 1\n[flags.q]\nmode = \"dynamic\"\n";
    let requires = |entry: &str| {
        one_error(&format!(
            "{base}[flags.c]\nmode = \"dynamic\"\nrequires = [{entry}]\n"
        ))
    };
    let typo = requires(r#"{ flag = "p", variants = ["bleu"] }"#);
    assert_eq!((typo.0, typo.1), (10, 13));
    assert_eq!(
        typo.2,
        "flag `c` requires variant `bleu` of `p`, which has no such variant; did you mean `blue`?"
    );
    assert_eq!(
        requires(r#"{ flag = "q", variants = ["blue"] }"#).2,
        "flag `c` requires variant `blue` of `q`, which has no variants"
    );
    assert!(
        requires(r#"{ flag = "p", enable = false }"#)
            .2
            .starts_with("unknown key `enable`")
    );
    assert_eq!(
        requires(r#"{ enabled = false }"#).2,
        "an entry of `requires` written as a table needs `flag = \"name\"`"
    );
    assert!(
        requires("3")
            .2
            .starts_with("each entry of `requires` is a flag name or a table, found an integer")
    );
    assert!(
        requires(r#"{ flag = "p", enabled = false, variants = ["blue"] }"#)
            .2
            .contains("must be off")
    );
    assert_eq!(
        requires(r#"{ flag = "pp" }"#).2,
        "flag `c` requires `pp`, which is not declared; did you mean `p`?"
    );
    let cycle = errors(&format!(
        "{base}[flags.c]\nmode = \"dynamic\"\nrequires = [{{ flag = \"d\", enabled = false }}]\n[flags.d]\nmode = \"dynamic\"\nrequires = [\"c\"]\n"
    ));
    assert_eq!(cycle.len(), 1, "{cycle:#?}");
    assert!(
        cycle[0].2.starts_with("`requires` forms a cycle"),
        "{}",
        cycle[0].2
    );
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let found = errors(
        r#"[flags.a]
mode = "dynamic"
[[flags.a.rules]]
constraints = [{ context = "x", operator = "inn", values = [] }, { context = "y", operator = "num_gt", value = "z" }]
rollout = { percent = 101 }
[[flags.a.variants]]
name = "x"
weight = 0
[flags.b]
[[flags.b.rules]]
"#,
    );
    assert_eq!(found.len(), 5, "{found:#?}");
}

#[test]
fn settings() {
    let manifest = Manifest::parse("[settings]\nexpired = \"error\"\n[flags.a]\n").unwrap();
    assert_eq!(manifest.settings.expired, ExpiredPolicy::Error);
    assert_eq!(
        Manifest::parse("[settings]\n").unwrap().settings.expired,
        ExpiredPolicy::Warn
    );
    let bad = one_error("[settings]\nexpired = \"loud\"\n");
    assert_eq!(bad.0, 2);
    assert!(bad.2.contains("loud"), "{}", bad.2);
    assert!(
        one_error("[settings]\nexpird = \"warn\"\n")
            .2
            .starts_with("unknown field `expird`")
    );
}

#[test]
fn runtime_files_carry_targeting() {
    let states = parse_state_file(
        "[flags.a]\ndefault = true\n[flags.b]\nrules = []\n[flags.c]\n[[flags.c.variants]]\nname = \"v\"\nweight = 1\n",
    )
    .unwrap();
    assert!(!states[0].changes_targeting());
    assert_eq!(
        states[1].rules,
        Some(Vec::new()),
        "`rules = []` clears the rules"
    );
    assert_eq!(states[1].variants, None, "and keeps the variants below");
    assert_eq!(states[2].variants.as_ref().unwrap()[0].name, "v");
    assert_eq!(states[2].rules, None, "variants alone keep the rules below");
    let static_flag =
        parse_state_file("[flags.a]\nmode = \"static\"\n[[flags.a.rules]]\n").unwrap_err();
    assert!(
        static_flag.diagnostics()[0]
            .message
            .contains("only a dynamic flag")
    );
    let bad = parse_state_file("[flags.a]\n[[flags.a.rules]]\nrollout = { percent = 300 }\n")
        .unwrap_err();
    assert!(bad.diagnostics()[0].message.contains("between 0 and 100"));
    let settings = parse_state_file("[settings]\nexpired = \"error\"\n").unwrap_err();
    assert_eq!(
        settings.diagnostics()[0].message,
        "a runtime flags file cannot set `[settings]`"
    );
}

#[test]
fn a_static_flag_without_targeting_is_unchanged() {
    let manifest = Manifest::parse("[flags.a]\nrequires = [\"b\"]\n[flags.b]\n").unwrap();
    let flag = manifest.flag("a").unwrap();
    assert_eq!(flag.mode, Mode::Static);
    assert_eq!(flag.requires(), ["b"]);
    assert_eq!(flag.requirements[0].span, Range { start: 22, end: 25 });
    assert!(flag.targeting.is_empty());
}
