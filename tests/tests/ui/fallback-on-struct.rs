use flag_runtime::feature_flag;

struct Classic;

#[feature_flag("new_ui", fallback = Classic)]
struct Dashboard;

fn main() {}
