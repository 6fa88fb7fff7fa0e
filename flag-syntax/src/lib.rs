//! The grammar of the macros' arguments: flag expressions (`"name"`, `not(e)`, `all(e, ...)`,
//! `any(e, ...)`), the arguments of `#[feature_flag(EXPR, fallback = path)]`, the arguments of `flag!` and
//! `variant!` (`EXPR` and an optional context), and those of `flag_value!` (a name, an optional type, an
//! optional context).
//!
//! A proc-macro crate can export nothing but macros, so the grammar lives here, in an ordinary library over
//! `syn`, where `flag-macros` (to expand) and `cargo-flags` (to find and rewrite uses) both parse with it: one
//! grammar, the same messages. Every parsed piece keeps the tokens the user wrote, for spans. What both do with
//! a parsed use is here too, where their rules would otherwise be written twice: folding an expression
//! whose flags are partly decided ([`fold`]) and calling a fn's fallback ([`fallback`]).
//!
//! ```
//! use flag_syntax::{AttrArgs, FlagExpr};
//!
//! let args: AttrArgs = syn::parse_str(r#"all("new_ui", not("legacy")), fallback = render_v1"#).unwrap();
//! assert_eq!(args.expr.to_string(), r#"all("new_ui", not("legacy"))"#);
//! let names: Vec<String> = args.expr.names().iter().map(|name| name.value()).collect();
//! assert_eq!(names, ["new_ui", "legacy"]);
//!
//! let error = syn::parse_str::<FlagExpr>("new_ui").err().unwrap();
//! assert_eq!(error.to_string(), "flag names are string literals: write `\"new_ui\"`");
//! ```

mod args;
mod expr;
pub mod fallback;
pub mod fold;
mod value;

pub use args::{AttrArgs, FlagCall, name_text};
pub use expr::{FlagExpr, Op};
pub use fold::{Folded, Folder};
pub use value::ValueCall;
