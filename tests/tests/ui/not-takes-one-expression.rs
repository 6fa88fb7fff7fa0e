use flag_runtime::flag;

fn main() {
    let _ = flag!(not("new_ui", "new_api"));
}
