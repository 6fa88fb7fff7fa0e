use flag_runtime::flag_value;

fn main() {
    // flag-runtime without its `json` feature: the JSON text only.
    let _layout = flag_value!("layout": serde_json::Value);
}
