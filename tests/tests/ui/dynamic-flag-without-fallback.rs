use flag_runtime::feature_flag;

#[feature_flag("fast_search")]
fn search(query: &str) -> Vec<String> {
    vec![query.to_owned()]
}

fn main() {
    search("rust");
}
