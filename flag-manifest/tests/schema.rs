//! The JSON Schema of `flags.toml` (`flag_manifest::json_schema`, `schema` feature) against the parser: the
//! workspace's manifest passes it, and for each document below the schema and `Manifest::parse` give the
//! same verdict, except in the gaps `flag_manifest::schema` documents, which are pinned here too.
//!
//! Documents are shown to the schema as editors show them: TOML converted to JSON, with dates and
//! date-times as strings (as taplo does). The validator is boon, with format assertions on, as taplo's is.
//! Whether `flags.schema.json` is up to date is checked by `flag-tests` (`tests/tests/schema.rs`).

use std::path::Path;
use std::sync::OnceLock;

use flag_manifest::Manifest;
use flag_manifest::targeting::{Cidr, SemVer, parse_number, parse_rfc3339};
use serde_json::Value;

/// The compiled schema (compiling also checks it against the draft 7 meta-schema).
fn validator() -> &'static (boon::Schemas, boon::SchemaIndex) {
    static VALIDATOR: OnceLock<(boon::Schemas, boon::SchemaIndex)> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(&flag_manifest::json_schema()).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        let location = "urn:flags.schema.json";
        compiler.add_resource(location, schema).unwrap();
        let index = compiler
            .compile(location, &mut schemas)
            .unwrap_or_else(|error| panic!("the schema does not compile: {error:#}"));
        (schemas, index)
    })
}

/// TOML as an editor hands it to a JSON Schema validator.
fn to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::String(text),
        toml::Value::Integer(number) => Value::from(number),
        // JSON has no NaN or infinity: taplo has nothing better than null for them.
        toml::Value::Float(number) => Value::from(number),
        toml::Value::Boolean(flag) => Value::Bool(flag),
        toml::Value::Datetime(datetime) => Value::String(datetime.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, to_json(value)))
                .collect(),
        ),
    }
}

/// The schema's errors for `text` (a TOML document), empty when it passes.
fn schema_errors(text: &str) -> Option<String> {
    let document: toml::Table = toml::from_str(text).expect("the test documents are TOML");
    let instance = to_json(toml::Value::Table(document));
    let (schemas, index) = validator();
    schemas
        .validate(&instance, *index)
        .err()
        .map(|error| format!("{error}"))
}

#[derive(Debug, PartialEq)]
enum Verdict {
    /// Both accept.
    Valid,
    /// Both refuse.
    Invalid,
    /// The schema accepts what the parser refuses: a documented gap.
    SchemaOnly,
}

fn verdict(text: &str) -> Verdict {
    let schema = schema_errors(text);
    let parser = Manifest::parse(text);
    match (&schema, &parser) {
        (None, Ok(_)) => Verdict::Valid,
        (Some(_), Err(_)) => Verdict::Invalid,
        (None, Err(_)) => Verdict::SchemaOnly,
        (Some(errors), Ok(_)) => {
            panic!("the schema refuses what the parser accepts:\n{text}\n{errors}")
        }
    }
}

fn assert_verdict(expected: Verdict, text: &str) {
    let found = verdict(text);
    assert_eq!(
        found,
        expected,
        "{text}\nschema: {:?}\nparser: {:?}",
        schema_errors(text),
        Manifest::parse(text).err()
    );
}

#[test]
fn the_workspace_manifest_passes_the_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flags.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("#:schema ./flags.schema.json\n"),
        "{} should name its schema on its first line",
        path.display()
    );
    assert!(Manifest::parse(&text).is_ok());
    if let Some(errors) = schema_errors(&text) {
        panic!("{} does not pass the schema:\n{errors}", path.display());
    }
}

/// A dynamic flag `a` whose one rule has `constraint`.
fn with_constraint(constraint: &str) -> String {
    format!("[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nconstraints = [{constraint}]\n")
}

/// A dynamic flag `a` whose one rule has `rollout`.
fn with_rollout(rollout: &str) -> String {
    format!("[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nrollout = {rollout}\n")
}

/// A dynamic flag `a` with `variants` (TOML inline tables).
fn with_variants(variants: &str) -> String {
    format!("[flags.a]\nmode = \"dynamic\"\nvariants = [{variants}]\n")
}

/// Flags `p` (dynamic, with a variant `blue`), `q` (static) and `c` (`mode`), `c` requiring `entry`.
fn with_requirement(mode: &str, entry: &str) -> String {
    format!(
        "[flags.p]\nmode = \"dynamic\"\n[[flags.p.variants]]\nname = \"blue\"\nweight = 1\n[flags.q]\n\
         [flags.c]\nmode = \"{mode}\"\nrequires = [{entry}]\n"
    )
}

#[test]
fn both_accept() {
    let documents = [
        String::new(),
        "[flags.a]\n".into(),
        "[flags.new_ui2]\ndescription = \"x\"\nowner = \"team\"\ndefault = true\nmode = \"static\"\nexpires = 2027-03-01\n".into(),
        "[settings]\nexpired = \"error\"\n[flags.a]\n".into(),
        "[settings]\n".into(),
        "[flags.a]\n[flags.b]\nrequires = [\"a\"]\n[profiles.beta]\na = true\nb = false\n[profiles.empty]\n".into(),
        with_requirement("static", r#"{ flag = "q" }"#),
        with_requirement("static", r#"{ flag = "q", enabled = true, variants = [] }"#),
        with_requirement("dynamic", r#"{ flag = "q", enabled = false }"#),
        with_requirement("dynamic", r#"{ flag = "p", variants = ["blue"] }"#),
        with_requirement("dynamic", r#""p", { flag = "q", enabled = false }"#),
        "[flags.a]\nmode = \"dynamic\"\nrules = []\nvariants = []\nvariant_stickiness = \"tenant\"\n".into(),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\n".into(),
        concat!(
            "[flags.a]\nmode = \"dynamic\"\ntype = \"float\"\nvalues = { low = 0.5, high = 2 }\n",
            "default = \"low\"\nenabled = false\nmetadata = { ticket = \"X-1\", n = 2, ok = true }\n",
            "[[flags.a.rules]]\nvalue = \"high\"\n[[flags.a.variants]]\nname = \"low\"\nweight = 1\n",
            "[flags.o]\ntype = \"object\"\nvalues = { plain = { color = \"grey\", n = [1] } }\n",
            "[profiles.beta]\na = \"high\"\no = \"plain\"\n[profiles.literal]\na = 2.0\n",
        )
        .into(),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nuser_ids = [\"42\", 7, 1.5]\n".into(),
        with_constraint(r#"{ context = "country", operator = "in", values = ["NZ", "AU"] }"#),
        with_constraint(r#"{ context = "country", operator = "in", value = "NZ" }"#),
        with_constraint(r#"{ context = "country", operator = "not_in", values = [] }"#),
        with_constraint(
            r#"{ context = "plan", operator = "str_contains", values = ["pro"], case_insensitive = true, inverted = true }"#,
        ),
        with_constraint(
            r#"{ context = "x", operator = "num_gt", value = 3, case_insensitive = false }"#,
        ),
        with_constraint(r#"{ context = "x", operator = "num_lte", values = ["2.5"] }"#),
        with_constraint(r#"{ context = "x", operator = "num_eq", value = "1", values = [] }"#),
        with_constraint(r#"{ context = "app_version", operator = "semver_gte", value = "2.1.0" }"#),
        with_constraint(
            r#"{ context = "current_time", operator = "date_after", value = "2027-03-01T09:00:00Z" }"#,
        ),
        with_constraint(
            r#"{ context = "current_time", operator = "date_before", value = 2027-03-01T09:00:00+02:00 }"#,
        ),
        with_constraint(
            r#"{ context = "remote_address", operator = "in_cidr", values = ["10.0.0.0/8", "2001:db8::/32", "::1"] }"#,
        ),
        with_rollout("{ percent = 0 }"),
        with_rollout("{ percent = 100, stickiness = \"session_id\", group = \" \" }"),
        with_rollout("{ percent = 25, stickiness = \"tenant\" }"),
        with_variants(r#"{ name = "a", weight = 0 }, { name = "b", weight = 4294967295 }"#),
        with_variants(
            r#"{ name = "a", weight = 1, payload = { type = "json", value = '{"x": 1}' }, overrides = [{ context = "user_id", values = ["42", 7] }] }"#,
        ),
        with_variants(r#"{ name = "a", weight = 1, payload = { type = "number", value = 2.5 } }"#),
        with_variants(
            r#"{ name = "a", weight = 1, payload = { type = "number", value = " -1e3 " } }"#,
        ),
        with_variants(
            r#"{ name = "a", weight = 1, payload = { type = "csv", value = "a,b" } }, { name = "b", weight = 1, payload = { type = "string", value = 3 } }"#,
        ),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nrollout = { percent = 5 }\nvariants = [{ name = \"x\", weight = 1 }]\n".into(),
    ];
    for document in &documents {
        assert_verdict(Verdict::Valid, document);
    }
}

#[test]
fn both_refuse() {
    let documents = [
        // Unknown keys, at every level.
        "[flag.a]\n".to_owned(),
        "[flags.a]\ndefualt = true\n".into(),
        "[settings]\nexpird = \"warn\"\n".into(),
        with_constraint(r#"{ context = "x", operator = "in", values = [], invertd = true }"#),
        with_rollout("{ percent = 5, sticky = \"user_id\" }"),
        with_variants(r#"{ name = "a", weight = 1, wieght = 1 }"#),
        with_variants(r#"{ name = "a", weight = 1, payload = { type = "json", value = "1", x = 1 } }"#),
        with_variants(r#"{ name = "a", weight = 1, overrides = [{ context = "x", values = [], y = 1 }] }"#),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nuser_id = [\"1\"]\n".into(),
        // Names.
        "[flags.NewUi]\n".into(),
        "[flags.new-ui]\n".into(),
        "[flags.a]\n[profiles.Beta]\na = true\n".into(),
        with_variants(r#"{ name = "Blue", weight = 1 }"#),
        // Typed values.
        "[flags.a]\ntype = \"intger\"\nvalues = { x = 1 }\n".into(),
        "[flags.a]\ntype = \"integer\"\nvalues = { x = \"1\" }\n".into(),
        "[flags.a]\ntype = \"integer\"\nvalues = { x = 1 }\ndefault = 1\n".into(),
        "[flags.a]\ntype = \"integer\"\n".into(),
        "[flags.a]\ntype = \"integer\"\nvalues = {}\n".into(),
        "[flags.a]\ntype = \"string\"\nvalues = { Big = \"b\" }\n".into(),
        "[flags.a]\nvalues = { x = 1 }\n".into(),
        "[flags.a]\nenabled = false\n".into(),
        "[flags.a]\nmetadata = { tags = [\"x\"] }\n".into(),
        // Enumerations and types.
        "[flags.a]\nmode = \"dynamc\"\n".into(),
        "[flags.a]\ndefault = \"yes\"\n".into(),
        "[settings]\nexpired = \"loud\"\n".into(),
        "[flags.a]\nexpires = 2027-03-01T10:00:00\n".into(),
        "[flags.a]\nexpires = \"soon\"\n".into(),
        "[flags.a]\nexpires = 2027-03-01\nexpires2 = 1\n".into(),
        // Targeting on a static flag, even empty.
        "[flags.a]\n[[flags.a.rules]]\nuser_ids = [\"1\"]\n".into(),
        "[flags.a]\nmode = \"static\"\nrules = []\n".into(),
        "[flags.a]\nvariants = [{ name = \"x\", weight = 1 }]\n".into(),
        "[flags.a]\nvariant_stickiness = \"user_id\"\n".into(),
        // `requires`.
        with_requirement("static", r#"{ flag = "q", enabled = false }"#),
        with_requirement("static", r#"{ flag = "p", variants = ["blue"] }"#),
        with_requirement("dynamic", "3"),
        with_requirement("dynamic", r#"{ enabled = false }"#),
        with_requirement("dynamic", r#"{ flag = "p", enable = false }"#),
        with_requirement("dynamic", r#"{ flag = "p", enabled = "no" }"#),
        with_requirement("dynamic", r#"{ flag = "p", variants = "blue" }"#),
        with_requirement("dynamic", r#"{ flag = "p", variants = [1] }"#),
        with_requirement("dynamic", r#"{ flag = "p", enabled = false, variants = ["blue"] }"#),
        with_requirement("dynamic", r#""p", "p""#),
        with_requirement("dynamic", r#""Pp""#),
        // Constraints: operators, contexts, value counts and types.
        with_constraint(r#"{ context = "x", operator = "inn", values = [] }"#),
        with_constraint(r#"{ context = "x", operator = "NUM_GT", value = "1" }"#),
        with_constraint(r#"{ operator = "in", values = [] }"#),
        with_constraint(r#"{ context = "x", values = [] }"#),
        with_constraint(r#"{ context = "", operator = "in", values = [] }"#),
        with_constraint(r#"{ context = "  ", operator = "in", values = [] }"#),
        with_constraint(r#"{ context = "userId", operator = "in", values = [] }"#),
        with_constraint(r#"{ context = "current_time", operator = "in", values = [] }"#),
        with_constraint(r#"{ context = "x", operator = "num_gt", value = "1", case_insensitive = true }"#),
        with_constraint(r#"{ context = "x", operator = "in" }"#),
        with_constraint(r#"{ context = "x", operator = "num_gt", values = ["1", "2"] }"#),
        with_constraint(r#"{ context = "x", operator = "semver_lt" }"#),
        with_constraint(r#"{ context = "x", operator = "semver_lt", values = [] }"#),
        with_constraint(r#"{ context = "x", operator = "num_gt", value = "1", values = ["2"] }"#),
        with_constraint(r#"{ context = "x", operator = "in", values = [true] }"#),
        with_constraint(r#"{ context = "x", operator = "in", value = ["a"] }"#),
        with_constraint(r#"{ context = "x", operator = "in", values = "a" }"#),
        with_constraint(r#"{ context = "x", operator = "in", values = [], inverted = "yes" }"#),
        with_constraint(r#"{ context = "x", operator = "num_gt", value = "twelve" }"#),
        with_constraint(r#"{ context = "x", operator = "semver_eq", value = 1.5 }"#),
        with_constraint(r#"{ context = "x", operator = "in_cidr", values = ["10.0.0.0/8", 10] }"#),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nuser_ids = [true]\n".into(),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nuser_ids = \"42\"\n".into(),
        // Rollouts.
        with_rollout("{ percent = 120 }"),
        with_rollout("{ percent = -1 }"),
        with_rollout("{ stickiness = \"user_id\" }"),
        with_rollout("{ percent = \"25\" }"),
        with_rollout("{ percent = 5, group = \"\" }"),
        with_rollout("{ percent = 5, stickiness = \"current_time\" }"),
        with_rollout("{ percent = 5, stickiness = \"sessionId\" }"),
        with_rollout("{ percent = 5, stickiness = \"\" }"),
        "[flags.a]\nmode = \"dynamic\"\nvariant_stickiness = \"current_time\"\n".into(),
        // Variants and payloads.
        with_variants(r#"{ name = "a", weight = -3 }"#),
        with_variants(r#"{ name = "a", weight = 4294967296 }"#),
        with_variants(r#"{ name = "a", weight = 0 }, { name = "b", weight = 0 }"#),
        with_variants(r#"{ name = "a" }"#),
        with_variants(r#"{ weight = 1 }"#),
        with_variants(r#"{ name = "a", weight = 1, payload = { type = "yaml", value = "x" } }"#),
        with_variants(r#"{ name = "a", weight = 1, payload = { type = "number", value = "many" } }"#),
        with_variants(r#"{ name = "a", weight = 1, payload = { type = "json" } }"#),
        with_variants(r#"{ name = "a", weight = 1, payload = { type = "string", value = false } }"#),
        with_variants(r#"{ name = "a", weight = 1, overrides = [{ context = "appName", values = ["x"] }] }"#),
        with_variants(r#"{ name = "a", weight = 1, overrides = [{ context = "x" }] }"#),
        "[flags.a]\nmode = \"dynamic\"\n[[flags.a.rules]]\nvariants = [{ name = \"x\", weight = 0 }]\n".into(),
    ];
    for document in &documents {
        assert_verdict(Verdict::Invalid, document);
    }
}

/// What `flag_manifest::schema` says JSON Schema cannot say: the schema accepts these, the parser does not.
#[test]
fn the_documented_gaps() {
    let mut documents = vec![
        // References between entries.
        "[flags.a]\nrequires = [\"zz\"]\n".to_owned(),
        "[flags.a]\nrequires = [\"a\"]\n".into(),
        "[flags.a]\nrequires = [\"b\"]\n[flags.b]\nrequires = [\"a\"]\n".into(),
        "[flags.a]\n[profiles.beta]\nb = true\n".into(),
        // Which flags are on/off flags, and which values a value flag declares.
        "[flags.a]\n[profiles.beta]\na = \"yes\"\n".into(),
        "[flags.a]\ntype = \"integer\"\nvalues = { x = 1 }\ndefault = \"y\"\n".into(),
        "[flags.a]\ntype = \"integer\"\nvalues = { x = 1 }\n[profiles.beta]\na = 2\n".into(),
        with_requirement("dynamic", r#""p", { flag = "p" }"#),
        with_requirement("dynamic", r#"{ flag = "p", variants = ["red"] }"#),
        with_variants(r#"{ name = "a", weight = 1 }, { name = "a", weight = 1 }"#),
        // TOML types that JSON lacks.
        "[flags.a]\nexpires = \"2027-03-01\"\n".into(),
        with_rollout("{ percent = 25.0 }"),
        with_variants(r#"{ name = "a", weight = 1.0 }"#),
        // Arithmetic.
        with_variants(r#"{ name = "a", weight = 4294967295 }, { name = "b", weight = 1 }"#),
        with_constraint(r#"{ context = "x", operator = "num_gt", value = "1e400" }"#),
        with_constraint(
            r#"{ context = "x", operator = "semver_gt", value = "1.2.99999999999999999999" }"#,
        ),
    ];
    if cfg!(feature = "regex") {
        documents.push(with_constraint(
            r#"{ context = "x", operator = "regex", value = "(open" }"#,
        ));
    } else {
        documents.push(with_constraint(
            r#"{ context = "x", operator = "regex", value = "^a$" }"#,
        ));
    }
    for document in &documents {
        assert_verdict(Verdict::SchemaOnly, document);
    }
}

/// Every character `str::trim` removes, and a few it keeps.
const PADDING: [char; 28] = [
    '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
    '\u{200b}', '\u{180e}',
];

#[test]
fn whitespace_is_rusts() {
    for padding in PADDING {
        let blank = format!("{padding}");
        assert_eq!(blank.trim().is_empty(), padding.is_whitespace());
        let context = toml::Value::String(blank).to_string();
        assert_verdict(
            if padding.is_whitespace() {
                Verdict::Invalid
            } else {
                Verdict::Valid
            },
            &with_constraint(&format!(
                "{{ context = {context}, operator = \"in\", values = [] }}"
            )),
        );
    }
}

/// `text` with each of [`PADDING`] before it, and after it.
fn padded(text: &str) -> Vec<String> {
    PADDING
        .iter()
        .flat_map(|padding| [format!("{padding}{text}"), format!("{text}{padding}")])
        .collect()
}

/// For each sample, the schema accepts it as `operator`'s value exactly when `parses` does.
fn value_parity(operator: &str, samples: &[impl AsRef<str>], parses: impl Fn(&str) -> bool) {
    for sample in samples {
        let sample = sample.as_ref();
        let literal = toml::Value::String(sample.to_owned()).to_string();
        let document = with_constraint(&format!(
            "{{ context = \"x\", operator = \"{operator}\", value = {literal} }}"
        ));
        let expected = if parses(sample) {
            Verdict::Valid
        } else {
            Verdict::Invalid
        };
        assert_verdict(expected, &document);
    }
}

#[test]
fn numbers_parse_as_the_parser_reads_them() {
    let samples = [
        "12",
        " 12.5 ",
        "1e3",
        "1E-3",
        "+1",
        "-.5",
        "5.",
        "0",
        "007",
        ".",
        "",
        "e5",
        "1e",
        "1e+",
        "inf",
        "-infinity",
        "NaN",
        "1_000",
        "0x10",
        "1,5",
        "1.2.3",
        "\u{661}",
        "\t3\n",
    ];
    value_parity("num_gt", &samples, |text| parse_number(text).is_some());
    value_parity("num_gt", &padded("12"), |text| parse_number(text).is_some());
}

#[test]
fn instants_parse_as_the_parser_reads_them() {
    let samples = [
        "1970-01-01T00:00:01Z",
        "2022-01-22T13:00:00.000+02:00",
        "2022-01-22t13:00:00.123456z",
        "2022-01-22 13:00:00-23:59",
        " 2022-01-22T13:00:00Z ",
        "2022-01-22T13:00:60Z",
        "2024-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "0000-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2022-02-30T00:00:00Z",
        "2022-04-31T00:00:00Z",
        "2022-12-31T23:59:59Z",
        "2022-13-01T00:00:00Z",
        "2022-00-01T00:00:00Z",
        "2022-01-00T00:00:00Z",
        "2022-01-22",
        "2022-01-22T13:00:00",
        "2022-01-22T24:00:00Z",
        "2022-01-22T13:60:00Z",
        "2022-01-22T13:00:61Z",
        "2022-01-22T13:00:00.Z",
        "2022-01-22T13:00:00+24:00",
        "2022-01-22T13:00:00+02:60",
        "2022-01-22T13:00:00+0200",
        "2022-01-22T13:00Z",
        "22-01-22T13:00:00Z",
        "2022-1-22T13:00:00Z",
        "2022-01-22X13:00:00Z",
        "2022-01-22T13:00:00ZZ",
    ];
    value_parity("date_after", &samples, |text| parse_rfc3339(text).is_some());
    value_parity("date_after", &padded("2022-01-22T13:00:00Z"), |text| {
        parse_rfc3339(text).is_some()
    });
}

#[test]
fn semantic_versions_parse_as_the_parser_reads_them() {
    let samples = [
        "2.1.0",
        "0.0.0",
        "2.1.0-beta.1",
        "1.0.0+build.5",
        "1.0.0-0.3.7",
        "1.0.0-x-y-z.--",
        "1.0.0-alpha+001",
        "1.0.0-0a",
        "10.20.30",
        "v1.2.3",
        "1.02.3",
        "01.2.3",
        "1.2",
        "1.2.3.4",
        "1.2.3-",
        "1.2.3-01",
        "1.2.3-a..b",
        "1.2.3+",
        "1.2.3+a..b",
        "1.2.3+a+b",
        "1.2.3-a_b",
        " 1.2.3",
        "1.2.3 ",
        "",
    ];
    value_parity("semver_eq", &samples, |text| SemVer::parse(text).is_some());
    value_parity("semver_eq", &padded("1.2.3"), |text| {
        SemVer::parse(text).is_some()
    });
}

#[test]
fn ip_blocks_parse_as_the_parser_reads_them() {
    let samples = [
        "10.0.0.0/8",
        "10.0.0.1",
        " 192.168.0.0/16 ",
        "255.255.255.255/32",
        "0.0.0.0/0",
        "10.0.0.0/008",
        "10.0.0.0/33",
        "10.0.0.0/",
        "10.0.0.0/+8",
        "10.0.0.0 /8",
        "256.0.0.0",
        "010.0.0.0",
        "1.2.3",
        "1.2.3.4.5",
        "127.invalid",
        "::",
        "::1",
        "1::",
        "1::8",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8::",
        "12345::",
        "abcd:EF01::/128",
        "2001:db8::/32",
        "::/129",
        ":1::",
        "1:::2",
        "1::2::3",
        "::ffff:10.0.0.1",
        "::1.2.3.4",
        "1::1.2.3.4",
        "1:2:3:4:5::1.2.3.4",
        "1:2:3:4:5:6::1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1.2.3.4::",
        "::ffff:1.2.3.04",
        "fe80::1%eth0",
        "[::1]",
        "::1/64",
        "g::1",
    ];
    value_parity("in_cidr", &samples, |text| Cidr::parse(text).is_some());
    value_parity("in_cidr", &padded("::1/64"), |text| {
        Cidr::parse(text).is_some()
    });
}

/// A few properties of the schema itself, which an editor relies on.
#[test]
fn the_schema_names_every_key_and_operator() {
    let schema: Value = serde_json::from_str(&flag_manifest::json_schema()).unwrap();
    let definitions = &schema["definitions"];
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&schema), ["flags", "profiles", "settings"]);
    assert_eq!(
        keys(&definitions["Flag"]),
        [
            "default",
            "description",
            "enabled",
            "expires",
            "metadata",
            "mode",
            "owner",
            "requires",
            "rules",
            "type",
            "values",
            "variant_stickiness",
            "variants"
        ]
    );
    assert_eq!(
        keys(&definitions["Constraint"]),
        [
            "case_insensitive",
            "context",
            "inverted",
            "operator",
            "value",
            "values"
        ]
    );
    let operators: Vec<&str> = definitions["Operator"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["const"].as_str().unwrap())
        .collect();
    assert_eq!(
        operators,
        flag_manifest::Operator::names().collect::<Vec<_>>()
    );
    // Every table refuses unknown keys, as `deny_unknown_fields` does.
    for (name, definition) in definitions.as_object().unwrap() {
        if definition.get("properties").is_some() {
            assert_eq!(definition["additionalProperties"], false, "{name}");
        }
    }
    assert_eq!(schema["additionalProperties"], false);
}
