//! Property tests of the two parsers that read what users write inside the macros: the attribute's arguments
//! ([`AttrArgs`]) and flag expressions ([`FlagExpr`]).
//!
//! - Any input, token soup or a valid input with a token deleted, repeated, replaced or moved, parses or fails
//!   with a `syn::Error` that renders a message and a `compile_error!` without panicking.
//! - A well-formed expression, however nested, parses and prints back as it was written; well-formed
//!   arguments keep their expression and their `fallback` path.
//!
//! The case counts are modest so that `cargo test` stays fast; `PROPTEST_CASES=10000 cargo test -p
//! flag-macros proptests` runs more.

use proc_macro2::TokenStream;
use proptest::prelude::*;
use quote::quote;

use flag_syntax::{AttrArgs, FlagExpr};

/// Tokens and near-tokens that the parsers must meet: the valid vocabulary, its misspellings, every kind of
/// literal and punctuation a user can type between the parentheses, and a few lexer traps.
const VOCABULARY: &[&str] = &[
    "\"a\"",
    "\"new_ui\"",
    "\"\"",
    "\"two words\"",
    "\"é\"",
    "r\"raw\"",
    "r#\"raw#\"#",
    "b\"bytes\"",
    "c\"cstr\"",
    "'c'",
    "'life",
    "1",
    "1.5",
    "0x_",
    "true",
    "not",
    "all",
    "any",
    "nto",
    "Not",
    "r#not",
    "(",
    ")",
    "()",
    "(\"a\")",
    ",",
    ",,",
    "fallback",
    "fallbak",
    "r#fallback",
    "=",
    "==",
    "=>",
    "old",
    "Self",
    "self",
    "super",
    "crate",
    "::",
    ":",
    "<",
    ">",
    "T",
    "u8",
    "&",
    "'_",
    "#",
    "[",
    "]",
    "{",
    "}",
    ";",
    "!",
    "-",
    "?",
    "_",
    "$",
    "@",
    "fn",
    "é",
    "/* comment */",
    "// line comment\n",
    "\n",
];

fn vocabulary_token() -> impl Strategy<Value = String> {
    prop::sample::select(VOCABULARY).prop_map(str::to_owned)
}

/// A well-formed flag expression, as generated: what the user writes and what `FlagExpr` should print.
#[derive(Debug, Clone)]
enum Written {
    Name(String),
    Not(Box<Written>),
    List(&'static str, Vec<Written>, bool),
}

impl Written {
    /// The tokens a user would write, with a trailing comma where `List` asks for one.
    fn tokens(&self) -> Vec<String> {
        match self {
            // Any name quoted with `{:?}` is a valid Rust string literal.
            Written::Name(name) => vec![format!("{name:?}")],
            Written::Not(inner) => {
                let mut tokens = vec!["not".to_owned(), "(".to_owned()];
                tokens.extend(inner.tokens());
                tokens.push(")".to_owned());
                tokens
            }
            Written::List(operator, operands, trailing_comma) => {
                let mut tokens = vec![(*operator).to_owned(), "(".to_owned()];
                for (index, operand) in operands.iter().enumerate() {
                    tokens.extend(operand.tokens());
                    if index + 1 < operands.len() || *trailing_comma {
                        tokens.push(",".to_owned());
                    }
                }
                tokens.push(")".to_owned());
                tokens
            }
        }
    }

    /// How `FlagExpr`'s `Display` writes it: `all("a", not("b"))`.
    fn display(&self) -> String {
        match self {
            Written::Name(name) => format!("{name:?}"),
            Written::Not(inner) => format!("not({})", inner.display()),
            Written::List(operator, operands, _) => {
                let operands: Vec<String> = operands.iter().map(Written::display).collect();
                format!("{operator}({})", operands.join(", "))
            }
        }
    }
}

fn written_expression() -> impl Strategy<Value = Written> {
    let name = prop_oneof!["[a-z][a-z0-9_]{0,10}", "\\PC{1,8}"].prop_map(Written::Name);
    name.prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|operand| Written::Not(Box::new(operand))),
            (
                prop::sample::select(&["all", "any"][..]),
                prop::collection::vec(inner, 0..4),
                any::<bool>()
            )
                .prop_map(|(operator, operands, trailing_comma)| {
                    Written::List(operator, operands, trailing_comma)
                }),
        ]
    })
}

/// A well-formed flag expression, as the tokens a user would write.
fn expression() -> impl Strategy<Value = Vec<String>> {
    written_expression().prop_map(|written| written.tokens())
}

/// A fn name: an identifier that is not a keyword.
fn fn_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}".prop_filter("a keyword", |name| {
        syn::parse_str::<syn::Ident>(name).is_ok()
    })
}

/// The path of a fallback fn, as tokens.
fn fallback_path() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        fn_name().prop_map(|name| vec![name]),
        fn_name().prop_map(|name| vec!["Self".into(), "::".into(), name]),
        fn_name().prop_map(|name| {
            vec![
                "crate".into(),
                "::".into(),
                "old".into(),
                "::".into(),
                name,
                "::".into(),
                "<".into(),
                "u8".into(),
                ">".into(),
            ]
        }),
    ]
}

/// Well-formed attribute arguments: an expression, then maybe `, fallback = path`, then maybe a comma.
fn attr_arguments() -> impl Strategy<Value = Vec<String>> {
    (
        expression(),
        prop::option::of(fallback_path()),
        any::<bool>(),
    )
        .prop_map(|(expr, fallback, trailing_comma)| {
            let mut tokens = expr;
            if let Some(path) = fallback {
                tokens.extend([",".to_owned(), "fallback".to_owned(), "=".to_owned()]);
                tokens.extend(path);
            }
            if trailing_comma {
                tokens.push(",".to_owned());
            }
            tokens
        })
}

/// One edit of a token list.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Repeat(usize),
    Replace(usize, String),
    Insert(usize, String),
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Repeat),
        (any::<usize>(), vocabulary_token()).prop_map(|(at, token)| Mutation::Replace(at, token)),
        (any::<usize>(), vocabulary_token()).prop_map(|(at, token)| Mutation::Insert(at, token)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn mutate(mut tokens: Vec<String>, mutations: &[Mutation]) -> Vec<String> {
    for mutation in mutations {
        let len = tokens.len();
        match mutation.clone() {
            Mutation::Insert(at, token) => tokens.insert(at % (len + 1), token),
            _ if len == 0 => {}
            Mutation::Delete(at) => {
                tokens.remove(at % len);
            }
            Mutation::Repeat(at) => {
                let token = tokens[at % len].clone();
                tokens.insert(at % len, token);
            }
            Mutation::Replace(at, token) => tokens[at % len] = token,
            Mutation::Swap(a, b) => tokens.swap(a % len, b % len),
        }
    }
    tokens
}

fn join(tokens: &[String]) -> String {
    tokens.join(" ")
}

/// What a failed parse must give a user: a message and a `compile_error!` invocation, neither panicking.
fn assert_reportable(input: &str, error: syn::Error) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(!message.is_empty(), "empty message for {input:?}");
    for part in error.clone() {
        prop_assert!(!part.to_string().is_empty(), "empty message for {input:?}");
    }
    let tokens: TokenStream = error.to_compile_error();
    let rendered = tokens.to_string();
    prop_assert!(
        rendered.contains("compile_error"),
        "{input:?} gave {rendered}"
    );
    Ok(())
}

/// Parses `input` both ways; no panic, and every error is reportable.
fn parse_both(input: &str) -> Result<(), TestCaseError> {
    if let Err(error) = syn::parse_str::<FlagExpr>(input) {
        assert_reportable(input, error)?;
    }
    if let Err(error) = syn::parse_str::<AttrArgs>(input) {
        assert_reportable(input, error)?;
    }
    // What the macro calls: the common shapes read off the tokens, the rest parsed. Both must agree.
    if let Ok(tokens) = input.parse::<TokenStream>() {
        let quick = AttrArgs::from_tokens(tokens.clone());
        let parsed = syn::parse2::<AttrArgs>(tokens);
        match (quick, parsed) {
            (Ok(quick), Ok(parsed)) => {
                prop_assert_eq!(quick.expr.to_string(), parsed.expr.to_string());
                let path = |args: &AttrArgs| {
                    args.fallback
                        .as_ref()
                        .map(|(_, path)| quote!(#path).to_string())
                };
                prop_assert_eq!(path(&quick), path(&parsed));
            }
            (Err(quick), Err(parsed)) => {
                prop_assert_eq!(quick.to_string(), parsed.to_string());
                assert_reportable(input, quick)?;
            }
            (quick, parsed) => prop_assert!(
                false,
                "{input:?}: read {:?}, parsed {:?}",
                quick.is_ok(),
                parsed.is_ok()
            ),
        }
    }
    Ok(())
}

/// `cases` cases, unless `PROPTEST_CASES` asks for another number; failures are reported, not written to a
/// regressions file in the source tree.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_strings_never_panic(input in "(?s).{0,64}") {
        parse_both(&input)?;
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(vocabulary_token(), 0..24)) {
        parse_both(&join(&tokens))?;
        // Without spaces, neighbours lex together: `"a""b"`, `fallback=old`, `::<`.
        parse_both(&tokens.concat())?;
    }

    #[test]
    fn mutated_expressions_never_panic(
        tokens in expression(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        parse_both(&join(&mutate(tokens, &mutations)))?;
    }

    #[test]
    fn mutated_arguments_never_panic(
        tokens in attr_arguments(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        parse_both(&join(&mutate(tokens, &mutations)))?;
    }

    #[test]
    fn well_formed_expressions_parse_and_print_back(written in written_expression()) {
        let input = join(&written.tokens());
        let expr = syn::parse_str::<FlagExpr>(&input)
            .map_err(|error| TestCaseError::fail(format!("{input:?}: {error}")))?;
        let printed = expr.to_string();
        prop_assert_eq!(&printed, &written.display());
        let reparsed = syn::parse_str::<FlagExpr>(&printed)
            .map_err(|error| TestCaseError::fail(format!("{printed:?}: {error}")))?;
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn well_formed_arguments_keep_their_parts(tokens in attr_arguments()) {
        let input = join(&tokens);
        let lexed: TokenStream = input
            .parse()
            .map_err(|error| TestCaseError::fail(format!("{input:?}: {error}")))?;
        let args = AttrArgs::from_tokens(lexed)
            .map_err(|error| TestCaseError::fail(format!("{input:?}: {error}")))?;
        let has_fallback = tokens.iter().any(|token| token == "fallback");
        prop_assert_eq!(args.fallback.is_some(), has_fallback);
        if let Some((key, path)) = &args.fallback {
            prop_assert_eq!(key.to_string(), "fallback");
            let written = tokens
                .iter()
                .skip_while(|token| *token != "=")
                .skip(1)
                .filter(|token| *token != ",")
                .cloned()
                .collect::<String>();
            prop_assert_eq!(quote!(#path).to_string().replace(' ', ""), written);
        }
    }
}
