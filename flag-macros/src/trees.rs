//! Token trees built one at a time, each at the span it is given, as `quote_spanned!` would place them.
//!
//! The expansions that every gated item pays for (a fallback's call, a doc note) are written tree by tree
//! rather than with `quote!`: proc macros run unoptimised in dev builds, where building and joining token
//! streams costs more than the rest of a use. These are the three builders they share.

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenTree};

/// The ident `text` at `span`.
pub fn word(text: &str, span: Span) -> TokenTree {
    TokenTree::Ident(Ident::new(text, span))
}

/// The punctuation `c` with `spacing` (`Joint` when the next punctuation continues it, as in `->`) at
/// `span`.
pub fn punct(c: char, spacing: Spacing, span: Span) -> TokenTree {
    let mut punct = Punct::new(c, spacing);
    punct.set_span(span);
    TokenTree::Punct(punct)
}

/// `trees` between `delimiter`s, the group at `span`.
pub fn group(
    delimiter: Delimiter,
    trees: impl IntoIterator<Item = TokenTree>,
    span: Span,
) -> Group {
    let mut group = Group::new(delimiter, trees.into_iter().collect());
    group.set_span(span);
    group
}
