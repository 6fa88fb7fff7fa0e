//! A fn's signature read off its tokens, for the shape nearly every flagged fn has, so that a `fallback`
//! costs no syn parse.
//!
//! A fn with a `fallback` needs a few facts about its signature (its name, whether it is `const`, `async` or
//! `unsafe`, whether it returns `()`) and the names of its arguments, to call the fallback with them. syn's
//! `Signature` parser gives all that, but parses every argument's type, which in a proc macro (unoptimised in
//! dev builds) costs more than the rest of the expansion. Here the tokens are only scanned: the arguments are
//! split at the commas that are not inside a group or between `<` and `>`, and each must be a plain
//! `name: Type`, `mut name: Type` or a receiver (`self`, `&self`, `&'a mut self`, `self: Type`, ...). Any other
//! shape (a pattern, an attribute on an argument, a variadic, generics that the scan cannot follow) gets
//! `None`, and the caller parses with syn as before, so what this module accepts it reads exactly as syn
//! would (a unit test compares the two on many signatures).

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenTree};

/// What a fallback rewrite needs from a signature that [`scan`] could read.
pub struct QuickSig {
    /// The fn's name.
    pub ident: Ident,
    /// The `const` keyword's span, for a `const fn`.
    pub constness: Option<Span>,
    pub asyncness: bool,
    pub unsafety: bool,
    /// Whether the fn returns `()`: no `->`, or `-> ()`.
    pub returns_unit: bool,
    /// The names that pass the arguments on: `self` and the argument names, as written.
    pub values: Vec<Ident>,
    /// The signature's tokens, with `mut` removed from plain argument names when asked: trees, spliced into
    /// the rewritten fn without a call into the compiler of their own.
    pub head: Vec<TokenTree>,
    /// The types of the arguments and the result.
    pub types: Types,
}

/// The types of a fn's signature, for the fn pointer type its fallback is checked against. Kept as trees:
/// the pointer type copies them tree by tree, and a stream would be one more call into the compiler each
/// way.
#[derive(Default)]
pub struct Types {
    /// Each argument's type, receiver first (`self` is `Self`, `&mut self` is `&mut Self`); `None` when one
    /// cannot be written out.
    pub inputs: Option<Vec<Vec<TokenTree>>>,
    /// The return type, empty when there is no `->`.
    pub output: Vec<TokenTree>,
    /// Whether the fn names an ABI (`extern "C" fn`).
    pub abi: bool,
}

/// Reads `head` (a fn's tokens between its attributes and its body); `None` for any shape that needs syn.
/// `keep_mut: false` drops `mut` from `mut name: Type` arguments, as `forward_arguments` does.
pub fn scan(head: &[TokenTree], keep_mut: bool) -> Option<QuickSig> {
    let fn_at = head
        .iter()
        .position(|token| matches!(token, TokenTree::Ident(ident) if ident == "fn"))?;
    let mut constness = None;
    let (mut asyncness, mut unsafety, mut abi) = (false, false, false);
    for token in &head[..fn_at] {
        // One string per word: each `ident == ".."` makes one of its own.
        if let TokenTree::Ident(ident) = token {
            match ident.to_string().as_str() {
                "const" => constness = Some(ident.span()),
                "async" => asyncness = true,
                "unsafe" => unsafety = true,
                "extern" => abi = true,
                _ => {}
            }
        }
    }
    let TokenTree::Ident(ident) = head.get(fn_at + 1)? else {
        return None;
    };
    // Generics: skipped to the `>` that closes them.
    let mut at = fn_at + 2;
    if is_punct(head.get(at)?, '<') {
        let mut depth = 0usize;
        loop {
            let token = head.get(at)?;
            if is_punct(token, '<') {
                depth += 1;
            } else if is_punct(token, '>') && !is_arrow_head(head, at) {
                depth -= 1;
                if depth == 0 {
                    at += 1;
                    break;
                }
            }
            at += 1;
        }
    }
    let TokenTree::Group(arguments) = head.get(at)? else {
        return None;
    };
    if arguments.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let returns_unit = returns_unit(&head[at + 1..])?;
    let output = output(&head[at + 1..]);
    let (values, inputs, arguments) = read_arguments(arguments, keep_mut)?;
    let mut rebuilt = Vec::with_capacity(head.len());
    rebuilt.extend_from_slice(&head[..at]);
    rebuilt.push(TokenTree::Group(arguments));
    rebuilt.extend_from_slice(&head[at + 1..]);
    Some(QuickSig {
        ident: ident.clone(),
        constness,
        asyncness,
        unsafety,
        returns_unit,
        values,
        head: rebuilt,
        types: Types {
            inputs: Some(inputs),
            output,
            abi,
        },
    })
}

/// The return type's tokens, after the arguments: what follows `->`, up to a `where` clause.
fn output(after: &[TokenTree]) -> Vec<TokenTree> {
    match after {
        [TokenTree::Punct(dash), TokenTree::Punct(head), output @ ..]
            if dash.as_char() == '-' && head.as_char() == '>' =>
        {
            let end = output.iter().position(is_where).unwrap_or(output.len());
            output[..end].to_vec()
        }
        _ => Vec::new(),
    }
}

fn is_where(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Ident(ident) if ident == "where")
}

fn is_punct(token: &TokenTree, c: char) -> bool {
    matches!(token, TokenTree::Punct(punct) if punct.as_char() == c)
}

/// Whether the `>` at `at` is the head of a `->`.
fn is_arrow_head(tokens: &[TokenTree], at: usize) -> bool {
    at > 0
        && matches!(&tokens[at - 1], TokenTree::Punct(punct) if punct.as_char() == '-' && punct.spacing() == Spacing::Joint)
}

/// After the arguments: nothing, a `where` clause, or `-> Type` and maybe a `where` clause. `None` for
/// anything else.
fn returns_unit(after: &[TokenTree]) -> Option<bool> {
    match after {
        [] => Some(true),
        [TokenTree::Ident(where_), ..] if where_ == "where" => Some(true),
        [TokenTree::Punct(dash), TokenTree::Punct(head), output @ ..]
            if dash.as_char() == '-'
                && dash.spacing() == Spacing::Joint
                && head.as_char() == '>' =>
        {
            let end = output.iter().position(is_where).unwrap_or(output.len());
            Some(matches!(
                &output[..end],
                [TokenTree::Group(unit)] if unit.delimiter() == Delimiter::Parenthesis && unit.stream().is_empty()
            ))
        }
        _ => None,
    }
}

/// The names passing each argument on, their types, and the argument list again (without `mut` on plain
/// names unless `keep_mut`); `None` when an argument is not a receiver or a plain name.
fn read_arguments(
    group: &Group,
    keep_mut: bool,
) -> Option<(Vec<Ident>, Vec<Vec<TokenTree>>, Group)> {
    let tokens: Vec<TokenTree> = group.stream().into_iter().collect();
    let mut values = Vec::new();
    let mut types = Vec::new();
    let mut rebuilt: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    let mut changed = false;
    let mut start = 0;
    let mut depth = 0usize;
    for index in 0..=tokens.len() {
        let end_of_argument = match tokens.get(index) {
            None => true,
            Some(token) if is_punct(token, ',') && depth == 0 => true,
            Some(token) => {
                if is_punct(token, '<') {
                    depth += 1;
                } else if is_punct(token, '>') && !is_arrow_head(&tokens, index) {
                    depth = depth.checked_sub(1)?;
                }
                false
            }
        };
        if !end_of_argument {
            continue;
        }
        let argument = &tokens[start..index];
        if !argument.is_empty() {
            let (value, drop_mut, ty) = read_argument(argument)?;
            values.push(value);
            types.push(ty);
            if drop_mut && !keep_mut {
                changed = true;
                rebuilt.extend(argument[1..].iter().cloned());
            } else {
                rebuilt.extend(argument.iter().cloned());
            }
        }
        if let Some(comma) = tokens.get(index) {
            rebuilt.push(comma.clone());
        }
        start = index + 1;
    }
    if depth != 0 {
        return None;
    }
    let group = if changed {
        let mut new = Group::new(Delimiter::Parenthesis, rebuilt.into_iter().collect());
        new.set_span(group.span());
        new
    } else {
        group.clone()
    };
    Some((values, types, group))
}

/// The name passing one argument on, whether it is a `mut name: Type` (whose `mut` is its first token), and
/// its type.
fn read_argument(argument: &[TokenTree]) -> Option<(Ident, bool, Vec<TokenTree>)> {
    // A receiver: `self`, `mut self`, `&self`, `&mut self`, `&'a self`, `&'a mut self`, each maybe `: Type`.
    let mut at = 0;
    if is_punct(argument.first()?, '&') {
        at += 1;
        if matches!(argument.get(at), Some(TokenTree::Punct(tick)) if tick.as_char() == '\'') {
            at += 2;
        }
    }
    if matches!(argument.get(at), Some(TokenTree::Ident(word)) if word == "mut") {
        at += 1;
    }
    if let Some(TokenTree::Ident(word)) = argument.get(at)
        && word == "self"
        && matches!(argument.get(at + 1), None | Some(TokenTree::Punct(_)))
    {
        let ty = match argument.get(at + 1) {
            Some(next) if !is_type_colon(next) => return None,
            // `self: Type`.
            Some(_) => argument[at + 2..].to_vec(),
            // `self`, `mut self`: `Self`; `&'a mut self`: `&'a mut Self`.
            None => {
                let reference = if is_punct(&argument[0], '&') { at } else { 0 };
                let self_type = Ident::new("Self", word.span());
                let mut ty = argument[..reference].to_vec();
                ty.push(TokenTree::Ident(self_type));
                ty
            }
        };
        return Some((word.clone(), false, ty));
    }
    // A plain argument: `name: Type` or `mut name: Type`.
    let (is_mut, name_at) = match argument {
        [TokenTree::Ident(word), ..] if word == "mut" => (true, 1),
        _ => (false, 0),
    };
    match (argument.get(name_at), argument.get(name_at + 1)) {
        (Some(TokenTree::Ident(name)), Some(colon))
            if is_type_colon(colon) && is_plain_name(name) && argument.len() > name_at + 2 =>
        {
            let ty = argument[name_at + 2..].to_vec();
            Some((name.clone(), is_mut, ty))
        }
        _ => None,
    }
}

/// A `:` that introduces a type, not the first of a `::`.
fn is_type_colon(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Punct(colon) if colon.as_char() == ':' && colon.spacing() == Spacing::Alone)
}

/// A name an argument can be passed on by: not `_` and not a keyword that starts another pattern.
fn is_plain_name(name: &Ident) -> bool {
    !matches!(
        name.to_string().as_str(),
        "_" | "mut" | "ref" | "box" | "self" | "Self" | "crate" | "super"
    )
}
