use flag_runtime::feature_flag;

// The same typo on both definitions: one error each, and one `label` left, so no "defined multiple times".
#[feature_flag("nwe_ui")]
fn label() -> &'static str {
    "new"
}

#[feature_flag(not("nwe_ui"))]
fn label() -> &'static str {
    "classic"
}

fn main() {
    println!("{}", label());
}
