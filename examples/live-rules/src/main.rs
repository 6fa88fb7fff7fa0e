//! Changing rules while a program runs (work in progress).

fn main() {}
