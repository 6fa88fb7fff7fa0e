use flag_runtime::feature_flag;

#[feature_flag("fast_search")]
struct SearchIndex;

fn main() {}
