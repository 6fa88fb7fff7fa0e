use flag_runtime::feature_flag;

#[feature_flag(nto("new_ui"))]
fn dashboard() {}

fn main() {
    dashboard();
}
