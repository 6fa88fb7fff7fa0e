//! What kind of item an attribute is on, found by looking at its first tokens rather than parsing it.
//!
//! A static flag keeps or drops the item's tokens as they are; only a `fallback` needs the fn's signature,
//! and even then the body stays an unparsed token group. This keeps the cost of a flagged item close to that
//! of a `#[cfg]`.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Signature, Token, Visibility};

/// The kind of the item under the attribute, as far as it matters to the expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A `fn` with a body.
    Fn,
    /// A `fn` without a body: a trait's required method or a foreign fn.
    FnDeclaration,
    /// An item that can only stand among free items (struct, enum, union, trait, impl, mod, use, static with
    /// a value, extern crate, extern block, macro_rules): a `const _` may follow it.
    FreeOnly(&'static str),
    /// An item that may also stand in an impl, a trait or an extern block (const, type, foreign static,
    /// macro call).
    Other(&'static str),
}

impl ItemKind {
    /// What to call the item in messages: "a struct", "a fn", ...
    pub fn describe(self) -> &'static str {
        match self {
            ItemKind::Fn | ItemKind::FnDeclaration => "a fn",
            ItemKind::FreeOnly(what) | ItemKind::Other(what) => what,
        }
    }
}

/// Classifies an item from its leading tokens.
pub fn classify(item: &TokenStream) -> ItemKind {
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let word = |index: usize| match tokens.get(index) {
        Some(TokenTree::Ident(ident)) => Some(ident.to_string()),
        _ => None,
    };
    let mut i = 0;
    // Outer attributes: `#` followed by `[...]`.
    while matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
        i += 2;
    }
    // Visibility: `pub`, `pub(...)`.
    if word(i).as_deref() == Some("pub") {
        i += 1;
        if matches!(tokens.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            i += 1;
        }
    }
    loop {
        match word(i).as_deref() {
            Some("default" | "unsafe" | "async" | "safe" | "auto") => i += 1,
            Some("const")
                if matches!(
                    word(i + 1).as_deref(),
                    Some("fn" | "unsafe" | "async" | "extern")
                ) =>
            {
                i += 1
            }
            Some("extern") => {
                i += 1;
                if matches!(tokens.get(i), Some(TokenTree::Literal(_))) {
                    i += 1;
                }
                match tokens.get(i) {
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                        return ItemKind::FreeOnly("an extern block");
                    }
                    _ if word(i).as_deref() == Some("crate") => {
                        return ItemKind::FreeOnly("an extern crate");
                    }
                    _ => {}
                }
            }
            _ => break,
        }
    }
    let has_body =
        matches!(tokens.last(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace);
    let has_value = tokens[i..]
        .iter()
        .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '='));
    match word(i).as_deref() {
        Some("fn") if has_body => ItemKind::Fn,
        Some("fn") => ItemKind::FnDeclaration,
        Some("struct") => ItemKind::FreeOnly("a struct"),
        Some("enum") => ItemKind::FreeOnly("an enum"),
        Some("union") if word(i + 1).is_some() => ItemKind::FreeOnly("a union"),
        Some("trait") => ItemKind::FreeOnly("a trait"),
        Some("impl") => ItemKind::FreeOnly("an impl block"),
        Some("mod") => ItemKind::FreeOnly("a module"),
        Some("use") => ItemKind::FreeOnly("a use declaration"),
        Some("static") if has_value => ItemKind::FreeOnly("a static"),
        Some("static") => ItemKind::Other("a static"),
        Some("macro_rules") => ItemKind::FreeOnly("a macro definition"),
        Some("const") => ItemKind::Other("a const"),
        Some("type") => ItemKind::Other("a type alias"),
        _ => ItemKind::Other("a macro call"),
    }
}

/// The item with `note` appended to its documentation, as a paragraph of its own; unchanged when it has no
/// documentation (so that a `missing_docs` lint still sees it) or cannot carry any (a macro call, a `use`).
pub fn with_doc_note(item: TokenStream, kind: ItemKind, note: &str) -> TokenStream {
    if matches!(
        kind,
        ItemKind::Other("a macro call")
            | ItemKind::FreeOnly("a use declaration" | "an extern crate")
    ) {
        return item;
    }
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let mut end_of_attributes = 0;
    let mut documented = false;
    while let [TokenTree::Punct(hash), TokenTree::Group(group), ..] = &tokens[end_of_attributes..] {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        documented |=
            matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc");
        end_of_attributes += 2;
    }
    if documented {
        tokens.splice(end_of_attributes..end_of_attributes, doc_note(note));
    }
    tokens.into_iter().collect()
}

fn doc_note(note: &str) -> TokenStream {
    quote::quote!(#[doc = ""] #[doc = #note])
}

/// A fn split into what the expansion rewrites (the signature) and what it keeps as tokens (the rest).
pub struct FnParts {
    /// Outer attributes, kept as written.
    pub attrs: Vec<Attribute>,
    /// Visibility, kept as written.
    pub vis: Visibility,
    /// `default` in a specialising impl.
    pub defaultness: Option<Token![default]>,
    /// The signature.
    pub sig: Signature,
    /// The body, unparsed.
    pub body: Group,
}

impl FnParts {
    /// Appends `note` to the fn's documentation, if it has any (see [`with_doc_note`]).
    pub fn add_doc_note(&mut self, note: &str) {
        if self.attrs.iter().any(|attr| attr.path().is_ident("doc")) {
            self.attrs.extend(
                Attribute::parse_outer
                    .parse2(doc_note(note))
                    .unwrap_or_default(),
            );
        }
    }
}

impl Parse for FnParts {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let defaultness = input.parse()?;
        let sig: Signature = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected the fn's body"));
        }
        Ok(FnParts {
            attrs,
            vis,
            defaultness,
            sig,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> ItemKind {
        classify(&text.parse().unwrap())
    }

    #[test]
    fn classifies_items() {
        assert_eq!(kind("fn f() {}"), ItemKind::Fn);
        assert_eq!(
            kind("#[inline] pub(crate) const unsafe extern \"C\" fn f() {}"),
            ItemKind::Fn
        );
        assert_eq!(kind("async fn f() -> u8 { 1 }"), ItemKind::Fn);
        assert_eq!(kind("fn f(&self);"), ItemKind::FnDeclaration);
        assert_eq!(kind("pub struct S;"), ItemKind::FreeOnly("a struct"));
        assert_eq!(
            kind("unsafe impl Send for S {}"),
            ItemKind::FreeOnly("an impl block")
        );
        assert_eq!(kind("impl<T> S<T> {}"), ItemKind::FreeOnly("an impl block"));
        assert_eq!(
            kind("extern crate alloc;"),
            ItemKind::FreeOnly("an extern crate")
        );
        assert_eq!(
            kind("unsafe extern \"C\" { fn f(); }"),
            ItemKind::FreeOnly("an extern block")
        );
        assert_eq!(kind("static S: u8 = 1;"), ItemKind::FreeOnly("a static"));
        assert_eq!(kind("static S: u8;"), ItemKind::Other("a static"));
        assert_eq!(kind("const C: u8 = 1;"), ItemKind::Other("a const"));
        assert_eq!(kind("union U { a: u8 }"), ItemKind::FreeOnly("a union"));
        assert_eq!(kind("type T = u8;"), ItemKind::Other("a type alias"));
        assert_eq!(
            kind("macro_rules! m { () => {} }"),
            ItemKind::FreeOnly("a macro definition")
        );
        assert_eq!(kind("my_macro! { }"), ItemKind::Other("a macro call"));
    }

    #[test]
    fn splits_a_fn_without_parsing_its_body() {
        let parts: FnParts =
            syn::parse_str("#[inline] pub async fn f<T>(&self, (a, b): (T, T)) -> u8 { ??? }")
                .unwrap();
        assert_eq!(parts.sig.ident, "f");
        assert_eq!(parts.sig.inputs.len(), 2);
        assert_eq!(parts.body.stream().to_string(), "???");
    }

    #[test]
    fn doc_notes_go_after_existing_documentation_only() {
        let note = |text: &str| {
            let item: TokenStream = text.parse().unwrap();
            with_doc_note(item.clone(), classify(&item), "Behind `x`.").to_string()
        };
        assert_eq!(
            note("/// Docs.\n#[inline] fn f() {}"),
            "# [doc = \" Docs.\"] # [inline] # [doc = \"\"] # [doc = \"Behind `x`.\"] fn f () { }"
        );
        assert_eq!(note("fn f() {}"), "fn f () { }");
        assert_eq!(note("/// Docs.\nm!{}"), "# [doc = \" Docs.\"] m ! { }");
    }
}
