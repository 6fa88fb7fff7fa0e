use flag_runtime::feature_flag;

fn v1() {}

#[feature_flag("new_ui", fallbak = v1)]
fn render() {}

fn main() {
    render();
}
