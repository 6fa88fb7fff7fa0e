//! A program whose only flag macros are static ones still knows every flag of its manifest: the crate's
//! catalog goes with the first use of any flag macro, not only with a dynamic check. This test binary uses no
//! dynamic check at all.

use flag_runtime::{feature_flag, flag};

#[feature_flag("new_api")]
fn api_version() -> u32 {
    2
}

#[test]
fn static_uses_alone_make_every_flag_known() {
    assert_eq!(api_version(), 2);
    let manifest = flag_manifest::Manifest::parse(include_str!("../../flags.toml"))
        .unwrap_or_else(|diagnostics| panic!("the workspace manifest: {diagnostics:?}"));
    let known: Vec<&str> = flag_runtime::flags().iter().map(|flag| flag.name).collect();
    for name in manifest.flag_names() {
        assert!(
            known.contains(&name),
            "`{name}` is missing from flags(): {known:?}"
        );
    }
    assert_eq!(flag_runtime::is_enabled("fast_search"), Ok(false));
    assert_eq!(flag_runtime::is_enabled("new_ui"), Ok(flag!("new_ui")));
}
