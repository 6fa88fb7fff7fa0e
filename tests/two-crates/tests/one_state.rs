//! One program, one state: `fast_search` is checked by callsites in this test crate and in the library
//! crate `flag_two_crates`; a `set`, an override or a reload made here is seen by both.

use flag_runtime::flag;

fn fast_search_here() -> bool {
    flag!("fast_search")
}

fn both() -> (bool, bool) {
    (
        fast_search_here(),
        flag_two_crates::fast_search_in_library(),
    )
}

#[test]
fn every_change_reaches_the_callsites_of_both_crates() {
    assert_eq!(both(), (false, false));
    assert_eq!(flag_two_crates::search_in_library("q"), "scan:q");

    flag_runtime::set("fast_search", true).unwrap();
    assert_eq!(both(), (true, true));
    assert_eq!(flag_two_crates::search_in_library("q"), "index:q");
    flag_runtime::reset("fast_search").unwrap();
    assert_eq!(both(), (false, false));

    {
        let _global = flag_runtime::override_global("fast_search", true).unwrap();
        assert_eq!(both(), (true, true));
    }
    {
        let _local = flag_runtime::override_local("fast_search", true).unwrap();
        assert_eq!(both(), (true, true));
    }
    assert_eq!(both(), (false, false));

    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("one-state.toml");
    std::fs::write(&file, "[flags.fast_search]\ndefault = true\n").unwrap();
    flag_runtime::load_file(&file).unwrap();
    assert_eq!(both(), (true, true));
    std::fs::write(&file, "").unwrap();
    flag_runtime::load_file(&file).unwrap();
    assert_eq!(both(), (false, false));
}
