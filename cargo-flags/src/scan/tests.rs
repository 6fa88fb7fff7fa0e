//! What the scan finds in sample files: every kind of reference, where each counts, and the malformed ones.

use super::*;

fn scan_one(text: &str) -> Scan {
    let mut scan = Scan::default();
    scan_text("src/lib.rs", text, &mut scan);
    syntax::forget_spans();
    scan
}

#[test]
fn finds_references_everywhere() {
    let text = r#"
use flag_runtime::{feature_flag, flag};

#[feature_flag("a")]
fn f() {
    #[feature_flag(not("b"))]
    fn inner() {}
    if flag!("c") {}
    println!("{}", flag!(any("d", "e")));
    assert!(flag_runtime::flag!("f"), "message");
    let v = vec![flag!("g"); 2];
}

impl S {
    #[feature_flag("h")]
    fn method(&self) {}
}

trait T {
    #[feature_flag("i")]
    fn provided() {}
}

#[cfg(any())]
mod disabled {
    #[feature_flag("j")]
    struct Hidden;
}

macro_rules! m {
    ($e:expr) => { flag!("k") && flag!($e) };
}
"#;
    let scan = scan_one(text);
    assert!(scan.malformed.is_empty(), "{:?}", scan.malformed);
    let found: Vec<String> = scan
        .references
        .iter()
        .map(|r| {
            let names: Vec<&str> = r.names.iter().map(String::as_str).collect();
            format!(
                "{}:{} {:?} {} in {}",
                r.line,
                r.column,
                r.kind,
                names.join("+"),
                r.context.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "4:1 Attribute a in fn f",
            "6:5 Attribute b in fn inner",
            "8:8 Macro c in fn f",
            "9:20 Macro d+e in fn f",
            "10:13 Macro f in fn f",
            "11:18 Macro g in fn f",
            "15:5 Attribute h in fn method",
            "20:5 Attribute i in fn provided",
            "26:5 Attribute j in struct Hidden",
            "31:20 Macro k in macro m",
        ]
    );
    assert_eq!(scan.references[0].text, r#"#[feature_flag("a")]"#);
    assert_eq!(scan.references[3].name_positions, [(9, 30), (9, 35)]);
}

/// Each reference as `line:column kind name [variant] [value] [expects error]`.
fn summary(scan: &Scan) -> Vec<String> {
    scan.references
        .iter()
        .map(|r| {
            let names: Vec<&str> = r.names.iter().map(String::as_str).collect();
            let mut line = format!("{}:{} {} {}", r.line, r.column, r.label(), names.join("+"));
            if let Some(variant) = &r.variant {
                line.push_str(&format!(
                    " variant {}@{}:{}",
                    variant.name, variant.line, variant.column
                ));
            }
            if let Some(value) = &r.value {
                line.push_str(&format!(
                    " value {}@{}:{}",
                    value.name, value.line, value.column
                ));
            }
            if r.expects_error {
                line.push_str(" expects error");
            }
            line
        })
        .collect()
}

#[test]
fn finds_variant_macros_and_string_api_calls() {
    let text = r#"use flag_runtime::{override_local, variant as pick};
use flag_runtime as fr;

fn f(ctx: &Context) {
    let v = flag_runtime::variant!("a", ctx);
    let w = pick!("b", &ctx);
    let _on = override_local("c", true).unwrap();
    flag_runtime::set("d", false)?;
    fr::reset("e").unwrap();
    assert!(::flag_runtime::is_enabled("f").unwrap());
    let _g = flag_runtime::override_global_variant("g", "one_page");
    println!("{:?}", flag_runtime::evaluate("h", ctx));
}

macro_rules! m {
    () => { flag_runtime::flag_info("i") => variant!("j", $ctx) };
}
"#;
    let scan = scan_one(text);
    assert!(scan.malformed.is_empty(), "{:?}", scan.malformed);
    assert_eq!(
        summary(&scan),
        [
            "5:13 variant! a",
            "6:13 variant! b",
            "7:15 override_local() c",
            "8:5 set() d",
            "9:5 reset() e",
            "10:13 is_enabled() f",
            "11:14 override_global_variant() g variant one_page@11:57",
            "12:22 evaluate() h",
            "16:13 flag_info() i",
            "16:45 variant! j",
        ]
    );
    let call = &scan.references[2];
    assert_eq!(call.kind, RefKind::Call);
    assert_eq!(call.function, Some("override_local"));
    assert_eq!(call.text, r#"override_local("c", true)"#);
    assert_eq!(call.name_positions, [(7, 30)]);
    assert_eq!(call.context.as_deref(), Some("fn f"));
}

#[test]
fn finds_value_macros_and_value_calls() {
    let text = r#"use flag_runtime::{flag_value as value, set_value};
use flag_runtime as fr;

const PAGE: i64 = flag_value!("a");

fn f(ctx: &Context) -> i64 {
    let b = flag_runtime::flag_value!("b", ctx);
    let c = value!("c", &ctx).abs();
    println!("{} {:?}", flag_value!("d"), fr::value_of("e"));
    set_value("f", "large").unwrap();
    assert!(flag_runtime::set_value("g", "11").is_err());
    let _small = flag_runtime::override_local_value("k", "small");
    b + c
}

macro_rules! m {
    ($ctx:expr) => { flag_value!("h", $ctx) + value!("i") => set_value("j", $v) };
}
"#;
    let scan = scan_one(text);
    assert!(scan.malformed.is_empty(), "{:?}", scan.malformed);
    assert_eq!(
        summary(&scan),
        [
            "4:19 flag_value! a",
            "7:13 flag_value! b",
            "8:13 flag_value! c",
            "9:25 flag_value! d",
            "9:43 value_of() e",
            "10:5 set_value() f value large@10:20",
            "11:13 set_value() g value 11@11:42 expects error",
            "12:18 override_local_value() k value small@12:58",
            "17:22 flag_value! h",
            "17:47 flag_value! i",
            "17:62 set_value() j",
        ]
    );
    let read = &scan.references[1];
    assert_eq!(read.kind, RefKind::Value);
    assert_eq!(read.single_flag(), Some("b"));
    assert_eq!(read.text, r#"flag_runtime::flag_value!("b", ctx)"#);
    assert_eq!(read.name_positions, [(7, 39)]);
    assert_eq!(read.context.as_deref(), Some("fn f"));
    assert_eq!(scan.references[5].function, Some("set_value"));
}

#[test]
fn malformed_value_calls() {
    let scan = scan_one("fn f() { flag_value!(any(\"a\", \"b\")); flag_value!(a, &ctx); }\n");
    assert_eq!(
        positioned(&scan.malformed),
        [
            "1:22 malformed flag_value!: `flag_value!` reads one flag: write its name in quotes, such as \
             `flag_value!(\"page_size\")`",
            "1:50 malformed flag_value!: flag names are string literals: write `\"a\"`",
        ]
    );
}

#[test]
fn string_api_names_elsewhere_are_not_references() {
    let text = r#"use std::collections::HashSet;
use flag_runtime::flag;

fn reset(name: &str) {}

mod mine {
    pub fn set(_: &str, _: bool) {}
}

fn f(cell: &Cell, set: &mut HashSet<&str>, name: &str) {
    cell.set("a");
    set.insert("b");
    reset("c");
    mine::set("d", true);
    crate::mine::set("e", true);
    flag_runtime::set(name, true).unwrap();
    flag_runtime::load_file("flags.toml");
    evaluate("f", &ctx);
    override_local("g", true);
    value_of("k");
    cache.set_value("l", "x");
    other::flag_value("m");
}

macro_rules! m {
    () => { x.set("h"); reset("i"); other::set("j"); x.value_of("n") };
}
"#;
    let scan = scan_one(text);
    assert_eq!(summary(&scan), Vec::<String>::new());
}

#[test]
fn a_glob_import_counts_unless_the_file_has_a_fn_of_that_name() {
    let text = r#"use flag_runtime::*;

fn reset(name: &str) {}

fn f() {
    set("a", true).unwrap();
    reset("b");
}
"#;
    assert_eq!(summary(&scan_one(text)), ["6:5 set() a"]);
}

#[test]
fn calls_expected_to_fail_are_marked() {
    let text = r#"fn f() {
    assert!(flag_runtime::reset("a").is_err());
    let error = flag_runtime::set("b", true).unwrap_err();
    assert_eq!(flag_runtime::set("c", true), Err(Error::UnknownFlag));
    assert_eq!(flag_runtime::is_enabled("d"), Ok(true));
    assert_ne!(Err(e), (flag_runtime::override_local("e", true)));
}
"#;
    assert_eq!(
        summary(&scan_one(text)),
        [
            "2:13 reset() a expects error",
            "3:17 set() b expects error",
            "4:16 set() c expects error",
            "5:16 is_enabled() d",
            "6:25 override_local() e expects error",
        ]
    );
}

/// `LINE:COLUMN message` of each finding.
fn positioned(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{}:{} {}", f.line, f.column, f.message))
        .collect()
}

#[test]
fn malformed_variant_calls() {
    let scan = scan_one("fn f() { variant!(\"a\"); variant!(not(\"a\"), &ctx); }\n");
    let messages = positioned(&scan.malformed);
    assert_eq!(
        messages,
        [
            "1:19 malformed variant!: expected a flag name and a context: `variant!(\"name\", &ctx)`",
            "1:34 malformed variant!: expected a flag name and a context: `variant!(\"name\", &ctx)`",
        ]
    );
}

#[test]
fn reports_malformed_expressions_and_unparsable_files() {
    let scan = scan_one("#[feature_flag(nto(\"a\"))]\nfn f() { flag!(new_ui); }\n");
    let messages = positioned(&scan.malformed);
    assert_eq!(
        messages,
        [
            "1:16 malformed #[feature_flag]: unknown operator `nto`: expected `not`, `all` or `any`; did you mean `not`?",
            "2:16 malformed flag!: flag names are string literals: write `\"new_ui\"`",
        ]
    );
    let broken = scan_one("fn f( {\n");
    assert_eq!(broken.unparsable.len(), 1);
    assert_eq!(broken.unparsable[0].line, 1);
}
