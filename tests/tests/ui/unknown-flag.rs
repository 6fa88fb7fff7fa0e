use flag_runtime::feature_flag;

#[feature_flag("nwe_ui")]
fn dashboard() {}

fn main() {
    dashboard();
}
