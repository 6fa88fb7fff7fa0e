//! Code generation for `#[feature_flag]` and `flag!`.
//!
//! Static decisions keep or drop the item's tokens untouched, as `#[cfg]` would; a `fallback` rewrites only
//! the fn's body. Dynamic decisions switch a fn's body at run time through a read of the flag's slot in the
//! runtime's table (see [`callsite`]). Whatever the outcome, the expansion carries the rebuild
//! tracking of [`track`] once per crate.
//!
//! One mistake, one error: an error comes with what keeps the rest of the crate quiet. A condition that
//! cannot be decided (an unknown flag, a manifest that cannot be read) is taken as a fixed value, so that of
//! two alternative definitions exactly one remains (see [`undecided`]); a broken manifest or variable is
//! reported by the first use in the crate only, and when only the variables are wrong every use expands under
//! the manifest's defaults; `flag!` is still a `bool`, and `flag_variants!()` still a module.

use std::sync::Arc;

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{FnArg, Pat, PatIdent, ReceiverKind, ReturnType, Safety, Signature};

use crate::callsite;
use crate::decide::{Check, Decision, decide, undecided};
use crate::diagnostics::{Errors, build_errors, first_report};
use crate::expiry;
use crate::item::{self, FnParts, ItemKind, classify};
use crate::load::{self, Build};
use crate::runtime_path::runtime_path;
use crate::signature;
use crate::track;
use crate::variants;
use flag_manifest::ExpiredPolicy;
use flag_syntax::fallback::{self, FallbackCall, Forward, WriteCall};
use flag_syntax::{AttrArgs, FlagCall, FlagExpr};

/// `#[feature_flag(args)] item`.
pub fn feature_flag(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = match AttrArgs::from_tokens(args) {
        Ok(args) => args,
        Err(error) => return with_errors(item, error.into_compile_error()),
    };
    let kind = classify(&item);
    if let Some((key, _)) = &args.fallback
        && kind != ItemKind::Fn
    {
        let message = format!(
            "`fallback` applies only to a fn with a body, not to {}: remove it, or gate the item with \
             `not(..)` on a second definition",
            kind.describe()
        );
        return with_errors(
            item,
            syn::Error::new(key.span(), message).into_compile_error(),
        );
    }
    let keep_undecided = |on: bool| on || args.fallback.is_some();
    match build_for_use() {
        (Some(build), load_errors) if load_errors.is_empty() => {
            decided_item(item, kind, &args, &build, keep_undecided)
        }
        (Some(build), load_errors) => {
            let item = decided_item(item, kind, &args, &build, keep_undecided);
            with_errors(item, load_errors)
        }
        (None, load_errors) => {
            let keep = keep_undecided(undecided(&args.expr));
            undecided_item(item, keep, load_errors)
        }
    }
}

/// `#[feature_flag]` once a build can decide the condition.
fn decided_item(
    item: TokenStream,
    kind: ItemKind,
    args: &AttrArgs,
    build: &Arc<Build>,
    keep_undecided: impl Fn(bool) -> bool,
) -> TokenStream {
    let mut errors = Errors::default();
    let decision = decide(&args.expr, build, &mut errors);
    let extras = Extras::new(&args.expr, build, &mut errors);
    if !errors.is_empty() {
        // An unknown flag counts as on; a dynamic condition keeps the item, as its switch would.
        let keep = keep_undecided(decision != Decision::Known(false));
        return undecided_item(item, keep, errors.into_compile_errors());
    }
    // Built only for a documented item.
    let known = match &decision {
        Decision::Known(on) => Some(*on),
        Decision::Runtime(_) => None,
    };
    let note = || doc_note(args, known);
    match decision {
        Decision::Known(on) => match &args.fallback {
            None if on => keep(item::with_doc_note(item, kind, note), kind, &extras),
            None => remove(kind, &extras),
            Some((key, path)) => rewrite_fn(item, on, &note, |parts, errors| {
                static_fallback(parts, key, path, on, &extras, errors)
            }),
        },
        Decision::Runtime(check) => {
            if kind != ItemKind::Fn {
                let (name, span) = check.first_flag();
                let message = format!(
                    "flag `{name}` is dynamic (decided at run time), and {} cannot be switched at run time: \
                     make the flag `mode = \"static\"`, or gate a fn (with `fallback = ..` when it returns \
                     a value), or test `flag!(\"{name}\")` in code",
                    kind.describe()
                );
                return with_errors(item, syn::Error::new(span, message).into_compile_error());
            }
            rewrite_fn(item, true, &note, |parts, errors| {
                runtime_switch(parts, &args.fallback, &check, build, &extras, errors)
            })
        }
    }
}

/// The paragraph added to a documented item's rustdoc: which flag guards it and what runs when it is off.
/// `known` is the build's state of the condition, `None` when it is decided at run time.
fn doc_note(args: &AttrArgs, known: Option<bool>) -> String {
    let expr = &args.expr;
    let fallback = args
        .fallback
        .as_ref()
        .map(|(_, path)| quote!(#path).to_string().replace(' ', ""));
    match (known, fallback) {
        (Some(true), None) => {
            format!("Compiled in: feature flag `{expr}` is on in this build.")
        }
        (Some(true), Some(path)) => {
            format!("Compiled in: feature flag `{expr}` is on in this build (`{path}` when off).")
        }
        (Some(false), Some(path)) => {
            format!("Feature flag `{expr}` is off in this build: calls `{path}` instead.")
        }
        (Some(false), None) => String::new(),
        (None, Some(path)) => {
            format!(
                "Switched at run time by feature flag `{expr}`: calls `{path}` while it is off."
            )
        }
        (None, None) => {
            format!("Switched at run time by feature flag `{expr}`: does nothing while it is off.")
        }
    }
}

/// `flag!(expr)` and `flag!(expr, &ctx)`.
pub fn flag(input: TokenStream) -> TokenStream {
    let FlagCall { expr, context } = match FlagCall::from_tokens(input) {
        Ok(call) => call,
        Err(error) => return false_with(error.into_compile_error()),
    };
    match build_for_use() {
        (Some(build), load_errors) if load_errors.is_empty() => decided_flag(expr, context, &build),
        (Some(build), load_errors) => {
            let value = decided_flag(expr, context, &build);
            quote!({ #load_errors #value })
        }
        (None, load_errors) => value_with(load_errors, undecided(&expr), context.as_ref()),
    }
}

/// `flag!` once a build can decide the expression.
fn decided_flag(expr: FlagExpr, context: Option<syn::Expr>, build: &Arc<Build>) -> TokenStream {
    let mut errors = Errors::default();
    let decision = decide(&expr, build, &mut errors);
    let extras = Extras::new(&expr, build, &mut errors);
    if !errors.is_empty() {
        let on = decision != Decision::Known(false);
        return value_with(errors.into_compile_errors(), on, context.as_ref());
    }
    let extras = extras.take();
    match (decision, context) {
        (Decision::Known(on), None) if extras.is_empty() => quote!(#on),
        (Decision::Known(on), None) => quote!({ #extras #on }),
        (Decision::Runtime(check), None) => {
            let check = callsite::check(&check, build, &runtime_path(), None);
            quote!({ #extras #check })
        }
        (decision, Some(context)) => {
            // The context is evaluated once, and type-checked even where only static flags are read.
            let runtime = runtime_path();
            let bound = format_ident!("__flag_context", span = Span::mixed_site());
            let value = match decision {
                Decision::Known(on) => quote!(#on),
                Decision::Runtime(check) => callsite::check(&check, build, &runtime, Some(&bound)),
            };
            quote!({
                #extras
                let #bound: &#runtime::Context<'_> = #context;
                let _ = #bound;
                #value
            })
        }
    }
}

/// `variant!("name", &ctx)`: the flag's variant for the context, as its `flag_variants` enum.
pub fn variant(input: TokenStream) -> TokenStream {
    let call = match FlagCall::from_tokens(input) {
        Ok(call) => call,
        Err(error) => return none_with(error.into_compile_error()),
    };
    let (FlagExpr::Flag(literal), Some(context)) = (&call.expr, &call.context) else {
        let message = "expected a flag name and a context: `variant!(\"name\", &ctx)`";
        return none_with(syn::Error::new(Span::call_site(), message).into_compile_error());
    };
    match build_for_use() {
        (Some(build), load_errors) if load_errors.is_empty() => {
            decided_variant(&call.expr, literal, context, &build)
        }
        (Some(build), load_errors) => {
            let value = decided_variant(&call.expr, literal, context, &build);
            quote!({ #load_errors #value })
        }
        (None, load_errors) => undecided_variant(load_errors, literal, context),
    }
}

/// `variant!` once a build can decide it.
fn decided_variant(
    expr: &FlagExpr,
    literal: &syn::LitStr,
    context: &syn::Expr,
    build: &Arc<Build>,
) -> TokenStream {
    let mut errors = Errors::default();
    let decision = decide(expr, build, &mut errors);
    let extras = Extras::new(expr, build, &mut errors);
    let name = literal.value();
    let index = build.manifest.flag_index(&name);
    if let Some(flag) = index.map(|index| &build.manifest.flags[index]) {
        let problem = if matches!(decision, Decision::Known(_)) {
            Some(format!(
                "flag `{name}` is static: variants are chosen at run time, so the flag must be `mode = \"dynamic\"`"
            ))
        } else if flag.targeting.variant_names().is_empty() {
            Some(format!(
                "flag `{name}` has no variants: declare some with `[[flags.{name}.variants]]` in flags.toml"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            errors.error(literal.span(), problem);
        }
    }
    let (Some(index), true) = (index, errors.is_empty()) else {
        return none_with(errors.into_compile_errors());
    };
    let runtime = runtime_path();
    let site = callsite::callsite(build, index, literal.span());
    let enum_ident = variants::enum_ident(&name);
    let extras = extras.take();
    quote!({
        #extras
        crate::flag_variants::#enum_ident::__from_index(#runtime::__private::variant_in(#site, #context))
    })
}

/// `flag_variants!()`: the `flag_variants` module of enums, at the crate root.
pub fn flag_variants(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "`flag_variants!()` takes no arguments")
            .into_compile_error();
    }
    let (build, load_errors) = build_for_use();
    let Some(build) = build else {
        let mut errors = load_errors;
        if errors.is_empty() {
            let message = "`flag_variants!()` declares no enums while the flags manifest cannot be \
                           read (see the error above)";
            errors = syn::Error::new(Span::call_site(), message).into_compile_error();
        }
        return variants::failed_module(errors);
    };
    let module = variants::module(&build);
    let extras = track::claim().then(|| per_crate(&build, TokenStream::new()));
    quote!(#load_errors #module #extras)
}

/// The build a use expands under, and the errors it shows. A broken manifest or variable is reported by
/// the first use in the crate only; when only the variables are wrong, the expansion goes on under the
/// manifest's defaults ([`load::LoadError::fallback`]), and with no build at all each macro emits what
/// keeps the rest of the crate quiet ([`undecided`]).
fn build_for_use() -> (Option<Arc<Build>>, TokenStream) {
    match load::load() {
        Ok(build) => (Some(build), TokenStream::new()),
        Err(error) => (error.fallback.clone(), build_errors(&error.messages)),
    }
}

fn none_with(errors: TokenStream) -> TokenStream {
    quote!({ #errors ::core::option::Option::None })
}

/// `variant!` when the manifest cannot be loaded: the flag's enum from `flag_variants!()`, whose expansion
/// then holds a `compile_error!` and so resolves every name in it quietly to an error type that keeps the
/// code using the value quiet too. `None` when the name cannot name an enum.
fn undecided_variant(
    errors: TokenStream,
    literal: &syn::LitStr,
    context: &syn::Expr,
) -> TokenStream {
    let Some(enum_ident) = variants::enum_ident_for(&literal.value()) else {
        return none_with(errors);
    };
    let runtime = runtime_path();
    let bound = format_ident!("__flag_context", span = Span::mixed_site());
    quote!({
        #errors
        let #bound: &#runtime::Context<'_> = #context;
        let _ = #bound;
        crate::flag_variants::#enum_ident::__from_index(::core::option::Option::None)
    })
}

/// What every expansion carries besides the item: the crate's rebuild tracking and catalog (once per crate,
/// see [`track`]) and a warning for each expired flag it names, as items, which only some positions can take.
struct Extras<'a> {
    build: &'a Build,
    warnings: TokenStream,
}

impl<'a> Extras<'a> {
    fn new(expr: &FlagExpr, build: &'a Build, errors: &mut Errors) -> Self {
        let warnings = match expiry::today() {
            Ok(today) => {
                let expired = expiry::expired_names(expr, build, today);
                if build.manifest.settings.expired == ExpiredPolicy::Error {
                    for flag in &expired {
                        let policy =
                            "this manifest's `[settings] expired = \"error\"` makes it an error";
                        errors.error(flag.span, format!("{} ({policy})", flag.message));
                    }
                    TokenStream::new()
                } else {
                    expiry::warnings(&expired)
                }
            }
            Err(message) => {
                // A variable of the whole build: said once per crate, and expiry is not judged meanwhile.
                let messages = [message];
                if first_report(&messages) {
                    let [message] = messages;
                    errors.error(Span::call_site(), message);
                }
                TokenStream::new()
            }
        };
        Extras { build, warnings }
    }

    /// Whether there is anything to emit now (claiming nothing).
    fn pending(&self) -> bool {
        !self.warnings.is_empty() || !track::claimed()
    }

    /// The items to emit at this position, empty when there is nothing to say. Call it only where an item can
    /// go: it claims the crate's tracking and catalog.
    fn take(&self) -> TokenStream {
        if track::claim() {
            per_crate(self.build, self.warnings.clone())
        } else if self.warnings.is_empty() {
            TokenStream::new()
        } else {
            let warnings = &self.warnings;
            quote!(const _: () = { #warnings };)
        }
    }
}

/// What a crate carries once (see [`track`]): the tracking constant, with `warnings` in it, and the catalog.
fn per_crate(build: &Build, warnings: TokenStream) -> TokenStream {
    let tracking = track::statements(Some(&build.manifest_path));
    let catalog = callsite::catalog(build, &runtime_path());
    quote!(const _: () = { #tracking #warnings }; #catalog)
}

fn with_errors(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(#errors #item)
}

/// An item whose condition the build could not decide, or decided with errors, next to those errors: kept as
/// written where the condition is taken to be on (see [`undecided`]) and removed elsewhere, so that of two
/// alternative definitions exactly one remains and the crate shows only the real error.
fn undecided_item(item: TokenStream, keep: bool, errors: TokenStream) -> TokenStream {
    if keep {
        with_errors(item, errors)
    } else {
        errors
    }
}

fn false_with(errors: TokenStream) -> TokenStream {
    quote!({ #errors false })
}

/// `flag!` when the build could not decide it: a plain `bool` after the errors, with the context (if any)
/// type-checked as it would be.
fn value_with(errors: TokenStream, on: bool, context: Option<&syn::Expr>) -> TokenStream {
    let Some(context) = context else {
        return if errors.is_empty() {
            quote!(#on)
        } else {
            quote!({ #errors #on })
        };
    };
    let runtime = runtime_path();
    let bound = format_ident!("__flag_context", span = Span::mixed_site());
    quote!({
        #errors
        let #bound: &#runtime::Context<'_> = #context;
        let _ = #bound;
        #on
    })
}

/// An item whose condition is on: unchanged, plus the extras where they can go.
fn keep(item: TokenStream, kind: ItemKind, extras: &Extras) -> TokenStream {
    match kind {
        ItemKind::FreeOnly(_) => {
            let extras = extras.take();
            quote!(#item #extras)
        }
        ItemKind::Fn if extras.pending() => match item::split_fn(item.clone()) {
            Ok(mut parts) => {
                parts.body = prepend(&parts.body, extras.take());
                parts.into_tokens()
            }
            Err(_) => item,
        },
        _ => item,
    }
}

/// An item whose condition is off: nothing, or the extras alone where they can go.
fn remove(kind: ItemKind, extras: &Extras) -> TokenStream {
    match kind {
        ItemKind::FreeOnly(_) => extras.take(),
        _ => TokenStream::new(),
    }
}

/// A fn with a fallback, read for the rewrite: its attributes (with the doc note), its signature as tokens
/// with the arguments ready to pass on, the facts about it that the rewrite needs, and its body.
struct SwitchedFn {
    attrs: TokenStream,
    head: TokenStream,
    body: Group,
    ident: syn::Ident,
    constness: Option<Span>,
    asyncness: bool,
    unsafety: bool,
    returns_unit: bool,
    arguments: Arguments,
    types: signature::Types,
}

impl SwitchedFn {
    /// Reads `item`, a fn with a body: by [`signature::scan`] when the signature has the common shape,
    /// else with syn. `keep_mut` as in [`forward_arguments`].
    fn read(item: TokenStream, keep_mut: bool, note: &impl Fn() -> String) -> syn::Result<Self> {
        match Self::read_quickly(&item, keep_mut, note) {
            Some(read) => Ok(read),
            None => Self::read_with_syn(item, keep_mut, note),
        }
    }

    /// By [`signature::scan`]: `None` when the signature needs syn.
    fn read_quickly(
        item: &TokenStream,
        keep_mut: bool,
        note: &impl Fn() -> String,
    ) -> Option<Self> {
        let mut tokens: Vec<TokenTree> = item.clone().into_iter().collect();
        match tokens.pop() {
            Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
                let (end_of_attributes, documented) = item::outer_attributes(&tokens);
                let quick = signature::scan(&tokens[end_of_attributes..], keep_mut)?;
                let mut attrs: TokenStream = tokens.drain(..end_of_attributes).collect();
                if documented && item::notes_wanted() {
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
        let types = signature::Types {
            inputs: sig
                .inputs
                .iter()
                .map(|input| match input {
                    FnArg::Receiver(receiver) => receiver_type(receiver),
                    FnArg::Typed(typed) => Some(typed.ty.to_token_stream()),
                })
                .collect(),
            output: match &sig.output {
                ReturnType::Default => TokenStream::new(),
                ReturnType::Type(_, ty) => ty.to_token_stream(),
            },
            abi: sig.abi.is_some(),
        };
        Ok(SwitchedFn {
            attrs,
            ident: sig.ident.clone(),
            constness,
            asyncness: sig.asyncness.is_some(),
            unsafety: matches!(sig.safety, Safety::Unsafe(_)),
            returns_unit: fallback::returns_unit(&sig),
            head: quote!(#vis #defaultness #sig),
            body,
            arguments,
            types,
        })
    }

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
    fn fallback_call(&self, key: &syn::Ident, path: &syn::ExprPath) -> TokenStream {
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
            pointer: self
                .pointer_type()
                .map(|pointer| relocated(pointer, Span::call_site().located_at(key.span()))),
        })
    }

    /// The fn's signature as a fn pointer type, `[unsafe] fn(Args) -> Output`, with `_` for a type that
    /// names `impl Trait` and for an `async fn`'s future, which have no name. `None` when the fn could not be
    /// called through a pointer of such a type: a `const fn` (no calls through pointers in const contexts),
    /// a fn with an ABI, a borrow in the return type (a pointer type cannot always elide its lifetime, nor
    /// `_` stand for a type that borrows from the arguments), or an `async fn` with borrowed arguments (its
    /// future borrows from them).
    fn pointer_type(&self) -> Option<TokenStream> {
        let types = &self.types;
        let inputs = types.inputs.as_ref()?;
        let borrows = |tokens: &TokenStream| {
            mentions(
                tokens,
                &|token| matches!(token, TokenTree::Punct(punct) if punct.as_char() == '&' || punct.as_char() == '\''),
            )
        };
        if self.constness.is_some()
            || types.abi
            || borrows(&types.output)
            || (self.asyncness && inputs.iter().any(borrows))
        {
            return None;
        }
        let written = |tokens: &TokenStream| {
            if mentions(tokens, &|token| is_ident(token, "impl")) {
                quote!(_)
            } else {
                tokens.clone()
            }
        };
        let inputs = inputs.iter().map(written);
        let output = if self.asyncness {
            quote!(-> _)
        } else if types.output.is_empty() {
            TokenStream::new()
        } else {
            let output = written(&types.output);
            quote!(-> #output)
        };
        let unsafety = self.unsafety.then(|| quote!(unsafe));
        Some(quote!(#unsafety fn(#(#inputs),*) #output))
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

/// Reads the fn (see [`SwitchedFn::read`]) and rebuilds it with `rewrite`; on any error, the fn as written
/// plus the errors.
fn rewrite_fn(
    item: TokenStream,
    keep_mut: bool,
    note: &impl Fn() -> String,
    rewrite: impl FnOnce(SwitchedFn, &mut Errors) -> Option<TokenStream>,
) -> TokenStream {
    let mut errors = Errors::default();
    let rewritten = errors
        .take(SwitchedFn::read(item.clone(), keep_mut, note))
        .and_then(|parts| rewrite(parts, &mut errors));
    match rewritten {
        Some(tokens) if errors.is_empty() => tokens,
        _ => with_errors(item, errors.into_compile_errors()),
    }
}

/// A fn with a fallback and a static condition. Off: same signature, body calling the fallback. On: the body
/// as written, after a call to the fallback in an `if false` that the compiler folds away, so that the
/// fallback, kept for the day the flag is turned off, is not reported as dead code.
fn static_fallback(
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
        Some(parts.with_body(quote!(#tracking #call)))
    }
}

/// A fn whose condition depends on a dynamic flag: the body runs when it is on, the fallback (or nothing,
/// for a fn returning `()`) when it is off.
fn runtime_switch(
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
    } else {
        prepend(body, quote!(#(#rebinds)*)).into_token_stream()
    };
    let body = quote!(#tracking if #check #on #otherwise);
    Some(parts.with_body(body))
}

/// How a fn's arguments reach its fallback.
struct Arguments {
    /// The names to pass, receiver first.
    values: Vec<Passed>,
    /// `let PATTERN = __flag_argN;` for each argument whose pattern was replaced by a plain name.
    rebinds: Vec<TokenStream>,
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

/// Whether a token of `tokens`, or of a group among them, satisfies `test`.
fn mentions(tokens: &TokenStream, test: &dyn Fn(&TokenTree) -> bool) -> bool {
    tokens.clone().into_iter().any(|token| match &token {
        TokenTree::Group(group) => mentions(&group.stream(), test),
        other => test(other),
    })
}

fn is_ident(token: &TokenTree, word: &str) -> bool {
    matches!(token, TokenTree::Ident(ident) if ident == word)
}

/// `tokens`, every one with `span`.
fn relocated(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut new = Group::new(group.delimiter(), relocated(group.stream(), span));
                new.set_span(span);
                token = TokenTree::Group(new);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// `tokens` with the hygiene of `hygiene`, each where it was.
fn respanned(tokens: TokenStream, hygiene: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut new = Group::new(group.delimiter(), respanned(group.stream(), hygiene));
                new.set_span(hygiene.located_at(group.span()));
                token = TokenTree::Group(new);
            } else {
                token.set_span(hygiene.located_at(token.span()));
            }
            token
        })
        .collect()
}

/// A name passed on to the fallback.
struct Passed {
    name: syn::Ident,
    /// Made by the expansion (`__flag_argN`, with mixed-site hygiene) rather than written by the user.
    made: bool,
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

/// Whether a block starts with an inner attribute (`#![..]`).
fn has_inner_attributes(body: &Group) -> bool {
    let mut tokens = body.stream().into_iter();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(TokenTree::Punct(hash)), Some(TokenTree::Punct(bang)))
            if hash.as_char() == '#' && bang.as_char() == '!'
    )
}

/// A copy of `body` with `statements` first, after any inner attributes.
fn prepend(body: &Group, statements: TokenStream) -> Group {
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

    #[test]
    fn calls_the_fallback_the_way_the_fn_is_called() {
        let key: syn::Ident = syn::parse_str("fallback").unwrap();
        let path: syn::ExprPath = syn::parse_str("Self::old").unwrap();
        let call = |text: &str| {
            let item: TokenStream = text.parse().unwrap();
            SwitchedFn::read(item, true, &String::new)
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
        let inputs = types.inputs.iter().flatten().map(|ty| flat(ty.clone()));
        format!(
            "{} | {} | {} const {} async {} unsafe {} unit {} | {} | {} | {} | {} -> {} abi {}",
            flat(read.attrs.clone()),
            flat(read.head.clone()),
            read.ident,
            read.constness.is_some(),
            read.asyncness,
            read.unsafety,
            read.returns_unit,
            values.collect::<Vec<_>>().join(", "),
            quote!(#(#rebinds)*),
            read.body,
            inputs.collect::<Vec<_>>().join(", "),
            flat(types.output.clone()),
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
                let quick = SwitchedFn::read_quickly(&item, keep_mut, &note)
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
                SwitchedFn::read_quickly(&item, true, &String::new).is_none(),
                "{text}"
            );
        }
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
