use flag_runtime::{Context, flag_value};

fn main() {
    let _dark = flag_value!("dark_mode", &Context::new());
}
