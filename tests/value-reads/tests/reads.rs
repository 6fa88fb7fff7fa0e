//! Every value of every flag in this crate's `flags.toml`, chosen with `set_value` and read back with
//! `flag_value!`, without and with a context: the slot's bits (booleans, integers within `i32`) and the
//! index into the declared values (the rest) must give the same values as the manifest declares; and an
//! object flag read as a Rust type (`flag_value!("layout": Layout)`, the `json` feature).

use flag_runtime::{Context, flag_value, reset, set_value};

#[test]
fn every_value_reads_back_as_declared() {
    let ctx = Context::new().user_id("u1");

    assert!(!flag_value!("compact"));
    set_value("compact", "tight").unwrap();
    assert!(flag_value!("compact"));
    assert!(flag_value!("compact", &ctx));
    set_value("compact", "false").unwrap();
    assert!(!flag_value!("compact"));

    assert_eq!(flag_value!("offset"), -1);
    for (name, value) in [
        ("lowest", i64::from(i32::MIN)),
        ("zero", 0),
        ("highest", i64::from(i32::MAX)),
        ("minus_one", -1),
    ] {
        set_value("offset", name).unwrap();
        assert_eq!(flag_value!("offset"), value, "offset = {name}");
        assert_eq!(
            flag_value!("offset", &ctx),
            value,
            "offset = {name}, with a context"
        );
    }

    assert_eq!(flag_value!("quota"), 5);
    for (name, value) in [("huge", i64::MAX), ("negative", i64::MIN), ("small", 5)] {
        set_value("quota", name).unwrap();
        assert_eq!(flag_value!("quota"), value, "quota = {name}");
        assert_eq!(
            flag_value!("quota", &ctx),
            value,
            "quota = {name}, with a context"
        );
    }

    assert_eq!(flag_value!("ratio"), 0.5);
    for (name, value) in [("tenth", 0.1), ("negative", -2.5)] {
        set_value("ratio", name).unwrap();
        assert_eq!(flag_value!("ratio"), value, "ratio = {name}");
    }

    assert_eq!(flag_value!("greeting"), "hello");
    set_value("greeting", "quoted").unwrap();
    assert_eq!(flag_value!("greeting"), "say \"hi\"\n");

    assert_eq!(flag_value!("layout"), r#"{"columns":1}"#);
    set_value("layout", "wide").unwrap();
    assert_eq!(flag_value!("layout", &ctx), r#"{"columns":3,"gutter":0.5}"#);

    for name in ["compact", "offset", "quota", "ratio", "greeting", "layout"] {
        reset(name).unwrap();
    }
    assert!(!flag_value!("compact"));
    assert_eq!(flag_value!("offset"), -1);
    assert_eq!(flag_value!("quota"), 5);
    assert_eq!(flag_value!("layout"), r#"{"columns":1}"#);
    object_values_read_as_rust_types();
}

/// `layout`'s values, as the program reads them.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Layout {
    columns: u8,
    #[serde(default)]
    gutter: f64,
}

/// A type `layout`'s values do not fit.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)] // read only by serde
struct Strict {
    rows: u8,
}

/// Called by the test above once every flag is back to its default (the tests of one binary share the flags).
fn object_values_read_as_rust_types() {
    let ctx = Context::new().user_id("u2");
    let narrow: &'static Layout = flag_value!("layout": Layout).unwrap();
    assert_eq!(
        narrow,
        &Layout {
            columns: 1,
            gutter: 0.0
        }
    );
    // Decoded once per value and call site: the same reference again.
    let again = (0..2).map(|_| flag_value!("layout": Layout).unwrap() as *const Layout);
    let again: Vec<_> = again.collect();
    assert_eq!(again[0], again[1]);

    let json = flag_value!("layout": serde_json::Value, &ctx).unwrap();
    assert_eq!(json["columns"], 1);

    let error = flag_value!("layout": Strict).unwrap_err();
    let flag_runtime::Error::ObjectType {
        flag,
        value,
        type_name,
        message,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((flag.as_str(), value.as_str()), ("layout", "narrow"));
    assert!(type_name.ends_with("Strict"), "{type_name}");
    assert!(message.starts_with("missing field `rows`"), "{message}");
    assert!(
        error
            .to_string()
            .starts_with("flag `layout`: value `narrow` does not decode as `")
    );

    set_value("layout", "wide").unwrap();
    let wide = flag_value!("layout": Layout, &ctx).unwrap();
    assert_eq!(
        wide,
        &Layout {
            columns: 3,
            gutter: 0.5
        }
    );
    reset("layout").unwrap();
}
