use flag_runtime::flag;

fn main() {
    if flag!("fast_serch") {
        println!("fast");
    }
}
