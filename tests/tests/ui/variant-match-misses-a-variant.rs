flag_runtime::flag_variants!();

use flag_runtime::{Context, variant};
use flag_variants::CheckoutV2;

fn main() {
    let ctx = Context::new().user_id("42");
    // `one_page` was added to flags.toml: this match no longer covers every variant.
    match variant!("checkout_v2", &ctx) {
        Some(CheckoutV2::Control) => {}
        None => {}
    }
}
