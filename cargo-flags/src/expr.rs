//! Flag expressions (`"name"`, `not(e)`, `all(e, ...)`, `any(e, ...)`) and the arguments of
//! `#[feature_flag(EXPR, fallback = path)]`, parsed from source with `syn`, and simplified when one flag
//! is retired.
//!
//! The grammar itself is `flag-syntax`'s, the one the macros parse with, so that this tool accepts exactly
//! what they accept, with the same messages; this module locates parsed expressions in their files and
//! simplifies them.

use std::ops::Range;

use crate::text::LineIndex;

/// A flag expression and `#[feature_flag]`'s arguments as `syn` parsed them, with the tokens that were
/// written: the grammar the macros use, from `flag-syntax`.
pub use flag_syntax::{AttrArgs as SynAttrArgs, FlagExpr as SynExpr, Op};

/// A flag expression located in its file: byte ranges instead of spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagExpr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The bytes of the whole expression in its file.
    pub range: Range<usize>,
}

/// The shape of a [`FlagExpr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    /// A flag name, as its string literal's value.
    Flag(String),
    /// An operator and its operands.
    Op(Op, Vec<FlagExpr>),
}

/// `expr` with byte ranges from `index`.
pub fn locate(expr: &SynExpr, index: &LineIndex) -> FlagExpr {
    match expr {
        SynExpr::Flag(literal) => FlagExpr {
            kind: ExprKind::Flag(literal.value()),
            range: index.range(literal.span()),
        },
        SynExpr::Op {
            op,
            ident,
            close,
            operands,
        } => FlagExpr {
            kind: ExprKind::Op(
                *op,
                operands
                    .iter()
                    .map(|operand| locate(operand, index))
                    .collect(),
            ),
            range: index.join(ident.span(), *close),
        },
    }
}

impl FlagExpr {
    /// Every flag name the expression mentions, with the byte range of its literal, in order.
    pub fn names(&self) -> Vec<(&str, Range<usize>)> {
        let mut names = Vec::new();
        self.collect(&mut names);
        names
    }

    fn collect<'a>(&'a self, names: &mut Vec<(&'a str, Range<usize>)>) {
        match &self.kind {
            ExprKind::Flag(name) => names.push((name, self.range.clone())),
            ExprKind::Op(_, operands) => operands.iter().for_each(|operand| operand.collect(names)),
        }
    }

    /// Whether the expression mentions `name`.
    pub fn mentions(&self, name: &str) -> bool {
        self.names().iter().any(|(found, _)| *found == name)
    }

    /// The expression once flag `name` is fixed `on` or off, written back in the style of `source` (the
    /// text of the expression's file): operands that do not mention `name` keep their text byte for byte.
    pub fn simplify(&self, name: &str, on: bool, source: &str) -> Simplified {
        match self.fold(name, on, source) {
            Folded::Const(on) => Simplified::Const(on),
            Folded::Text(text, true) => Simplified::Changed(text),
            Folded::Text(_, false) => Simplified::Same,
        }
    }

    fn fold(&self, name: &str, on: bool, source: &str) -> Folded {
        let original = || Folded::Text(source[self.range.clone()].to_owned(), false);
        match &self.kind {
            ExprKind::Flag(flag) if flag == name => Folded::Const(on),
            ExprKind::Flag(_) => original(),
            ExprKind::Op(Op::Not, operands) => {
                match operands.first().map(|inner| inner.fold(name, on, source)) {
                    Some(Folded::Const(value)) => Folded::Const(!value),
                    Some(Folded::Text(text, true)) => Folded::Text(format!("not({text})"), true),
                    Some(Folded::Text(_, false)) | None => original(),
                }
            }
            ExprKind::Op(op, operands) => {
                // `all`: an operand that is off decides; operands that are on drop out. `any`: the mirror.
                let decisive = *op == Op::Any;
                let mut kept = Vec::new();
                let mut changed = false;
                for operand in operands {
                    match operand.fold(name, on, source) {
                        Folded::Const(value) if value == decisive => {
                            return Folded::Const(decisive);
                        }
                        Folded::Const(_) => changed = true,
                        Folded::Text(text, operand_changed) => {
                            changed |= operand_changed;
                            kept.push(text);
                        }
                    }
                }
                if !changed {
                    return original();
                }
                match kept.len() {
                    0 => Folded::Const(!decisive),
                    1 => Folded::Text(kept.remove(0), true),
                    _ => Folded::Text(format!("{}({})", op.as_str(), kept.join(", ")), true),
                }
            }
        }
    }
}

enum Folded {
    Const(bool),
    /// The text, and whether it differs from what was written.
    Text(String, bool),
}

/// What a flag expression becomes once one flag is retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Simplified {
    /// It no longer depends on any flag: always on or always off.
    Const(bool),
    /// It still depends on other flags: the new text.
    Changed(String),
    /// It did not mention the flag.
    Same,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(text: &str) -> FlagExpr {
        let parsed: SynExpr = syn::parse_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        crate::expr::locate(&parsed, &LineIndex::new(text, 0))
    }

    fn simplify(text: &str, on: bool) -> Simplified {
        located(text).simplify("x", on, text)
    }

    fn changed(text: &str) -> Simplified {
        Simplified::Changed(text.to_owned())
    }

    #[test]
    fn locates_names_and_operators() {
        let text = r#"all("a", not( "b" ))"#;
        let expr = located(text);
        assert_eq!(expr.range, 0..text.len());
        assert_eq!(expr.names(), [("a", 4..7), ("b", 14..17)]);
        assert!(expr.mentions("b") && !expr.mentions("c"));
    }

    #[test]
    fn simplifies_every_operator() {
        assert_eq!(simplify(r#""x""#, true), Simplified::Const(true));
        assert_eq!(simplify(r#"not("x")"#, true), Simplified::Const(false));
        assert_eq!(simplify(r#""y""#, true), Simplified::Same);
        assert_eq!(simplify(r#"all("x", "y")"#, true), changed(r#""y""#));
        assert_eq!(
            simplify(r#"all("x", "y")"#, false),
            Simplified::Const(false)
        );
        assert_eq!(simplify(r#"any("x", "y")"#, true), Simplified::Const(true));
        assert_eq!(simplify(r#"any("x",  "y")"#, false), changed(r#""y""#));
        assert_eq!(
            simplify(r#"all("x", "y", not( "z" ))"#, true),
            changed(r#"all("y", not( "z" ))"#)
        );
        assert_eq!(
            simplify(r#"not(all("x", "y"))"#, true),
            changed(r#"not("y")"#)
        );
        assert_eq!(simplify(r#"all("x")"#, true), Simplified::Const(true));
        assert_eq!(simplify(r#"any(not("x"))"#, true), Simplified::Const(false));
        assert_eq!(simplify("all()", true), Simplified::Same);
        assert_eq!(
            simplify(r#"any(all("x", "a"), "b")"#, true),
            changed(r#"any("a", "b")"#)
        );
    }

    #[test]
    fn reports_mistakes_like_the_macros() {
        let message = |text: &str| match syn::parse_str::<SynExpr>(text) {
            Ok(_) => String::new(),
            Err(error) => error.to_string(),
        };
        assert_eq!(
            message("new_ui"),
            "flag names are string literals: write `\"new_ui\"`"
        );
        assert_eq!(
            message(r#"nto("a")"#),
            "unknown operator `nto`: expected `not`, `all` or `any`; did you mean `not`?"
        );
        assert_eq!(
            message(r#"not("a", "b")"#),
            "`not` takes exactly one flag expression, found 2"
        );
        let args = |text: &str| match syn::parse_str::<SynAttrArgs>(text) {
            Ok(args) => args
                .fallback
                .map(|(_, path)| quote::quote!(#path).to_string()),
            Err(error) => Some(error.to_string()),
        };
        assert_eq!(
            args(r#""a", fallback = Self::old"#).as_deref(),
            Some("Self :: old")
        );
        assert_eq!(args(r#""a""#), None);
        assert_eq!(
            args(r#""a", fallbak = f"#).as_deref(),
            Some(
                "unknown option `fallbak`: `#[feature_flag]` accepts `fallback = path`; did you mean `fallback`?"
            )
        );
    }
}
