//! The walk over one parsed file that records each reference (see the [parent module](super) for what
//! counts), with the item it stands in and whether the code expects it to fail.

use std::collections::BTreeSet;

use syn::visit::{self, Visit};
use syn::{
    Attribute, Expr, ExprCall, ExprMethodCall, ForeignItem, ImplItem, Item, LitStr, Macro,
    TraitItem,
};

use super::describe::{
    describe_foreign_item, describe_impl_item, describe_item, describe_trait_item,
};
use super::{Finding, LiteralName, RefKind, Reference, Scan};
use crate::expr::SynExpr;
use crate::syntax::names::{FileNames, MacroKind, Reads};
use crate::syntax::{self, ApiCall, HitKind, MacroBody};
use crate::text::{LineIndex, line_column};

/// The methods that say a `Result` is expected to be an error.
const EXPECTS_ERROR: [&str; 3] = ["is_err", "unwrap_err", "expect_err"];

/// The macros whose operands, compared with `Err(..)`, are expected to be an error.
const COMPARISONS: [&str; 4] = [
    "assert_eq",
    "assert_ne",
    "debug_assert_eq",
    "debug_assert_ne",
];

pub(super) struct Scanner<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) index: &'a LineIndex,
    pub(super) names: &'a FileNames,
    /// The items being visited, innermost last.
    pub(super) context: Vec<String>,
    /// The start of the calls whose result the code expects to be an error.
    pub(super) expecting_error: BTreeSet<usize>,
    pub(super) scan: &'a mut Scan,
}

impl Scanner<'_> {
    fn finding(&mut self, offset: usize, message: String) {
        let (line, column) = line_column(self.text, offset);
        self.scan.malformed.push(Finding {
            file: self.file.to_owned(),
            line,
            column,
            message,
        });
    }

    fn reference(&mut self, kind: RefKind, range: std::ops::Range<usize>, names: Vec<&LitStr>) {
        self.push_reference(kind, range, names, None);
    }

    fn push_reference(
        &mut self,
        kind: RefKind,
        range: std::ops::Range<usize>,
        names: Vec<&LitStr>,
        call: Option<&ApiCall>,
    ) {
        let (line, column) = line_column(self.text, range.start);
        let literal_name = |literal: &LitStr| {
            let (line, column) = line_column(self.text, self.index.range(literal.span()).start);
            LiteralName {
                name: literal.value(),
                line,
                column,
            }
        };
        let variant = call
            .and_then(|call| call.variant.as_ref())
            .map(literal_name);
        let value = call.and_then(|call| call.value.as_ref()).map(literal_name);
        let name_positions = names
            .iter()
            .map(|name| line_column(self.text, self.index.range(name.span()).start))
            .collect();
        self.scan.references.push(Reference {
            file: self.file.to_owned(),
            line,
            column,
            kind,
            names: names.iter().map(|name| name.value()).collect(),
            name_positions,
            context: self.context.last().cloned(),
            function: call.map(|call| call.function),
            variant,
            value,
            expects_error: call.is_some() && self.expecting_error.contains(&range.start),
            text: syntax::one_line(&self.text[range]),
        });
    }

    /// A string-API call found at `range`.
    fn call(&mut self, range: std::ops::Range<usize>, call: &ApiCall) {
        self.push_reference(RefKind::Call, range, vec![&call.name], Some(call));
    }

    /// A `variant!` or `flag_value!` call (`kind`) at `range` whose arguments are `tokens`.
    fn single_flag_macro(
        &mut self,
        kind: MacroKind,
        range: std::ops::Range<usize>,
        tokens: proc_macro2::TokenStream,
    ) {
        let (read, label) = match kind {
            MacroKind::Value => (syntax::value_call(tokens), "flag_value!"),
            _ => (syntax::variant_call(tokens), "variant!"),
        };
        match read {
            Ok(literal) => self.reference(ref_kind(kind), range, vec![&literal]),
            Err(error) => {
                let offset = syntax::error_offset(&error, self.index, range.start);
                self.finding(offset, format!("malformed {label}: {error}"));
            }
        }
    }

    fn with_context(&mut self, context: String, visit: impl FnOnce(&mut Self)) {
        self.context.push(context);
        visit(self);
        self.context.pop();
    }

    fn token_hits(&mut self, tokens: proc_macro2::TokenStream) {
        for hit in syntax::token_hits_for(tokens, self.index, self.names, Reads::All) {
            // Inside tokens that are not code, a `flag!` that does not parse may be a macro_rules pattern
            // (`flag!($e)`): only well-formed references count.
            match hit.kind {
                HitKind::Attribute => {
                    if let Ok(args) = syn::parse2::<crate::expr::SynAttrArgs>(hit.args) {
                        self.reference(RefKind::Attribute, hit.range, args.expr.names());
                    }
                }
                HitKind::Macro(MacroKind::Flag) => {
                    if let Ok(expr) = syntax::leading_flag_expr(hit.args) {
                        self.reference(RefKind::Macro, hit.range, expr.names());
                    }
                }
                HitKind::Macro(kind @ (MacroKind::Variant | MacroKind::Value)) => {
                    if let Ok(SynExpr::Flag(literal)) = syntax::leading_flag_expr(hit.args) {
                        self.reference(ref_kind(kind), hit.range, vec![&literal]);
                    }
                }
                HitKind::Call(function) => {
                    if let Some(call) = syntax::api_call_tokens(function, hit.args) {
                        self.call(hit.range, &call);
                    }
                }
            }
        }
    }

    /// Marks `expr`, when it is a call (in parentheses or behind `&`), as expected to fail.
    fn expect_error(&mut self, expr: &Expr) {
        match expr {
            Expr::Paren(paren) => self.expect_error(&paren.expr),
            Expr::Reference(reference) => self.expect_error(&reference.expr),
            Expr::Call(call) => {
                let start = syntax::range_of(call, self.index).start;
                self.expecting_error.insert(start);
            }
            _ => {}
        }
    }
}

/// The kind of reference a call of the runtime's macro `kind` is.
fn ref_kind(kind: MacroKind) -> RefKind {
    match kind {
        MacroKind::Flag => RefKind::Macro,
        MacroKind::Variant => RefKind::Variant,
        MacroKind::Value => RefKind::Value,
    }
}

/// Whether `expr` is `Err(..)`.
fn is_err_value(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
            if path.path.segments.last().is_some_and(|segment| segment.ident == "Err")),
        Expr::Paren(paren) => is_err_value(&paren.expr),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        let context = describe_item(item, self.text, self.index);
        self.with_context(context, |this| visit::visit_item(this, item));
    }

    fn visit_impl_item(&mut self, item: &'ast ImplItem) {
        let context = describe_impl_item(item);
        self.with_context(context, |this| visit::visit_impl_item(this, item));
    }

    fn visit_trait_item(&mut self, item: &'ast TraitItem) {
        let context = describe_trait_item(item);
        self.with_context(context, |this| visit::visit_trait_item(this, item));
    }

    fn visit_foreign_item(&mut self, item: &'ast ForeignItem) {
        let context = describe_foreign_item(item);
        self.with_context(context, |this| visit::visit_foreign_item(this, item));
    }

    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        if !(matches!(attr.style, syn::AttrStyle::Outer) && self.names.is_feature_flag(attr.path()))
        {
            return;
        }
        let range = syntax::range_of(attr, self.index);
        match syntax::attr_args(attr) {
            Ok(args) => self.reference(RefKind::Attribute, range, args.expr.names()),
            Err(error) => {
                let offset = syntax::error_offset(&error, self.index, range.start);
                self.finding(offset, format!("malformed #[feature_flag]: {error}"));
            }
        }
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if let Some(found) = syntax::api_call_for(call, self.names, Reads::All) {
            let range = syntax::range_of(call, self.index);
            self.call(range, &found);
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
        if EXPECTS_ERROR.iter().any(|method| call.method == method) {
            self.expect_error(&call.receiver);
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        let kind = self.names.macro_kind(&mac.path);
        if let Some(kind @ (MacroKind::Variant | MacroKind::Value)) = kind {
            let range = syntax::range_of(mac, self.index);
            self.single_flag_macro(kind, range, mac.tokens.clone());
            return;
        }
        if kind == Some(MacroKind::Flag) {
            let range = syntax::range_of(mac, self.index);
            match syntax::flag_macro_expr(mac) {
                Ok(expr) => self.reference(RefKind::Macro, range, expr.names()),
                Err(error) => {
                    let offset = syntax::error_offset(&error, self.index, range.start);
                    self.finding(offset, format!("malformed flag!: {error}"));
                }
            }
            return;
        }
        match syntax::macro_body(mac) {
            MacroBody::Exprs(exprs) => {
                let comparison =
                    mac.path.segments.last().is_some_and(|segment| {
                        COMPARISONS.iter().any(|name| segment.ident == name)
                    });
                if comparison && exprs.iter().any(is_err_value) {
                    exprs.iter().for_each(|expr| self.expect_error(expr));
                }
                exprs.iter().for_each(|expr| self.visit_expr(expr));
            }
            MacroBody::Stmts(stmts) => stmts.iter().for_each(|stmt| self.visit_stmt(stmt)),
            MacroBody::Opaque(tokens) => self.token_hits(tokens),
        }
    }
}
