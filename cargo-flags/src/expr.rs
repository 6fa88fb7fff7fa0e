//! Flag expressions (`"name"`, `not(e)`, `all(e, ...)`, `any(e, ...)`) and the arguments of
//! `#[feature_flag(EXPR, fallback = path)]`, parsed from source with `syn`, and simplified when one flag
//! is retired.
//!
//! This is the twin of `flag-macros/src/expr.rs` (and of the argument grammar in `flag-macros/src/attr.rs`;
//! `crate::syntax::flag_call` mirrors `flag!`'s optional context argument):
//! `flag-macros` is a proc-macro crate, so nothing can depend on it, and the grammar is small enough to
//! write twice. Keep the two in step: what the macros accept, this module must accept, with the same
//! messages where it reports a mistake.

use std::ops::Range;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::text::LineIndex;

/// A flag expression as `syn` parsed it, with the spans of what was written.
#[derive(Clone)]
pub enum SynExpr {
    /// `"name"`.
    Flag(LitStr),
    /// `op(operands)`, with the operator and the closing parenthesis for spans.
    Op {
        /// `not`, `all` or `any`.
        op: Op,
        /// The operator's name as written, for its span.
        ident: Ident,
        /// The closing parenthesis.
        close: Span,
        /// The operands.
        operands: Vec<SynExpr>,
    },
}

/// The operators of a flag expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `not(e)`: exactly one operand.
    Not,
    /// `all(e, ...)`: on when every operand is.
    All,
    /// `any(e, ...)`: on when some operand is.
    Any,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Not => "not",
            Op::All => "all",
            Op::Any => "any",
        }
    }
}

const OPERATORS: [&str; 3] = ["not", "all", "any"];

impl Parse for SynExpr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let name: LitStr = input.parse()?;
            if name.value().is_empty() {
                return Err(syn::Error::new(name.span(), "empty flag name"));
            }
            return Ok(SynExpr::Flag(name));
        }
        if input.peek(syn::Lit) {
            let literal: syn::Lit = input.parse()?;
            return Err(syn::Error::new(
                literal.span(),
                "expected a flag name in double quotes, such as `\"new_ui\"`",
            ));
        }
        if !input.peek(Ident) {
            return Err(input.error(
                "expected a flag name in double quotes (`\"new_ui\"`) or `not(..)`, `all(..)`, `any(..)`",
            ));
        }
        let ident: Ident = input.parse()?;
        let name = ident.to_string();
        if !input.peek(syn::token::Paren) {
            return Err(syn::Error::new(
                ident.span(),
                format!("flag names are string literals: write `\"{name}\"`"),
            ));
        }
        let content;
        let paren = syn::parenthesized!(content in input);
        let operands: Vec<SynExpr> = Punctuated::<SynExpr, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect();
        let op = match name.as_str() {
            "not" if operands.len() == 1 => Op::Not,
            "not" => {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "`not` takes exactly one flag expression, found {}",
                        operands.len()
                    ),
                ));
            }
            "all" => Op::All,
            "any" => Op::Any,
            _ => {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "unknown operator `{name}`: expected `not`, `all` or `any`{}",
                        flag_manifest::did_you_mean(&name, OPERATORS)
                    ),
                ));
            }
        };
        Ok(SynExpr::Op {
            op,
            ident,
            close: paren.span.close(),
            operands,
        })
    }
}

/// The arguments of `#[feature_flag(EXPR, fallback = path)]`, as `flag-macros/src/attr.rs` reads them.
pub struct SynAttrArgs {
    /// The condition.
    pub expr: SynExpr,
    /// `fallback = path`: the fn called while the condition is off.
    pub fallback: Option<syn::ExprPath>,
}

impl Parse for SynAttrArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected a flag expression: `#[feature_flag(\"name\")]`, optionally with `fallback = path`",
            ));
        }
        let expr: SynExpr = input.parse()?;
        let mut fallback = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(LitStr) || (input.peek(Ident) && input.peek2(syn::token::Paren)) {
                return Err(input.error(
                    "only one flag expression is allowed: combine several with `all(..)` or `any(..)`",
                ));
            }
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            if key != "fallback" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown option `{key}`: `#[feature_flag]` accepts `fallback = path`{}",
                        flag_manifest::did_you_mean(&key.to_string(), ["fallback"])
                    ),
                ));
            }
            input.parse::<Token![=]>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected `=` after `fallback`: `fallback = path`",
                )
            })?;
            let path: syn::ExprPath = input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected the path of a fn after `fallback =`, such as `render_v1` or `Self::old`",
                )
            })?;
            if fallback.is_some() {
                return Err(syn::Error::new(key.span(), "`fallback` is given twice"));
            }
            fallback = Some(path);
        }
        Ok(SynAttrArgs { expr, fallback })
    }
}

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

impl SynExpr {
    /// The expression with byte ranges from `index`.
    pub fn locate(&self, index: &LineIndex) -> FlagExpr {
        match self {
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
                        .map(|operand| operand.locate(index))
                        .collect(),
                ),
                range: index.join(ident.span(), *close),
            },
        }
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
        parsed.locate(&LineIndex::new(text, 0))
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
            Ok(args) => args.fallback.map(|path| quote::quote!(#path).to_string()),
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
