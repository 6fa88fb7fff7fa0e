//! Items gated with `#[feature_flag]`: the attribute removed when its condition becomes always on, the item
//! deleted when always off (or, for a fn with a `fallback`, its body forwarding to the fallback), the
//! expression rewritten simplified when it still depends on other flags.

use std::ops::Range;

use quote::ToTokens;
use syn::{Attribute, Block, FnArg, Pat, Signature};

use flag_syntax::fallback::{self, FallbackCall, Forward, WriteCall, returns_unit};

use super::{Next, Rewriter};
use crate::syntax;
use crate::text::{self, Edit};

impl Rewriter<'_> {
    /// Applies the `#[feature_flag]` attributes of an item whose bytes are `item` (attributes included).
    pub(super) fn gate(
        &mut self,
        attrs: &[Attribute],
        item: Range<usize>,
        what: &str,
        fn_parts: Option<(&Signature, &Block)>,
    ) -> Next {
        let mut attribute_edits = Vec::new();
        let mut forward = None;
        let mut empty = None;
        for attr in attrs.iter().filter(|attr| {
            matches!(attr.style, syn::AttrStyle::Outer) && self.names.is_feature_flag(attr.path())
        }) {
            let attr_range = self.range(attr);
            let args = match syntax::attr_args(attr) {
                Ok(args) => args,
                Err(error) => {
                    if syntax::mentions_literal(&attr.to_token_stream(), self.name) {
                        self.refuse(
                            attr_range.start,
                            format!(
                                "cannot read this #[feature_flag]: {error}; fix it (the compiler rejects it too), \
                                 then rerun"
                            ),
                        );
                    }
                    continue;
                }
            };
            let expr_range = crate::expr::range(&args.expr, self.index);
            match self.simplify(&args.expr, attr_range.clone()) {
                crate::expr::Simplified::Same => {}
                crate::expr::Simplified::Const(true) => {
                    let quoted = self.quoted(attr_range.clone());
                    attribute_edits.push((attr_range.clone(), String::new(), true));
                    let mut what_changed = format!("removed {quoted}; kept `{what}`");
                    if let Some((_, path)) = &args.fallback {
                        let path_text = syntax::one_line(self.source(self.range(path)));
                        what_changed.push_str(&format!(" and dropped its fallback `{path_text}`"));
                        self.out.dropped_fallbacks.push((path_text, fn_name(path)));
                    }
                    self.change(attr_range.start, what_changed);
                }
                crate::expr::Simplified::Const(false) => {
                    match (args.fallback.clone().map(|(_, path)| path), fn_parts) {
                        (Some(path), Some((sig, block))) => {
                            attribute_edits.push((attr_range.clone(), String::new(), true));
                            forward = Some((path, sig, block, attr_range));
                        }
                        (None, Some((sig, block))) if self.dynamic && returns_unit(sig) => {
                            // A dynamic flag switches a unit fn without fallback to doing nothing: the fn
                            // exists in every build and callers may call it, so it stays, empty.
                            attribute_edits.push((attr_range.clone(), String::new(), true));
                            empty = Some((sig, block, attr_range));
                        }
                        _ => {
                            let quoted = self.quoted(attr_range.clone());
                            let start = text::attached_comments_start(self.text, item.start);
                            let range = text::deletion_range(self.text, start..item.end);
                            self.edit(range, "");
                            self.change(
                                attr_range.start,
                                format!("deleted `{what}` (it was gated on {quoted})"),
                            );
                            return Next::Skip;
                        }
                    }
                }
                crate::expr::Simplified::Changed(new) => {
                    let old = syntax::one_line(self.source(expr_range.clone()));
                    attribute_edits.push((expr_range, new.clone(), false));
                    self.change(
                        attr_range.start,
                        format!("`#[feature_flag({old})]` -> `#[feature_flag({new})]` on `{what}`"),
                    );
                }
            }
        }
        for (range, new, whole_attribute) in attribute_edits {
            let range = if whole_attribute {
                text::deletion_range(self.text, range)
            } else {
                range
            };
            self.edit(range, new);
        }
        if let Some((sig, block, attr_range)) = empty {
            for input in &sig.inputs {
                if let FnArg::Typed(typed) = input
                    && !matches!(&*typed.pat, Pat::Wild(_))
                {
                    let range = self.range(&*typed.pat);
                    self.edit(range, "_");
                }
            }
            let block_range = self.range(block);
            self.edit(block_range, "{}");
            self.change(
                attr_range.start,
                format!(
                    "removed {}; `{what}` now does nothing, as it did while the flag was off",
                    self.quoted(attr_range.clone())
                ),
            );
            return Next::Skip;
        }
        if let Some((path, sig, block, attr_range)) = forward {
            let path_text = syntax::one_line(self.source(self.range(&path)));
            match self.forwarding_body(sig, block, &path_text) {
                Ok((body, renames)) => {
                    let block_range = self.range(block);
                    self.edit(block_range, body);
                    self.edits.extend(renames);
                    self.change(
                        attr_range.start,
                        format!(
                            "removed {}; `{what}` now calls its fallback `{path_text}`",
                            self.quoted(attr_range.clone())
                        ),
                    );
                }
                Err(why) => self.refuse(attr_range.start, why),
            }
            return Next::Skip;
        }
        Next::VisitChildren
    }

    /// The body of a fn that always takes its fallback, `{ fallback(args) }`, and the edits that give each
    /// argument a plain name to pass on: a pattern (`(a, b)`, `_`) becomes `argN`, `mut x` becomes `x`.
    pub(super) fn forwarding_body(
        &self,
        sig: &Signature,
        block: &Block,
        path: &str,
    ) -> Result<(String, Vec<Edit>), String> {
        let taken: Vec<String> = sig
            .inputs
            .iter()
            .filter_map(|input| match input {
                FnArg::Typed(typed) => match &*typed.pat {
                    Pat::Ident(plain) => Some(plain.ident.to_string()),
                    _ => None,
                },
                FnArg::Receiver(_) => None,
            })
            .collect();
        let Ok(forwards) = fallback::forwarding(sig) else {
            return Err(format!(
                "fn `{}` is variadic and cannot forward to its fallback `{path}`: retire the flag here by hand",
                sig.ident
            ));
        };
        let mut arguments = Vec::new();
        let mut renames = Vec::new();
        for ((index, input), forward) in sig.inputs.iter().enumerate().zip(forwards) {
            match (input, forward) {
                (FnArg::Receiver(_), _) => arguments.push("self".to_owned()),
                (FnArg::Typed(typed), Forward::Name { ident, mutable }) => {
                    if mutable {
                        renames.push(Edit::new(self.range(&*typed.pat), ident.to_string()));
                    }
                    arguments.push(ident.to_string());
                }
                (FnArg::Typed(typed), _) => {
                    let mut name = format!("arg{index}");
                    while taken.contains(&name) {
                        name.push('_');
                    }
                    renames.push(Edit::new(self.range(&*typed.pat), name.clone()));
                    arguments.push(name);
                }
            }
        }
        let call = FallbackCall::of(sig, arguments).write(&CallText(path));
        let block_range = self.range(block);
        let close = block_range.end.saturating_sub(1);
        let outer = if text::starts_line(self.text, close) {
            text::indentation_at(self.text, close)
        } else {
            text::indentation_at(self.text, block_range.start)
        };
        Ok((format!("{{\n{outer}    {call}\n{outer}}}"), renames))
    }
}

/// Spells a fallback call `path(args)` as source text.
struct CallText<'a>(&'a str);

impl WriteCall<String> for CallText<'_> {
    type Out = String;

    fn call(&self, arguments: Vec<String>) -> String {
        format!("{}({})", self.0, arguments.join(", "))
    }

    fn awaited(&self, call: String) -> String {
        format!("{call}.await")
    }

    fn unsafe_block(&self, call: String) -> String {
        format!("unsafe {{ {call} }}")
    }
}

/// The name of the fn a `fallback = path` calls: the path's last segment, without generics.
pub(super) fn fn_name(path: &syn::ExprPath) -> String {
    path.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}
