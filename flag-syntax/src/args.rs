//! The arguments of the macros around a flag expression: `#[feature_flag(EXPR, fallback = path)]` and
//! `flag!(EXPR)` / `flag!(EXPR, &ctx)` (which `variant!` shares).

use syn::parse::{Parse, ParseStream};
use syn::{Ident, Token};

use crate::expr::FlagExpr;
use flag_manifest::did_you_mean;

/// Parsed `#[feature_flag(EXPR, fallback = PATH)]` arguments.
pub struct AttrArgs {
    /// The condition.
    pub expr: FlagExpr,
    /// `fallback = path`: the fn to call when the condition is off, with its `fallback` keyword.
    pub fallback: Option<(Ident, syn::ExprPath)>,
}

const OPTIONS: [&str; 1] = ["fallback"];

impl Parse for AttrArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected a flag expression: `#[feature_flag(\"name\")]`, optionally with `fallback = path`",
            ));
        }
        let expr: FlagExpr = input.parse()?;
        let mut fallback: Option<(Ident, syn::ExprPath)> = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(syn::LitStr) || (input.peek(Ident) && input.peek2(syn::token::Paren)) {
                return Err(input.error(
                    "only one flag expression is allowed: combine several with `all(..)` or `any(..)`",
                ));
            }
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            match key.to_string().as_str() {
                "fallback" => {
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
                    fallback = Some((key, path));
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown option `{other}`: `#[feature_flag]` accepts `fallback = path`{}",
                            did_you_mean(other, OPTIONS)
                        ),
                    ));
                }
            }
        }
        Ok(AttrArgs { expr, fallback })
    }
}

/// The input of `flag!` and `variant!`: a flag expression, then optionally the `&Context` to decide it for.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        match syn::parse_str::<AttrArgs>(text) {
            Ok(_) => panic!("`{text}` parsed"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn parses_options() {
        let args: AttrArgs = syn::parse_str(r#""a", fallback = Self::old,"#).unwrap();
        let (_, path) = args.fallback.unwrap();
        assert_eq!(quote::quote!(#path).to_string(), "Self :: old");
        assert!(
            syn::parse_str::<AttrArgs>(r#"not("a")"#)
                .unwrap()
                .fallback
                .is_none()
        );
    }

    #[test]
    fn explains_mistakes() {
        assert!(
            message("").contains("expected a flag expression"),
            "{}",
            message("")
        );
        assert_eq!(
            message(r#""a", fallback = f, fallback = g"#),
            "`fallback` is given twice"
        );
        assert_eq!(
            message(r#""a", fallbak = f"#),
            "unknown option `fallbak`: `#[feature_flag]` accepts `fallback = path`; did you mean `fallback`?"
        );
        assert!(message(r#""a", "b""#).starts_with("only one flag expression"));
        assert!(message(r#""a", fallback"#).starts_with("expected `=`"));
        assert!(message(r#""a", fallback = 3"#).starts_with("expected the path of a fn"));
    }
}
