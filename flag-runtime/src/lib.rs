//! Placeholder, replaced below.
pub use flag_macros::{feature_flag, flag};

#[doc(hidden)]
pub mod __private {
    pub struct BuildManifest {
        pub path: &'static str,
        pub source: &'static str,
        pub profile: Option<&'static str>,
        pub overrides: Option<&'static str>,
    }
    pub struct Callsite {
        default: bool,
    }
    impl Callsite {
        pub const fn new(_m: &'static BuildManifest, _name: &'static str, default: bool) -> Self {
            Callsite { default }
        }
        pub fn is_enabled(&'static self) -> bool {
            self.default
        }
    }
}
