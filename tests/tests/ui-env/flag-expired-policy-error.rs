use flag_runtime::{feature_flag, flag};

#[feature_flag("old_checkout")]
struct Checkout;

#[feature_flag("old_checkout")]
fn render() -> bool {
    flag!(all("new_api", "old_checkout"))
}

fn main() {
    let _ = Checkout;
    render();
}
