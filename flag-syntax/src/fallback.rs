//! How a fn gated with `fallback = path` calls its fallback, for the two tools that write that call: the
//! macros (as tokens, when the flag is off or dynamic) and `cargo flags remove` (as source text, when the
//! flag is retired off). The rules are written once, here; each side only spells them.
//!
//! - Each parameter is passed on, receiver first: `self` as `self`, a plain `name` or `mut name` by its name,
//!   and any other pattern (`(a, b)`, `_`, `ref x`) through a plain name the writer gives it ([`forwarding`]).
//!   A variadic fn cannot pass its arguments on.
//! - The call is `.await`ed in an `async fn` and made inside `unsafe { }` in an `unsafe fn`, since the
//!   fallback has the same signature ([`FallbackCall`]).
//! - A fn that returns `()` needs no fallback to be switched off: it then does nothing ([`returns_unit`]).
//!
//! ```
//! use flag_syntax::fallback::{FallbackCall, Forward, WriteCall, forwarding};
//!
//! /// Spells the call as text.
//! struct Text<'a>(&'a str);
//! impl WriteCall<String> for Text<'_> {
//!     type Out = String;
//!     fn call(&self, arguments: Vec<String>) -> String {
//!         format!("{}({})", self.0, arguments.join(", "))
//!     }
//!     fn awaited(&self, call: String) -> String {
//!         format!("{call}.await")
//!     }
//!     fn unsafe_block(&self, call: String) -> String {
//!         format!("unsafe {{ {call} }}")
//!     }
//! }
//!
//! let sig: syn::Signature = syn::parse_str("async unsafe fn f(&self, mut n: u8, (a, b): (u8, u8))").unwrap();
//! let arguments = forwarding(&sig)
//!     .unwrap()
//!     .iter()
//!     .enumerate()
//!     .map(|(index, forward)| match forward {
//!         Forward::Receiver => "self".to_owned(),
//!         Forward::Name { ident, .. } => ident.to_string(),
//!         Forward::Pattern => format!("arg{index}"),
//!     })
//!     .collect();
//! let call = FallbackCall::of(&sig, arguments).write(&Text("old"));
//! assert_eq!(call, "unsafe { old(self, n, arg2).await }");
//! ```

use proc_macro2::Span;
use syn::{FnArg, Pat, ReturnType, Safety, Signature, Type};

/// Whether the fn returns `()`: no `->`, or `-> ()`.
pub fn returns_unit(sig: &Signature) -> bool {
    match &sig.output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty()),
    }
}

/// How one parameter of a fn reaches its fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forward {
    /// The receiver, in any form: passed as `self`.
    Receiver,
    /// A plain `name` or `mut name` (not `ref`, no `@` pattern): passed by that name. `mutable` says whether
    /// it was `mut`, which only a body that still runs needs.
    Name {
        /// The name.
        ident: syn::Ident,
        /// Written `mut name`.
        mutable: bool,
    },
    /// Any other pattern: it needs a plain name of its own to be passed on.
    Pattern,
}

/// How each parameter of `sig` reaches the fallback, in order; `Err` with the span of the `...` of a variadic
/// fn, which cannot pass its arguments on.
pub fn forwarding(sig: &Signature) -> Result<Vec<Forward>, Span> {
    if let Some(variadic) = &sig.variadic {
        return Err(variadic.dots.spans[0]);
    }
    Ok(sig
        .inputs
        .iter()
        .map(|input| match input {
            FnArg::Receiver(_) => Forward::Receiver,
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(plain) if plain.by_ref.is_none() && plain.subpat.is_none() => {
                    Forward::Name {
                        ident: plain.ident.clone(),
                        mutable: plain.mutability.is_some(),
                    }
                }
                _ => Forward::Pattern,
            },
        })
        .collect())
}

/// The call of a fallback: its arguments, and how the fn's own kind wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackCall<A> {
    /// What is passed, in order.
    pub arguments: Vec<A>,
    /// The fn is `async`: the call is `.await`ed.
    pub awaited: bool,
    /// The fn is `unsafe`: the call goes in an `unsafe` block.
    pub unsafe_block: bool,
}

impl<A> FallbackCall<A> {
    /// The call made by a fn with signature `sig`, passing `arguments`.
    pub fn of(sig: &Signature, arguments: Vec<A>) -> Self {
        FallbackCall {
            arguments,
            awaited: sig.asyncness.is_some(),
            unsafe_block: matches!(sig.safety, Safety::Unsafe(_)),
        }
    }

    /// The call, spelled by `writer`: the call itself, then `.await`, then the `unsafe` block, as needed.
    pub fn write<W: WriteCall<A>>(self, writer: &W) -> W::Out {
        let mut call = writer.call(self.arguments);
        if self.awaited {
            call = writer.awaited(call);
        }
        if self.unsafe_block {
            call = writer.unsafe_block(call);
        }
        call
    }
}

/// How one tool spells a fallback call (tokens for the macros, text for `cargo flags`).
pub trait WriteCall<A> {
    /// The spelled call.
    type Out;
    /// `path(arguments)`.
    fn call(&self, arguments: Vec<A>) -> Self::Out;
    /// `call.await`.
    fn awaited(&self, call: Self::Out) -> Self::Out;
    /// `unsafe { call }`.
    fn unsafe_block(&self, call: Self::Out) -> Self::Out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(text: &str) -> Signature {
        syn::parse_str(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn knows_unit_returns() {
        assert!(returns_unit(&sig("fn f()")));
        assert!(returns_unit(&sig("fn f() -> ()")));
        assert!(!returns_unit(&sig("fn f() -> u8")));
        assert!(!returns_unit(&sig("fn f() -> ((),)")));
    }

    #[test]
    fn passes_plain_names_and_asks_a_name_for_patterns() {
        let forwarded = forwarding(&sig(
            "fn f(&mut self, a: u8, mut b: u8, (c, d): (u8, u8), _: u8, ref e: u8, f @ 1..: u8)",
        ))
        .unwrap();
        let name = |text: &str, mutable| Forward::Name {
            ident: syn::Ident::new(text, Span::call_site()),
            mutable,
        };
        assert_eq!(
            forwarded,
            [
                Forward::Receiver,
                name("a", false),
                name("b", true),
                Forward::Pattern,
                Forward::Pattern,
                Forward::Pattern,
                Forward::Pattern,
            ]
        );
        assert!(forwarding(&sig("unsafe extern \"C\" fn f(x: u8, ...)")).is_err());
    }
}
