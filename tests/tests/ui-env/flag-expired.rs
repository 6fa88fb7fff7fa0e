#![deny(deprecated)]

use flag_runtime::{feature_flag, flag, flag_value};

#[feature_flag("old_checkout")]
struct Checkout;

#[feature_flag("old_checkout")]
fn render() -> bool {
    flag!(all("new_api", "old_checkout"))
}

fn main() {
    let _ = Checkout;
    render();
    let _rows: i64 = flag_value!("page_size");
}
