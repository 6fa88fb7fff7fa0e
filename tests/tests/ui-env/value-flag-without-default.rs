use flag_runtime::flag_value;

fn main() {
    let _theme: &str = flag_value!("theme");
}
