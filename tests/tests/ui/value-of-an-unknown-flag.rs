use flag_runtime::flag_value;

fn main() {
    let _rows: i64 = flag_value!("page_sise");
}
