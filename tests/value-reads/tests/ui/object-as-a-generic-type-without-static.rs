use flag_runtime::flag_value;

// A type parameter read from an object flag must be `'static`: the call site's cache keeps its
// decodings for the rest of the program, as `dyn Any`.
fn read<T: serde::de::DeserializeOwned + Send + Sync>() -> bool {
    flag_value!("layout": T).is_ok()
}

fn main() {
    let _ = read::<serde_json::Value>();
}
