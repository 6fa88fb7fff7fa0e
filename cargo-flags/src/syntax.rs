//! Reading Rust source the way both `scan` and `remove` need it: a file parsed by `syn` with byte-exact
//! positions, and the recognition of `#[feature_flag(..)]` attributes and `flag!(..)` calls, including
//! those hidden in the tokens of other macro calls.
//!
//! `syn` sees every line of a file, `#[cfg]`-disabled code included, which is the point: a flag referenced
//! only under a disabled `cfg` is still referenced. A macro call's tokens are read as expressions
//! (`println!`, `assert!`, `vec!`), then as statements, and when neither parses (`macro_rules!` bodies,
//! DSLs) they are searched token by token for `flag!(..)` and `#[feature_flag(..)]`.

use std::ops::Range;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Block, Expr, Macro, Meta, Stmt, Token};

use crate::expr::{SynAttrArgs, SynExpr};
use crate::text::{LineIndex, line_column};

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

/// A `flag!(..)` or `#[feature_flag(..)]` found by searching tokens that do not parse as code.
pub struct TokenHit {
    /// Which of the two it is.
    pub is_attribute: bool,
    /// The bytes of the whole call (path included) or attribute (`#` to `]`).
    pub range: Range<usize>,
    /// The tokens inside the parentheses.
    pub args: TokenStream,
}

/// Every `flag!(..)` and `#[feature_flag(..)]` in `tokens`, nested groups included.
pub fn token_hits(tokens: TokenStream, index: &LineIndex) -> Vec<TokenHit> {
    let mut hits = Vec::new();
    search(tokens, index, &mut hits);
    hits
}

fn search(tokens: TokenStream, index: &LineIndex, hits: &mut Vec<TokenHit>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(hash) if hash.as_char() == '#' => {
                if let Some(TokenTree::Group(bracket)) = tokens.get(i + 1)
                    && bracket.delimiter() == Delimiter::Bracket
                    && let Some(args) = feature_flag_args(bracket.stream())
                {
                    hits.push(TokenHit {
                        is_attribute: true,
                        range: index.join(hash.span(), bracket.span()),
                        args,
                    });
                    i += 2;
                    continue;
                }
            }
            TokenTree::Ident(ident) if ident == "flag" => {
                if let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(group))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && bang.as_char() == '!'
                {
                    let start = path_start(&tokens, i);
                    hits.push(TokenHit {
                        is_attribute: false,
                        range: index.join(tokens[start].span(), group.span()),
                        args: group.stream(),
                    });
                    i += 3;
                    continue;
                }
            }
            TokenTree::Group(group) => search(group.stream(), index, hits),
            _ => {}
        }
        i += 1;
    }
}

/// The arguments of `feature_flag(..)` when `tokens` (an attribute's brackets) are exactly that, with an
/// optional leading path.
fn feature_flag_args(tokens: TokenStream) -> Option<TokenStream> {
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
    (name == "feature_flag" && args.delimiter() == Delimiter::Parenthesis && is_path)
        .then(|| args.stream())
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
    tokens.clone().into_iter().any(|token| match token {
        TokenTree::Literal(literal) => literal.to_string() == wanted,
        TokenTree::Group(group) => mentions_literal(&group.stream(), name),
        _ => false,
    })
}

/// `text` on one line: runs of whitespace (newlines included) become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hits_in_opaque_tokens() {
        let text = "macro_rules! m { () => { if ::flag_runtime::flag!(\"a\") { #[feature_flag(\"b\")] fn f() {} } $crate::flag!(\"c\") } }";
        let parsed = parse_file(text).unwrap();
        let syn::Item::Macro(item) = &parsed.ast.items[0] else {
            panic!("not a macro");
        };
        let hits = token_hits(item.mac.tokens.clone(), &parsed.index);
        let found: Vec<(&str, bool)> = hits
            .iter()
            .map(|hit| (&text[hit.range.clone()], hit.is_attribute))
            .collect();
        assert_eq!(
            found,
            [
                ("::flag_runtime::flag!(\"a\")", false),
                ("#[feature_flag(\"b\")]", true),
                ("$crate::flag!(\"c\")", false),
            ]
        );
    }

    #[test]
    fn reads_macro_bodies_as_code_when_they_are() {
        let body = |text: &str| {
            let mac: Macro = syn::parse_str(text).unwrap();
            match macro_body(&mac) {
                MacroBody::Exprs(exprs) => format!("exprs {}", exprs.len()),
                MacroBody::Stmts(stmts) => format!("stmts {}", stmts.len()),
                MacroBody::Opaque(_) => "opaque".to_owned(),
            }
        };
        assert_eq!(body(r#"println!("{}", flag!("a"))"#), "exprs 2");
        assert_eq!(body("vec![flag!(\"a\"); 3]"), "exprs 2");
        assert_eq!(body("m! { let x = 1; fn f() {} }"), "stmts 2");
        assert_eq!(body("m!(a => b)"), "opaque");
    }

    #[test]
    fn flag_calls_may_name_a_context() {
        let name = |text: &str| match flag_call(text.parse().unwrap()) {
            Ok(SynExpr::Flag(literal)) => literal.value(),
            Ok(_) => "operator".to_owned(),
            Err(error) => error.to_string(),
        };
        assert_eq!(name(r#""a""#), "a");
        assert_eq!(name(r#""a", &ctx"#), "a");
        assert_eq!(name(r#"all("a", "b"), &request.context(),"#), "operator");
        assert!(
            name(r#""a", &ctx, 3"#).starts_with("expected at most a flag expression and a context")
        );
    }

    #[test]
    fn parse_failures_have_a_position() {
        let failure = parse_file("fn main() {\n    let x = ;\n}\n").err().unwrap();
        assert_eq!((failure.line, failure.column), (2, 13));
        let with_bom = parse_file("\u{feff}fn f() {}").unwrap();
        let range = range_of(&with_bom.ast.items[0], &with_bom.index);
        assert_eq!(range, 3..12);
    }
}
