//! A fn with a `fallback`, read for its rewrite: the attributes (with the doc note), the signature with each
//! argument given a name it can be passed on by, and the facts the rewrite needs. The common signature shape
//! is read off its tokens by [`signature::scan`], any other with syn; a test checks that both read the same.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::{FnArg, Pat, PatIdent, ReceiverKind, ReturnType, Safety, Signature};

use crate::item::{self, FnParts};
use crate::signature;
use flag_syntax::fallback::{self, Forward};

/// A fn with a fallback, read for the rewrite: its attributes (with the doc note), its signature as tokens
/// with the arguments ready to pass on, the facts about it that the rewrite needs, and its body.
///
/// The attributes and the signature are trees, not streams: the rewrite splices them into the fn it writes,
/// which then goes back to the compiler in one call.
pub(super) struct SwitchedFn {
    pub(super) attrs: Vec<TokenTree>,
    pub(super) head: Vec<TokenTree>,
    pub(super) body: Group,
    pub(super) ident: syn::Ident,
    pub(super) constness: Option<Span>,
    pub(super) asyncness: bool,
    pub(super) unsafety: bool,
    pub(super) returns_unit: bool,
    pub(super) arguments: Arguments,
    pub(super) types: signature::Types,
}

impl SwitchedFn {
    /// Reads `item`, a fn with a body, whose trees the caller has already taken out as `tokens` (see
    /// [`item::classify_tokens`]): by [`signature::scan`] when the signature has the common shape, else with
    /// syn. `keep_mut` as in [`forward_arguments`].
    pub(super) fn read(
        item: &TokenStream,
        tokens: Vec<TokenTree>,
        keep_mut: bool,
        note: &impl Fn() -> String,
    ) -> syn::Result<Self> {
        match Self::read_quickly(tokens, keep_mut, note) {
            Some(read) => Ok(read),
            None => Self::read_with_syn(item.clone(), keep_mut, note),
        }
    }

    /// By [`signature::scan`]: `None` when the signature needs syn.
    fn read_quickly(
        mut tokens: Vec<TokenTree>,
        keep_mut: bool,
        note: &impl Fn() -> String,
    ) -> Option<Self> {
        match tokens.pop() {
            Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
                let end_of_attributes = item::attributes_end(&tokens);
                let quick = signature::scan(&tokens[end_of_attributes..], keep_mut)?;
                // Whether the fn is documented matters only where a note is wanted (not in rustc).
                let noted = item::notes_wanted() && item::documented(&tokens[..end_of_attributes]);
                tokens.truncate(end_of_attributes);
                let mut attrs = tokens;
                if noted {
                    attrs.extend(item::doc_note(&note()));
                }
                Some(SwitchedFn {
                    attrs,
                    head: quick.head,
                    body,
                    ident: quick.ident,
                    constness: quick.constness,
                    asyncness: quick.asyncness,
                    unsafety: quick.unsafety,
                    returns_unit: quick.returns_unit,
                    arguments: Arguments {
                        values: quick.values.into_iter().map(Passed::written).collect(),
                        rebinds: Vec::new(),
                    },
                    types: quick.types,
                })
            }
            _ => None,
        }
    }

    /// With syn, for any signature.
    fn read_with_syn(
        item: TokenStream,
        keep_mut: bool,
        note: &impl Fn() -> String,
    ) -> syn::Result<Self> {
        let mut parts = item::split_fn(item)?;
        parts.add_doc_note(note);
        let FnParts {
            attrs,
            vis,
            defaultness,
            mut sig,
            body,
            ..
        } = parts;
        let constness = sig.constness.map(|token| token.span);
        let arguments = forward_arguments(&mut sig, keep_mut)?;
        let trees = |tokens: TokenStream| tokens.into_iter().collect::<Vec<_>>();
        let types = signature::Types {
            inputs: sig
                .inputs
                .iter()
                .map(|input| match input {
                    FnArg::Receiver(receiver) => receiver_type(receiver).map(trees),
                    FnArg::Typed(typed) => Some(trees(typed.ty.to_token_stream())),
                })
                .collect(),
            output: match &sig.output {
                ReturnType::Default => Vec::new(),
                ReturnType::Type(_, ty) => trees(ty.to_token_stream()),
            },
            abi: sig.abi.is_some(),
        };
        Ok(SwitchedFn {
            attrs: trees(attrs),
            ident: sig.ident.clone(),
            constness,
            asyncness: sig.asyncness.is_some(),
            unsafety: matches!(sig.safety, Safety::Unsafe(_)),
            returns_unit: fallback::returns_unit(&sig),
            head: trees(quote!(#vis #defaultness #sig)),
            body,
            arguments,
            types,
        })
    }
}

/// How a fn's arguments reach its fallback.
pub(super) struct Arguments {
    /// The names to pass, receiver first.
    pub(super) values: Vec<Passed>,
    /// `let PATTERN = __flag_argN;` for each argument whose pattern was replaced by a plain name.
    pub(super) rebinds: Vec<TokenStream>,
}

/// A name passed on to the fallback.
pub(super) struct Passed {
    pub(super) name: syn::Ident,
    /// Made by the expansion (`__flag_argN`, with mixed-site hygiene) rather than written by the user.
    pub(super) made: bool,
}

impl Passed {
    fn written(name: syn::Ident) -> Self {
        Passed { name, made: false }
    }
}

/// Gives each argument a name the fallback call can use: a plain `name` pattern is kept, any other pattern
/// (`(a, b)`, `_`, `ref x`) becomes `__flag_argN` and is destructured again at the top of the body.
/// `keep_mut` keeps `mut` on plain names, which only the original body (kept at run time) needs.
fn forward_arguments(sig: &mut Signature, keep_mut: bool) -> syn::Result<Arguments> {
    let forwards = fallback::forwarding(sig)
        .map_err(|dots| syn::Error::new(dots, "a variadic fn cannot have a fallback"))?;
    let mut arguments = Arguments {
        values: Vec::new(),
        rebinds: Vec::new(),
    };
    for ((index, input), forward) in sig.inputs.iter_mut().enumerate().zip(forwards) {
        match (input, forward) {
            (FnArg::Receiver(receiver), _) => {
                let self_token = receiver.self_token;
                arguments.values.push(Passed::written(self_token.into()));
            }
            (FnArg::Typed(typed), Forward::Name { ident, .. }) => {
                if let Pat::Ident(plain) = &mut *typed.pat
                    && !keep_mut
                {
                    plain.mutability = None;
                }
                arguments.values.push(Passed::written(ident));
            }
            (FnArg::Typed(typed), _) => {
                let name = format_ident!("__flag_arg{}", index, span = Span::mixed_site());
                let original = std::mem::replace(
                    &mut *typed.pat,
                    Pat::Ident(PatIdent {
                        attrs: Vec::new(),
                        by_ref: None,
                        mutability: None,
                        ident: name.clone(),
                        subpat: None,
                    }),
                );
                arguments.rebinds.push(quote!(let #original = #name;));
                arguments.values.push(Passed { name, made: true });
            }
        }
    }
    Ok(arguments)
}

/// A receiver's type: `Self`, `&'a mut Self` or the type written after `self:`.
fn receiver_type(receiver: &syn::Receiver) -> Option<TokenStream> {
    let self_type = syn::Ident::new("Self", receiver.self_token.span);
    match &receiver.kind {
        ReceiverKind::Value => Some(quote!(#self_type)),
        ReceiverKind::Reference(and, lifetime, mutability) => {
            Some(quote!(#and #lifetime #mutability #self_type))
        }
        ReceiverKind::Typed(_, ty) => Some(ty.to_token_stream()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig_after(text: &str, keep_mut: bool) -> (String, Vec<String>, Vec<String>) {
        let mut sig: Signature = syn::parse_str(text).unwrap();
        let arguments = forward_arguments(&mut sig, keep_mut).unwrap();
        (
            quote!(#sig).to_string(),
            arguments
                .values
                .iter()
                .map(|value| value.name.to_string())
                .collect(),
            arguments.rebinds.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn forwards_plain_names_and_renames_patterns() {
        let (sig, values, rebinds) =
            sig_after("fn f(&self, mut a: u8, (b, c): (u8, u8), _: u8)", false);
        assert_eq!(
            sig,
            "fn f (& self , a : u8 , __flag_arg2 : (u8 , u8) , __flag_arg3 : u8)"
        );
        assert_eq!(values, ["self", "a", "__flag_arg2", "__flag_arg3"]);
        assert_eq!(
            rebinds,
            ["let (b , c) = __flag_arg2 ;", "let _ = __flag_arg3 ;"]
        );
        let (sig, ..) = sig_after("fn f(mut a: u8)", true);
        assert_eq!(sig, "fn f (mut a : u8)");
    }

    /// The tokens, one by one, without their spacing (which syn re-creates differently).
    fn flat(tokens: TokenStream) -> String {
        crate::token_text::tokens_text(tokens, false)
    }

    /// What a rewrite sees of a fn, as text.
    fn facts(read: &SwitchedFn) -> String {
        let values = read.arguments.values.iter().map(|value| {
            let made = if value.made { "made " } else { "" };
            format!("{made}{}", value.name)
        });
        let rebinds = &read.arguments.rebinds;
        let types = &read.types;
        let stream = |trees: &[TokenTree]| trees.iter().cloned().collect::<TokenStream>();
        let inputs = types.inputs.iter().flatten().map(|ty| flat(stream(ty)));
        format!(
            "{} | {} | {} const {} async {} unsafe {} unit {} | {} | {} | {} | {} -> {} abi {}",
            flat(stream(&read.attrs)),
            flat(stream(&read.head)),
            read.ident,
            read.constness.is_some(),
            read.asyncness,
            read.unsafety,
            read.returns_unit,
            values.collect::<Vec<_>>().join(", "),
            quote!(#(#rebinds)*),
            read.body,
            inputs.collect::<Vec<_>>().join(", "),
            flat(stream(&types.output)),
            types.abi,
        )
    }

    #[test]
    fn the_quick_reading_agrees_with_syn() {
        let quick_ones = [
            "fn f() {}",
            "pub fn f(x: u64) -> u64 { x }",
            "/// Docs.\n#[inline] pub(crate) fn f(mut x: u64, y: &str) -> () { x }",
            "async unsafe fn f(&self, x: Vec<u8>, y: HashMap<K, V>) -> Result<(), E> { }",
            "const fn f(&'a mut self, m: impl Fn(u8, u8) -> u8) {}",
            "pub extern \"C\" fn f(self: Box<Self>, x: [u8; 4]) where T: Copy {}",
            "fn f<T: Fn() -> Vec<u8>, const N: usize>(mut self, x: T, y: [u8; N],) -> T where T: Clone { x }",
            "fn f<T = Vec<Vec<u8>>>(x: Option<Vec<u8>>, y: fn(u8) -> u8) -> Option<Vec<u8>> { x }",
            "default fn f(x: <T as Tr>::Out) -> ((),) {}",
            "pub(in crate::m) fn f(x: &dyn Fn() -> u8) -> impl Fn() -> u8 {}",
        ];
        for text in quick_ones {
            for keep_mut in [true, false] {
                let note = || "Behind `x`.".to_owned();
                let item: TokenStream = text.parse().unwrap();
                let quick =
                    SwitchedFn::read_quickly(item.clone().into_iter().collect(), keep_mut, &note)
                        .unwrap_or_else(|| panic!("not read quickly: {text}"));
                let syn = SwitchedFn::read_with_syn(item, keep_mut, &note).unwrap();
                assert_eq!(facts(&quick), facts(&syn), "{text}, keep_mut {keep_mut}");
            }
        }
        let for_syn = [
            "fn f((a, b): (u8, u8)) {}",
            "fn f(_: u8) {}",
            "fn f(ref x: u8) {}",
            "fn f(#[cfg(x)] x: u8) {}",
            "unsafe extern \"C\" fn f(x: u8, ...) {}",
            "fn f(Wrapper(x): Wrapper) {}",
            "fn f(m::Unit: m::Unit) {}",
        ];
        for text in for_syn {
            let item: TokenStream = text.parse().unwrap();
            assert!(
                SwitchedFn::read_quickly(item.into_iter().collect(), true, &String::new).is_none(),
                "{text}"
            );
        }
    }
}
