//! `flag_value!("name")` and `flag_value!("name", &ctx)`: a value flag's value, with the Rust type of its
//! declared `type` (`bool`, `&'static str`, `i64`, `f64`; an object is its JSON text, a `&'static str`).
//!
//! A static flag's value is a literal (usable in `const`). A dynamic flag's is read from the flag's slot
//! (see [`callsite`](crate::callsite)): the value's own bits for booleans and integers within `i32`, one
//! load; otherwise (and for a read with a context) an index into a constant array of the declared values.
//! A read allocates nothing. Errors point at the name: an unknown flag (with a suggestion), an on/off flag, a value
//! flag without a default value.

use std::sync::Arc;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::extras::Extras;
use super::{bind_context, build_for_use};
use crate::callsite;
use crate::decide::unknown_flag_message;
use crate::diagnostics::Errors;
use crate::load::Build;
use crate::runtime_path::runtime_path;
use flag_manifest::{FlagValues, Mode, Value, ValueType};
use flag_syntax::{FlagExpr, ValueCall};

/// `flag_value!("name")`, `flag_value!("name": Type)` and either with `, &ctx`.
pub fn flag_value(input: TokenStream) -> TokenStream {
    let call = match ValueCall::from_tokens(input) {
        Ok(call) => call,
        Err(error) => return error.into_compile_error(),
    };
    let (build, load_errors) = build_for_use();
    let Some(build) = build else {
        // No build: the errors only, as an expression of any type.
        return quote!({ #load_errors loop {} });
    };
    let value = decided_value(&call, &build);
    quote!({ #load_errors #value })
}

fn decided_value(call: &ValueCall, build: &Arc<Build>) -> TokenStream {
    let literal = &call.name;
    let context = call.context.as_ref();
    let mut errors = Errors::default();
    let extras = Extras::new(&FlagExpr::Flag(literal.clone()), build, &mut errors);
    let name = flag_syntax::name_text(literal);
    let runtime = runtime_path();
    let binding = context.map(|context| bind_context(context, &runtime));
    let span = literal.span();
    let Some(index) = build.manifest.flag_index(&name) else {
        errors.error(span, unknown_flag_message(build, &name));
        return never(errors, binding.map(|(_, statements)| statements));
    };
    let flag = &build.manifest.flags[index];
    let Some(values) = &flag.values else {
        errors.error(
            span,
            format!(
                "flag `{name}` is on or off, not a value flag: read it with `flag!(\"{name}\")`, or give \
                 `[flags.{name}]` a `type` and `values`"
            ),
        );
        return never(errors, binding.map(|(_, statements)| statements));
    };
    let Some(chosen) = build.resolution.states[index].value else {
        errors.error(
            span,
            format!(
                "value flag `{name}` has no default value: declare one in `[flags.{name}]`, such as \
                 `default = \"{}\"`",
                values.values.first().map_or("...", |named| named.name.as_str())
            ),
        );
        return never(errors, binding.map(|(_, statements)| statements));
    };
    if let Some(as_type) = &call.as_type
        && values.value_type != ValueType::Object
    {
        errors.error(
            span,
            format!(
                "flag `{name}` has {} values: `flag_value!(\"{name}\": {})` reads an object flag as a Rust \
                 type; read this one with `flag_value!(\"{name}\")`",
                values.value_type,
                quote!(#as_type)
            ),
        );
    }
    if !errors.is_empty() {
        return never(errors, binding.map(|(_, statements)| statements));
    }
    let extras = extras.take();
    let statements = binding.as_ref().map(|(_, statements)| statements);
    let site = (flag.mode == Mode::Dynamic).then(|| callsite::callsite(build, index, span));
    let bound = binding.as_ref().map(|(bound, _)| bound);
    if let Some(as_type) = &call.as_type {
        let index = match &site {
            Some(site) => index_read(site, chosen, bound, span),
            None => quote!(#chosen),
        };
        let decoded = decoded_object(&name, values, chosen, index, as_type, span);
        return quote!({ #extras #statements #decoded });
    }
    let Some(site) = site else {
        let value = literal_of(&values.values[chosen].value, span);
        return quote!({ #extras #statements #value });
    };
    if bound.is_none()
        && let Some(bits) = values.slot_bits(chosen)
    {
        // The slot holds the value's own bits: no table to read.
        let fallback = proc_macro2::Literal::u32_suffixed(bits);
        let word = quote_spanned!(span=> #runtime::__private::value_word(#site, #fallback));
        let value = from_bits(values.value_type, word);
        return quote!({ #extras #statements #value });
    }
    let read = index_read(&site, chosen, bound, span);
    let table = table_of(values, span);
    quote!({
        #extras
        #statements
        #table
        match __FLAG_VALUES.get(#read) {
            ::core::option::Option::Some(value) => *value,
            ::core::option::Option::None => __FLAG_VALUES[#chosen],
        }
    })
}

/// The index of a dynamic flag's value in its declared values (a `usize` expression): for the context
/// `bound` when there is one, else from the flag's slot; `chosen` when nothing decides.
fn index_read(site: &TokenStream, chosen: usize, bound: Option<&Ident>, span: Span) -> TokenStream {
    let runtime = runtime_path();
    match bound {
        Some(bound) => {
            quote_spanned!(span=> #runtime::__private::value_index_in(#site, #chosen, #bound))
        }
        None => {
            let fallback = proc_macro2::Literal::usize_unsuffixed(chosen);
            quote_spanned!(span=> #runtime::__private::value_word(#site, #fallback) as usize)
        }
    }
}

/// The value that the slot word `word` (an `i64` expression, sign-extended) stands for, for a flag whose
/// values have slot bits ([`FlagValues::slot_bits`]): a boolean, or the integer as it stands.
fn from_bits(value_type: ValueType, word: TokenStream) -> TokenStream {
    match value_type {
        ValueType::Boolean => quote!(#word != 0),
        _ => word,
    }
}

/// `Result<&'static T, Error>`: the value at `index` (an expression) decoded as `as_type`, through a cache
/// that this call site owns, with one entry per declared value, which does not name `as_type` (so that it
/// may be a type parameter; see flag-runtime's `object` module).
fn decoded_object(
    name: &str,
    values: &FlagValues,
    chosen: usize,
    index: TokenStream,
    as_type: &syn::Type,
    span: Span,
) -> TokenStream {
    let runtime = runtime_path();
    let count = values.values.len();
    let names = values.names();
    let texts = values.values.iter().map(|named| match &named.value {
        Value::Object(text) | Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    quote_spanned!(span=> {
        const __FLAG_NAMES: [&str; #count] = [#(#names),*];
        const __FLAG_JSON: [&str; #count] = [#(#texts),*];
        // Not `Decoded<T>`: this static must not name the type, which may be a parameter of the fn
        // around it.
        static __FLAG_DECODED: [#runtime::__private::Decoded; #count] =
            [const { #runtime::__private::Decoded::new() }; #count];
        let __flag_index = #index;
        let __flag_index = if __flag_index < #count { __flag_index } else { #chosen };
        #runtime::__private::decode::<#as_type>(
            &__FLAG_DECODED[__flag_index],
            #name,
            __FLAG_NAMES[__flag_index],
            __FLAG_JSON[__flag_index],
        )
    })
}

/// The errors, as an expression of any type (with the context still type-checked).
fn never(errors: Errors, statements: Option<TokenStream>) -> TokenStream {
    let errors = errors.into_compile_errors();
    quote!({ #errors #statements loop {} })
}

/// The Rust type of a value of `value_type`, as a `const` item writes it (`&str` is `'static` there;
/// writing the lifetime would trip clippy's `redundant_static_lifetimes` in the user's crate).
fn rust_type(value_type: ValueType) -> TokenStream {
    match value_type {
        ValueType::Boolean => quote!(bool),
        ValueType::String | ValueType::Object => quote!(&str),
        ValueType::Integer => quote!(i64),
        ValueType::Float => quote!(f64),
    }
}

/// A value as a Rust literal of its type.
fn literal_of(value: &Value, span: Span) -> TokenStream {
    match value {
        Value::Bool(on) => quote_spanned!(span=> #on),
        Value::String(text) | Value::Object(text) => quote_spanned!(span=> #text),
        Value::Integer(number) => {
            let literal = proc_macro2::Literal::i64_suffixed(*number);
            quote_spanned!(span=> #literal)
        }
        Value::Float(number) => {
            let literal = proc_macro2::Literal::f64_suffixed(*number);
            quote_spanned!(span=> #literal)
        }
    }
}

/// `const __FLAG_VALUES: [T; N] = [...];`, the declared values in order.
fn table_of(values: &FlagValues, span: Span) -> TokenStream {
    let rust_type = rust_type(values.value_type);
    let count = values.values.len();
    let items = values
        .values
        .iter()
        .map(|named| literal_of(&named.value, span));
    quote_spanned!(span=> const __FLAG_VALUES: [#rust_type; #count] = [#(#items),*];)
}
