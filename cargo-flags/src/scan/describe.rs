//! How a reference's item is named in reports: `fn render`, `impl Cart`, `struct Legacy`.

use syn::{ForeignItem, ImplItem, Item, TraitItem};

use crate::syntax;
use crate::text::LineIndex;

/// `fn render`, `struct Cart`, `impl Display for Cart`, ...: how people name an item.
pub fn describe_item(item: &Item, text: &str, index: &LineIndex) -> String {
    let source = |node: &dyn quote::ToTokens| {
        let tokens = node.to_token_stream();
        syntax::one_line(&text[syntax::range_of(&tokens, index)])
    };
    match item {
        Item::Const(item) => format!("const {}", item.ident),
        Item::Enum(item) => format!("enum {}", item.ident),
        Item::ExternCrate(item) => format!("extern crate {}", item.ident),
        Item::Fn(item) => format!("fn {}", item.sig.ident),
        Item::ForeignMod(_) => "extern block".to_owned(),
        Item::Impl(item) => match &item.trait_ {
            Some((path, _)) => format!("impl {} for {}", source(path), source(&item.self_ty)),
            None => format!("impl {}", source(&item.self_ty)),
        },
        Item::Macro(item) => match &item.ident {
            Some(ident) => format!("macro {ident}"),
            None => format!("{}! call", source(&item.mac.path)),
        },
        Item::Mod(item) => format!("mod {}", item.ident),
        Item::Static(item) => format!("static {}", item.ident),
        Item::Struct(item) => format!("struct {}", item.ident),
        Item::Trait(item) => format!("trait {}", item.ident),
        Item::TraitAlias(item) => format!("trait {}", item.ident),
        Item::Type(item) => format!("type {}", item.ident),
        Item::Union(item) => format!("union {}", item.ident),
        Item::Use(item) => format!("use {}", source(&item.tree)),
        _ => "item".to_owned(),
    }
}

/// How people name an item of an impl block.
pub fn describe_impl_item(item: &ImplItem) -> String {
    match item {
        ImplItem::Const(item) => format!("const {}", item.ident),
        ImplItem::Fn(item) => format!("fn {}", item.sig.ident),
        ImplItem::Type(item) => format!("type {}", item.ident),
        ImplItem::Macro(_) => "macro call".to_owned(),
        _ => "impl item".to_owned(),
    }
}

/// How people name an item of a trait.
pub fn describe_trait_item(item: &TraitItem) -> String {
    match item {
        TraitItem::Const(item) => format!("const {}", item.ident),
        TraitItem::Fn(item) => format!("fn {}", item.sig.ident),
        TraitItem::Type(item) => format!("type {}", item.ident),
        TraitItem::Macro(_) => "macro call".to_owned(),
        _ => "trait item".to_owned(),
    }
}

/// How people name an item of an extern block.
pub fn describe_foreign_item(item: &ForeignItem) -> String {
    match item {
        ForeignItem::Fn(item) => format!("fn {}", item.sig.ident),
        ForeignItem::Static(item) => format!("static {}", item.ident),
        ForeignItem::Type(item) => format!("type {}", item.ident),
        ForeignItem::Macro(_) => "macro call".to_owned(),
        _ => "foreign item".to_owned(),
    }
}
