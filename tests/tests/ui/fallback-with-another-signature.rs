use flag_runtime::feature_flag;

fn render_v1(user: &str) -> String {
    user.to_owned()
}

#[feature_flag("new_ui", fallback = render_v1)]
fn render(user: &str, count: usize) -> String {
    format!("{user} {count}")
}

fn main() {
    render("ana", 1);
}
