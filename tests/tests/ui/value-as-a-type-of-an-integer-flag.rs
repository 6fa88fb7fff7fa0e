use flag_runtime::flag_value;

fn main() {
    let _rows = flag_value!("page_size": i64);
}
