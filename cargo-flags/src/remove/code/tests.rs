//! The rewrites of one file, one test per kind of use, with the refusals.

use super::*;

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
