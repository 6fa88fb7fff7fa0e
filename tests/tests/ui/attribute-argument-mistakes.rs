use flag_runtime::feature_flag;

fn v1() {}

#[feature_flag("new_ui", fallback v1)]
fn missing_equals() {}

#[feature_flag("new_ui", fallback = 3)]
fn not_a_path() {}

#[feature_flag("")]
fn empty_name() {}

fn main() {
    missing_equals();
    not_a_path();
    empty_name();
    v1();
}
