flag_runtime::flag_variants!();

fn main() {
    let ctx = flag_runtime::Context::new();
    let _ = flag_runtime::variant!("new_ui", &ctx);
    let _ = flag_runtime::variant!("fast_search", &ctx);
    let _ = flag_runtime::variant!("checkout_v3", &ctx);
}
