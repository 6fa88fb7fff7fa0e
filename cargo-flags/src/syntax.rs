//! Reading Rust source the way both `scan` and `remove` need it: a file parsed by `syn` with byte-exact
//! positions, and the recognition of `#[feature_flag(..)]` attributes, `flag!(..)`, `variant!(..)` and
//! `flag_value!(..)` calls and calls of the runtime's fns that take a literal flag name ([`names`] says which
//! names mean the runtime's, and [`Reads`] which of them a reader looks for), including those hidden in the
//! tokens of other macro calls.
//!
//! `syn` sees every line of a file, `#[cfg]`-disabled code included, which is the point: a flag referenced
//! only under a disabled `cfg` is still referenced. A macro call's tokens are read as expressions
//! (`println!`, `assert!`, `vec!`), then as statements, and when neither parses (`macro_rules!` bodies,
//! DSLs) they are searched token by token for the same references.

pub mod names;

use std::ops::Range;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Block, Expr, ExprCall, Lit, LitStr, Macro, Meta, Stmt, Token};

use crate::expr::{SynAttrArgs, SynExpr};
use crate::text::{LineIndex, line_column};
use names::{FileNames, MacroKind, Reads, VALUE_CHOOSERS, VARIANT_API};

/// A `.rs` file parsed by `syn`.
pub struct ParsedFile {
    /// The syntax tree. Its spans are valid until [`forget_spans`] is called.
    pub ast: syn::File,
    /// Turns the tree's spans into byte offsets of the file.
    pub index: LineIndex,
}

/// Why a file could not be parsed: where, and `syn`'s message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What the parser expected.
    pub message: String,
}

/// Parses the text of a `.rs` file, keeping byte-exact positions.
pub fn parse_file(text: &str) -> Result<ParsedFile, ParseFailure> {
    const BOM: &str = "\u{feff}";
    let (base, parsed) = match text.strip_prefix(BOM) {
        Some(rest) => (BOM.len(), rest),
        None => (0, text),
    };
    let index = LineIndex::new(parsed, base);
    match syn::parse_file(parsed) {
        Ok(ast) => Ok(ParsedFile { ast, index }),
        Err(error) => {
            let offset = index.offset(error.span().start());
            let (line, column) = line_column(text, offset);
            let message = error.to_string();
            // proc-macro2's lexer error says nothing of the cause.
            let message = if message == "cannot parse string into token stream" {
                "unbalanced brackets, or a token Rust does not accept".to_owned()
            } else {
                message
            };
            Err(ParseFailure {
                line,
                column,
                message,
            })
        }
    }
}

/// Releases the positions `proc-macro2` keeps for every parsed file of this thread. Call it once nothing
/// parsed so far is used any more: spans of earlier files become invalid.
pub fn forget_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// The bytes from the first to the last token of `node`.
pub fn range_of(node: &impl ToTokens, index: &LineIndex) -> Range<usize> {
    let tokens = node.to_token_stream();
    let mut iter = tokens.into_iter();
    let Some(first) = iter.next() else {
        return 0..0;
    };
    let last = iter.last().unwrap_or_else(|| first.clone());
    index.join(first.span(), last.span())
}

/// Where `error` points, or `fallback` when its span has no position (an error at the end of empty input).
pub fn error_offset(error: &syn::Error, index: &LineIndex, fallback: usize) -> usize {
    let start = error.span().start();
    if start.line == 0 {
        fallback
    } else {
        index.offset(start)
    }
}

/// Whether `path` names the attribute: `feature_flag` or a path ending in it (`flag_runtime::feature_flag`).
pub fn is_feature_flag_path(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == "feature_flag")
}

/// Whether `attr` is `#[feature_flag(..)]`.
pub fn is_feature_flag(attr: &Attribute) -> bool {
    matches!(attr.style, syn::AttrStyle::Outer) && is_feature_flag_path(attr.path())
}

/// The arguments of a `#[feature_flag(..)]` attribute.
pub fn attr_args(attr: &Attribute) -> syn::Result<SynAttrArgs> {
    match &attr.meta {
        Meta::List(list) => syn::parse2(list.tokens.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a flag expression: `#[feature_flag(\"name\")]`, optionally with `fallback = path`",
        )),
    }
}

/// Whether `mac` is `flag!(..)` (or a path ending in `flag`, such as `flag_runtime::flag!`).
pub fn is_flag_macro(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "flag")
}

/// The expression of a `flag!(..)` call.
pub fn flag_macro_expr(mac: &Macro) -> syn::Result<SynExpr> {
    flag_call(mac.tokens.clone())
}

/// The flag expression of the tokens of a `flag!` call: `EXPR`, or `EXPR, context` where `context` is any
/// Rust expression (such as `&ctx`, for flags decided per context), with an optional trailing comma.
pub fn flag_call(tokens: TokenStream) -> syn::Result<SynExpr> {
    syn::parse2::<flag_syntax::FlagCall>(tokens).map(|call| call.expr)
}

/// The flag name of the tokens of a `variant!` call, which must be `"name", context` (as the macro requires:
/// one flag, no operators, and the context to choose the variant for).
pub fn variant_call(tokens: TokenStream) -> syn::Result<LitStr> {
    let call = syn::parse2::<flag_syntax::FlagCall>(tokens.clone())?;
    match (call.expr, call.context) {
        (SynExpr::Flag(literal), Some(_)) => Ok(literal),
        _ => Err(syn::Error::new_spanned(
            tokens,
            "expected a flag name and a context: `variant!(\"name\", &ctx)`",
        )),
    }
}

/// The flag name of the tokens of a `flag_value!` call: `"name"`, optionally a type (`"name": Type`), then
/// optionally a context, parsed with the macro's own grammar ([`flag_syntax::ValueCall`]).
pub fn value_call(tokens: TokenStream) -> syn::Result<LitStr> {
    syn::parse2::<flag_syntax::ValueCall>(tokens).map(|call| call.name)
}

/// The flag expression of the tokens of a `flag!`, `variant!` or `flag_value!` call found in tokens that are
/// not code (a `macro_rules!` body): what stands before the first comma, whatever follows it
/// (`flag!("a", $ctx)`, whose `$ctx` is no expression until the macro is expanded).
pub fn leading_flag_expr(tokens: TokenStream) -> syn::Result<SynExpr> {
    let mut first = TokenStream::new();
    for token in tokens {
        if matches!(&token, TokenTree::Punct(p) if p.as_char() == ',') {
            break;
        }
        first.extend([token]);
    }
    syn::parse2::<SynExpr>(first)
}

/// The tokens of a macro call other than `flag!`, as far as they can be read as code.
pub enum MacroBody {
    /// Comma-separated expressions: `println!("{}", x)`, `assert!(a, "..")`, `vec![a, b]`, `vec![a; n]`.
    Exprs(Vec<Expr>),
    /// Statements and items.
    Stmts(Vec<Stmt>),
    /// Anything else: only token-level search applies.
    Opaque(TokenStream),
}

/// Reads the tokens of a macro call as expressions, else statements, else leaves them opaque.
pub fn macro_body(mac: &Macro) -> MacroBody {
    if let Ok(exprs) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
        return MacroBody::Exprs(exprs.into_iter().collect());
    }
    let repeat = |input: syn::parse::ParseStream| -> syn::Result<Vec<Expr>> {
        let value: Expr = input.parse()?;
        input.parse::<Token![;]>()?;
        let count: Expr = input.parse()?;
        Ok(vec![value, count])
    };
    if let Ok(exprs) = mac.parse_body_with(repeat) {
        return MacroBody::Exprs(exprs);
    }
    if let Ok(stmts) = mac.parse_body_with(Block::parse_within) {
        return MacroBody::Stmts(stmts);
    }
    MacroBody::Opaque(mac.tokens.clone())
}

/// What a [`TokenHit`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// `#[feature_flag(..)]`.
    Attribute,
    /// `flag!(..)`, `variant!(..)` or `flag_value!(..)`.
    Macro(MacroKind),
    /// A call of a runtime fn that takes a flag's name, such as `flag_runtime::set("x", true)`.
    Call(&'static str),
}

/// A reference found by searching tokens that do not parse as code.
pub struct TokenHit {
    /// What it is.
    pub kind: HitKind,
    /// The bytes of the whole call (path included) or attribute (`#` to `]`).
    pub range: Range<usize>,
    /// The tokens inside the parentheses.
    pub args: TokenStream,
}

/// A call of the string API (or of [`names::VALUE_API`]) whose first argument is a string literal.
#[derive(Clone)]
pub struct ApiCall {
    /// The runtime fn called: one of [`names::STRING_API`] or [`names::VALUE_API`].
    pub function: &'static str,
    /// The flag's name, as written.
    pub name: LitStr,
    /// The variant name, when the fn takes one and it is written as a string literal.
    pub variant: Option<LitStr>,
    /// For `set_value`: the value chosen (a value's name or a literal), when written as a string literal.
    pub value: Option<LitStr>,
}

/// `call` as a call of the string API with a literal flag name, by [`names`]' rule: [`api_call_for`]
/// with [`Reads::States`].
pub fn api_call(call: &ExprCall, names: &FileNames) -> Option<ApiCall> {
    api_call_for(call, names, Reads::States)
}

/// `call` as a call, with a literal flag name, of one of the runtime's fns that `reads` looks for, by
/// [`names`]' rule.
pub fn api_call_for(call: &ExprCall, names: &FileNames, reads: Reads) -> Option<ApiCall> {
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let function = names.function(&path.path, reads)?;
    let literal = |expr: Option<&Expr>| match expr {
        Some(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(literal),
            ..
        })) => Some(literal.clone()),
        _ => None,
    };
    api_call_of(function, literal(call.args.first()), || {
        literal(call.args.iter().nth(1))
    })
}

/// The string-API call whose arguments are `args` (the tokens inside the parentheses), when the first of
/// them is a string literal.
pub fn api_call_tokens(function: &'static str, args: TokenStream) -> Option<ApiCall> {
    let mut arguments: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for token in args {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => arguments.push(Vec::new()),
            _ => arguments.last_mut()?.push(token),
        }
    }
    let literal = |argument: Option<&Vec<TokenTree>>| match argument.map(Vec::as_slice) {
        Some([TokenTree::Literal(literal)]) => {
            syn::parse2::<LitStr>(TokenTree::Literal(literal.clone()).into()).ok()
        }
        _ => None,
    };
    api_call_of(function, literal(arguments.first()), || {
        literal(arguments.get(1))
    })
}

/// The call of `function` whose first argument is the literal `name` (`None` when it is not a literal), and
/// whose second is `second()`, read only for the fns that take a variant name or a value.
fn api_call_of(
    function: &'static str,
    name: Option<LitStr>,
    second: impl FnOnce() -> Option<LitStr>,
) -> Option<ApiCall> {
    let name = name?;
    let (variant, value) = if VARIANT_API.contains(&function) {
        (second(), None)
    } else if VALUE_CHOOSERS.contains(&function) {
        (None, second())
    } else {
        (None, None)
    };
    Some(ApiCall {
        function,
        name,
        variant,
        value,
    })
}

/// Every `#[feature_flag(..)]`, `flag!(..)`, `variant!(..)` and string-API call in `tokens`:
/// [`token_hits_for`] with [`Reads::States`].
pub fn token_hits(tokens: TokenStream, index: &LineIndex, names: &FileNames) -> Vec<TokenHit> {
    token_hits_for(tokens, index, names, Reads::States)
}

/// Every `#[feature_flag(..)]` and every call of a macro or fn that `reads` looks for in `tokens`, nested
/// groups included; `names` says which names are the runtime's.
pub fn token_hits_for(
    tokens: TokenStream,
    index: &LineIndex,
    names: &FileNames,
    reads: Reads,
) -> Vec<TokenHit> {
    let mut hits = Vec::new();
    search(tokens, index, names, reads, &mut hits);
    hits
}

fn search(
    tokens: TokenStream,
    index: &LineIndex,
    names: &FileNames,
    reads: Reads,
    hits: &mut Vec<TokenHit>,
) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(hash) if hash.as_char() == '#' => {
                if let Some(TokenTree::Group(bracket)) = tokens.get(i + 1)
                    && bracket.delimiter() == Delimiter::Bracket
                    && let Some(args) = feature_flag_args(bracket.stream(), names)
                {
                    hits.push(TokenHit {
                        kind: HitKind::Attribute,
                        range: index.join(hash.span(), bracket.span()),
                        args,
                    });
                    i += 2;
                    continue;
                }
            }
            TokenTree::Ident(ident) => {
                if let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(group))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && bang.as_char() == '!'
                    && let Some(kind) = names.macro_kind_of_ident(&ident.to_string())
                    && reads.macro_kind(kind)
                {
                    let start = path_start(&tokens, i);
                    hits.push(TokenHit {
                        kind: HitKind::Macro(kind),
                        range: index.join(tokens[start].span(), group.span()),
                        args: group.stream(),
                    });
                    i += 3;
                    continue;
                }
                if let Some(TokenTree::Group(group)) = tokens.get(i + 1)
                    && group.delimiter() == Delimiter::Parenthesis
                    && let Some((start, function)) = call_in_tokens(&tokens, i, names, reads)
                {
                    hits.push(TokenHit {
                        kind: HitKind::Call(function),
                        range: index.join(tokens[start].span(), group.span()),
                        args: group.stream(),
                    });
                    search(group.stream(), index, names, reads, hits);
                    i += 2;
                    continue;
                }
            }
            TokenTree::Group(group) => search(group.stream(), index, names, reads, hits),
            _ => {}
        }
        i += 1;
    }
}

/// When the identifier at `tokens[at]`, followed by parentheses, calls a runtime fn that `reads` looks for:
/// where its path starts, and the fn. A method call (`.set(..)`) never does.
fn call_in_tokens(
    tokens: &[TokenTree],
    at: usize,
    names: &FileNames,
    reads: Reads,
) -> Option<(usize, &'static str)> {
    let start = path_start(tokens, at);
    let is_method =
        start >= 1 && matches!(&tokens[start - 1], TokenTree::Punct(p) if p.as_char() == '.');
    if is_method {
        return None;
    }
    let segments: Vec<String> = tokens[start..=at]
        .iter()
        .filter_map(|token| match token {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    let function = match segments.as_slice() {
        [krate, name] if names.is_runtime_crate(krate) => reads.api(name),
        [local] if start == at => names.local_function(local, reads),
        _ => None,
    }?;
    Some((start, function))
}

/// The arguments of `feature_flag(..)` when `tokens` (an attribute's brackets) are exactly that, with an
/// optional leading path.
fn feature_flag_args(tokens: TokenStream, names: &FileNames) -> Option<TokenStream> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let (TokenTree::Group(args), TokenTree::Ident(name)) =
        (tokens.last()?, tokens.get(tokens.len().checked_sub(2)?)?)
    else {
        return None;
    };
    let is_path = tokens[..tokens.len() - 1].iter().all(|token| {
        matches!(token, TokenTree::Ident(_))
            || matches!(token, TokenTree::Punct(p) if p.as_char() == ':')
    });
    let single = tokens.len() == 2;
    let is_attribute =
        name == "feature_flag" || (single && names.is_feature_flag(&syn::Path::from(name.clone())));
    (is_attribute && args.delimiter() == Delimiter::Parenthesis && is_path).then(|| args.stream())
}

/// Where the path that ends at `tokens[at]` starts: `a::b::flag`, `::flag`, `$crate::flag`.
fn path_start(tokens: &[TokenTree], at: usize) -> usize {
    let is_colon = |index: usize, spacing: Option<Spacing>| matches!(&tokens[index], TokenTree::Punct(p) if p.as_char() == ':' && spacing.is_none_or(|s| p.spacing() == s));
    // Keywords that can stand before a path but are not part of it: `if ::a::flag!(..)`.
    const NOT_SEGMENTS: [&str; 16] = [
        "if", "else", "match", "return", "in", "let", "while", "for", "mut", "move", "as", "break",
        "loop", "unsafe", "async", "await",
    ];
    let mut start = at;
    while start >= 2 && is_colon(start - 1, None) && is_colon(start - 2, Some(Spacing::Joint)) {
        match start.checked_sub(3).map(|i| &tokens[i]) {
            Some(TokenTree::Ident(segment))
                if !NOT_SEGMENTS.iter().any(|keyword| segment == keyword) =>
            {
                start -= 3;
                if start >= 1
                    && matches!(&tokens[start - 1], TokenTree::Punct(p) if p.as_char() == '$')
                {
                    start -= 1;
                    break;
                }
            }
            _ => {
                start -= 2;
                break;
            }
        }
    }
    start
}

/// Whether `tokens` contain the string literal `"name"`: a hint that a malformed expression was about it.
pub fn mentions_literal(tokens: &TokenStream, name: &str) -> bool {
    let wanted = format!("{name:?}");
    any_token(
        tokens.clone(),
        &|token| matches!(token, TokenTree::Literal(literal) if literal.to_string() == wanted),
    )
}

/// Whether a token of `tokens`, or of a group among them at any depth, satisfies `test` (groups themselves
/// are looked into, not tested).
pub fn any_token(tokens: TokenStream, test: &dyn Fn(&TokenTree) -> bool) -> bool {
    tokens.into_iter().any(|token| match &token {
        TokenTree::Group(group) => any_token(group.stream(), test),
        other => test(other),
    })
}

/// `text` on one line: runs of whitespace (newlines included) become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
