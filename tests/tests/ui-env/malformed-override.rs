flag_runtime::flag_variants!();

use flag_runtime::{Context, feature_flag, flag, variant};
use flag_variants::CheckoutV2;

#[feature_flag("new_ui")]
fn label() -> &'static str {
    "new"
}

#[feature_flag(not("new_ui"))]
fn label() -> &'static str {
    "classic"
}

#[feature_flag("new_ui")]
fn dashboard() {}

fn main() {
    dashboard();
    let api: bool = flag!("new_api");
    let ctx = Context::new().user_id("42");
    let layout = match variant!("checkout_v2", &ctx) {
        Some(CheckoutV2::Control) => "two pages",
        Some(CheckoutV2::OnePage) => "one page",
        None => "none",
    };
    println!("{} {api} {layout}", label());
}
