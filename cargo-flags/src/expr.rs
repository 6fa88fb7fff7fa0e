//! Flag expressions (`"name"`, `not(e)`, `all(e, ...)`, `any(e, ...)`) and the arguments of
//! `#[feature_flag(EXPR, fallback = path)]` in source files: where they stand, and what they become when one
//! flag is retired.
//!
//! The grammar is `flag-syntax`'s, the one the macros parse with, so that this tool accepts exactly what
//! they accept, with the same messages; so are the folding rules (`flag_syntax::fold`), the ones the macros
//! decide with. This module only adds the text: the bytes an expression covers, and the simplified
//! expression written back in the style of its file.

use std::ops::Range;

use syn::LitStr;

use crate::text::LineIndex;

/// A flag expression and `#[feature_flag]`'s arguments as `syn` parsed them, with the tokens that were
/// written: the grammar the macros use, from `flag-syntax`.
pub use flag_syntax::{AttrArgs as SynAttrArgs, FlagExpr as SynExpr, Op};
use flag_syntax::{Folded, Folder};

/// The bytes of `expr` in its file, whose line index is `index`.
pub fn range(expr: &SynExpr, index: &LineIndex) -> Range<usize> {
    let (first, last) = expr.bounds();
    index.join(first, last)
}

/// `expr` once flag `name` is fixed `on` or off, written back in the style of `source` (the text of the
/// expression's file, whose line index is `index`): operands that do not mention `name` keep their text byte
/// for byte.
pub fn simplify(
    expr: &SynExpr,
    name: &str,
    on: bool,
    source: &str,
    index: &LineIndex,
) -> Simplified {
    if !mentions(expr, name) {
        return Simplified::Same;
    }
    let mut retiring = Retiring {
        name,
        on,
        source,
        index,
    };
    match expr.fold(&mut retiring) {
        Folded::Known(on) => Simplified::Const(on),
        Folded::Open(text) => Simplified::Changed(text),
    }
}

fn mentions(expr: &SynExpr, name: &str) -> bool {
    expr.names().iter().any(|literal| literal.value() == name)
}

/// Folds with one flag fixed, writing what is left as text.
struct Retiring<'a> {
    name: &'a str,
    on: bool,
    source: &'a str,
    index: &'a LineIndex,
}

impl Folder for Retiring<'_> {
    type Open = String;

    fn whole(&mut self, expr: &SynExpr) -> Option<Folded<String>> {
        (!mentions(expr, self.name))
            .then(|| Folded::Open(self.source[range(expr, self.index)].to_owned()))
    }

    fn flag(&mut self, _: &LitStr) -> Folded<String> {
        // Only the retired flag gets here: `whole` took every other one.
        Folded::Known(self.on)
    }

    fn not(&mut self, inner: String) -> String {
        format!("not({inner})")
    }

    fn join(&mut self, op: Op, operands: Vec<String>) -> String {
        format!("{}({})", op.as_str(), operands.join(", "))
    }
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

    fn parsed(text: &str) -> SynExpr {
        syn::parse_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn simplify(text: &str, on: bool) -> Simplified {
        super::simplify(&parsed(text), "x", on, text, &LineIndex::new(text, 0))
    }

    fn changed(text: &str) -> Simplified {
        Simplified::Changed(text.to_owned())
    }

    #[test]
    fn locates_expressions() {
        let text = r#"all("a", not( "b" ))"#;
        let index = LineIndex::new(text, 0);
        assert_eq!(range(&parsed(text), &index), 0..text.len());
        let SynExpr::Op { operands, .. } = parsed(text) else {
            panic!("{text} is an operator");
        };
        assert_eq!(range(&operands[0], &index), 4..7);
        assert_eq!(range(&operands[1], &index), 9..text.len() - 1);
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
}
