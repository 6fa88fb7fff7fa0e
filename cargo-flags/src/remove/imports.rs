//! After a removal, a file may no longer use `flag!`, `variant!`, `flag_value!`, `#[feature_flag]` or a fn
//! of the string API at all, and its `use flag_runtime::{feature_flag, flag, override_local};` would then draw an
//! unused-import warning. This drops the names that are no longer used from `use flag_runtime::...`
//! declarations, and the declaration when nothing is left. Other shapes (renames, globs, a renamed
//! dependency) are left to the compiler's warning.

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{ItemUse, UseTree};

use crate::syntax;
use crate::syntax::names::STRING_API;
use crate::text::{self, Edit};

/// The macros whose imports may be left unused.
const MACROS: [&str; 3] = ["flag", "variant", "flag_value"];

/// `text` without the `flag`/`feature_flag` imports it no longer uses, and what was removed (at byte
/// offsets of `text`); `None` when nothing changes.
pub fn clean(text: &str) -> Option<(String, Vec<(usize, String)>)> {
    let parsed = syntax::parse_file(text).ok()?;
    let mut uses = Uses::default();
    uses.visit_file(&parsed.ast);
    let candidates: Vec<(std::ops::Range<usize>, ItemUse)> = uses
        .items
        .into_iter()
        .map(|item| (syntax::range_of(&item, &parsed.index), item))
        .filter(|(_, item)| imports_from_runtime(item))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let excluded: Vec<std::ops::Range<usize>> =
        candidates.iter().map(|(range, _)| range.clone()).collect();
    let tokens = TokenStream::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()?;
    let mut used = Used::default();
    used.candidates
        .extend(MACROS.iter().map(|name| (*name).to_owned()));
    used.candidates.insert("feature_flag".to_owned());
    used.candidates
        .extend(STRING_API.iter().map(|name| (*name).to_owned()));
    used.walk(tokens, &parsed.index, &excluded);

    let mut edits = Vec::new();
    let mut changes = Vec::new();
    for (range, item) in &candidates {
        let UseTree::Path(root) = &item.tree else {
            continue;
        };
        let unused = |name: &syn::Ident| {
            let name = name.to_string();
            used.candidates.contains(&name) && !used.names.contains(&name)
        };
        match &*root.tree {
            UseTree::Name(name) if unused(&name.ident) => {
                edits.push(Edit::new(text::deletion_range(text, range.clone()), ""));
                changes.push((
                    range.start,
                    format!("removed the unused import `{}`", name.ident),
                ));
            }
            UseTree::Group(group) => {
                let (gone, kept): (Vec<&UseTree>, Vec<&UseTree>) = group
                    .items
                    .iter()
                    .partition(|tree| matches!(tree, UseTree::Name(name) if unused(&name.ident)));
                if gone.is_empty() {
                    continue;
                }
                let names: Vec<String> = gone
                    .iter()
                    .filter_map(|tree| match tree {
                        UseTree::Name(name) => Some(format!("`{}`", name.ident)),
                        _ => None,
                    })
                    .collect();
                changes.push((
                    range.start,
                    format!("removed the unused import {}", names.join(" and ")),
                ));
                if kept.is_empty() {
                    edits.push(Edit::new(text::deletion_range(text, range.clone()), ""));
                    continue;
                }
                let kept: Vec<String> = kept
                    .iter()
                    .map(|tree| syntax::one_line(&text[syntax::range_of(*tree, &parsed.index)]))
                    .collect();
                let replacement = match kept.as_slice() {
                    [single] if !single.contains(['{', '*']) => single.clone(),
                    _ => format!("{{{}}}", kept.join(", ")),
                };
                let group_range = syntax::range_of(&UseTree::Group(group.clone()), &parsed.index);
                edits.push(Edit::new(group_range, replacement));
            }
            _ => {}
        }
    }
    syntax::forget_spans();
    if edits.is_empty() {
        return None;
    }
    let new = text::apply(text, 0..text.len(), &edits).ok()?;
    Some((new, changes))
}

/// `use flag_runtime::...;` or `use ::flag_runtime::...;`.
fn imports_from_runtime(item: &ItemUse) -> bool {
    matches!(&item.tree, UseTree::Path(path) if path.ident == "flag_runtime")
}

#[derive(Default)]
struct Uses {
    items: Vec<ItemUse>,
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_item_use(&mut self, item: &'ast ItemUse) {
        self.items.push(item.clone());
        visit::visit_item_use(self, item);
    }
}

/// Which of the imported names the file still uses, outside the `use` declarations themselves.
#[derive(Default)]
struct Used {
    /// The names whose imports may be dropped.
    candidates: std::collections::BTreeSet<String>,
    /// The candidates used.
    names: std::collections::BTreeSet<String>,
}

impl Used {
    fn walk(
        &mut self,
        tokens: TokenStream,
        index: &text::LineIndex,
        excluded: &[std::ops::Range<usize>],
    ) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => self.walk(group.stream(), index, excluded),
                TokenTree::Ident(ident) => {
                    let at = index.offset(ident.span().start());
                    if excluded.iter().any(|range| range.contains(&at)) {
                        continue;
                    }
                    // `a::set` and `x.set(..)` do not use an imported `set`.
                    let qualified = i >= 1
                        && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == ':' || p.as_char() == '.');
                    if qualified {
                        continue;
                    }
                    let name = ident.to_string();
                    let is_macro_call = matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    let used = if MACROS.contains(&name.as_str()) {
                        is_macro_call
                    } else {
                        !is_macro_call
                    };
                    if used && self.candidates.contains(&name) {
                        self.names.insert(name);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_unused_names() {
        let text = "use flag_runtime::{feature_flag, flag};\n\n#[feature_flag(\"a\")]\nfn f() {}\n";
        let (new, changes) = clean(text).unwrap();
        assert_eq!(
            new,
            "use flag_runtime::feature_flag;\n\n#[feature_flag(\"a\")]\nfn f() {}\n"
        );
        assert_eq!(changes.len(), 1);

        let none_used = "use std::fmt;\nuse flag_runtime::{feature_flag, flag};\n\nfn f() {}\n";
        assert_eq!(clean(none_used).unwrap().0, "use std::fmt;\n\nfn f() {}\n");

        let all_used = "use flag_runtime::{feature_flag, flag};\n#[feature_flag(\"a\")]\nfn f() -> bool { flag!(\"b\") }\n";
        assert!(clean(all_used).is_none());

        let values = "use flag_runtime::{flag_value, Context};\nfn f() -> i64 { 50_i64 }\n";
        assert_eq!(
            clean(values).unwrap().0,
            "use flag_runtime::Context;\nfn f() -> i64 { 50_i64 }\n"
        );

        let others = "use flag_runtime::{flag, Context};\nfn f() {}\n";
        assert_eq!(
            clean(others).unwrap().0,
            "use flag_runtime::Context;\nfn f() {}\n"
        );

        // The string API: a name still called stays; a method of the same name does not use it.
        let api = "use flag_runtime::{override_local, set, variant};\nfn f(c: &C) {\n    let _g = override_local(\"a\", true);\n    c.set(1);\n}\n";
        assert_eq!(
            clean(api).unwrap().0,
            "use flag_runtime::override_local;\nfn f(c: &C) {\n    let _g = override_local(\"a\", true);\n    c.set(1);\n}\n"
        );
    }
}
