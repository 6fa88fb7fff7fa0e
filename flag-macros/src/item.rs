//! What kind of item an attribute is on, found by looking at its first tokens rather than parsing it.
//!
//! A static flag keeps or drops the item's tokens as they are; only a `fallback` needs the fn's signature,
//! and even then the body stays an unparsed token group. This keeps the cost of a flagged item close to that
//! of a `#[cfg]`.
//!
//! The same goes for attributes and documentation: proc macros run unoptimised in dev builds, so a split
//! fn keeps its attributes as tokens, and the rustdoc note that says which flag guards an item is decided
//! from the raw attribute tokens and built as tokens, never parsed.

use proc_macro2::{Delimiter, Group, Literal, Spacing, Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{Signature, Token, Visibility};

use crate::session;
use crate::trees::{group, punct, word};

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
#[cfg(test)]
pub fn classify(item: &TokenStream) -> ItemKind {
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    classify_tokens(&tokens)
}

/// Classifies an item, given as its token trees, from its leading tokens. The caller keeps the trees for
/// the rewrite of a fn (see `SwitchedFn::read`): taking an item's trees out of the compiler is a walk over
/// all of them, which proc macros pay unoptimised in dev builds.
pub fn classify_tokens(tokens: &[TokenTree]) -> ItemKind {
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
///
/// Decided from the raw tokens: an outer attribute is `#` then a bracket group, and it documents the item
/// when the group's first token is the ident `doc` (which is what `///` and `/** */` become). The note is
/// built as tokens, not parsed, and an undocumented item is returned as it came.
pub fn with_doc_note(
    item: TokenStream,
    kind: ItemKind,
    note: impl FnOnce() -> String,
) -> TokenStream {
    // In rustc no note is wanted, and the item's tokens need not be read at all.
    if !notes_wanted()
        || matches!(
            kind,
            ItemKind::Other("a macro call")
                | ItemKind::FreeOnly("a use declaration" | "an extern crate")
        )
    {
        return item;
    }
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let (end_of_attributes, documented) = outer_attributes(&tokens);
    if !documented {
        return item;
    }
    let mut noted = Vec::with_capacity(tokens.len() + 4);
    let mut tokens = tokens.into_iter();
    noted.extend(tokens.by_ref().take(end_of_attributes));
    noted.extend(doc_note(&note()));
    noted.extend(tokens);
    noted.into_iter().collect()
}

/// Where an item's outer attributes end (each is `#` then a bracket group), and whether one of them is
/// documentation.
pub fn outer_attributes(tokens: &[TokenTree]) -> (usize, bool) {
    let end = attributes_end(tokens);
    (end, documented(&tokens[..end]))
}

/// Whether one of `attributes` (outer attributes, as [`attributes_end`] delimits them) is documentation.
pub fn documented(attributes: &[TokenTree]) -> bool {
    attributes
        .chunks(2)
        .any(|attribute| matches!(attribute, [_, TokenTree::Group(group)] if is_doc(group)))
}

/// Where an item's outer attributes end, without looking inside them (which takes each one's tokens out of
/// the compiler): what the rewrite of a fn needs in rustc, where no doc note is wanted.
pub fn attributes_end(tokens: &[TokenTree]) -> usize {
    let mut end = 0;
    while let [TokenTree::Punct(hash), TokenTree::Group(group), ..] = &tokens[end..] {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        end += 2;
    }
    end
}

/// Whether the bracket group of an attribute is a `doc` attribute: its first token is the ident `doc`.
fn is_doc(group: &Group) -> bool {
    matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
}

/// Whether doc notes are worth building in this process: not in `rustc` itself, where `cfg(doc)` is never
/// set and the compiler would drop them unread, but in rustdoc, rust-analyzer's proc-macro server or any
/// process this cannot recognise (see [`session::in_rustc`]).
pub fn notes_wanted() -> bool {
    !session::in_rustc()
}

/// `#[cfg_attr(doc, doc = "", doc = "note")]`: an empty line, so that the note is a paragraph of its own,
/// then the note, for rustdoc only. A plain `#[doc]` would also be stored in the crate's metadata and go
/// through every pass that reads attributes, on every build; under `cfg(doc)` the compiler drops it while
/// expanding. Built tree by tree, with the spans, spacing and literals
/// `quote!(#[cfg_attr(doc, doc = "", doc = #note)])` gives.
pub fn doc_note(note: &str) -> [TokenTree; 2] {
    let doc = || word("doc", Span::call_site());
    let alone = |c| punct(c, Spacing::Alone, Span::call_site());
    // `doc, doc = "", doc = "note"`: the condition, then the two attributes.
    let arguments: [TokenTree; 9] = [
        doc(),
        alone(','),
        doc(),
        alone('='),
        Literal::string("").into(),
        alone(','),
        doc(),
        alone('='),
        Literal::string(note).into(),
    ];
    let attribute: [TokenTree; 2] = [
        word("cfg_attr", Span::call_site()),
        group(Delimiter::Parenthesis, arguments, Span::call_site()).into(),
    ];
    [
        punct('#', Spacing::Alone, Span::call_site()),
        group(Delimiter::Bracket, attribute, Span::call_site()).into(),
    ]
}

/// A fn split into what the expansion rewrites (the signature) and what it keeps as tokens (the rest).
pub struct FnParts {
    /// Outer attributes, as written: never parsed here (rustc checks them when it reads the expansion).
    pub attrs: TokenStream,
    /// Whether one of `attrs` is documentation.
    pub documented: bool,
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
    pub fn add_doc_note(&mut self, note: impl FnOnce() -> String) {
        if self.documented && notes_wanted() {
            self.attrs.extend(doc_note(&note()));
        }
    }

    /// The fn again, as tokens.
    pub fn into_tokens(self) -> TokenStream {
        let FnParts {
            mut attrs,
            vis,
            defaultness,
            sig,
            body,
            ..
        } = self;
        attrs.extend(quote!(#vis #defaultness #sig));
        attrs.extend([TokenTree::Group(body)]);
        attrs
    }
}

/// Splits a fn with a body (an item [`classify`] calls [`ItemKind::Fn`]) into its parts.
///
/// Only the signature goes through syn. The body is the last token and is kept as it is; the outer
/// attributes are `#` and a bracket group each, read off the tokens. syn would build a buffer over the whole
/// body and parse every attribute's value as an expression, which in an unoptimised proc macro costs more
/// than the rest of the expansion.
pub fn split_fn(item: TokenStream) -> syn::Result<FnParts> {
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let body = match tokens.pop() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
        other => {
            let span = other.map_or_else(Span::call_site, |token| token.span());
            return Err(syn::Error::new(span, "expected the fn's body"));
        }
    };
    let (end_of_attributes, documented) = outer_attributes(&tokens);
    let head: TokenStream = tokens.drain(end_of_attributes..).collect();
    let parse_head =
        |input: ParseStream| -> syn::Result<(Visibility, Option<Token![default]>, Signature)> {
            Ok((input.parse()?, input.parse()?, input.parse()?))
        };
    let (vis, defaultness, sig) = parse_head.parse2(head)?;
    Ok(FnParts {
        attrs: tokens.into_iter().collect(),
        documented,
        vis,
        defaultness,
        sig,
        body,
    })
}

/// Whether a block starts with an inner attribute (`#![..]`).
pub fn has_inner_attributes(body: &Group) -> bool {
    let mut tokens = body.stream().into_iter();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(TokenTree::Punct(hash)), Some(TokenTree::Punct(bang)))
            if hash.as_char() == '#' && bang.as_char() == '!'
    )
}

/// A copy of `body` with `statements` first, after any inner attributes.
pub fn prepend(body: &Group, statements: impl IntoIterator<Item = TokenTree>) -> Group {
    let mut tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut at = 0;
    while let [
        TokenTree::Punct(hash),
        TokenTree::Punct(bang),
        TokenTree::Group(_),
        ..,
    ] = &tokens[at..]
    {
        if hash.as_char() != '#' || bang.as_char() != '!' {
            break;
        }
        at += 3;
    }
    tokens.splice(at..at, statements);
    let mut group = Group::new(Delimiter::Brace, tokens.into_iter().collect());
    group.set_span(body.span());
    group
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
        let parts = split_fn(
            "#[inline] pub async fn f<T>(&self, (a, b): (T, T)) -> u8 where T: Copy { ??? }"
                .parse()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(parts.sig.ident, "f");
        assert_eq!(parts.sig.inputs.len(), 2);
        assert!(parts.sig.generics.where_clause.is_some());
        assert_eq!(parts.body.stream().to_string(), "???");
        assert_eq!(parts.attrs.to_string(), "# [inline]");
        assert!(!parts.documented);
    }

    #[test]
    fn a_split_fn_keeps_its_attributes_as_written() {
        // Attributes are not parsed: even malformed ones go back to rustc untouched, for it to report.
        for attrs in [
            "",
            "/// Docs.\n/// More.",
            "#[doc = r\"raw\"] #[doc = 1] #[doc(hidden)]",
            "#[unsafe(no_mangle)] #[cfg_attr(all(), doc = \"a\")] #[deprecated = \"old\"]",
            "#[doc = ] #[doc == \"a\"] #[]",
        ] {
            let text = format!("{attrs}\npub(crate) fn f(x: u8) -> u8 {{ x }}");
            let item: TokenStream = text.parse().unwrap();
            let parts = split_fn(item.clone()).unwrap();
            let written: TokenStream = attrs.parse().unwrap();
            assert_eq!(shape(parts.attrs.clone()), shape(written), "{text}");
            assert_eq!(shape(parts.into_tokens()), shape(item), "{text}");
        }
    }

    #[test]
    fn splitting_reports_what_is_not_a_fn_with_a_body() {
        for text in ["fn f();", "#[inline] fn (x) {}", "#! [x] fn f() {}"] {
            assert!(split_fn(text.parse().unwrap()).is_err(), "{text}");
        }
    }

    #[test]
    fn doc_notes_go_after_existing_documentation_only() {
        let note = |text: &str| {
            let item: TokenStream = text.parse().unwrap();
            with_doc_note(item.clone(), classify(&item), || "Behind `x`.".to_owned()).to_string()
        };
        assert_eq!(
            note("/// Docs.\n#[inline] fn f() {}"),
            "# [doc = \" Docs.\"] # [inline] # [cfg_attr (doc , doc = \"\" , doc = \"Behind `x`.\")] fn f () { }"
        );
        assert_eq!(note("fn f() {}"), "fn f () { }");
        assert_eq!(note("/// Docs.\nm!{}"), "# [doc = \" Docs.\"] m ! { }");
        assert_eq!(
            note("#[inline]\n#[doc(hidden)]\nconst C: u8 = 1;"),
            "# [inline] # [doc (hidden)] # [cfg_attr (doc , doc = \"\" , doc = \"Behind `x`.\")] const C : u8 = 1 ;"
        );
        assert_eq!(
            note("#[inline]\n#[docs] fn f() {}"),
            "# [inline] # [docs] fn f () { }"
        );
    }

    /// Every token with its kind, delimiter and spacing.
    fn shape(tokens: TokenStream) -> String {
        crate::token_text::tokens_text(tokens, true)
    }

    #[test]
    fn the_note_is_the_tokens_quote_gave() {
        for note in ["Behind `x`.", "", "quotes \" and \\ and\nlines"] {
            let built: TokenStream = doc_note(note).into_iter().collect();
            let quoted = quote::quote!(#[cfg_attr(doc, doc = "", doc = #note)]);
            assert_eq!(shape(built), shape(quoted));
        }
    }

    #[test]
    fn fns_get_the_same_note_as_other_items() {
        let noted = |text: &str| {
            let mut parts = split_fn(text.parse().unwrap()).unwrap();
            parts.add_doc_note(|| "Behind `x`.".to_owned());
            parts.attrs.to_string()
        };
        assert_eq!(
            noted("/// Docs.\n#[inline] fn f() {}"),
            "# [doc = \" Docs.\"] # [inline] # [cfg_attr (doc , doc = \"\" , doc = \"Behind `x`.\")]"
        );
        assert_eq!(noted("#[inline] fn f() {}"), "# [inline]");
    }

    #[test]
    fn prepends_after_inner_attributes() {
        let body: Group = syn::parse_str("{ #![allow(unused)] let x = 1; }").unwrap();
        let result = prepend(
            &body,
            quote!(
                const _: () = ();
            ),
        )
        .to_string();
        assert_eq!(
            result,
            "{ #! [allow (unused)] const _ : () = () ; let x = 1 ; }"
        );
    }
}
