use flag_runtime::feature_flag;

#[feature_flag(new_ui)]
fn dashboard() {}

fn main() {
    dashboard();
}
