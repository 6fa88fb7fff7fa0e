//! What the token search and the call readers find in sample code.

use super::*;

/// What `token_hits` finds in the tokens of the macro that is item `item` of `text`.
fn hits_in_macro(text: &str, item: usize) -> Vec<TokenHit> {
    let parsed = parse_file(text).unwrap();
    let syn::Item::Macro(item) = &parsed.ast.items[item] else {
        panic!("not a macro");
    };
    let names = FileNames::of(&parsed.ast, &names::RuntimeCrates::default());
    token_hits(item.mac.tokens.clone(), &parsed.index, &names)
}

/// Each hit as the text it covers, with its kind.
fn as_text<'a>(text: &'a str, hits: &[TokenHit]) -> Vec<(&'a str, HitKind)> {
    hits.iter()
        .map(|hit| (&text[hit.range.clone()], hit.kind))
        .collect()
}

#[test]
fn finds_hits_in_opaque_tokens() {
    let text = "macro_rules! m { () => { if ::flag_runtime::flag!(\"a\") { #[feature_flag(\"b\")] fn f() {} } $crate::flag!(\"c\") } }";
    assert_eq!(
        as_text(text, &hits_in_macro(text, 0)),
        [
            (
                "::flag_runtime::flag!(\"a\")",
                HitKind::Macro(MacroKind::Flag)
            ),
            ("#[feature_flag(\"b\")]", HitKind::Attribute),
            ("$crate::flag!(\"c\")", HitKind::Macro(MacroKind::Flag)),
        ]
    );
}

#[test]
fn finds_variants_and_string_api_calls_in_opaque_tokens() {
    let text = "use flag_runtime::override_local as force;\nmacro_rules! m { ($c:expr) => { variant!(\"a\", $c); flag_runtime::set(\"b\", true); force(\"c\", true); x.set(\"d\"); other::reset(\"e\"); flag_runtime::set(name, true); } }";
    let hits = hits_in_macro(text, 1);
    assert_eq!(
        as_text(text, &hits),
        [
            ("variant!(\"a\", $c)", HitKind::Macro(MacroKind::Variant)),
            ("flag_runtime::set(\"b\", true)", HitKind::Call("set")),
            ("force(\"c\", true)", HitKind::Call("override_local")),
            ("flag_runtime::set(name, true)", HitKind::Call("set")),
        ]
    );
    let name =
        |args: &TokenStream| api_call_tokens("set", args.clone()).map(|call| call.name.value());
    assert_eq!(name(&hits[1].args).as_deref(), Some("b"));
    assert_eq!(name(&hits[3].args), None, "a name computed at run time");
    let variant = api_call_tokens(
        "override_local_variant",
        "\"x\", \"one_page\"".parse().unwrap(),
    )
    .and_then(|call| call.variant)
    .map(|literal| literal.value());
    assert_eq!(variant.as_deref(), Some("one_page"));
}

#[test]
fn value_reads_are_found_only_by_readers_of_every_name() {
    let text = "use flag_runtime::value_of;\nmacro_rules! m { ($c:expr) => { flag_value!(\"a\", $c); value_of(\"b\"); flag_runtime::set_value(\"c\", \"large\"); flag!(\"d\"); } }";
    let parsed = parse_file(text).unwrap();
    let syn::Item::Macro(item) = &parsed.ast.items[1] else {
        panic!("not a macro");
    };
    let names = FileNames::of(&parsed.ast, &names::RuntimeCrates::default());
    let hits = |reads| token_hits_for(item.mac.tokens.clone(), &parsed.index, &names, reads);
    assert_eq!(
        as_text(text, &hits(Reads::All)),
        [
            ("flag_value!(\"a\", $c)", HitKind::Macro(MacroKind::Value)),
            ("value_of(\"b\")", HitKind::Call("value_of")),
            (
                "flag_runtime::set_value(\"c\", \"large\")",
                HitKind::Call("set_value")
            ),
            ("flag!(\"d\")", HitKind::Macro(MacroKind::Flag)),
        ]
    );
    assert_eq!(
        as_text(text, &hits(Reads::States)),
        [("flag!(\"d\")", HitKind::Macro(MacroKind::Flag))]
    );
    assert_eq!(
        value_call("\"a\", &ctx".parse().unwrap())
            .map(|literal| literal.value())
            .ok()
            .as_deref(),
        Some("a")
    );
    assert_eq!(
        value_call("\"layout\": Layout, &ctx".parse().unwrap())
            .map(|literal| literal.value())
            .ok()
            .as_deref(),
        Some("layout"),
        "an object flag read as a type"
    );
    assert!(value_call("not(\"a\")".parse().unwrap()).is_err());
}

#[test]
fn reads_macro_bodies_as_code_when_they_are() {
    let body = |text: &str| {
        let mac: Macro = syn::parse_str(text).unwrap();
        match macro_body(&mac) {
            MacroBody::Exprs(exprs) => format!("exprs {}", exprs.len()),
            MacroBody::Stmts(stmts) => format!("stmts {}", stmts.len()),
            MacroBody::Opaque(_) => "opaque".to_owned(),
        }
    };
    assert_eq!(body(r#"println!("{}", flag!("a"))"#), "exprs 2");
    assert_eq!(body("vec![flag!(\"a\"); 3]"), "exprs 2");
    assert_eq!(body("m! { let x = 1; fn f() {} }"), "stmts 2");
    assert_eq!(body("m!(a => b)"), "opaque");
}

#[test]
fn flag_calls_may_name_a_context() {
    let name = |text: &str| match flag_call(text.parse().unwrap()) {
        Ok(SynExpr::Flag(literal)) => literal.value(),
        Ok(_) => "operator".to_owned(),
        Err(error) => error.to_string(),
    };
    assert_eq!(name(r#""a""#), "a");
    assert_eq!(name(r#""a", &ctx"#), "a");
    assert_eq!(name(r#"all("a", "b"), &request.context(),"#), "operator");
    assert!(
        name(r#""a", &ctx, 3"#).starts_with("expected at most a flag expression and a context")
    );
}

#[test]
fn parse_failures_have_a_position() {
    let failure = parse_file("fn main() {\n    let x = ;\n}\n").err().unwrap();
    assert_eq!((failure.line, failure.column), (2, 13));
    let with_bom = parse_file("\u{feff}fn f() {}").unwrap();
    let range = range_of(&with_bom.ast.items[0], &with_bom.index);
    assert_eq!(range, 3..12);
}
