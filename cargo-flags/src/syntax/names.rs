//! Which names of a file mean flag-runtime's macros and string API.
//!
//! The macros (`#[feature_flag]`, `flag!`, `variant!`, `flag_value!`) are recognised by the last segment of
//! their path, as the compiler cannot be asked: `flag!`, `flag_runtime::flag!`, `$crate::flag!`; and by the
//! local name of an import from the runtime (`use flag_runtime::flag as enabled;` makes `enabled!(..)` a
//! `flag!`).
//!
//! The string API is recognised only where the code says it is the runtime's, because `set`, `reset` or
//! `evaluate` are common names (a `HashSet`'s, a user's own fn). A call counts when it is a free call (never
//! a method call: `cell.set("x")` is not one) of one of [`STRING_API`] or [`VALUE_API`] and either
//! - its path is exactly `RUNTIME::NAME` (`flag_runtime::set`, `::flag_runtime::set`), where `RUNTIME` is
//!   `flag_runtime`, a name the runtime has in the package's `Cargo.toml` (`flags = { package =
//!   "flag-runtime", .. }`), or an alias of the file (`use flag_runtime as fr;`,
//!   `extern crate flag_runtime as fr;`); or
//! - its path is a single name the file imports from the runtime (`use flag_runtime::{set, override_local};`,
//!   `use flag_runtime::set as force;`), or any of these fns when the file has `use flag_runtime::*;` and
//!   defines no fn of that name itself.
//!
//! Imports are read from every `use` of the file, wherever it stands: a file that imports `set` from the
//! runtime in one module and defines its own `set` in another is taken to mean the runtime's everywhere.
//! Other paths (`crate::flags::set`, `Self::reset`, `my_mod::set`) are not the runtime's.
//!
//! What a reader looks for is a [`Reads`]: the scan counts every name of a flag ([`Reads::All`]); `remove`'s
//! rewrite of on/off uses reads [`Reads::States`] and finds a value flag's `flag_value!`, `value_of` and
//! `set_value` in a module of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use syn::visit::{self, Visit};
use syn::{ItemExternCrate, ItemFn, ItemUse, UseTree};

/// The runtime's fns that take a flag's name first, as a string, and read or change its state or variant
/// (`reset`, `evaluate` and `flag_info` apply to value flags too): the string API of on/off flags.
pub const STRING_API: [&str; 9] = [
    "set",
    "reset",
    "is_enabled",
    "evaluate",
    "flag_info",
    "override_local",
    "override_global",
    "override_local_variant",
    "override_global_variant",
];

/// The runtime's fns that read or choose a value flag's value by its name, written first, as a string:
/// `value_of("page_size")`, `set_value("page_size", "large")`, `override_local_value("page_size", "small")`.
pub const VALUE_API: [&str; 4] = [
    "value_of",
    "set_value",
    "override_local_value",
    "override_global_value",
];

/// The fns of [`VALUE_API`] whose second argument chooses a value (a name or a literal).
pub const VALUE_CHOOSERS: [&str; 3] =
    ["set_value", "override_local_value", "override_global_value"];

/// The fns of [`STRING_API`] whose second argument is a variant name.
pub const VARIANT_API: [&str; 2] = ["override_local_variant", "override_global_variant"];

/// The name of the runtime crate in code when nothing renames it.
pub const RUNTIME: &str = "flag_runtime";

/// A macro of the runtime that names a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroKind {
    /// `flag!(EXPR)` or `flag!(EXPR, &ctx)`.
    Flag,
    /// `variant!("name", &ctx)`.
    Variant,
    /// `flag_value!("name")` or `flag_value!("name", &ctx)`.
    Value,
}

/// Which of the runtime's macros and fns a reader looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Every one that names a flag: `#[feature_flag]`, `flag!`, `variant!`, `flag_value!`, [`STRING_API`]
    /// and [`VALUE_API`]. What the scan counts as references.
    All,
    /// Those that read or change a state or a variant: all but `flag_value!` and [`VALUE_API`]. What
    /// `remove` rewrites or refuses for any flag (it reads a value flag's value uses on its own).
    States,
}

impl Reads {
    /// Whether this reader looks for the macro `kind`.
    pub fn macro_kind(self, kind: MacroKind) -> bool {
        self == Reads::All || kind != MacroKind::Value
    }

    /// `name` as one of the runtime's fns this reader looks for.
    pub fn api(self, name: &str) -> Option<&'static str> {
        let values: &[&'static str] = match self {
            Reads::All => &VALUE_API,
            Reads::States => &[],
        };
        STRING_API
            .iter()
            .chain(values)
            .copied()
            .find(|api| *api == name)
    }
}

/// The names the runtime crate has in one package: `flag_runtime`, and those its `Cargo.toml` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeCrates(Vec<String>);

impl Default for RuntimeCrates {
    fn default() -> Self {
        RuntimeCrates(vec![RUNTIME.to_owned()])
    }
}

impl RuntimeCrates {
    /// `flag_runtime` and the names of the dependencies on `flag-runtime` declared under other names in
    /// `package_dir/Cargo.toml` (`[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, their
    /// `[target.'cfg(..)'.*]` forms, and `workspace = true` entries renamed in `workspace_root`'s
    /// `[workspace.dependencies]`). A manifest that cannot be read or parsed adds nothing: cargo reports it.
    pub fn of_package(package_dir: &Path, workspace_root: &Path) -> RuntimeCrates {
        let mut names = vec![RUNTIME.to_owned()];
        let read = |dir: &Path| std::fs::read_to_string(dir.join("Cargo.toml")).ok();
        let Some(text) = read(package_dir) else {
            return RuntimeCrates(names);
        };
        let Ok(doc) = toml_edit::Document::parse(text.as_str()) else {
            return RuntimeCrates(names);
        };
        let doc = doc.as_item();
        let root_text = read(workspace_root);
        let root_doc = root_text
            .as_deref()
            .and_then(|text| toml_edit::Document::parse(text).ok());
        let renamed_in_workspace = |key: &str| {
            root_doc
                .as_ref()
                .and_then(|doc| {
                    doc.as_item()
                        .get("workspace")?
                        .get("dependencies")?
                        .get(key)
                })
                .is_some_and(is_runtime_package)
        };
        let mut tables = Vec::new();
        for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
            tables.extend(doc.get(kind));
            if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
                for (_, target) in targets.iter() {
                    tables.extend(target.get(kind));
                }
            }
        }
        for table in tables.into_iter().filter_map(|t| t.as_table_like()) {
            for (key, value) in table.iter() {
                let inherited = value
                    .get("workspace")
                    .and_then(|w| w.as_bool())
                    .unwrap_or(false);
                if is_runtime_package(value) || (inherited && renamed_in_workspace(key)) {
                    let name = key.replace('-', "_");
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        RuntimeCrates(names)
    }

    /// The names, `flag_runtime` first.
    pub fn names(&self) -> &[String] {
        &self.0
    }
}

/// Whether a dependency entry is `{ package = "flag-runtime", .. }`.
fn is_runtime_package(item: &toml_edit::Item) -> bool {
    item.get("package")
        .and_then(|package| package.as_str())
        .is_some_and(|package| package == "flag-runtime" || package == RUNTIME)
}

/// What the names of one file mean: the runtime's crate names and aliases, and what it imports from it.
#[derive(Debug, Clone, Default)]
pub struct FileNames {
    /// Names of the runtime crate in this file.
    crates: BTreeSet<String>,
    /// Local name -> the runtime item it was imported as (`use flag_runtime::set as force;`).
    imported: BTreeMap<String, String>,
    /// `use flag_runtime::*;`.
    glob: bool,
    /// Free fns the file defines: they shadow a glob import.
    local_fns: BTreeSet<String>,
}

impl FileNames {
    /// The names of `file`, in a package where the runtime goes by `crates`.
    pub fn of(file: &syn::File, crates: &RuntimeCrates) -> FileNames {
        let mut collector = Collector::default();
        collector.visit_file(file);
        let mut names = FileNames {
            crates: crates.names().iter().cloned().collect(),
            ..FileNames::default()
        };
        // Aliases of the crate first (`use flag_runtime as fr;`), then what is imported through any name.
        let mut changed = true;
        while changed {
            changed = false;
            for alias in &collector.extern_crates {
                changed |= names.add_crate_alias(alias.0.as_str(), alias.1.as_str());
            }
            for tree in &collector.uses {
                changed |= names.crate_aliases_in(tree);
            }
        }
        for tree in &collector.uses {
            names.imports_in(tree, &[]);
        }
        names.local_fns = collector.fns;
        names
    }

    fn add_crate_alias(&mut self, original: &str, alias: &str) -> bool {
        self.crates.contains(original) && self.crates.insert(alias.to_owned())
    }

    /// `use flag_runtime as fr;` at the top of a tree (or in a top-level group).
    fn crate_aliases_in(&mut self, tree: &UseTree) -> bool {
        match tree {
            UseTree::Rename(rename) => {
                self.add_crate_alias(&rename.ident.to_string(), &rename.rename.to_string())
            }
            UseTree::Group(group) => {
                let mut changed = false;
                for item in &group.items {
                    changed |= self.crate_aliases_in(item);
                }
                changed
            }
            _ => false,
        }
    }

    /// Records what `tree` imports from the runtime; `prefix` is the path above it.
    fn imports_in(&mut self, tree: &UseTree, prefix: &[String]) {
        let from_runtime = prefix.len() == 1 && self.crates.contains(&prefix[0]);
        match tree {
            UseTree::Path(path) => {
                let mut prefix = prefix.to_vec();
                prefix.push(path.ident.to_string());
                self.imports_in(&path.tree, &prefix);
            }
            UseTree::Name(name) if from_runtime => {
                let name = name.ident.to_string();
                self.imported.insert(name.clone(), name);
            }
            UseTree::Rename(rename) if from_runtime => {
                self.imported
                    .insert(rename.rename.to_string(), rename.ident.to_string());
            }
            UseTree::Glob(_) if from_runtime => self.glob = true,
            UseTree::Group(group) => {
                for item in &group.items {
                    self.imports_in(item, prefix);
                }
            }
            _ => {}
        }
    }

    /// Whether `ident` names the runtime crate in this file.
    pub fn is_runtime_crate(&self, ident: &str) -> bool {
        self.crates.contains(ident)
    }

    /// The runtime item a single-segment name means here, if it is imported from the runtime.
    fn imported_item(&self, local: &str) -> Option<&str> {
        self.imported.get(local).map(String::as_str)
    }

    /// The runtime macro a macro name means: its path's last segment is `flag`, `variant` or `flag_value`,
    /// or it is a single name imported from the runtime as one of them.
    pub fn macro_kind(&self, path: &syn::Path) -> Option<MacroKind> {
        let last = path.segments.last()?.ident.to_string();
        let item = if path.segments.len() == 1 {
            self.imported_item(&last).unwrap_or(&last)
        } else {
            &last
        };
        macro_kind_of(item)
    }

    /// The runtime macro that a macro written `ident!` (in tokens, without its path) means.
    pub fn macro_kind_of_ident(&self, ident: &str) -> Option<MacroKind> {
        macro_kind_of(self.imported_item(ident).unwrap_or(ident))
    }

    /// Whether an attribute path is `#[feature_flag]`: its last segment, or an import of it under another
    /// name.
    pub fn is_feature_flag(&self, path: &syn::Path) -> bool {
        let Some(last) = path.segments.last() else {
            return false;
        };
        let last = last.ident.to_string();
        last == "feature_flag"
            || (path.segments.len() == 1 && self.imported_item(&last) == Some("feature_flag"))
    }

    /// The runtime fn a call's path means, among those `reads` looks for, by the rule in this module's
    /// documentation.
    pub fn function(&self, path: &syn::Path, reads: Reads) -> Option<&'static str> {
        if path
            .segments
            .iter()
            .any(|segment| !segment.arguments.is_none())
        {
            return None;
        }
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        match segments.as_slice() {
            [krate, name] if self.is_runtime_crate(krate) => reads.api(name),
            [local] if path.leading_colon.is_none() => self.local_function(local, reads),
            _ => None,
        }
    }

    /// The runtime fn, among those `reads` looks for, that a single name means here (imported, or through a
    /// glob import).
    pub fn local_function(&self, local: &str, reads: Reads) -> Option<&'static str> {
        match self.imported_item(local) {
            Some(item) => reads.api(item),
            None if self.glob && !self.local_fns.contains(local) => reads.api(local),
            None => None,
        }
    }
}

fn macro_kind_of(name: &str) -> Option<MacroKind> {
    match name {
        "flag" => Some(MacroKind::Flag),
        "variant" => Some(MacroKind::Variant),
        "flag_value" => Some(MacroKind::Value),
        _ => None,
    }
}

#[derive(Default)]
struct Collector {
    uses: Vec<UseTree>,
    extern_crates: Vec<(String, String)>,
    fns: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, item: &'ast ItemUse) {
        self.uses.push(item.tree.clone());
    }

    fn visit_item_extern_crate(&mut self, item: &'ast ItemExternCrate) {
        if let Some((_, alias)) = &item.rename {
            self.extern_crates
                .push((item.ident.to_string(), alias.to_string()));
        }
    }

    fn visit_item_fn(&mut self, item: &'ast ItemFn) {
        self.fns.insert(item.sig.ident.to_string());
        visit::visit_item_fn(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> FileNames {
        let file = syn::parse_file(text).unwrap();
        FileNames::of(&file, &RuntimeCrates::default())
    }

    fn function(names: &FileNames, path: &str) -> Option<&'static str> {
        names.function(&syn::parse_str(path).unwrap(), Reads::All)
    }

    #[test]
    fn qualified_calls_name_the_runtime() {
        let plain = names("fn f() {}");
        assert_eq!(
            function(&plain, "flag_runtime::override_local"),
            Some("override_local")
        );
        assert_eq!(function(&plain, "::flag_runtime::set"), Some("set"));
        assert_eq!(function(&plain, "flag_runtime::load_file"), None);
        assert_eq!(function(&plain, "other::set"), None);
        assert_eq!(function(&plain, "crate::set"), None);
        assert_eq!(function(&plain, "set"), None, "not imported");
        assert_eq!(function(&plain, "flag_runtime::set::<u8>"), None);
        assert_eq!(
            function(&plain, "flag_runtime::set_value"),
            Some("set_value")
        );
        let states = |path: &str| plain.function(&syn::parse_str(path).unwrap(), Reads::States);
        assert_eq!(states("flag_runtime::set_value"), None);
        assert_eq!(states("flag_runtime::value_of"), None);
        assert_eq!(states("flag_runtime::reset"), Some("reset"));

        let aliased = names("use flag_runtime as fr;\nextern crate flag_runtime as rt;");
        assert_eq!(function(&aliased, "fr::reset"), Some("reset"));
        assert_eq!(function(&aliased, "rt::is_enabled"), Some("is_enabled"));
    }

    #[test]
    fn imported_names_and_globs() {
        let imported = names(
            "use flag_runtime::{Context, set, override_local as force};\nmod m { use flag_runtime::evaluate; }",
        );
        assert_eq!(function(&imported, "set"), Some("set"));
        assert_eq!(function(&imported, "force"), Some("override_local"));
        assert_eq!(function(&imported, "evaluate"), Some("evaluate"));
        assert_eq!(function(&imported, "override_local"), None);
        assert_eq!(function(&imported, "reset"), None);

        let glob = names("use flag_runtime::*;\nfn reset(_: &str) {}");
        assert_eq!(function(&glob, "set"), Some("set"));
        assert_eq!(function(&glob, "value_of"), Some("value_of"));
        assert_eq!(function(&glob, "reset"), None, "the file's own fn");

        let other_glob = names("use std::collections::*;");
        assert_eq!(function(&other_glob, "set"), None);
    }

    #[test]
    fn macros_by_last_segment_or_import() {
        let file = names(
            "use flag_runtime::{flag as on, variant as pick, feature_flag as gate, flag_value as value};",
        );
        let kind = |path: &str| file.macro_kind(&syn::parse_str(path).unwrap());
        assert_eq!(kind("flag"), Some(MacroKind::Flag));
        assert_eq!(kind("flag_runtime::variant"), Some(MacroKind::Variant));
        assert_eq!(kind("on"), Some(MacroKind::Flag));
        assert_eq!(kind("pick"), Some(MacroKind::Variant));
        assert_eq!(kind("flag_value"), Some(MacroKind::Value));
        assert_eq!(kind("flag_runtime::flag_value"), Some(MacroKind::Value));
        assert_eq!(kind("value"), Some(MacroKind::Value));
        assert!(!Reads::States.macro_kind(MacroKind::Value));
        assert!(Reads::States.macro_kind(MacroKind::Flag));
        assert_eq!(kind("println"), None);
        assert!(file.is_feature_flag(&syn::parse_str("gate").unwrap()));
        assert!(file.is_feature_flag(&syn::parse_str("flag_runtime::feature_flag").unwrap()));
        assert!(!file.is_feature_flag(&syn::parse_str("derive").unwrap()));
    }

    #[test]
    fn renamed_dependencies_in_cargo_toml() {
        let dir = std::env::temp_dir().join(format!("cargo-flags-names-{}", std::process::id()));
        let member = dir.join("member");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\n[workspace.dependencies]\nshared = { package = \"flag-runtime\", path = \"x\" }\n",
        )
        .unwrap();
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"m\"\n[dependencies]\nff = { package = \"flag-runtime\", path = \"x\" }\n\
             serde = \"1\"\n[dev-dependencies]\nshared = { workspace = true }\n\
             [target.'cfg(unix)'.dependencies]\nunix-flags = { package = \"flag-runtime\", path = \"x\" }\n",
        )
        .unwrap();
        let crates = RuntimeCrates::of_package(&member, &dir);
        assert_eq!(
            crates.names(),
            ["flag_runtime", "ff", "unix_flags", "shared"]
        );
        assert_eq!(
            RuntimeCrates::of_package(&dir.join("missing"), &dir),
            RuntimeCrates::default()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
