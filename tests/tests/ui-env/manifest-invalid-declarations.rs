use flag_runtime::{feature_flag, flag};

#[feature_flag("new_ui")]
fn dashboard() {}

fn main() {
    dashboard();
    let _ = flag!("new_api");
}
