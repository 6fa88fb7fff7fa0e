//! Tests of reading and checking a manifest's own keys (names, `requires`, `expires`, profiles).

use crate::diagnostic::Location;
use crate::model::{Date, Manifest, Mode};

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

#[test]
fn parses_every_field() {
    let manifest = Manifest::parse(
        r#"
[flags.new_ui]
description = "Redesigned dashboard"
default = true
mode = "dynamic"
owner = "team-ui"
expires = 2027-03-01
requires = ["new_api"]

[flags.new_api]

[profiles.beta]
new_api = true
"#,
    )
    .unwrap();
    let flag = manifest.flag("new_ui").unwrap();
    assert_eq!(flag.description.as_deref(), Some("Redesigned dashboard"));
    assert!(flag.default);
    assert_eq!(flag.mode, Mode::Dynamic);
    assert_eq!(flag.owner.as_deref(), Some("team-ui"));
    assert_eq!(
        flag.expires,
        Some(Date {
            year: 2027,
            month: 3,
            day: 1
        })
    );
    assert_eq!(flag.requires(), ["new_api"]);
    let api = manifest.flag("new_api").unwrap();
    assert!(!api.default);
    assert_eq!(api.mode, Mode::Static);
    assert_eq!(
        manifest.profile("beta").unwrap().state("new_api"),
        Some(true)
    );
}

#[test]
fn an_empty_manifest_is_valid() {
    assert!(Manifest::parse("").unwrap().flags.is_empty());
}

#[test]
fn syntax_errors_have_a_position() {
    assert_eq!(errors("[flags.a]\ndefault = tru\n")[0].0, 2);
    let unknown = errors("[flags.a]\ndefault = true\ndefualt = true\n");
    assert_eq!(unknown[0].0, 3);
    assert!(
        unknown[0].2.starts_with("unknown field `defualt`"),
        "{}",
        unknown[0].2
    );
    assert!(errors("[flag.a]\n")[0].2.contains("unknown field `flag`"));
    assert!(
        errors("[flags.a]\nmode = \"dynamc\"\n")[0]
            .2
            .contains("dynamc")
    );
}

#[test]
fn reports_every_validation_error() {
    let found = errors(
        r#"[flags.NewUi]
[flags.b]
requires = ["zz", "b"]
[profiles.Beta]
bb = true
"#,
    );
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| m.as_str()).collect();
    assert_eq!(found.len(), 5, "{messages:#?}");
    assert_eq!((found[0].0, found[0].1), (1, 8));
    assert!(messages[0].contains("`NewUi` is not lowercase snake_case"));
    assert!(messages[1].contains("requires `zz`, which is not declared"));
    assert_eq!(messages[2], "flag `b` requires itself");
    assert!(messages[3].starts_with("profile name `Beta`"));
    assert_eq!(
        messages[4],
        "profile `Beta` sets `bb`, which is not a declared flag; did you mean `b`?"
    );
}

#[test]
fn finds_cycles() {
    let found = errors(
        "[flags.a]\nrequires = [\"b\"]\n[flags.b]\nrequires = [\"c\"]\n[flags.c]\nrequires = [\"a\"]\n",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].2, "`requires` forms a cycle: a -> b -> c -> a");
    assert_eq!(found[0].0, 6);
}

#[test]
fn expires_must_be_a_date() {
    let found = errors("[flags.a]\nexpires = 2027-03-01T10:00:00\n");
    assert!(found[0].2.contains("must be a date"), "{}", found[0].2);
    let string = errors("[flags.a]\nexpires = \"soon\"\n");
    assert_eq!((string[0].0, string[0].1), (2, 11), "{}", string[0].2);
}
