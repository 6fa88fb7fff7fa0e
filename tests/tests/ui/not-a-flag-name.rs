use flag_runtime::flag;

fn main() {
    let _ = flag!(1);
    let _ = flag!();
}
