//! OpenFeature's own conformance scenarios, run against our provider: the Gherkin features that flagd's
//! providers run in every language (`../shared/peer-suites/openfeature-flagd-testbed/evaluator/gherkin/`,
//! beside the repository), over the testbed's flags translated into this crate's `flags.toml`, through the
//! `open-feature` client with [`FlagProvider`] registered.
//!
//! Scenarios tagged `@fractional`, `@semver`, `@string` or `@evaluator-refs` are left out by tag: they test
//! flagd's own JSON Logic operators, its bucketing and its `$ref` evaluators (see the README's "OpenFeature"
//! section). In CI (`CI=true`) a missing suite fails the test; elsewhere it is skipped with a message.

mod suite;

use std::path::{Path, PathBuf};

use cucumber::gherkin::Step;
use cucumber::{World as _, given, then, when};
use flag_openfeature::{FlagProvider, MetadataFields, caller_default_reason};
use open_feature::{
    EvaluationContext, EvaluationError, EvaluationResult, FlagMetadata, FlagMetadataValue,
    OpenFeature, StructValue, Value,
};

/// Tags of the scenarios that test flagd's evaluator rather than a provider.
const SKIPPED_TAGS: [&str; 4] = ["fractional", "semver", "string", "evaluator-refs"];

/// One scenario's state.
#[derive(Debug, Default, cucumber::World)]
struct Evaluator {
    flag_type: String,
    key: String,
    fallback: String,
    context: EvaluationContext,
    resolved: Option<Resolved>,
}

/// What an evaluation gave, as the steps compare it.
#[derive(Debug)]
struct Resolved {
    value: Value,
    reason: String,
    error_code: Option<String>,
    metadata: FlagMetadata,
}

#[given("an evaluator")]
async fn an_evaluator(_world: &mut Evaluator) {
    let name = OpenFeature::singleton()
        .await
        .provider_metadata()
        .await
        .name;
    assert_eq!(name, "flag-runtime", "FlagProvider is registered");
}

#[given(
    regex = r#"^an? (Boolean|String|Integer|Float|Object)-flag with key "([^"]*)" and a fallback value "(.*)"$"#
)]
async fn a_flag(world: &mut Evaluator, flag_type: String, key: String, fallback: String) {
    world.flag_type = flag_type;
    world.key = key;
    world.fallback = fallback;
}

#[given(expr = "a context containing a key {string}, with type {string} and with value {string}")]
async fn a_context_field(world: &mut Evaluator, key: String, kind: String, value: String) {
    let context = std::mem::take(&mut world.context);
    world.context = match kind.as_str() {
        "Integer" => context.with_custom_field(key, parse::<i64>(&value)),
        "Float" => context.with_custom_field(key, parse::<f64>(&value)),
        "Boolean" => context.with_custom_field(key, parse::<bool>(&value)),
        _ => context.with_custom_field(key, value),
    };
}

#[given(expr = "a context containing a targeting key with value {string}")]
async fn a_targeting_key(world: &mut Evaluator, key: String) {
    world.context.targeting_key = Some(key);
}

#[when("the flag was evaluated with details")]
async fn evaluated(world: &mut Evaluator) {
    let client = OpenFeature::singleton().await.create_client();
    let (key, context) = (world.key.as_str(), Some(&world.context));
    let fallback = typed(&world.flag_type, &world.fallback);
    world.resolved = Some(match world.flag_type.as_str() {
        "Boolean" => outcome(client.get_bool_details(key, context, None).await, fallback),
        "Integer" => outcome(client.get_int_details(key, context, None).await, fallback),
        "Float" => outcome(client.get_float_details(key, context, None).await, fallback),
        "String" => outcome(
            client.get_string_details(key, context, None).await,
            fallback,
        ),
        _ => outcome(
            client
                .get_struct_details::<StructValue>(key, context, None)
                .await,
            fallback,
        ),
    });
}

/// An evaluation's result as the scenarios see it: on an error the caller's fallback applies, with reason
/// `ERROR`, unless the error is the provider's way of saying why the caller's default applies.
fn outcome<T: Into<Value>>(
    result: EvaluationResult<open_feature::EvaluationDetails<T>>,
    fallback: Value,
) -> Resolved {
    match result {
        Ok(details) => Resolved {
            value: details.value.into(),
            reason: details.reason.map(|r| r.to_string()).unwrap_or_default(),
            error_code: None,
            metadata: details.flag_metadata,
        },
        Err(error) => errored(&error, fallback),
    }
}

fn errored(error: &EvaluationError, fallback: Value) -> Resolved {
    match caller_default_reason(error) {
        Some(reason) => Resolved {
            value: fallback,
            reason: reason.to_string(),
            error_code: None,
            metadata: FlagMetadata::default(),
        },
        None => Resolved {
            value: fallback,
            reason: "ERROR".to_owned(),
            error_code: Some(error.code.to_string()),
            metadata: FlagMetadata::default(),
        },
    }
}

#[then(expr = "the resolved details value should be {string}")]
async fn value_is(world: &mut Evaluator, expected: String) {
    let resolved = resolved(world);
    let expected = typed(&world.flag_type, &expected);
    assert_eq!(resolved.value, expected, "{resolved:?}");
}

#[then(expr = "the reason should be {string}")]
async fn reason_is(world: &mut Evaluator, expected: String) {
    let resolved = resolved(world);
    assert_eq!(resolved.reason, expected, "{resolved:?}");
}

#[then(expr = "the error-code should be {string}")]
async fn error_code_is(world: &mut Evaluator, expected: String) {
    let resolved = resolved(world);
    assert_eq!(
        resolved.error_code.as_deref(),
        Some(expected.as_str()),
        "{resolved:?}"
    );
}

#[then("the resolved metadata should contain")]
async fn metadata_contains(world: &mut Evaluator, step: &Step) {
    let resolved = resolved(world);
    let rows = step
        .table
        .as_ref()
        .map(|table| &table.rows[1..])
        .unwrap_or_default();
    assert!(!rows.is_empty(), "the step has a table of expected entries");
    for row in rows {
        let [key, kind, value] = &row[..] else {
            panic!("a row is key | metadata_type | value: {row:?}");
        };
        let expected = match kind.as_str() {
            "Integer" => FlagMetadataValue::Int(parse(value)),
            "Float" => FlagMetadataValue::Float(parse(value)),
            "Boolean" => FlagMetadataValue::Bool(parse(value)),
            _ => FlagMetadataValue::String(value.clone()),
        };
        assert_eq!(
            resolved.metadata.values.get(key),
            Some(&expected),
            "{key}: {resolved:?}"
        );
    }
}

#[then("the resolved metadata is empty")]
async fn metadata_is_empty(world: &mut Evaluator) {
    let resolved = resolved(world);
    // Stricter than the suite: an error's empty metadata does not count.
    assert_eq!(resolved.error_code, None, "the flag resolved: {resolved:?}");
    assert!(resolved.metadata.values.is_empty(), "{resolved:?}");
}

fn resolved(world: &Evaluator) -> &Resolved {
    world.resolved.as_ref().expect("the flag was evaluated")
}

/// A value of the scenario's type, from the text of a Gherkin cell (objects are JSON, with `\"` for `"`).
fn typed(flag_type: &str, text: &str) -> Value {
    match flag_type {
        "Boolean" => Value::Bool(parse(text)),
        "Integer" => Value::Int(parse(text)),
        "Float" => Value::Float(parse(text)),
        "Object" => {
            let json: serde_json::Value =
                serde_json::from_str(&text.replace("\\\"", "\"")).expect("a JSON object");
            Value::try_from(json).expect("JSON that OpenFeature can hold")
        }
        _ => Value::String(text.to_owned()),
    }
}

fn parse<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.trim().parse().expect("a value of the scenario's type")
}

/// `../shared/peer-suites/openfeature-flagd-testbed/evaluator/gherkin`, beside the repository.
fn suite() -> PathBuf {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    repository.join("../shared/peer-suites/openfeature-flagd-testbed/evaluator/gherkin")
}

fn skipped(tags: &[String]) -> bool {
    tags.iter().any(|tag| SKIPPED_TAGS.contains(&tag.as_str()))
}

#[tokio::main]
async fn main() {
    let suite = suite();
    if !suite.is_dir() {
        let message = format!(
            "OpenFeature's flagd testbed is missing at {}: put the peer suites beside the repository",
            suite.display()
        );
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            eprintln!("{message}");
            std::process::exit(1);
        }
        eprintln!("skipped: {message}");
        return;
    }
    // A program's flags are those of the crates that use a flag macro: this use brings the translated
    // testbed flags (this crate's flags.toml) into the test.
    assert!(flag_runtime::flag!("boolean_flag"), "boolean-flag is on");
    let provider = FlagProvider::new().with_metadata_fields(MetadataFields::Manifest);
    OpenFeature::singleton_mut()
        .await
        .set_provider(provider)
        .await;
    Evaluator::cucumber::<PathBuf>()
        .with_parser(suite::Suite)
        .fail_on_skipped()
        .filter_run_and_exit(suite, |feature, rule, scenario| {
            !skipped(&feature.tags)
                && !rule.is_some_and(|rule| skipped(&rule.tags))
                && !skipped(&scenario.tags)
        })
        .await;
}
