//! The input of `flag_value!`: a flag's name, optionally the Rust type to read an object flag as
//! (`"layout": Layout`), then optionally the `&Context` to decide it for.
//!
//! `flag!`'s grammar ([`FlagCall`](crate::FlagCall)) takes flag expressions; a value is read from one
//! flag only, and only a value can be read as a type, so `flag_value!` has a grammar of its own.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

use crate::FlagExpr;
use crate::args::parse_context;

/// The input of `flag_value!`.
///
/// ```
/// use flag_syntax::ValueCall;
///
/// let call: ValueCall = syn::parse_str(r#""layout": Layout, &ctx"#).unwrap();
/// assert_eq!(call.name.value(), "layout");
/// assert!(call.as_type.is_some() && call.context.is_some());
///
/// let plain: ValueCall = syn::parse_str(r#""page_size""#).unwrap();
/// assert!(plain.as_type.is_none() && plain.context.is_none());
///
/// let error = syn::parse_str::<ValueCall>(r#"not("page_size")"#).err().unwrap();
/// assert_eq!(
///     error.to_string(),
///     "`flag_value!` reads one flag: write its name in quotes, such as `flag_value!(\"page_size\")`"
/// );
/// let error = syn::parse_str::<ValueCall>("page_size").err().unwrap();
/// assert_eq!(error.to_string(), "flag names are string literals: write `\"page_size\"`");
/// ```
pub struct ValueCall {
    /// The flag's name.
    pub name: LitStr,
    /// The type to read an object flag's value as (`"name": Type`).
    pub as_type: Option<syn::Type>,
    /// The context expression, such as `&ctx`.
    pub context: Option<syn::Expr>,
}

impl ValueCall {
    /// Parses the input of `flag_value!`.
    pub fn from_tokens(tokens: TokenStream) -> syn::Result<ValueCall> {
        syn::parse2(tokens)
    }
}

impl Parse for ValueCall {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(LitStr) {
            // A name written without quotes gets the flag expressions' own message.
            input.fork().parse::<FlagExpr>()?;
            return Err(input.error(
                "`flag_value!` reads one flag: write its name in quotes, such as `flag_value!(\"page_size\")`",
            ));
        }
        let name: LitStr = input.parse()?;
        let as_type = if input.peek(Token![:]) && !input.peek(Token![::]) {
            input.parse::<Token![:]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        let context = parse_context(input)?;
        if !input.is_empty() {
            return Err(input.error(
                "expected a flag's name, an optional type and an optional context: `flag_value!(\"name\")`, \
                 `flag_value!(\"name\": Type)` or `flag_value!(\"name\", &ctx)`",
            ));
        }
        Ok(ValueCall {
            name,
            as_type,
            context,
        })
    }
}
