use flag_runtime::feature_flag;

#[feature_flag]
fn render() {}

#[feature_flag()]
fn draw() {}

fn main() {
    render();
    draw();
}
