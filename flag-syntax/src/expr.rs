//! Flag expressions: a flag name in quotes, or `not(e)`, `all(e, ...)` and `any(e, ...)` nested like `cfg`
//! predicates.

use std::fmt;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Lit, LitStr, Token};

use flag_manifest::did_you_mean;

/// A parsed flag expression, with the tokens that were written.
#[derive(Clone)]
pub enum FlagExpr {
    /// `"name"`: on when the flag is on.
    Flag(LitStr),
    /// `op(operands)`.
    Op {
        /// `not`, `all` or `any`.
        op: Op,
        /// The operator's name as written, for its span.
        ident: Ident,
        /// The closing parenthesis, for the span of the whole call.
        close: Span,
        /// The operands: exactly one for `not`; any number for `all` (on when there is none, like
        /// `cfg(all())`) and `any` (off when there is none).
        operands: Vec<FlagExpr>,
    },
}

/// The operators of a flag expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `not(e)`.
    Not,
    /// `all(e, ...)`.
    All,
    /// `any(e, ...)`.
    Any,
}

impl Op {
    /// `"not"`, `"all"` or `"any"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Not => "not",
            Op::All => "all",
            Op::Any => "any",
        }
    }
}

const OPERATORS: [&str; 3] = ["not", "all", "any"];

impl Parse for FlagExpr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // A flag name, by far the most common expression. `peek(LitStr)` then `parse::<LitStr>()` would each
        // classify the literal token (`Lit::new`), the peek on a parse buffer of its own: costly in a proc
        // macro, which is unoptimised in dev builds. Classifying it once, as `Lit::parse` does, gives the same
        // `LitStr`; any other token goes on to the checks below, as before.
        if let Some(name) = input.step(|cursor| {
            Ok(match cursor.literal() {
                Some((literal, rest)) => match Lit::new(literal) {
                    Lit::Str(name) => (Some(name), rest),
                    _ => (None, *cursor),
                },
                None => (None, *cursor),
            })
        })? {
            if name.value().is_empty() {
                return Err(syn::Error::new(name.span(), "empty flag name"));
            }
            return Ok(FlagExpr::Flag(name));
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
        let operands: Vec<FlagExpr> =
            Punctuated::<FlagExpr, Token![,]>::parse_terminated(&content)?
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
                        did_you_mean(&name, OPERATORS)
                    ),
                ));
            }
        };
        Ok(FlagExpr::Op {
            op,
            ident,
            close: paren.span.close(),
            operands,
        })
    }
}

impl FlagExpr {
    /// Every flag name in the expression, in the order written.
    pub fn names(&self) -> Vec<&LitStr> {
        let mut names = Vec::new();
        self.collect_names(&mut names);
        names
    }

    /// The spans of the expression's first and last tokens (the same for a flag name), which delimit it in
    /// its source.
    pub fn bounds(&self) -> (Span, Span) {
        match self {
            FlagExpr::Flag(name) => (name.span(), name.span()),
            FlagExpr::Op { ident, close, .. } => (ident.span(), *close),
        }
    }

    fn collect_names<'a>(&'a self, names: &mut Vec<&'a LitStr>) {
        match self {
            FlagExpr::Flag(name) => names.push(name),
            FlagExpr::Op { operands, .. } => {
                for operand in operands {
                    operand.collect_names(names);
                }
            }
        }
    }
}

/// The expression as written, normalised: `all("a", not("b"))`.
impl fmt::Display for FlagExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagExpr::Flag(name) => write!(f, "{:?}", name.value()),
            FlagExpr::Op { op, operands, .. } => {
                write!(f, "{}(", op.as_str())?;
                for (index, operand) in operands.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{operand}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> syn::Result<FlagExpr> {
        syn::parse_str(text)
    }

    fn names(text: &str) -> Vec<String> {
        let expr = parse(text).unwrap_or_else(|e| panic!("{e}"));
        expr.names().iter().map(|name| name.value()).collect()
    }

    #[test]
    fn parses_names_and_operators() {
        assert_eq!(names(r#""a""#), ["a"]);
        assert_eq!(names(r#"not("a")"#), ["a"]);
        assert_eq!(names(r#"all("a", any("b", not("c")),)"#), ["a", "b", "c"]);
        assert!(matches!(
            parse("all()").unwrap(),
            FlagExpr::Op { op: Op::All, operands, .. } if operands.is_empty()
        ));
        let nested = r#"all("a", any("b", not("c")))"#;
        assert_eq!(parse(nested).unwrap().to_string(), nested);
    }

    #[test]
    fn names_in_every_string_literal_form() {
        assert_eq!(names(r#""a""#), ["a"]);
        assert_eq!(names(r##"r#"a"#"##), ["a"]);
        assert_eq!(names(r#""a\u{62}""#), ["ab"]);
        assert_eq!(names(r#"any(r"a", "b")"#), ["a", "b"]);
        let empty = |text: &str| parse(text).err().map(|e| e.to_string());
        assert_eq!(empty(r#"r"""#).as_deref(), Some("empty flag name"));
        assert_eq!(empty("\"\\\n\"").as_deref(), Some("empty flag name"));
        assert!(parse(r#"b"a""#).is_err());
        assert!(parse(r#"c"a""#).is_err());
        assert!(parse("'a'").is_err());
    }

    #[test]
    fn explains_mistakes() {
        let message = |text: &str| parse(text).err().map(|e| e.to_string()).unwrap_or_default();
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
        assert_eq!(message(r#""""#), "empty flag name");
        assert!(message("1").starts_with("expected a flag name in double quotes"));
        assert!(
            message("").contains("expected a flag name"),
            "{}",
            message("")
        );
    }
}
