use flag_runtime::flag;

fn main() {
    let _ = flag!("new_api");
}
