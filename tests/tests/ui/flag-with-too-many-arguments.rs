fn main() {
    let ctx = flag_runtime::Context::new();
    let _ = flag_runtime::flag!("checkout_v2", &ctx, 3);
    let _: bool = flag_runtime::flag!("checkout_v2", 42);
}
