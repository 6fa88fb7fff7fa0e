use flag_runtime::feature_flag;

const fn limit_v1() -> u32 {
    10
}

#[feature_flag("fast_search", fallback = limit_v1)]
const fn limit() -> u32 {
    100
}

fn main() {
    limit();
}
