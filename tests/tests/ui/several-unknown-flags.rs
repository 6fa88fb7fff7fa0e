use flag_runtime::feature_flag;

#[feature_flag(all("nwe_ui", not("legacy_exprt")))]
fn export() {}

fn main() {
    export();
}
