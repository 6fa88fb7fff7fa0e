//! Tests of a value flag's keys (`type`, `values`, `default`, `enabled`, a rule's `value`, variants naming
//! values), `metadata`, profiles and `FEATURE_FLAGS` choosing values, and a runtime table's values: each
//! error message, with its line and column.

use crate::diagnostic::Location;
use crate::model::Manifest;
use crate::value::{Value, ValueType};
use crate::{Built, Source, TableError, parse_flag_table, resolve};

fn errors(text: &str) -> Vec<(usize, usize, String)> {
    Manifest::parse(text)
        .unwrap_err()
        .into_iter()
        .map(|d| match d.location {
            Location::Manifest { line, column, .. } => (line, column, d.message),
            other => panic!("unexpected location {other:?}"),
        })
        .collect()
}

const PAGE_SIZE: &str = r#"
[flags.page_size]
description = "Rows per page"
mode = "dynamic"
type = "integer"
values = { small = 10, medium = 50, large = 200 }
default = "medium"
metadata = { ticket = "PAY-12", version = 2 }

[[flags.page_size.rules]]
constraints = [{ context = "plan", operator = "in", values = ["pro"] }]
value = "large"

[[flags.page_size.rules]]
rollout = { percent = 50 }

[[flags.page_size.variants]]
name = "small"
weight = 50

[[flags.page_size.variants]]
name = "large"
weight = 50

[flags.theme]
type = "object"
values = { plain = { color = "grey", sizes = [1, 2] }, bright = { color = "red" } }
default = "bright"

[profiles.big]
page_size = "large"
theme = "plain"

[profiles.literal]
page_size = 10
"#;

#[test]
fn parses_a_value_flag() {
    let manifest = Manifest::parse(PAGE_SIZE).unwrap();
    let flag = manifest.flag("page_size").unwrap();
    let values = flag.values.as_ref().unwrap();
    assert_eq!(values.value_type, ValueType::Integer);
    let names: Vec<_> = values.names().collect();
    assert_eq!(names, ["small", "medium", "large"], "declaration order");
    assert_eq!(values.values[2].value, Value::Integer(200));
    assert_eq!(values.default, Some(1));
    assert!(flag.default, "enabled when absent");
    assert_eq!(flag.targeting.rules[0].value.as_deref(), Some("large"));
    assert_eq!(flag.targeting.rules[1].value, None);
    assert_eq!(
        flag.metadata,
        [
            ("ticket".to_owned(), Value::String("PAY-12".into())),
            ("version".to_owned(), Value::Integer(2))
        ]
    );
    let theme = manifest.flag("theme").unwrap().values.as_ref().unwrap();
    assert_eq!(
        theme.values[0].value,
        Value::Object(r#"{"color":"grey","sizes":[1,2]}"#.into())
    );
    let text = crate::rules_to_toml(flag);
    assert_eq!(crate::parse_flag_rules(&text).unwrap(), flag.targeting);
}

#[test]
fn profiles_and_overrides_choose_values() {
    let manifest = Manifest::parse(PAGE_SIZE).unwrap();
    let index = manifest.flag_index("page_size").unwrap();
    let plain = resolve(&manifest, None, None).unwrap();
    assert_eq!(plain.states[index].value, Some(1));
    let big = resolve(&manifest, Some("big"), None).unwrap();
    assert_eq!(big.states[index].value, Some(2));
    assert_eq!(big.states[index].source, Source::Profile("big".into()));
    let literal = resolve(&manifest, Some("literal"), None).unwrap();
    assert_eq!(literal.states[index].value, Some(0));
    let by_name = resolve(&manifest, None, Some("page_size=small")).unwrap();
    assert_eq!(by_name.states[index].value, Some(0));
    let by_value = resolve(&manifest, None, Some("page_size=200")).unwrap();
    assert_eq!(by_value.states[index].value, Some(2));
    assert_eq!(by_value.states[index].source, Source::Override);
    let wrong = resolve(&manifest, None, Some("page_size=20")).unwrap_err();
    assert_eq!(
        wrong[0].message,
        "flag `page_size`: `20` is neither the name nor the value of one of the flag's values: small = 10, medium = 50, large = 200"
    );
    match &wrong[0].location {
        Location::Env { span, .. } => assert_eq!(*span, 10..12),
        other => panic!("{other:?}"),
    }
}

#[test]
fn type_and_values_errors() {
    assert_eq!(
        errors("[flags.a]\ntype = \"integr\"\nvalues = { x = 1 }\n"),
        [(
            2,
            8,
            "unknown type `integr`; did you mean `integer`?".into()
        )]
    );
    assert_eq!(
        errors("[flags.a]\ntype = \"integer\"\n"),
        [(1, 8, "value flag `a` declares no `values`".into())]
    );
    assert_eq!(
        errors("[flags.a]\ntype = \"integer\"\nvalues = {}\n"),
        [(3, 10, "value flag `a` declares no `values`".into())]
    );
    assert_eq!(
        errors("[flags.a]\ntype = \"integer\"\nvalues = { x = 1, y = \"2\" }\n"),
        [(
            3,
            23,
            "value `y` of flag `a` is a string, not an integer (the flag's `type`)".into()
        )]
    );
    assert_eq!(
        errors("[flags.a]\ntype = \"object\"\nvalues = { x = 1 }\n"),
        [(
            3,
            16,
            "value `x` of flag `a` is an integer, not an object (the flag's `type`)".into()
        )]
    );
    assert_eq!(
        errors("[flags.a]\ntype = \"string\"\nvalues = { Big = \"b\" }\n"),
        [(3, 12, "value name `Big` is not lowercase snake_case (a lowercase letter, then lowercase letters, digits and `_`)".into())]
    );
}

#[test]
fn default_errors() {
    assert_eq!(
        errors("[flags.a]\ntype = \"integer\"\nvalues = { small = 1 }\ndefault = \"smal\"\n"),
        [(
            4,
            11,
            "`default` names `smal`, which is not a value of flag `a`; did you mean `small`?"
                .into()
        )]
    );
    let literal =
        Manifest::parse("[flags.a]\ntype = \"integer\"\nvalues = { small = 1 }\ndefault = 1\n")
            .unwrap_err();
    let diagnostic = &literal.diagnostics()[0];
    assert_eq!(
        diagnostic.message,
        "`default` of value flag `a` is an integer: it names one of the flag's values"
    );
    assert_eq!(
        diagnostic.help.as_deref(),
        Some("name the value: `default = \"small\"`")
    );
    assert_eq!(
        errors("[flags.a]\ndefault = \"on\"\n"),
        [(
            2,
            11,
            "`default` of on/off flag `a` is a string, not true or false".into()
        )]
    );
}

#[test]
fn keys_that_need_a_type() {
    assert_eq!(
        errors("[flags.a]\nvalues = { x = 1 }\nenabled = false\n"),
        [
            (
                2,
                10,
                "flag `a` has `values`, but only a flag with a `type` carries values".into()
            ),
            (
                3,
                11,
                "flag `a` has `enabled`, but only a flag with a `type` carries values".into()
            ),
        ]
    );
    assert_eq!(
        errors("[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nvalue = \"x\"\n"),
        [(
            4,
            9,
            "flag `a` has `value`, but only a flag with a `type` carries values".into()
        )]
    );
}

#[test]
fn rules_and_variants_name_values() {
    let text = "[flags.a]\nmode = \"dynamic\"\ntype = \"string\"\nvalues = { red = \"r\", blue = \"b\" }\n\
        [[flags.a.rules]]\nvalue = \"bleu\"\n[[flags.a.variants]]\nname = \"green\"\nweight = 1\n";
    assert_eq!(
        errors(text),
        [
            (8, 8, "variant names `green`, which is not a value of flag `a`".into()),
            (6, 9, "the rule's `value` names `bleu`, which is not a value of flag `a`; did you mean `blue`?".into()),
        ]
    );
    assert_eq!(
        errors(
            "[flags.a]\ntype = \"integer\"\nvalues = { x = 1 }\n[[flags.a.rules]]\nvalue = \"x\"\n"
        ),
        [(
            4,
            1,
            "flag `a` has `rules`, but only a dynamic flag is decided per context".into()
        )]
    );
}

#[test]
fn metadata_and_profile_errors() {
    assert_eq!(
        errors("[flags.a]\nmetadata = { tags = [\"x\"] }\n"),
        [(2, 21, "metadata `tags` of flag `a` is an array, not a string, an integer, a float or a boolean".into())]
    );
    assert_eq!(
        errors("[flags.a]\ntype = \"integer\"\nvalues = { x = 1 }\n[profiles.p]\na = 2\n"),
        [(5, 5, "profile `p` sets `a`: `2` is neither the name nor the value of one of the flag's values: x = 1".into())]
    );
    assert_eq!(
        errors("[flags.a]\n[profiles.p]\na = \"on\"\n"),
        [(
            3,
            5,
            "profile `p` gives on/off flag `a` a string, not true or false".into()
        )]
    );
}

#[test]
fn a_runtime_table_chooses_declared_values() {
    let manifest = Manifest::parse(PAGE_SIZE).unwrap();
    let built = Built::from_manifest(manifest.flag("page_size").unwrap());
    let check = |table: &str| {
        let table = parse_flag_table("page_size", table).unwrap();
        built.check(&table, &table.targeting_over(&built.targeting))
    };
    assert_eq!(check("default = \"large\"\n"), Ok(true));
    assert_eq!(check("default = 10\nenabled = false\n"), Ok(true));
    assert_eq!(
        check("default = 11\n"),
        Err(TableError::Refused(
            "`default`: `11` is neither the name nor the value of one of the flag's values: small = 10, medium = 50, large = 200".into()
        ))
    );
    let Err(TableError::Refused(why)) = check("[[rules]]\nvalue = \"larg\"\n") else {
        panic!("refused");
    };
    assert!(
        why.starts_with(
            "a rule's `value`: `larg` is not one of the flag's values; did you mean `large`?"
        ),
        "{why}"
    );
    let Err(TableError::Refused(why)) = check("type = \"integer\"\nvalues = { small = 10 }\n")
    else {
        panic!("refused");
    };
    assert!(why.starts_with("`type` and `values` differ"), "{why}");
    let on_off = Manifest::parse("[flags.b]\nmode = \"dynamic\"\n").unwrap();
    let built = Built::from_manifest(on_off.flag("b").unwrap());
    let table = parse_flag_table("b", "default = \"large\"\n").unwrap();
    assert!(matches!(
        built.check(&table, &table.targeting_over(&built.targeting)),
        Err(TableError::Refused(why)) if why.contains("its `default` is true or false")
    ));
}
