use flag_runtime::{feature_flag, flag};

#[feature_flag("upload_limit_mb")]
fn upload() {}

fn main() {
    if flag!("page_size") {
        upload();
    }
}
