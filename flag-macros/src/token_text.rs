//! Tokens written out for tests to compare: each token with its kind, a group with its delimiter, and a
//! punctuation mark with its spacing when asked. `to_string` alone would hide the spacing, or show it where
//! it does not matter (syn re-creates punctuation that the source joined: `Vec<u8>,` prints as `Vec < u8 >,`
//! from the source and as `Vec < u8 > ,` from syn).

use proc_macro2::{TokenStream, TokenTree};

/// `tokens`, one by one; a punctuation mark's spacing is shown when `spacing`.
pub fn tokens_text(tokens: TokenStream, spacing: bool) -> String {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                format!(
                    "{:?}[{}]",
                    group.delimiter(),
                    tokens_text(group.stream(), spacing)
                )
            }
            TokenTree::Punct(punct) if spacing => {
                format!("{}{:?}", punct.as_char(), punct.spacing())
            }
            TokenTree::Punct(punct) => punct.as_char().to_string(),
            TokenTree::Ident(ident) => format!("ident {ident}"),
            TokenTree::Literal(literal) => format!("literal {literal}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
