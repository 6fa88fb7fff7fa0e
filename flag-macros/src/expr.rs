//! Flag expressions, as written in `#[feature_flag(...)]` and `flag!(...)`: a flag name in quotes, or
//! `not(e)`, `all(e, ...)` and `any(e, ...)` nested like `cfg` predicates.
//!
//! Parsing keeps every name's string literal so that errors point at the name the user wrote.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use flag_manifest::did_you_mean;

/// A parsed flag expression.
#[derive(Clone)]
pub enum FlagExpr {
    /// `"name"`: on when the flag is on.
    Flag(LitStr),
    /// `not(e)`.
    Not(Box<FlagExpr>),
    /// `all(e, ...)`: on when every operand is (and when there is none, like `cfg(all())`).
    All(Vec<FlagExpr>),
    /// `any(e, ...)`: on when some operand is (never when there is none).
    Any(Vec<FlagExpr>),
}

const OPERATORS: [&str; 3] = ["not", "all", "any"];

/// The input of `flag!`: a flag expression, then optionally the `&Context` to decide it for.
pub struct FlagCall {
    /// The condition.
    pub expr: FlagExpr,
    /// The context expression, such as `&ctx`.
    pub context: Option<syn::Expr>,
}

impl Parse for FlagCall {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let expr: FlagExpr = input.parse()?;
        let mut context = None;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
            if !input.is_empty() {
                context = Some(input.parse()?);
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
        }
        if !input.is_empty() {
            return Err(input.error(
                "expected at most a flag expression and a context: `flag!(\"name\")` or `flag!(\"name\", &ctx)`",
            ));
        }
        Ok(FlagCall { expr, context })
    }
}

/// The expression as written, for documentation: `all("a", not("b"))`.
impl std::fmt::Display for FlagExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |f: &mut std::fmt::Formatter<'_>, operator: &str, operands: &[FlagExpr]| {
            write!(f, "{operator}(")?;
            for (index, operand) in operands.iter().enumerate() {
                if index > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{operand}")?;
            }
            f.write_str(")")
        };
        match self {
            FlagExpr::Flag(name) => write!(f, "{:?}", name.value()),
            FlagExpr::Not(inner) => write!(f, "not({inner})"),
            FlagExpr::All(operands) => list(f, "all", operands),
            FlagExpr::Any(operands) => list(f, "any", operands),
        }
    }
}

impl Parse for FlagExpr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let name: LitStr = input.parse()?;
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
        let operator: Ident = input.parse()?;
        let name = operator.to_string();
        if !input.peek(syn::token::Paren) {
            return Err(syn::Error::new(
                operator.span(),
                format!("flag names are string literals: write `\"{name}\"`"),
            ));
        }
        let content;
        syn::parenthesized!(content in input);
        let operands: Vec<FlagExpr> =
            Punctuated::<FlagExpr, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
        match name.as_str() {
            "not" => match <[FlagExpr; 1]>::try_from(operands) {
                Ok([inner]) => Ok(FlagExpr::Not(Box::new(inner))),
                Err(operands) => Err(syn::Error::new(
                    operator.span(),
                    format!(
                        "`not` takes exactly one flag expression, found {}",
                        operands.len()
                    ),
                )),
            },
            "all" => Ok(FlagExpr::All(operands)),
            "any" => Ok(FlagExpr::Any(operands)),
            _ => Err(syn::Error::new(
                operator.span(),
                format!(
                    "unknown operator `{name}`: expected `not`, `all` or `any`{}",
                    did_you_mean(&name, OPERATORS)
                ),
            )),
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
        fn collect(expr: &FlagExpr, names: &mut Vec<String>) {
            match expr {
                FlagExpr::Flag(name) => names.push(name.value()),
                FlagExpr::Not(inner) => collect(inner, names),
                FlagExpr::All(operands) | FlagExpr::Any(operands) => {
                    operands.iter().for_each(|operand| collect(operand, names))
                }
            }
        }
        let mut names = Vec::new();
        collect(&parse(text).unwrap_or_else(|e| panic!("{e}")), &mut names);
        names
    }

    #[test]
    fn parses_names_and_operators() {
        assert_eq!(names(r#""a""#), ["a"]);
        assert_eq!(names(r#"not("a")"#), ["a"]);
        assert_eq!(names(r#"all("a", any("b", not("c")),)"#), ["a", "b", "c"]);
        assert!(matches!(parse("all()").unwrap(), FlagExpr::All(v) if v.is_empty()));
        let nested = r#"all("a", any("b", not("c")))"#;
        assert_eq!(parse(nested).unwrap().to_string(), nested);
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
