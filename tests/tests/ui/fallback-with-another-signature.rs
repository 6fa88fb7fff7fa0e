use flag_runtime::feature_flag;

// Another number of arguments.
fn render_v1(user: &str) -> String {
    user.to_owned()
}

#[feature_flag("new_ui", fallback = render_v1)]
fn render(user: &str, count: usize) -> String {
    format!("{user} {count}")
}

// Another argument type.
fn fraud_score_v1(total: u64) -> u32 {
    total as u32 / 2
}

#[feature_flag("new_ui", fallback = fraud_score_v1)]
pub fn fraud_score(total: u32) -> u32 {
    total / 3
}

// Another return type, on a dynamic flag.
fn fee_v1(total: u32) -> u64 {
    u64::from(total) / 100
}

#[feature_flag("fast_search", fallback = fee_v1)]
fn fee(total: u32) -> u32 {
    total / 50
}

// A method whose fallback takes `self` where it takes `&self`.
struct Cart(u32);

impl Cart {
    fn sum_v1(self) -> u32 {
        self.0
    }

    #[feature_flag("new_ui", fallback = Self::sum_v1)]
    fn sum(&self) -> u32 {
        self.0 * 2
    }
}

fn main() {
    render("ana", 1);
    fraud_score(10);
    fee(10);
    Cart(1).sum();
}
