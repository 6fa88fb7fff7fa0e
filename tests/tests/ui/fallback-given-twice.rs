use flag_runtime::feature_flag;

fn v1() {}
fn v2() {}

#[feature_flag("new_ui", fallback = v1, fallback = v2)]
fn render() {}

fn main() {
    render();
}
