//! What kind of item an attribute is on, found by looking at its first tokens rather than parsing it.
//!
//! A static flag keeps or drops the item's tokens as they are; only a `fallback` needs the fn's signature,
//! and even then the body stays an unparsed token group. This keeps the cost of a flagged item close to that
//! of a `#[cfg]`.
//!
//! The same goes for documentation: proc macros run unoptimised in dev builds, so the rustdoc note that says
//! which flag guards an item is decided from the raw attribute tokens and built as tokens (or as syn's
//! `Attribute`, for a fn already split), never parsed; and the `#[doc = "..."]` attributes that `///`
//! comments become are read off their tokens when a fn is split, where syn would parse each value as an
//! expression.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use syn::buffer::Cursor;
use syn::parse::{Parse, ParseStream};
use syn::{
    AttrStyle, Attribute, Expr, ExprLit, Lit, LitStr, Meta, MetaNameValue, Signature, Token,
    Visibility, token,
};

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
///
/// Decided from the raw tokens: an outer attribute is `#` then a bracket group, and it documents the item
/// when the group's first token is the ident `doc` (which is what `///` and `/** */` become). The note is
/// built as tokens, not parsed, and an undocumented item is returned as it came.
pub fn with_doc_note(item: TokenStream, kind: ItemKind, note: &str) -> TokenStream {
    if matches!(
        kind,
        ItemKind::Other("a macro call")
            | ItemKind::FreeOnly("a use declaration" | "an extern crate")
    ) {
        return item;
    }
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let mut end_of_attributes = 0;
    let mut documented = false;
    while let [TokenTree::Punct(hash), TokenTree::Group(group), ..] = &tokens[end_of_attributes..] {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        documented = documented || is_doc(group);
        end_of_attributes += 2;
    }
    if !documented {
        return item;
    }
    let mut noted = Vec::with_capacity(tokens.len() + 4);
    let mut tokens = tokens.into_iter();
    noted.extend(tokens.by_ref().take(end_of_attributes));
    noted.extend(doc_note(note));
    noted.extend(tokens);
    noted.into_iter().collect()
}

/// Whether the bracket group of an attribute is a `doc` attribute: its first token is the ident `doc`.
fn is_doc(group: &Group) -> bool {
    matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
}

/// `#[doc = ""] #[doc = "note"]`: an empty line, so that the note is a paragraph of its own, then the note.
/// Built tree by tree, with the spans, spacing and literals `quote!(#[doc = ""] #[doc = #note])` gives.
fn doc_note(note: &str) -> [TokenTree; 4] {
    [
        Punct::new('#', Spacing::Alone).into(),
        doc_group(""),
        Punct::new('#', Spacing::Alone).into(),
        doc_group(note),
    ]
}

/// `[doc = "text"]`.
fn doc_group(text: &str) -> TokenTree {
    let inside: [TokenTree; 3] = [
        Ident::new("doc", Span::call_site()).into(),
        Punct::new('=', Spacing::Alone).into(),
        Literal::string(text).into(),
    ];
    Group::new(Delimiter::Bracket, inside.into_iter().collect()).into()
}

/// `#[doc = "text"]` as a syn attribute, built rather than parsed; it prints as [`doc_group`] does.
fn doc_attribute(text: &str) -> Attribute {
    Attribute {
        pound_token: Default::default(),
        style: AttrStyle::Outer,
        bracket_token: Default::default(),
        meta: Meta::NameValue(MetaNameValue {
            path: Ident::new("doc", Span::call_site()).into(),
            eq_token: Default::default(),
            value: Expr::Lit(ExprLit {
                attrs: Vec::new(),
                lit: Lit::Str(LitStr::new(text, Span::call_site())),
            }),
        }),
    }
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
            self.attrs.push(doc_attribute(""));
            self.attrs.push(doc_attribute(note));
        }
    }
}

impl Parse for FnParts {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = outer_attributes(input)?;
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

/// The outer attributes, as `Attribute::parse_outer` gives them.
///
/// syn parses an attribute's value as an expression, which is costly in an unoptimised proc macro; but a
/// fn's attributes are mostly its documentation, `#[doc = "..."]` (what `///` becomes), a shape that can
/// be read off the tokens. Those are built directly, exactly as syn builds them (a path of one segment, an
/// `Expr::Lit` of `Lit::new` of the literal, the tokens' spans); from the first attribute of any other
/// shape on, `Attribute::parse_outer` takes over, with its errors.
fn outer_attributes(input: ParseStream) -> syn::Result<Vec<Attribute>> {
    let mut attrs = Vec::new();
    while input.peek(Token![#]) {
        let doc = input.step(|cursor| {
            Ok(match doc_attribute_at(*cursor) {
                Some((attr, rest)) => (Some(attr), rest),
                None => (None, *cursor),
            })
        })?;
        match doc {
            Some(attr) => attrs.push(attr),
            None => {
                attrs.extend(input.call(Attribute::parse_outer)?);
                break;
            }
        }
    }
    Ok(attrs)
}

/// `#[doc = LITERAL]` at `cursor`, and what follows it.
fn doc_attribute_at(cursor: Cursor) -> Option<(Attribute, Cursor)> {
    let (pound, rest) = cursor.punct()?;
    let (inside, brackets, rest) = rest.group(Delimiter::Bracket)?;
    let (path, inside) = inside.ident()?;
    let (eq, inside) = inside.punct()?;
    let (literal, inside) = inside.literal()?;
    if pound.as_char() != '#' || path != "doc" || eq.as_char() != '=' || !inside.eof() {
        return None;
    }
    let attr = Attribute {
        pound_token: Token![#](pound.span()),
        style: AttrStyle::Outer,
        bracket_token: token::Bracket(brackets),
        meta: Meta::NameValue(MetaNameValue {
            path: path.into(),
            eq_token: Token![=](eq.span()),
            value: Expr::Lit(ExprLit {
                attrs: Vec::new(),
                lit: Lit::new(literal),
            }),
        }),
    };
    Some((attr, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

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
        assert_eq!(
            note("#[inline]\n#[doc(hidden)]\nconst C: u8 = 1;"),
            "# [inline] # [doc (hidden)] # [doc = \"\"] # [doc = \"Behind `x`.\"] const C : u8 = 1 ;"
        );
        assert_eq!(
            note("#[inline]\n#[docs] fn f() {}"),
            "# [inline] # [docs] fn f () { }"
        );
    }

    /// Every token with its kind, delimiter and spacing: what `to_string` alone would not show.
    fn shape(tokens: TokenStream) -> String {
        tokens
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Group(group) => {
                    format!("{:?}[{}]", group.delimiter(), shape(group.stream()))
                }
                TokenTree::Punct(punct) => format!("{}{:?}", punct.as_char(), punct.spacing()),
                TokenTree::Ident(ident) => format!("ident {ident}"),
                TokenTree::Literal(literal) => format!("literal {literal}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn the_note_is_the_tokens_quote_gave() {
        for note in ["Behind `x`.", "", "quotes \" and \\ and\nlines"] {
            let built: TokenStream = doc_note(note).into_iter().collect();
            let quoted = quote::quote!(#[doc = ""] #[doc = #note]);
            assert_eq!(shape(built), shape(quoted.clone()));

            let attributes = [doc_attribute(""), doc_attribute(note)];
            let parsed = Attribute::parse_outer.parse2(quoted.clone()).unwrap();
            assert_eq!(
                shape(quote::quote!(#(#attributes)*)),
                shape(quote::quote!(#(#parsed)*))
            );
            assert_eq!(shape(quote::quote!(#(#attributes)*)), shape(quoted));
        }
    }

    #[test]
    fn reads_attributes_as_syn_does() {
        let cases = [
            "",
            "/// Docs.\n/// More.",
            "/** Block. */",
            "#[doc = r\"raw\"] #[doc = \"a\" ] #[doc = 1]",
            "/// Docs.\n#[inline] /// After.",
            "#[doc(hidden)] #[doc = \"a\"]",
            "#[doc = \"a\" \"b\"] #[doc = \"c\"]",
            "#[doc = -1] #[doc = true] #[doc = concat!(\"a\")]",
            "#[doc == \"a\"] #[r#doc = \"a\"] #[docs = \"a\"] #[path::doc = \"a\"]",
            "#[unsafe(no_mangle)] #[cfg_attr(all(), doc = \"a\")] #[deprecated = \"old\"]",
            "#[doc = ] #[doc = \"a\"]",
            "#[doc = \"a\"] #[doc = #[x] 1]",
            "#[doc = \"a\"] #![inner]",
            "#[doc = \"a\"] #[]",
        ];
        for attrs in cases {
            let text = format!("{attrs} fn f() {{}}");
            let ours = syn::parse_str::<FnParts>(&text).map(|parts| {
                let attrs = parts.attrs;
                shape(quote::quote!(#(#attrs)*))
            });
            let syns = syn::parse_str::<ParsedAttrs>(&text).map(|parsed| {
                let attrs = parsed.0;
                shape(quote::quote!(#(#attrs)*))
            });
            match (ours, syns) {
                (Ok(ours), Ok(syns)) => assert_eq!(ours, syns, "{text}"),
                (Err(ours), Err(syns)) => {
                    assert_eq!(ours.to_string(), syns.to_string(), "{text}");
                    assert_eq!(
                        format!("{:?}", ours.span()),
                        format!("{:?}", syns.span()),
                        "{text}"
                    );
                }
                (ours, syns) => panic!("{text}: {:?} against {:?}", ours.is_ok(), syns.is_ok()),
            }
        }
        // Each kind of value keeps its own expression.
        let parts: FnParts = syn::parse_str("/// a\n#[doc = 1] #[doc = -1] fn f() {}").unwrap();
        let values: Vec<_> = parts
            .attrs
            .iter()
            .map(|attr| match &attr.meta {
                Meta::NameValue(name_value) => match &name_value.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(_), ..
                    }) => "str",
                    Expr::Lit(ExprLit {
                        lit: Lit::Int(_), ..
                    }) => "int",
                    _ => "other",
                },
                _ => "not a name-value",
            })
            .collect();
        assert_eq!(values, ["str", "int", "int"]);
    }

    /// `FnParts` as syn alone would parse it, for comparison.
    struct ParsedAttrs(Vec<Attribute>);

    impl Parse for ParsedAttrs {
        fn parse(input: ParseStream) -> syn::Result<Self> {
            let attrs = input.call(Attribute::parse_outer)?;
            let _: Visibility = input.parse()?;
            let _: Option<Token![default]> = input.parse()?;
            let _: Signature = input.parse()?;
            let _: Group = input.parse()?;
            Ok(ParsedAttrs(attrs))
        }
    }

    #[test]
    fn fns_get_the_same_note_as_other_items() {
        let noted = |text: &str| {
            let mut parts: FnParts = syn::parse_str(text).unwrap();
            parts.add_doc_note("Behind `x`.");
            let attrs = &parts.attrs;
            quote::quote!(#(#attrs)*).to_string()
        };
        assert_eq!(
            noted("/// Docs.\n#[inline] fn f() {}"),
            "# [doc = \" Docs.\"] # [inline] # [doc = \"\"] # [doc = \"Behind `x`.\"]"
        );
        assert_eq!(noted("#[inline] fn f() {}"), "# [inline]");
    }
}
