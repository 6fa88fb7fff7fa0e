//! A gated fn rewritten around its fallback, or switched at run time: the call of the fallback (checked
//! against the fn's signature through a fn pointer type where one can be written) and the bodies that make
//! it. What the rewrite reads of the fn is [`switched_fn`](super::switched_fn)'s; how the call passes the
//! arguments is `flag_syntax::fallback`'s, shared with `cargo flags remove`.

use std::sync::Arc;

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

use super::extras::Extras;
use super::switched_fn::SwitchedFn;
use super::with_errors;
use crate::callsite;
use crate::decide::Check;
use crate::diagnostics::Errors;
use crate::item::{has_inner_attributes, prepend};
use crate::load::Build;
use crate::runtime_path::runtime_path;
use crate::trees::{group, punct, word};
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
    let mut call = parts.fallback_call(key, path);
    let tracking = extras.take();
    if on {
        // Into the body as written, not around it: `{ .. { x } }` would be linted as unnecessary braces.
        call.push(punct(';', Spacing::Alone, Span::call_site()));
        let mut statements: Vec<TokenTree> = tracking.into_iter().collect();
        statements.extend([
            word("if", Span::call_site()),
            word("false", Span::call_site()),
            TokenTree::Group(group(
                Delimiter::Brace,
                [word("return", Span::call_site())].into_iter().chain(call),
                Span::call_site(),
            )),
        ]);
        for rebind in &parts.arguments.rebinds {
            statements.extend(rebind.clone());
        }
        let body = prepend(&parts.body, statements);
        Some(parts.with_group(body))
    } else {
        // The fn now only forwards to its fallback, as its `#[cfg]` twin does; rustc makes such a small fn
        // inlinable in other crates by itself, and does not compile it here, when the call is direct. The
        // call through a fn pointer (see `fallback_call`) hides that, so it is said explicitly.
        let mut parts = parts;
        if !names_inline(&parts.attrs) {
            parts.attrs.extend([
                punct('#', Spacing::Alone, Span::call_site()),
                TokenTree::Group(group(
                    Delimiter::Bracket,
                    [word("inline", Span::call_site())],
                    Span::call_site(),
                )),
            ]);
        }
        Some(parts.with_body(tracking, call))
    }
}

/// Whether outer attributes `attrs` already say how to inline the fn (`inline`, `naked`, also inside
/// `unsafe(..)`), which a second `#[inline]` would contradict.
fn names_inline(attrs: &[TokenTree]) -> bool {
    attrs.iter().any(|tree| match tree {
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
            vec![
                word("else", Span::call_site()),
                TokenTree::Group(block(call)),
            ]
        }
        None if parts.returns_unit => Vec::new(),
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
        let mut trees: Vec<TokenTree> = rebinds.iter().flat_map(Clone::clone).collect();
        trees.push(TokenTree::Group(body.clone()));
        TokenTree::Group(group(Delimiter::Brace, trees, Span::call_site()))
    } else if rebinds.is_empty() {
        // Nothing to put first: the body as it came, not a copy made token by token.
        TokenTree::Group(body.clone())
    } else {
        TokenTree::Group(prepend(body, rebinds.iter().flat_map(Clone::clone)))
    };
    let mut switch = vec![word("if", Span::call_site())];
    switch.extend(check);
    switch.push(on);
    switch.extend(otherwise);
    Some(parts.with_body(tracking, switch))
}

/// `tokens` as one block: themselves when they already are one (a fallback call through a pointer, see
/// [`SwitchedFn::fallback_call`]), else between braces.
fn block(tokens: Vec<TokenTree>) -> Group {
    match <[TokenTree; 1]>::try_from(tokens) {
        Ok([TokenTree::Group(block)]) if block.delimiter() == Delimiter::Brace => block,
        Ok([tree]) => Group::new(Delimiter::Brace, TokenStream::from(tree)),
        Err(tokens) => Group::new(Delimiter::Brace, tokens.into_iter().collect()),
    }
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
    pub(super) fn fallback_call(&self, key: &syn::Ident, path: &syn::ExprPath) -> Vec<TokenTree> {
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
            path: respanned(path.to_token_stream(), Span::call_site()),
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
    fn pointer_type(&self, span: Span) -> Option<Vec<TokenTree>> {
        let types = &self.types;
        let inputs = types.inputs.as_ref()?;
        if self.constness.is_some() || types.abi {
            return None;
        }
        // A type as written, or `_` where it names `impl Trait`; how it reads, for the checks.
        let write = |ty: &[TokenTree], out: &mut Vec<TokenTree>| {
            let start = out.len();
            let read = copy_at(ty, span, out);
            if read.names_impl {
                out.truncate(start);
                out.push(word("_", span));
            }
            read
        };
        let mut output = Vec::new();
        if !types.output.is_empty() && write(&types.output, &mut output).borrows {
            return None;
        }
        if self.asyncness {
            output = vec![word("_", span)];
        }
        let mut arguments = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            if index > 0 {
                arguments.push(punct(',', Spacing::Alone, span));
            }
            if write(input, &mut arguments).borrows && self.asyncness {
                return None;
            }
        }
        let mut pointer = Vec::with_capacity(output.len() + 5);
        if self.unsafety {
            pointer.push(word("unsafe", span));
        }
        pointer.push(word("fn", span));
        pointer.push(TokenTree::Group(group(
            Delimiter::Parenthesis,
            arguments,
            span,
        )));
        if !output.is_empty() {
            pointer.push(punct('-', Spacing::Joint, span));
            pointer.push(punct('>', Spacing::Alone, span));
            pointer.extend(output);
        }
        Some(pointer)
    }

    /// The fn with `body`, braces included, instead of its own.
    fn with_group(self, body: Group) -> TokenStream {
        let mut tokens = self.attrs;
        tokens.extend(self.head);
        tokens.push(TokenTree::Group(body));
        tokens.into_iter().collect()
    }

    /// The fn with `tracking` (items, maybe none) then `body` instead of its own body; `body` alone when it
    /// is one block already, not `{ { .. } }`.
    fn with_body(self, tracking: TokenStream, body: Vec<TokenTree>) -> TokenStream {
        let body = if tracking.is_empty() {
            let mut block = block(body);
            block.set_span(Span::call_site());
            block
        } else {
            let mut trees: Vec<TokenTree> = tracking.into_iter().collect();
            trees.extend(body);
            Group::new(Delimiter::Brace, trees.into_iter().collect())
        };
        self.with_group(body)
    }
}

/// Spells a fallback call as tokens (see [`SwitchedFn::fallback_call`]).
struct CallTokens {
    /// The call site, located at the path.
    here: Span,
    /// The path's last segment.
    at: Span,
    /// The path as written, with call-site hygiene.
    path: Vec<TokenTree>,
    /// The fn pointer type to call through, when the signature has one.
    pointer: Option<Vec<TokenTree>>,
}

/// Written tree by tree, the trees `quote_spanned!(here=> ..)` would give: the call is spliced into the
/// rewritten fn, which goes back to the compiler in one call, rather than a stream of its own.
impl WriteCall<syn::Ident> for CallTokens {
    type Out = Vec<TokenTree>;

    fn call(&self, arguments: Vec<syn::Ident>) -> Vec<TokenTree> {
        let here = self.here;
        let mut passed = Vec::with_capacity(arguments.len() * 2);
        for (index, argument) in arguments.into_iter().enumerate() {
            if index > 0 {
                passed.push(punct(',', Spacing::Alone, here));
            }
            passed.push(TokenTree::Ident(argument));
        }
        let arguments = TokenTree::Group(group(Delimiter::Parenthesis, passed, here));
        match &self.pointer {
            Some(pointer) => {
                let local = Ident::new("__flag_fallback", Span::mixed_site().located_at(self.at));
                let mut block = vec![
                    word("let", here),
                    TokenTree::Ident(local.clone()),
                    punct(':', Spacing::Alone, here),
                ];
                block.extend(pointer.iter().cloned());
                block.push(punct('=', Spacing::Alone, here));
                block.extend(self.path.iter().cloned());
                block.push(punct(';', Spacing::Alone, here));
                block.push(TokenTree::Ident(local));
                block.push(arguments);
                vec![TokenTree::Group(group(Delimiter::Brace, block, here))]
            }
            None => {
                let mut call = self.path.clone();
                call.push(arguments);
                call
            }
        }
    }

    fn awaited(&self, mut call: Vec<TokenTree>) -> Vec<TokenTree> {
        call.extend([
            punct('.', Spacing::Alone, self.here),
            word("await", self.here),
        ]);
        call
    }

    fn unsafe_block(&self, call: Vec<TokenTree>) -> Vec<TokenTree> {
        vec![
            word("unsafe", self.here),
            TokenTree::Group(group(Delimiter::Brace, call, self.here)),
        ]
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
fn copy_at(tokens: &[TokenTree], span: Span, out: &mut Vec<TokenTree>) -> TypeRead {
    let mut read = TypeRead::default();
    for token in tokens {
        let mut token = token.clone();
        match &mut token {
            TokenTree::Group(group) => {
                let mut inner = Vec::new();
                let trees: Vec<TokenTree> = group.stream().into_iter().collect();
                let inner_read = copy_at(&trees, span, &mut inner);
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
fn respanned(tokens: TokenStream, hygiene: Span) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for mut token in tokens {
        if let TokenTree::Group(group) = &token {
            let inner = respanned(group.stream(), hygiene);
            let mut changed = Group::new(group.delimiter(), inner.into_iter().collect());
            changed.set_span(hygiene.located_at(group.span()));
            token = TokenTree::Group(changed);
        } else {
            token.set_span(hygiene.located_at(token.span()));
        }
        out.push(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fn_that_only_forwards_is_marked_inline_unless_it_says_how_to_inline() {
        let said = |text: &str| {
            let trees: Vec<TokenTree> = text.parse::<TokenStream>().unwrap().into_iter().collect();
            names_inline(&trees)
        };
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
                .into_iter()
                .collect::<TokenStream>()
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
