//! Every value of every flag in this crate's `flags.toml`, chosen with `set_value` and read back with
//! `flag_value!`, without and with a context: the slot's bits (booleans, integers within `i32`) and the
//! index into the declared values (the rest) must give the same values as the manifest declares.

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
}
