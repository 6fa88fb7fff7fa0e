use flag_runtime::flag_value;

// Each call site keeps its decoded values in a `static`, which cannot use the fn's type parameter: the
// type must be a concrete one (rustc's E0401). These cases build flag-runtime without its `json` feature,
// so the second error, that feature missing, shows too.
fn read<T: Send + Sync>() -> bool {
    flag_value!("layout": T).is_ok()
}

fn main() {
    let _ = read::<serde_json::Value>();
}
