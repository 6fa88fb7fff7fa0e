//! The rewrites of one file, one test per kind of use, with the refusals.

use super::*;
use crate::remove::kept::{Kept, KeptValue};

fn run(text: &str, on: bool) -> String {
    let out = rewrite(text, "x", on, false).unwrap_or_else(|e| panic!("{e:?}"));
    syntax::forget_spans();
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
    out.text
}

#[test]
fn keeps_or_deletes_gated_items() {
    let text = "// Top.\n\n#[feature_flag(\"x\")]\nfn new() {}\n\n// Old one.\n#[feature_flag(not(\"x\"))]\nfn old() {}\n\nfn other() {}\n";
    assert_eq!(run(text, true), "// Top.\n\nfn new() {}\n\nfn other() {}\n");
    assert_eq!(
        run(text, false),
        "// Top.\n\n// Old one.\nfn old() {}\n\nfn other() {}\n"
    );
}

#[test]
fn simplifies_expressions() {
    let text = "#[feature_flag(all(\"x\", \"y\"))]\nfn a() {}\n#[feature_flag(any(\"x\", \"y\"))]\nfn b() {}\n";
    assert_eq!(
        run(text, true),
        "#[feature_flag(\"y\")]\nfn a() {}\nfn b() {}\n"
    );
    assert_eq!(run(text, false), "#[feature_flag(\"y\")]\nfn b() {}\n");
}

#[test]
fn replaces_flag_calls_and_folds_ifs() {
    let text = r#"fn f() {
    if flag!("x") {
        // New.
        new();
    } else {
        old();
    }
    let label = if flag!("x") { "new" } else { "old" };
    if !flag!("x") {
        warn();
    }
    if verbose && flag!("x") {
        log();
    }
    println!("{}", flag!(any("x", "y")));
    done();
}
"#;
    assert_eq!(
        run(text, true),
        r#"fn f() {
    // New.
    new();
    let label = "new";
    if verbose {
        log();
    }
    println!("{}", true);
    done();
}
"#
    );
    assert_eq!(
        run(text, false),
        r#"fn f() {
    old();
    let label = "old";
    warn();
    println!("{}", flag!("y"));
    done();
}
"#
    );
}

#[test]
fn else_if_chains() {
    let text = "fn f() {\n    if a() {\n        1;\n    } else if flag!(\"x\") {\n        2;\n    } else {\n        3;\n    }\n}\n";
    assert_eq!(
        run(text, true),
        "fn f() {\n    if a() {\n        1;\n    } else {\n        2;\n    }\n}\n"
    );
    assert_eq!(
        run(text, false),
        "fn f() {\n    if a() {\n        1;\n    } else {\n        3;\n    }\n}\n"
    );
    let no_else =
        "fn f() {\n    if a() {\n        1;\n    } else if flag!(\"x\") {\n        2;\n    }\n}\n";
    assert_eq!(
        run(no_else, false),
        "fn f() {\n    if a() {\n        1;\n    }\n}\n"
    );
    let first = "fn f() -> u8 {\n    if flag!(\"x\") {\n        1\n    } else if a() {\n        2\n    } else {\n        3\n    }\n}\n";
    assert_eq!(
        run(first, false),
        "fn f() -> u8 {\n    if a() {\n        2\n    } else {\n        3\n    }\n}\n"
    );
    assert_eq!(run(first, true), "fn f() -> u8 {\n    1\n}\n");
}

#[test]
fn keeps_braces_when_scoping_matters_and_adds_semicolons() {
    let text = "fn f() {\n    if flag!(\"x\") {\n        let guard = lock();\n        work(guard);\n    }\n    if flag!(\"x\") { a() } else { b() }\n    c();\n}\n";
    assert_eq!(
        run(text, true),
        "fn f() {\n    {\n        let guard = lock();\n        work(guard);\n    }\n    a();\n    c();\n}\n"
    );
}

#[test]
fn fallbacks() {
    let text = "#[feature_flag(\"x\", fallback = old)]\nasync fn new(&self, n: u8) -> u8 {\n    n + 1\n}\n";
    let on = rewrite(text, "x", true, false).unwrap();
    syntax::forget_spans();
    assert_eq!(
        on.text,
        "async fn new(&self, n: u8) -> u8 {\n    n + 1\n}\n"
    );
    assert_eq!(on.dropped_fallbacks, [("old".to_owned(), "old".to_owned())]);
    assert_eq!(
        run(text, false),
        "async fn new(&self, n: u8) -> u8 {\n    old(self, n).await\n}\n"
    );
    let patterns = "#[feature_flag(\"x\", fallback = old)]\nfn new((a, b): (u8, u8), _: u8, mut c: u8) -> u8 { a }\n";
    assert_eq!(
        run(patterns, false),
        "fn new(arg0: (u8, u8), arg1: u8, c: u8) -> u8 {\n    old(arg0, arg1, c)\n}\n"
    );
}

#[test]
fn flag_calls_with_a_context() {
    let text = "fn f(ctx: &Context) -> bool {\n    flag!(all(\"x\", \"y\"), ctx) || flag!(\"x\", &ctx)\n}\n";
    assert_eq!(
        run(text, false),
        "fn f(ctx: &Context) -> bool {\n    false\n}\n"
    );
    assert_eq!(
        run(text, true),
        "fn f(ctx: &Context) -> bool {\n    true\n}\n"
    );
    let kept = "fn f(ctx: &Context) -> bool {\n    flag!(all(\"x\", \"y\"), ctx)\n}\n";
    assert_eq!(
        run(kept, true),
        "fn f(ctx: &Context) -> bool {\n    flag!(\"y\", ctx)\n}\n"
    );
}

#[test]
fn dynamic_unit_fns_stay_empty() {
    let text = "impl S {\n    #[feature_flag(all(\"x\", \"y\"))]\n    fn warm(&mut self, n: &mut u32) {\n        *n += 1;\n    }\n}\n";
    let out = rewrite(text, "x", false, true).unwrap();
    syntax::forget_spans();
    assert_eq!(
        out.text,
        "impl S {\n    fn warm(&mut self, _: &mut u32) {}\n}\n"
    );
    assert_eq!(run(text, false), "impl S {\n}\n");
}

fn refusals(text: &str, on: bool) -> Vec<String> {
    let out = rewrite(text, "x", on, true).unwrap_or_else(|e| panic!("{e:?}"));
    syntax::forget_spans();
    out.refusals
        .iter()
        .map(|(offset, message)| {
            let (line, column) = text::line_column(text, *offset);
            format!("{line}:{column} {message}")
        })
        .collect()
}

#[test]
fn string_api_statements_of_the_kept_state_go() {
    let text = r#"use flag_runtime::{override_global, reset};

fn f() -> Result<(), Error> {
    // Forced on for the test.
    let _on = override_global("x", true)?;
    let _: flag_runtime::LocalOverride = flag_runtime::override_local("x", true).expect("declared");
    flag_runtime::set("x", true).unwrap();
    if flag_runtime::is_enabled("x").unwrap() {
        work();
    }
    reset("x")?;
    cell.set("x");
    flag_runtime::set("y", false)?;
    Ok(())
}
"#;
    assert_eq!(
        run(text, true),
        r#"use flag_runtime::{override_global, reset};

fn f() -> Result<(), Error> {
    work();
    cell.set("x");
    flag_runtime::set("y", false)?;
    Ok(())
}
"#
    );
}

#[test]
fn other_string_api_calls_are_refused() {
    let text = r#"fn f(on: bool) {
    let _off = flag_runtime::override_local("x", false).unwrap();
    let guard = flag_runtime::override_global("x", true).unwrap();
    drop(guard);
    let _ = flag_runtime::set("x", on);
    assert_eq!(flag_runtime::is_enabled("x"), Ok(true));
    let _v = flag_runtime::evaluate("x", &ctx);
    let _w = flag_runtime::override_local_variant("x", "a");
    let (a, b) = (flag_runtime::reset("x"), 1);
}
"#;
    let found: Vec<String> = refusals(text, true)
        .iter()
        .map(|refusal| refusal.split(':').take(2).collect::<Vec<_>>().join(":"))
        .collect();
    assert_eq!(
        found,
        [
            "2:16 `flag_runtime",
            "3:17 `flag_runtime",
            "5:13 `flag_runtime",
            "6:16 `flag_runtime",
            "7:14 `flag_runtime",
            "8:14 `flag_runtime",
            "9:19 `flag_runtime",
        ]
    );
    let all = refusals(text, true);
    assert!(
        all[0].contains("forces `x` off, but its code stays on for good"),
        "{}",
        all[0]
    );
    assert!(
        all[1].contains("here the block uses `guard` after it"),
        "{}",
        all[1]
    );
    assert!(
        all[2].contains("here the state it sets is not written as `true` or `false` (`on`)"),
        "{}",
        all[2]
    );
    assert!(all[3].contains("`x` will always be on"), "{}", all[3]);
    assert!(all[4].contains("reads `x` at run time"), "{}", all[4]);
    assert!(all[5].contains("forces a variant of `x`"), "{}", all[5]);
}

#[test]
fn variant_calls_and_calls_in_macro_tokens_are_refused() {
    let text = "fn f() {\n    let v = variant!(\"x\", &ctx);\n    let w = variant!(\"y\", &ctx);\n}\n\
                    macro_rules! m {\n    () => { flag_runtime::set(\"x\", true) => $a };\n}\n";
    let found = refusals(text, true);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("2:13 `variant!(\"x\", &ctx)` reads a variant of `x`"),
        "{}",
        found[0]
    );
    assert!(
            found[1].starts_with(
                "6:13 `flag_runtime::set(\"x\", true)` names `x` through the string API: It stands in the tokens"
            ),
            "{}",
            found[1]
        );
}

#[test]
fn opaque_macro_tokens() {
    let text =
        "macro_rules! m {\n    () => {\n        if flag!(\"x\") { 1 } else { 2 }\n    };\n}\n";
    assert_eq!(
        run(text, true),
        "macro_rules! m {\n    () => {\n        if true { 1 } else { 2 }\n    };\n}\n"
    );
    let gated = "macro_rules! m {\n    () => {\n        #[feature_flag(\"x\")]\n        fn f() {}\n    };\n}\n";
    let refused = rewrite(gated, "x", false, false).unwrap();
    syntax::forget_spans();
    assert_eq!(refused.refusals.len(), 1);
    assert_eq!(
        run(gated, true),
        "macro_rules! m {\n    () => {\n        fn f() {}\n    };\n}\n"
    );
}

fn kept(value: flag_manifest::Value) -> Kept {
    Kept::Value(KeptValue {
        name: "chosen".to_owned(),
        value_type: match value {
            flag_manifest::Value::Bool(_) => flag_manifest::ValueType::Boolean,
            flag_manifest::Value::String(_) => flag_manifest::ValueType::String,
            flag_manifest::Value::Integer(_) => flag_manifest::ValueType::Integer,
            flag_manifest::Value::Float(_) => flag_manifest::ValueType::Float,
            flag_manifest::Value::Object(_) => flag_manifest::ValueType::Object,
        },
        literal: crate::remove::kept::rust_literal(&value),
        value,
    })
}

fn run_value(text: &str, value: flag_manifest::Value) -> FileRewrite {
    let out = rewrite_kept(text, "x", &kept(value), false, &RuntimeCrates::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    syntax::forget_spans();
    out
}

#[test]
fn value_calls_become_literals() {
    let text = r#"use flag_runtime::flag_value as fv;

const PAGE: i64 = flag_value!("x");

fn f(ctx: &Context) -> i64 {
    let a = flag_runtime::flag_value!("x", ctx);
    let b = flag_value!("x", &ctx).abs() + -fv!("x");
    let c = flag_value!("y");
    println!("{} {}", flag_value!("x"), flag_value!("x")?);
    a + b + c
}

macro_rules! page {
    ($ctx:expr) => { flag_runtime::flag_value!("x", $ctx).pow(2) };
}
"#;
    let out = run_value(text, flag_manifest::Value::Integer(-5));
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
    assert_eq!(
        out.text,
        r#"use flag_runtime::flag_value as fv;

const PAGE: i64 = -5_i64;

fn f(ctx: &Context) -> i64 {
    let a = -5_i64;
    let b = (-5_i64).abs() + -(-5_i64);
    let c = flag_value!("y");
    println!("{} {}", -5_i64, (-5_i64)?);
    a + b + c
}

macro_rules! page {
    ($ctx:expr) => { (-5_i64).pow(2) };
}
"#
    );
    assert_eq!(out.changes.len(), 7, "{:?}", out.changes);
    assert_eq!(
        out.changes[1].1,
        "`flag_runtime::flag_value!(\"x\", ctx)` -> `-5_i64`"
    );

    let strings = "fn f() -> &'static str {\n    flag_value!(\"x\").trim()\n}\n";
    assert_eq!(
        run_value(strings, flag_manifest::Value::String("a \"b\"\n".into())).text,
        "fn f() -> &'static str {\n    \"a \\\"b\\\"\\n\".trim()\n}\n"
    );
    let object = "const THEME: &str = flag_value!(\"x\");\n";
    assert_eq!(
        run_value(
            object,
            flag_manifest::Value::Object("{\"bg\":\"#000\"}".into())
        )
        .text,
        "const THEME: &str = r##\"{\"bg\":\"#000\"}\"##;\n"
    );
    let typed = "fn f() -> Theme {\n    flag_value!(\"x\": Theme).unwrap().clone()\n}\n";
    let out = run_value(typed, flag_manifest::Value::Object("{}".into()));
    assert_eq!(out.text, typed, "left as it is");
    assert_eq!(out.refusals.len(), 1, "{:?}", out.refusals);
    assert!(
        out.refusals[0]
            .1
            .contains("decodes the value as a Rust type"),
        "{:?}",
        out.refusals
    );
    let float = "fn f() -> f64 {\n    flag_value!(\"x\") * 2.0\n}\n";
    assert_eq!(
        run_value(float, flag_manifest::Value::Float(0.25)).text,
        "fn f() -> f64 {\n    0.25_f64 * 2.0\n}\n"
    );
}

#[test]
fn a_boolean_value_flag_folds_like_an_on_off_flag() {
    let text = r#"#[feature_flag("x")]
fn new() {}

#[feature_flag(not("x"))]
fn old() {}

fn f(ctx: &Context) {
    if flag_value!("x", ctx) {
        new();
    } else {
        old();
    }
    let on = !flag_value!("x");
    let also = flag!(any("x", "y"));
}
"#;
    let out = run_value(text, flag_manifest::Value::Bool(false));
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
    assert_eq!(
        out.text,
        "fn old() {}\n\nfn f(ctx: &Context) {\n    old();\n    let on = true;\n    let also = flag!(\"y\");\n}\n"
    );
}

#[test]
fn value_flags_refuse_what_cannot_be_inlined() {
    let text = r#"fn f(ctx: &Context) {
    if flag!("x") {}
    let v = variant!("x", ctx);
    flag_runtime::set_value("x", "large").unwrap();
    let _ = flag_runtime::value_of("x");
    let _ = flag_runtime::evaluate("x", ctx);
    flag_runtime::reset("x").unwrap();
    let w = flag_value!(any("x", "y"));
}
"#;
    let out = run_value(text, flag_manifest::Value::Integer(50));
    let found: Vec<String> = out
        .refusals
        .iter()
        .map(|(offset, message)| {
            let (line, column) = text::line_column(text, *offset);
            format!("{line}:{column} {message}")
        })
        .collect();
    assert_eq!(found.len(), 7, "{found:#?}");
    for (refusal, expected) in found.iter().zip([
        "2:8 `flag!(\"x\")` reads `x` as on or off, but `x` is an integer value flag",
        "3:13 `variant!(\"x\", ctx)` reads `x` as a flag with variants, but `x` is a value flag",
        "4:5 `flag_runtime::set_value(\"x\", \"large\")` names `x` at run time",
        "5:13 `flag_runtime::value_of(\"x\")` names `x` at run time",
        "6:13 `flag_runtime::evaluate(\"x\", ctx)` names `x` through the string API: `x` is a value flag",
        "7:5 `flag_runtime::reset(\"x\")` names `x` through the string API: `x` is a value flag",
        "8:13 cannot read `flag_value!(any(\"x\", \"y\"))`",
    ]) {
        assert!(refusal.starts_with(expected), "{refusal}\n{expected}");
    }
    // A bare `value_of` or `set_value` is the runtime's only where the file imports it from there (here
    // under another name), as for the scan; a file's own `value_of` is left alone.
    let imported = "use flag_runtime::value_of as read;\n\
                    fn f() -> i64 {\n    set_value(\"x\", \"large\");\n    value_of(\"x\") + read(\"x\")\n}\n";
    let out = run_value(imported, flag_manifest::Value::Integer(50));
    assert_eq!(out.text, imported);
    let found: Vec<(usize, usize)> = out
        .refusals
        .iter()
        .map(|(offset, _)| text::line_column(imported, *offset))
        .collect();
    assert_eq!(found, [(4, 21)], "{:?}", out.refusals);
    assert!(
        out.refusals[0]
            .1
            .starts_with("`read(\"x\")` names `x` at run time"),
        "{:?}",
        out.refusals
    );
    // An on/off flag read with `flag_value!` (a compile error) is refused too.
    let out = rewrite("const A: i64 = flag_value!(\"x\");\n", "x", true, false).unwrap();
    syntax::forget_spans();
    assert!(
        out.refusals[0].1.contains("but `x` is on or off"),
        "{:?}",
        out.refusals
    );
}

#[test]
fn value_uses_in_macro_tokens() {
    let text = r#"use flag_runtime::value_of;

macro_rules! admin {
    ($ctx:expr) => {
        flag_runtime::set_value("x", "large").unwrap();
        let rows = value_of("x")? + flag_value!("x", $ctx);
        let theme = flag_value!("x": Theme, $ctx);
        let other = flag_value!("y", &with(flag_value!("x")));
        let on = flag!("y", &with(flag_value!("x"))) && variant!("z", &with(flag_value!("x"))).is_some();
    };
}

fn f() -> i64 {
    flag_value!("y", &with(flag_value!("x")))
}
"#;
    let out = run_value(text, flag_manifest::Value::Integer(-5));
    let found: Vec<String> = out
        .refusals
        .iter()
        .map(|(offset, message)| {
            let (line, column) = text::line_column(text, *offset);
            format!("{line}:{column} {message}")
        })
        .collect();
    assert_eq!(
        found,
        [
            "5:9 `flag_runtime::set_value(\"x\", \"large\")` names `x` at run time (in the tokens of a macro call \
             that cannot be read as Rust code), and `x` will not exist any more: rewrite this code by hand for `x` \
             always `chosen` (-5_i64) (delete a `set_value` of it, use the value for a `value_of`), then rerun",
            "6:20 `value_of(\"x\")` names `x` at run time (in the tokens of a macro call that cannot be read as \
             Rust code), and `x` will not exist any more: rewrite this code by hand for `x` always `chosen` \
             (-5_i64) (delete a `set_value` of it, use the value for a `value_of`), then rerun",
            "7:21 cannot read `flag_value!(\"x\": Theme, $ctx)`, which stands in the tokens of a macro call that \
             cannot be read as Rust code: rewrite it by hand for `x` always `chosen` (-5_i64), then rerun",
        ]
    );
    // What can be rewritten is, even next to a refusal (nothing is written then): the calls of `flag_value!`
    // of `x` in the tokens, and one in the context of another flag's value, in code and in tokens.
    assert_eq!(
        out.text,
        text.replace(
            "value_of(\"x\")? + flag_value!(\"x\", $ctx)",
            "value_of(\"x\")? + (-5_i64)"
        )
        .replace("&with(flag_value!(\"x\")));", "&with((-5_i64)));")
        .replace("&with(flag_value!(\"x\"))) &&", "&with((-5_i64))) &&")
        .replace(
            "&with(flag_value!(\"x\"))).is_some()",
            "&with((-5_i64))).is_some()"
        )
        .replace("&with(flag_value!(\"x\")))\n}", "&with(-5_i64))\n}")
    );

    // Without the import, a bare `value_of` in tokens is not the runtime's.
    let bare = "macro_rules! m {\n    () => { value_of(\"x\") + 1 };\n}\n";
    let out = run_value(bare, flag_manifest::Value::Integer(1));
    assert!(out.refusals.is_empty(), "{:?}", out.refusals);
    assert_eq!(out.text, bare);
}

#[test]
fn a_value_read_in_the_context_of_another_flag() {
    let text = r#"fn f(ctx: &Context) -> bool {
    let v = variant!("y", &ctx.with(flag_value!("x")));
    if verbose() && flag!("y", &ctx.with(flag_value!("x"))) {
        log();
    }
    flag!(any("x", "y"), &ctx.with(flag_value!("x")))
}
"#;
    let out = run_value(text, flag_manifest::Value::Integer(3));
    assert_eq!(
        out.text,
        text.replace("flag_value!(\"x\")))", "3_i64))")
            .replace("flag_value!(\"x\"))) {", "3_i64)) {"),
        "{:?}",
        out.refusals
    );
    // The last `flag!` is refused as a whole: an integer flag is no condition.
    assert_eq!(out.refusals.len(), 1, "{:?}", out.refusals);
    assert_eq!(text::line_column(text, out.refusals[0].0), (6, 5));

    let boolean = "fn f(ctx: &Context) -> bool {\n    flag!(all(\"x\", \"y\"), &ctx.with(flag_value!(\"x\")))\n}\n";
    let out = run_value(boolean, flag_manifest::Value::Bool(true));
    assert_eq!(out.refusals.len(), 1, "{:?}", out.refusals);
    assert!(
        out.refusals[0].1.ends_with(
            "reads `x` in its flag expression and in its context, and cargo flags rewrites only the expression: \
             rewrite the context by hand, then rerun"
        ),
        "{:?}",
        out.refusals
    );
}
