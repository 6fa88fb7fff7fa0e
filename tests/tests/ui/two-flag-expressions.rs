use flag_runtime::feature_flag;

#[feature_flag("new_ui", "new_api")]
fn render() {}

fn main() {
    render();
}
