flag_runtime::flag_variants!(checkout_v2);

fn main() {
    let ctx = flag_runtime::Context::new();
    let _ = flag_runtime::variant!("checkout_v2");
    let _ = flag_runtime::variant!(not("checkout_v2"), &ctx);
}
