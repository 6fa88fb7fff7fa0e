//! The README's "OpenFeature" example is `rust,ignore` there (the README's doc tests belong to
//! flag-runtime, which does not depend on this crate); the same code runs as this crate's doc test. This
//! test keeps the two the same.

#[test]
fn the_readme_example_is_the_crate_doc_example() {
    let readme = include_str!("../../README.md");
    let lib = include_str!("../src/lib.rs");
    let section = readme
        .split_once("\n## OpenFeature\n")
        .map(|(_, section)| section)
        .expect("the README has an OpenFeature section");
    let example = section
        .split_once("```rust,ignore\n")
        .and_then(|(_, rest)| rest.split_once("```\n"))
        .map(|(example, _)| example)
        .expect("the section starts with a rust example");
    let documented: String = example
        .lines()
        .map(|line| format!("{}\n", format!("//! {line}").trim_end()))
        .collect();
    assert!(
        lib.contains(&format!("//! ```\n{documented}//! ```\n")),
        "src/lib.rs's first doc example differs from the README's:\n{example}"
    );
}
