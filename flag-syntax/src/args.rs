//! The arguments of the macros around a flag expression: `#[feature_flag(EXPR, fallback = path)]` and
//! `flag!(EXPR)` / `flag!(EXPR, &ctx)` (which `variant!` shares).

use proc_macro2::{Literal, Spacing, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Lit, LitStr, Token};

use crate::expr::FlagExpr;
use flag_manifest::did_you_mean;

/// Parsed `#[feature_flag(EXPR, fallback = PATH)]` arguments.
pub struct AttrArgs {
    /// The condition.
    pub expr: FlagExpr,
    /// `fallback = path`: the fn to call when the condition is off, with its `fallback` keyword.
    pub fallback: Option<(Ident, syn::ExprPath)>,
}

const OPTIONS: [&str; 1] = ["fallback"];

impl AttrArgs {
    /// Parses the arguments. The common shapes, `"name"` and `"name", fallback = path` with a path of plain
    /// segments, are read off the tokens, giving what the parser would; anything else, errors included,
    /// goes through the parser ([`Parse`]). Proc macros run unoptimised in dev builds, where syn's
    /// machinery costs more than the rest of a use of `#[feature_flag]`.
    pub fn from_tokens(tokens: TokenStream) -> syn::Result<AttrArgs> {
        // The trees taken out once; the parser gets them back only when it is needed.
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        match quick_attr_args(&trees) {
            Some(args) => Ok(args),
            None => syn::parse2(trees.into_iter().collect()),
        }
    }
}

fn quick_attr_args(trees: &[TokenTree]) -> Option<AttrArgs> {
    let [TokenTree::Literal(literal), rest @ ..] = trees else {
        return None;
    };
    let expr = FlagExpr::Flag(flag_name(literal)?);
    match rest {
        [] => Some(AttrArgs {
            expr,
            fallback: None,
        }),
        [
            TokenTree::Punct(comma),
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            path @ ..,
        ] if comma.as_char() == ',' && key == "fallback" && eq.as_char() == '=' => Some(AttrArgs {
            expr,
            fallback: Some((key.clone(), plain_path(path)?)),
        }),
        _ => None,
    }
}

/// A flag name's text: the literal's own text between its quotes when that has no escape (flag names never
/// need one), else what syn decodes. `LitStr::value` decodes char by char, in code that proc macros run
/// unoptimised in dev builds, for each of a crate's thousand uses.
///
/// ```
/// let name: syn::LitStr = syn::parse_str(r#""new_ui""#).unwrap();
/// assert_eq!(flag_syntax::name_text(&name), "new_ui");
/// let escaped: syn::LitStr = syn::parse_str(r#""new\x5fui""#).unwrap();
/// assert_eq!(flag_syntax::name_text(&escaped), "new_ui");
/// ```
pub fn name_text(literal: &LitStr) -> String {
    match unescaped(&literal.token().to_string()) {
        Some(inner) => inner.to_owned(),
        None => literal.value(),
    }
}

/// The text between a plain string literal's quotes (no prefix, no suffix), when it holds no escape.
fn unescaped(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// A string literal without prefix, suffix or escapes, as the parser would take it; `None` otherwise.
fn flag_name(literal: &Literal) -> Option<LitStr> {
    let text = literal.to_string();
    // Escapes need unescaping, and an empty name is an error: both are the parser's.
    let inner = unescaped(&text)?;
    // Compared as bytes: a `char` pattern costs several times more in an unoptimised proc macro.
    let mut printable_ascii = true;
    for byte in inner.bytes() {
        match byte {
            b'"' => return None,
            b' '..=b'~' => {}
            _ => printable_ascii = false,
        }
    }
    if inner.is_empty() {
        return None;
    }
    if printable_ascii {
        // Spelled by `LitStr::new` exactly as written (nothing to escape), at the literal's span: the same
        // `LitStr`, without parsing the token's text again as `Lit::new` does.
        return Some(LitStr::new(inner, literal.span()));
    }
    match Lit::new(literal.clone()) {
        Lit::Str(name) => Some(name),
        _ => None,
    }
}

/// `a`, `a::b`, `Self::old`: identifiers joined by `::`, as an expression path; `None` for any other shape
/// (a leading `::`, generics, a trailing comma), which the parser then reads.
fn plain_path(tokens: &[TokenTree]) -> Option<syn::ExprPath> {
    let mut segments = Punctuated::new();
    let mut rest = tokens;
    loop {
        let [TokenTree::Ident(segment), after @ ..] = rest else {
            return None;
        };
        segments.push_value(syn::PathSegment::from(segment.clone()));
        match after {
            [] => break,
            [
                TokenTree::Punct(first),
                TokenTree::Punct(second),
                after @ ..,
            ] if first.as_char() == ':'
                && first.spacing() == Spacing::Joint
                && second.as_char() == ':' =>
            {
                segments.push_punct(Token![::]([first.span(), second.span()]));
                rest = after;
            }
            _ => return None,
        }
    }
    Some(syn::ExprPath {
        attrs: Vec::new(),
        qself: None,
        path: syn::Path {
            leading_colon: None,
            segments,
        },
    })
}

impl Parse for AttrArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected a flag expression: `#[feature_flag(\"name\")]`, optionally with `fallback = path`",
            ));
        }
        let expr: FlagExpr = input.parse()?;
        let mut fallback: Option<(Ident, syn::ExprPath)> = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(syn::LitStr) || (input.peek(Ident) && input.peek2(syn::token::Paren)) {
                return Err(input.error(
                    "only one flag expression is allowed: combine several with `all(..)` or `any(..)`",
                ));
            }
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            match key.to_string().as_str() {
                "fallback" => {
                    input.parse::<Token![=]>().map_err(|error| {
                        syn::Error::new(
                            error.span(),
                            "expected `=` after `fallback`: `fallback = path`",
                        )
                    })?;
                    let path: syn::ExprPath = input.parse().map_err(|error| {
                        syn::Error::new(
                            error.span(),
                            "expected the path of a fn after `fallback =`, such as `render_v1` or `Self::old`",
                        )
                    })?;
                    if fallback.is_some() {
                        return Err(syn::Error::new(key.span(), "`fallback` is given twice"));
                    }
                    fallback = Some((key, path));
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown option `{other}`: `#[feature_flag]` accepts `fallback = path`{}",
                            did_you_mean(other, OPTIONS)
                        ),
                    ));
                }
            }
        }
        Ok(AttrArgs { expr, fallback })
    }
}

/// The input of `flag!` and `variant!`: a flag expression, then optionally the `&Context` to decide it for.
pub struct FlagCall {
    /// The condition.
    pub expr: FlagExpr,
    /// The context expression, such as `&ctx`.
    pub context: Option<syn::Expr>,
}

impl FlagCall {
    /// Parses the input; `"name"` alone is read off the tokens (see [`AttrArgs::from_tokens`]).
    pub fn from_tokens(tokens: TokenStream) -> syn::Result<FlagCall> {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        if let [TokenTree::Literal(literal)] = trees.as_slice()
            && let Some(name) = flag_name(literal)
        {
            return Ok(FlagCall {
                expr: FlagExpr::Flag(name),
                context: None,
            });
        }
        syn::parse2(trees.into_iter().collect())
    }
}

impl Parse for FlagCall {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let expr: FlagExpr = input.parse()?;
        let context = parse_context(input)?;
        if !input.is_empty() {
            return Err(input.error(
                "expected at most a flag expression and a context: `flag!(\"name\")` or `flag!(\"name\", &ctx)`",
            ));
        }
        Ok(FlagCall { expr, context })
    }
}

/// What may follow a macro's flag: nothing, or a comma, then optionally the context expression and a
/// trailing comma. Shared by `flag!`, `variant!` and `flag_value!`.
pub(crate) fn parse_context(input: ParseStream) -> syn::Result<Option<syn::Expr>> {
    let mut context = None;
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
        if !input.is_empty() {
            context = Some(input.parse()?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
    }
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reads_as_syn_decodes_it() {
        for text in [
            r#""new_ui""#,
            r#""a\x62c""#,
            r#"r"raw""#,
            r#""with\"quote""#,
            r#""x"suffix"#,
        ] {
            let literal: LitStr = syn::parse_str(text).unwrap();
            assert_eq!(name_text(&literal), literal.value(), "{text}");
        }
    }

    fn message(text: &str) -> String {
        match syn::parse_str::<AttrArgs>(text) {
            Ok(_) => panic!("`{text}` parsed"),
            Err(error) => error.to_string(),
        }
    }

    /// Everything a caller reads from parsed arguments, as text with spans.
    fn described(args: &AttrArgs) -> String {
        let fallback = args.fallback.as_ref().map(|(key, path)| {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|segment| format!("{}@{:?}", segment.ident, segment.ident.span()))
                .collect();
            format!("{key}@{:?} = {}", key.span(), segments.join("::"))
        });
        let names: Vec<String> = args
            .expr
            .names()
            .iter()
            .map(|name| format!("{}@{:?}", name.value(), name.span()))
            .collect();
        format!(
            "{} {names:?} {fallback:?} {}",
            args.expr,
            quote::quote!(#(#names)*)
        )
    }

    #[test]
    fn reading_the_common_shapes_off_the_tokens_agrees_with_the_parser() {
        let quick = [
            r#""a""#,
            r#""new_ui""#,
            r#""a", fallback = f"#,
            r#""a", fallback = Self::old"#,
            r#""a", fallback = crate::m::render_v1"#,
            r#""with space, 'quote' and ~""#,
            r#""café""#,
        ];
        for text in quick {
            let tokens: TokenStream = text.parse().unwrap();
            let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
            let read = quick_attr_args(&trees).unwrap_or_else(|| panic!("{text}"));
            let parsed: AttrArgs = syn::parse2(tokens.clone()).unwrap();
            assert_eq!(described(&read), described(&parsed), "{text}");
            let (_, read_path) = read.fallback.unzip();
            let (_, parsed_path) = parsed.fallback.unzip();
            assert_eq!(
                quote::quote!(#read_path).to_string(),
                quote::quote!(#parsed_path).to_string()
            );
        }
        let for_the_parser = [
            "",
            r#"not("a")"#,
            r#""a","#,
            r#""a", fallback = f,"#,
            r#""a", fallback = ::m::f"#,
            r#""a", fallback = f::<u8>"#,
            r#""a", fallbak = f"#,
            r#""a\x62""#,
            r#""""#,
            r#"r"a""#,
            r#""a"suffix"#,
            r#"b"a""#,
            "1",
        ];
        for text in for_the_parser {
            let trees: Vec<TokenTree> = text.parse::<TokenStream>().unwrap().into_iter().collect();
            assert!(quick_attr_args(&trees).is_none(), "{text}");
        }
        // The same errors, whichever way.
        assert_eq!(
            AttrArgs::from_tokens(r#""a", fallbak = f"#.parse().unwrap())
                .err()
                .map(|e| e.to_string()),
            Some(message(r#""a", fallbak = f"#))
        );
        let call = FlagCall::from_tokens(r#""a""#.parse().unwrap()).unwrap();
        assert!(call.context.is_none() && call.expr.to_string() == r#""a""#);
        let call = FlagCall::from_tokens(r#""a", &ctx"#.parse().unwrap()).unwrap();
        assert!(call.context.is_some());
    }

    #[test]
    fn parses_options() {
        let args: AttrArgs = syn::parse_str(r#""a", fallback = Self::old,"#).unwrap();
        let (_, path) = args.fallback.unwrap();
        assert_eq!(quote::quote!(#path).to_string(), "Self :: old");
        assert!(
            syn::parse_str::<AttrArgs>(r#"not("a")"#)
                .unwrap()
                .fallback
                .is_none()
        );
    }

    #[test]
    fn explains_mistakes() {
        assert!(
            message("").contains("expected a flag expression"),
            "{}",
            message("")
        );
        assert_eq!(
            message(r#""a", fallback = f, fallback = g"#),
            "`fallback` is given twice"
        );
        assert_eq!(
            message(r#""a", fallbak = f"#),
            "unknown option `fallbak`: `#[feature_flag]` accepts `fallback = path`; did you mean `fallback`?"
        );
        assert!(message(r#""a", "b""#).starts_with("only one flag expression"));
        assert!(message(r#""a", fallback"#).starts_with("expected `=`"));
        assert!(message(r#""a", fallback = 3"#).starts_with("expected the path of a fn"));
    }
}
