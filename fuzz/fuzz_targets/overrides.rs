//! libFuzzer target: `flag_manifest_fuzz::overrides` (see its documentation for what it checks).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    flag_manifest_fuzz::overrides(data);
});
