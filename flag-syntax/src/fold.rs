//! Folding a flag expression once some of its flags are decided, the way a `cfg` predicate folds: `not` of
//! a known value is known; an operand of `all` that is off (of `any`, on) decides the whole; operands equal
//! to the operator's identity drop out; a single operand left stands alone; none left is the identity.
//!
//! Two tools fold with different leaves: the macros decide each flag under the build's states and leave the
//! dynamic ones for run time; `cargo flags remove` fixes one flag and writes the rest back as text. The
//! rules above are written once, here, and each side says only what a flag comes to and how to write what
//! stays open (a [`Folder`]).
//!
//! ```
//! use flag_syntax::{FlagExpr, Folded, Folder, Op};
//!
//! /// Fixes `off` off and writes what is left as text.
//! struct Retire;
//! impl Folder for Retire {
//!     type Open = String;
//!     fn flag(&mut self, name: &syn::LitStr) -> Folded<String> {
//!         match name.value().as_str() {
//!             "off" => Folded::Known(false),
//!             other => Folded::Open(format!("{other:?}")),
//!         }
//!     }
//!     fn not(&mut self, inner: String) -> String {
//!         format!("not({inner})")
//!     }
//!     fn join(&mut self, op: Op, operands: Vec<String>) -> String {
//!         format!("{}({})", op.as_str(), operands.join(", "))
//!     }
//! }
//!
//! let fold = |text: &str| syn::parse_str::<FlagExpr>(text).unwrap().fold(&mut Retire);
//! assert_eq!(fold(r#"all("a", not("off"), "b")"#), Folded::Open(r#"all("a", "b")"#.to_owned()));
//! assert_eq!(fold(r#"any("a", not("off"))"#), Folded::Known(true));
//! assert_eq!(fold(r#"all("off", "a")"#), Folded::Known(false));
//! ```

use syn::LitStr;

use crate::expr::{FlagExpr, Op};

/// What a flag expression, or a part of it, comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folded<T> {
    /// Decided: always on or always off.
    Known(bool),
    /// Still open, as the [`Folder`] writes it.
    Open(T),
}

/// What a fold needs to know from its user: what each flag comes to, and how to write what stays open.
pub trait Folder {
    /// What is left of an expression that is not decided.
    type Open;

    /// What `expr`, a part of the expression, comes to without folding inside it, when the folder can say
    /// so at once (an operand that does not mention the flag being retired keeps its text); `None`, the
    /// default, folds inside it.
    fn whole(&mut self, expr: &FlagExpr) -> Option<Folded<Self::Open>> {
        let _ = expr;
        None
    }

    /// What one flag comes to.
    fn flag(&mut self, name: &LitStr) -> Folded<Self::Open>;

    /// `not` of an open operand.
    fn not(&mut self, inner: Self::Open) -> Self::Open;

    /// `all` or `any` of the operands left open, at least two, in the order written.
    fn join(&mut self, op: Op, operands: Vec<Self::Open>) -> Self::Open;
}

impl FlagExpr {
    /// Folds the expression with `folder` (see the [module](self)). Every operand is visited, even after
    /// one has decided the whole, so that a folder that reports problems (an unknown flag) reports them all.
    pub fn fold<F: Folder>(&self, folder: &mut F) -> Folded<F::Open> {
        if let Some(folded) = folder.whole(self) {
            return folded;
        }
        match self {
            FlagExpr::Flag(name) => folder.flag(name),
            FlagExpr::Op {
                op: Op::Not,
                operands,
                ..
            } => match operands.first().map(|inner| inner.fold(folder)) {
                Some(Folded::Known(on)) => Folded::Known(!on),
                Some(Folded::Open(inner)) => Folded::Open(folder.not(inner)),
                // The parser gives `not` exactly one operand.
                None => Folded::Known(true),
            },
            FlagExpr::Op { op, operands, .. } => {
                let identity = *op == Op::All;
                let mut open = Vec::new();
                let mut decided = false;
                for operand in operands {
                    match operand.fold(folder) {
                        Folded::Known(on) if on != identity => decided = true,
                        Folded::Known(_) => {}
                        Folded::Open(operand) => open.push(operand),
                    }
                }
                if decided {
                    return Folded::Known(!identity);
                }
                match open.len() {
                    0 => Folded::Known(identity),
                    1 => Folded::Open(open.remove(0)),
                    _ => Folded::Open(folder.join(*op, open)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags named `on` and `off` are known; others stay open, written as text.
    struct Fixed;

    impl Folder for Fixed {
        type Open = String;

        fn flag(&mut self, name: &LitStr) -> Folded<String> {
            match name.value().as_str() {
                "on" => Folded::Known(true),
                "off" => Folded::Known(false),
                other => Folded::Open(other.to_owned()),
            }
        }

        fn not(&mut self, inner: String) -> String {
            format!("!{inner}")
        }

        fn join(&mut self, op: Op, operands: Vec<String>) -> String {
            format!("{}[{}]", op.as_str(), operands.join(" "))
        }
    }

    fn fold(text: &str) -> Folded<String> {
        syn::parse_str::<FlagExpr>(text).unwrap().fold(&mut Fixed)
    }

    fn open(text: &str) -> Folded<String> {
        Folded::Open(text.to_owned())
    }

    #[test]
    fn folds_like_a_cfg_predicate() {
        assert_eq!(fold(r#""on""#), Folded::Known(true));
        assert_eq!(fold(r#"not("on")"#), Folded::Known(false));
        assert_eq!(fold(r#"not("a")"#), open("!a"));
        assert_eq!(fold(r#"all("on", not("off"))"#), Folded::Known(true));
        assert_eq!(fold(r#"any("off", not("on"))"#), Folded::Known(false));
        assert_eq!(fold("all()"), Folded::Known(true));
        assert_eq!(fold("any()"), Folded::Known(false));
        assert_eq!(fold(r#"all("off", "a")"#), Folded::Known(false));
        assert_eq!(fold(r#"any("on", "a")"#), Folded::Known(true));
        assert_eq!(fold(r#"all("on", "a")"#), open("a"));
        assert_eq!(fold(r#"any("off", "a", not("b"))"#), open("any[a !b]"));
        assert_eq!(fold(r#"not(all("a", "on", "b"))"#), open("!all[a b]"));
    }

    #[test]
    fn visits_every_operand_and_lets_the_folder_take_a_whole_part() {
        /// Counts the flags it is asked about; takes any `any(..)` whole as `*`.
        struct Counting(usize);
        impl Folder for Counting {
            type Open = String;
            fn whole(&mut self, expr: &FlagExpr) -> Option<Folded<String>> {
                matches!(expr, FlagExpr::Op { op: Op::Any, .. }).then(|| Folded::Open("*".into()))
            }
            fn flag(&mut self, name: &LitStr) -> Folded<String> {
                self.0 += 1;
                Fixed.flag(name)
            }
            fn not(&mut self, inner: String) -> String {
                Fixed.not(inner)
            }
            fn join(&mut self, op: Op, operands: Vec<String>) -> String {
                Fixed.join(op, operands)
            }
        }
        let mut counting = Counting(0);
        let expr: FlagExpr = syn::parse_str(r#"all("off", "a", any("b", "c"), "d")"#).unwrap();
        assert_eq!(expr.fold(&mut counting), Folded::Known(false));
        assert_eq!(counting.0, 3, "every flag outside the `any` was looked at");
        let expr: FlagExpr = syn::parse_str(r#"all("a", any("b", "c"))"#).unwrap();
        assert_eq!(expr.fold(&mut counting), open("all[a *]"));
    }
}
