//! A gated fn rewritten around its fallback, or switched at run time: the call of the fallback (checked
//! against the fn's signature through a fn pointer type where one can be written) and the bodies that make
//! it. What the rewrite reads of the fn is [`switched_fn`](super::switched_fn)'s; how the call passes the
//! arguments is `flag_syntax::fallback`'s, shared with `cargo flags remove`.

use std::sync::Arc;

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};

use super::extras::Extras;
use super::switched_fn::SwitchedFn;
use super::with_errors;
use crate::callsite;
use crate::decide::Check;
use crate::diagnostics::Errors;
use crate::item::{has_inner_attributes, prepend};
use crate::load::Build;
use crate::runtime_path::runtime_path;
use flag_syntax::fallback::{FallbackCall, WriteCall};

/// Reads the fn (see [`SwitchedFn::read`]; `tokens` are `item`'s trees) and rebuilds it with `rewrite`; on
/// any error, the fn as written plus the errors.
pub(super) fn rewrite_fn(
    item: TokenStream,
    tokens: Vec<TokenTree>,
    keep_mut: bool,
    note: &impl Fn() -> String,
    rewrite: impl FnOnce(SwitchedFn, &mut Errors) -> Option<TokenStream>,
) -> TokenStream {
    let mut errors = Errors::default();
    let rewritten = errors
        .take(SwitchedFn::read(&item, tokens, keep_mut, note))
        .and_then(|parts| rewrite(parts, &mut errors));
    match rewritten {
        Some(tokens) if errors.is_empty() => tokens,
        _ => with_errors(item, errors.into_compile_errors()),
    }
}

/// A fn with a fallback and a static condition. Off: same signature, body calling the fallback. On: the body
/// as written, after a call to the fallback in an `if false` that the compiler folds away, so that the
/// fallback, kept for the day the flag is turned off, is not reported as dead code.
pub(super) fn static_fallback(
    parts: SwitchedFn,
    key: &syn::Ident,
    path: &syn::ExprPath,
    on: bool,
    extras: &Extras,
    _errors: &mut Errors,
) -> Option<TokenStream> {
    let call = parts.fallback_call(key, path);
    let tracking = extras.take();
    if on {
        // Into the body as written, not around it: `{ .. { x } }` would be linted as unnecessary braces.
        let rebinds = &parts.arguments.rebinds;
        let body = prepend(
            &parts.body,
            quote!(#tracking if false { return #call; } #(#rebinds)*),
        );
        Some(parts.with_group(body))
    } else {
        // The fn now only forwards to its fallback, as its `#[cfg]` twin does; rustc makes such a small fn
        // inlinable in other crates by itself, and does not compile it here, when the call is direct. The
        // call through a fn pointer (see `fallback_call`) hides that, so it is said explicitly.
        let inline = (!names_inline(&parts.attrs)).then(|| quote!(#[inline]));
        let mut parts = parts;
        parts.attrs.extend(inline);
        Some(parts.with_body(quote!(#tracking #call)))
    }
}

/// Whether outer attributes `attrs` already say how to inline the fn (`inline`, `naked`, also inside
/// `unsafe(..)`), which a second `#[inline]` would contradict.
fn names_inline(attrs: &TokenStream) -> bool {
    attrs.clone().into_iter().any(|tree| match tree {
        TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {
            let mut inner = group.stream().into_iter();
            let first = match inner.next() {
                Some(TokenTree::Ident(ident)) if ident == "unsafe" => match inner.next() {
                    Some(TokenTree::Group(group)) => group.stream().into_iter().next(),
                    _ => None,
                },
                first => first,
            };
            matches!(first, Some(TokenTree::Ident(ident)) if ident == "inline" || ident == "naked")
        }
        _ => false,
    })
}

/// A fn whose condition depends on a dynamic flag: the body runs when it is on, the fallback (or nothing,
/// for a fn returning `()`) when it is off.
pub(super) fn runtime_switch(
    parts: SwitchedFn,
    fallback: &Option<(syn::Ident, syn::ExprPath)>,
    check: &Check,
    build: &Arc<Build>,
    extras: &Extras,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let (name, span) = check.first_flag();
    if let Some(constness) = parts.constness {
        errors.error(
            constness,
            format!(
                "flag `{name}` is dynamic, so this fn is switched at run time and cannot be `const`"
            ),
        );
        return None;
    }
    let otherwise = match fallback {
        Some((key, path)) => {
            let call = parts.fallback_call(key, path);
            quote!(else { #call })
        }
        None if parts.returns_unit => TokenStream::new(),
        None => {
            let fn_name = &parts.ident;
            errors.error(
                span,
                format!(
                    "flag `{name}` is dynamic, so `{fn_name}` is switched at run time; it returns a value, so \
                     it needs one for when the flag is off: add `fallback = path_to_fn` (a fn with the same \
                     signature)"
                ),
            );
            return None;
        }
    };
    let check = callsite::check(check, build, &runtime_path(), None);
    let tracking = extras.take();
    let rebinds = &parts.arguments.rebinds;
    // The body as written is the `if`'s block (`{ .. { x } }` would be linted as unnecessary braces), unless
    // it has inner attributes, which an `if` block cannot take.
    let body = &parts.body;
    let on = if has_inner_attributes(body) {
        quote!({ #(#rebinds)* #body })
    } else if rebinds.is_empty() {
        // Nothing to put first: the body as it came, not a copy made token by token.
        body.to_token_stream()
    } else {
        prepend(body, quote!(#(#rebinds)*)).into_token_stream()
    };
    let body = quote!(#tracking if #check #on #otherwise);
    Some(parts.with_body(body))
}

impl SwitchedFn {
    /// `path(args)`, with `.await` in an async fn and an `unsafe` block in an unsafe one; `key` is the
    /// `fallback` of `fallback = path`.
    ///
    /// Where the signature can be written as a fn pointer type (see [`SwitchedFn::pointer_type`]), the
    /// fallback is first bound to a local of that type and called through it: a fallback with another
    /// signature is then one error at the path the user wrote, "expected fn pointer `fn(u32) -> u32`, found
    /// fn item `fn(u32, bool) -> u32 {..}`", with "expected due to this" on `fallback`, rather than errors
    /// about the generated call. Elsewhere the call is direct.
    ///
    /// Either way the path's tokens keep their place and every other token is located at the path, all with
    /// the hygiene of the macro's call site (mixed-site for the names the expansion made), which resolves as
    /// the user's code would: rustc then points at `fallback = path`, and offers none of the suggestions it
    /// makes for code written by hand, which here would be invalid (`total.into()` inside the signature,
    /// `.into()` after the attribute, `path(total, /* bool */)` in it).
    pub(super) fn fallback_call(&self, key: &syn::Ident, path: &syn::ExprPath) -> TokenStream {
        let at = path
            .path
            .segments
            .last()
            .map_or_else(Span::call_site, |segment| segment.ident.span());
        let values = self.arguments.values.iter().map(|value| {
            let mut name = value.name.clone();
            let hygiene = if value.made {
                Span::mixed_site()
            } else {
                Span::call_site()
            };
            name.set_span(hygiene.located_at(at));
            name
        });
        let call = FallbackCall {
            arguments: values.collect(),
            awaited: self.asyncness,
            unsafe_block: self.unsafety,
        };
        call.write(&CallTokens {
            here: Span::call_site().located_at(at),
            at,
            path: respanned(quote!(#path), Span::call_site()),
            pointer: self.pointer_type(Span::call_site().located_at(key.span())),
        })
    }

    /// The fn's signature as a fn pointer type, `[unsafe] fn(Args) -> Output`, every token (groups
    /// included) at `span`, with `_` for a type that names `impl Trait` and for an `async fn`'s future, which
    /// have no name. `None` when the fn could not be called through a pointer of such a type: a `const fn`
    /// (no calls through pointers in const contexts), a fn with an ABI, a borrow in the return type (a
    /// pointer type cannot always elide its lifetime, nor `_` stand for a type that borrows from the
    /// arguments), or an `async fn` with borrowed arguments (its future borrows from them).
    ///
    /// Each type is copied once, token by token, noting on the way whether it borrows or names `impl`:
    /// proc macros run unoptimised in dev builds, where walking the types again for each question, then
    /// quoting and respanning the result, cost more than the rest of the fallback's call.
    fn pointer_type(&self, span: Span) -> Option<TokenStream> {
        let types = &self.types;
        let inputs = types.inputs.as_ref()?;
        if self.constness.is_some() || types.abi {
            return None;
        }
        let ident = |word: &str| TokenTree::Ident(Ident::new(word, span));
        let punct = |c: char, spacing: Spacing| {
            let mut punct = Punct::new(c, spacing);
            punct.set_span(span);
            TokenTree::Punct(punct)
        };
        // A type as written, or `_` where it names `impl Trait`; how it reads, for the checks.
        let write = |ty: &TokenStream, out: &mut Vec<TokenTree>| {
            let start = out.len();
            let read = copy_at(ty, span, out);
            if read.names_impl {
                out.truncate(start);
                out.push(ident("_"));
            }
            read
        };
        let mut output = Vec::new();
        if !types.output.is_empty() && write(&types.output, &mut output).borrows {
            return None;
        }
        if self.asyncness {
            output = vec![ident("_")];
        }
        let mut arguments = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            if index > 0 {
                arguments.push(punct(',', Spacing::Alone));
            }
            if write(input, &mut arguments).borrows && self.asyncness {
                return None;
            }
        }
        let mut pointer = Vec::with_capacity(output.len() + 5);
        if self.unsafety {
            pointer.push(ident("unsafe"));
        }
        pointer.push(ident("fn"));
        let mut arguments = Group::new(Delimiter::Parenthesis, arguments.into_iter().collect());
        arguments.set_span(span);
        pointer.push(TokenTree::Group(arguments));
        if !output.is_empty() {
            pointer.push(punct('-', Spacing::Joint));
            pointer.push(punct('>', Spacing::Alone));
            pointer.extend(output);
        }
        Some(pointer.into_iter().collect())
    }

    /// The fn with `body`, braces included, instead of its own.
    fn with_group(self, body: Group) -> TokenStream {
        let mut tokens = self.attrs;
        tokens.extend(self.head);
        tokens.extend([TokenTree::Group(body)]);
        tokens
    }

    /// The fn with `body` instead of its own.
    fn with_body(self, body: TokenStream) -> TokenStream {
        let mut tokens = self.attrs;
        tokens.extend(self.head);
        tokens.extend([TokenTree::Group(Group::new(Delimiter::Brace, body))]);
        tokens
    }
}

/// Spells a fallback call as tokens (see [`SwitchedFn::fallback_call`]).
struct CallTokens {
    /// The call site, located at the path.
    here: Span,
    /// The path's last segment.
    at: Span,
    /// The path as written, with call-site hygiene.
    path: TokenStream,
    /// The fn pointer type to call through, when the signature has one.
    pointer: Option<TokenStream>,
}

impl WriteCall<syn::Ident> for CallTokens {
    type Out = TokenStream;

    fn call(&self, arguments: Vec<syn::Ident>) -> TokenStream {
        let (here, path) = (self.here, &self.path);
        let mut arguments = Group::new(
            Delimiter::Parenthesis,
            quote_spanned!(here=> #(#arguments),*),
        );
        arguments.set_span(here);
        match &self.pointer {
            Some(pointer) => {
                let local = format_ident!(
                    "__flag_fallback",
                    span = Span::mixed_site().located_at(self.at)
                );
                quote_spanned!(here=> { let #local: #pointer = #path; #local #arguments })
            }
            None => quote!(#path #arguments),
        }
    }

    fn awaited(&self, call: TokenStream) -> TokenStream {
        quote_spanned!(self.here=> #call.await)
    }

    fn unsafe_block(&self, call: TokenStream) -> TokenStream {
        quote_spanned!(self.here=> unsafe { #call })
    }
}

/// What [`copy_at`] noticed in a type.
#[derive(Default)]
struct TypeRead {
    /// It has a `&` or a lifetime.
    borrows: bool,
    /// It names `impl`.
    names_impl: bool,
}

/// Appends `tokens` to `out`, every one (groups included) at `span`, and says what they hold.
fn copy_at(tokens: &TokenStream, span: Span, out: &mut Vec<TokenTree>) -> TypeRead {
    let mut read = TypeRead::default();
    for mut token in tokens.clone() {
        match &mut token {
            TokenTree::Group(group) => {
                let mut inner = Vec::new();
                let inner_read = copy_at(&group.stream(), span, &mut inner);
                read.borrows |= inner_read.borrows;
                read.names_impl |= inner_read.names_impl;
                let mut copied = Group::new(group.delimiter(), inner.into_iter().collect());
                copied.set_span(span);
                *group = copied;
            }
            TokenTree::Punct(punct) => {
                read.borrows |= matches!(punct.as_char(), '&' | '\'');
                punct.set_span(span);
            }
            TokenTree::Ident(ident) => {
                read.names_impl |= ident == "impl";
                ident.set_span(span);
            }
            TokenTree::Literal(literal) => literal.set_span(span),
        }
        out.push(token);
    }
    read
}

/// `tokens` with the hygiene of `hygiene`, each where it was.
fn respanned(tokens: TokenStream, hygiene: Span) -> TokenStream {
    with_spans(tokens, &|span| hygiene.located_at(span))
}

/// `tokens`, each (groups included) with the span `new` makes of its own.
fn with_spans(tokens: TokenStream, new: &dyn Fn(Span) -> Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut changed = Group::new(group.delimiter(), with_spans(group.stream(), new));
                changed.set_span(new(group.span()));
                token = TokenTree::Group(changed);
            } else {
                token.set_span(new(token.span()));
            }
            token
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fn_that_only_forwards_is_marked_inline_unless_it_says_how_to_inline() {
        let said = |text: &str| names_inline(&text.parse().unwrap());
        assert!(!said(
            "/// Docs.\n#[must_use] #[cfg_attr(doc, doc = \"x\")]"
        ));
        for written in [
            "#[inline]",
            "#[inline(never)]",
            "#[doc = \"x\"] #[inline(always)]",
            "#[unsafe(naked)]",
        ] {
            assert!(said(written), "{written}");
        }
    }

    #[test]
    fn calls_the_fallback_the_way_the_fn_is_called() {
        let key: syn::Ident = syn::parse_str("fallback").unwrap();
        let path: syn::ExprPath = syn::parse_str("Self::old").unwrap();
        let call = |text: &str| {
            let item: TokenStream = text.parse().unwrap();
            let tokens = item.clone().into_iter().collect();
            SwitchedFn::read(&item, tokens, true, &String::new)
                .unwrap()
                .fallback_call(&key, &path)
                .to_string()
        };
        // Through a local of the signature's fn pointer type, so that another signature is one error.
        assert_eq!(
            call("fn f(&self, x: u8) -> u8 {}"),
            "{ let __flag_fallback : fn (& Self , u8) -> u8 = Self :: old ; __flag_fallback (self , x) }"
        );
        assert_eq!(
            call("async fn f(mut self, x: impl Tr) {}"),
            "{ let __flag_fallback : fn (Self , _) -> _ = Self :: old ; __flag_fallback (self , x) } . await"
        );
        assert_eq!(
            call("unsafe fn f(&self, (a, b): (u8, u8)) {}"),
            "unsafe { { let __flag_fallback : unsafe fn (& Self , (u8 , u8)) = Self :: old ; \
             __flag_fallback (self , __flag_arg1) } }"
        );
        // Directly where no pointer type can stand for the signature.
        for direct in [
            "const fn f(x: u8) -> u8 {}",
            "extern \"C\" fn f(x: u8) -> u8 {}",
            "fn f(&self, x: &str) -> &str {}",
            "async fn f(x: &str) {}",
        ] {
            assert!(call(direct).starts_with("Self :: old ("), "{direct}");
        }
    }
}
