//! FlagProvider through the open-feature client, over the workspace's flags.toml: values, variants,
//! reasons, metadata, errors and the context mapping as a caller sees them.

use std::sync::atomic::{AtomicUsize, Ordering};

use flag_openfeature::{FlagProvider, MetadataFields};
use open_feature::{
    Client, EvaluationContext, EvaluationErrorCode, EvaluationReason, FlagMetadataValue,
    OpenFeature, StructValue,
};

async fn client(fields: MetadataFields) -> Client {
    // Using a flag macro brings the manifest's flags into this program.
    assert!(flag_runtime::flag!("new_api"));
    // A name of its own for each test's provider: the tests run in parallel, and replacing a named
    // provider while another test reads through it leaves that read with the SDK's no-op provider.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("{fields:?}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let provider = FlagProvider::new().with_metadata_fields(fields);
    let mut api = OpenFeature::singleton_mut().await;
    api.set_named_provider(&name, provider).await;
    api.create_named_client(&name)
}

fn text(value: &str) -> Option<FlagMetadataValue> {
    Some(FlagMetadataValue::String(value.to_owned()))
}

#[tokio::test]
async fn a_static_flag_is_static_with_its_facts() {
    let client = client(MetadataFields::All).await;
    let details = client
        .get_bool_details("new_api", None, None)
        .await
        .unwrap();
    assert!(details.value);
    assert_eq!(details.reason, Some(EvaluationReason::Static));
    assert_eq!(details.variant.as_deref(), Some("on"));
    let metadata = &details.flag_metadata.values;
    assert_eq!(metadata.get("owner").cloned(), text("team-platform"));
    assert_eq!(metadata.get("mode").cloned(), text("static"));
    assert_eq!(metadata.get("layer").cloned(), text("compiled"));
    assert!(metadata.get("description").is_some());
    assert_eq!(metadata.get("expires"), None, "new_api does not expire");

    let new_ui = client.get_bool_details("new_ui", None, None).await.unwrap();
    assert!(!new_ui.value);
    assert_eq!(new_ui.variant.as_deref(), Some("off"));
    assert_eq!(
        new_ui.flag_metadata.values.get("expires").cloned(),
        text("2027-03-01")
    );
}

#[tokio::test]
async fn manifest_metadata_only_is_empty_without_a_table() {
    let client = client(MetadataFields::Manifest).await;
    let details = client
        .get_bool_details("new_api", None, None)
        .await
        .unwrap();
    assert!(details.flag_metadata.values.is_empty());
}

#[tokio::test]
async fn rules_decide_per_context() {
    let client = client(MetadataFields::All).await;
    // User 42 is listed by a rule and has a variant override: the rule decides all.
    let overridden = EvaluationContext::default().with_targeting_key("42");
    let details = client
        .get_bool_details("checkout_v2", Some(&overridden), None)
        .await
        .unwrap();
    assert!(details.value);
    assert_eq!(details.reason, Some(EvaluationReason::TargetingMatch));
    assert_eq!(details.variant.as_deref(), Some("one_page"));
    // User 7 is listed too, and its variant is chosen by weight.
    let listed = EvaluationContext::default().with_targeting_key("7");
    let details = client
        .get_bool_details("checkout_v2", Some(&listed), None)
        .await
        .unwrap();
    assert!(details.value);
    assert_eq!(details.reason, Some(EvaluationReason::Split));
    assert!(matches!(
        details.variant.as_deref(),
        Some("control" | "one_page")
    ));

    let elsewhere = EvaluationContext::default()
        .with_targeting_key("1234")
        .with_custom_field("country", "US");
    let details = client
        .get_bool_details("checkout_v2", Some(&elsewhere), None)
        .await
        .unwrap();
    assert!(!details.value);
    assert_eq!(details.reason, Some(EvaluationReason::Default));
    assert_eq!(details.variant.as_deref(), Some("off"));
    let mode = details.flag_metadata.values.get("mode").cloned();
    assert_eq!(mode, text("dynamic"));
}

#[tokio::test]
async fn a_rollout_by_user_id_needs_a_targeting_key() {
    let client = client(MetadataFields::All).await;
    // checkout_v2 rolls out to 25% of NZ users on 2.1.0 or later, by `user_id` stickiness.
    let anonymous = EvaluationContext::default()
        .with_custom_field("country", "NZ")
        .with_custom_field("app_version", "2.3.0");
    let error = client
        .get_bool_details("checkout_v2", Some(&anonymous), None)
        .await
        .unwrap_err();
    assert_eq!(error.code, EvaluationErrorCode::TargetingKeyMissing);
    let value = client
        .get_bool_value("checkout_v2", Some(&anonymous), None)
        .await;
    assert!(value.unwrap_or(true), "the caller's default applies");
    // Outside NZ and AU no rule would ask for a key: the flag's default, no error.
    let french = EvaluationContext::default()
        .with_custom_field("country", "FR")
        .with_custom_field("app_version", "2.3.0");
    let details = client
        .get_bool_details("checkout_v2", Some(&french), None)
        .await
        .unwrap();
    assert_eq!(details.reason, Some(EvaluationReason::Default));

    // search_ranking's rollout has `default` stickiness (the session id, else random): not an error.
    let anonymous = EvaluationContext::default().with_custom_field("plan", "free");
    let details = client
        .get_bool_details("search_ranking", Some(&anonymous), None)
        .await
        .unwrap();
    assert_eq!(details.reason, Some(EvaluationReason::Default));
}

#[tokio::test]
async fn errors() {
    let client = client(MetadataFields::All).await;
    let unknown = client
        .get_bool_details("no_such_flag", None, None)
        .await
        .unwrap_err();
    assert_eq!(unknown.code, EvaluationErrorCode::FlagNotFound);
    let near = client
        .get_bool_details("dark_mod", None, None)
        .await
        .unwrap_err();
    assert!(
        near.message.unwrap_or_default().contains("dark_mode"),
        "suggests the name"
    );

    assert_eq!(
        client
            .get_int_details("dark_mode", None, None)
            .await
            .unwrap_err()
            .code,
        EvaluationErrorCode::TypeMismatch
    );
    assert_eq!(
        client
            .get_float_details("dark_mode", None, None)
            .await
            .unwrap_err()
            .code,
        EvaluationErrorCode::TypeMismatch
    );
    assert_eq!(
        client
            .get_string_details("dark_mode", None, None)
            .await
            .unwrap_err()
            .code,
        EvaluationErrorCode::TypeMismatch
    );
    let object = client
        .get_struct_details::<StructValue>("dark_mode", None, None)
        .await;
    assert_eq!(object.unwrap_err().code, EvaluationErrorCode::TypeMismatch);

    let bad_time = EvaluationContext::default().with_custom_field("currentTime", "soon");
    let error = client
        .get_bool_details("dark_mode", Some(&bad_time), None)
        .await
        .unwrap_err();
    assert_eq!(error.code, EvaluationErrorCode::InvalidContext);
}

#[tokio::test]
async fn kebab_case_keys_and_run_time_changes() {
    let client = client(MetadataFields::All).await;
    assert!(
        !client
            .get_bool_value("fast-search", None, None)
            .await
            .unwrap()
    );
    flag_runtime::set("fast_search", true).unwrap();
    let details = client
        .get_bool_details("fast-search", None, None)
        .await
        .unwrap();
    flag_runtime::reset("fast_search").unwrap();
    assert!(details.value);
    assert_eq!(
        details.flag_metadata.values.get("layer").cloned(),
        text("set")
    );
}

#[tokio::test]
async fn value_flags_resolve_to_their_type() {
    let client = client(MetadataFields::All).await;
    let pro = EvaluationContext::default()
        .with_targeting_key("9")
        .with_custom_field("plan", "pro");
    let details = client
        .get_int_details("page-size", Some(&pro), None)
        .await
        .unwrap();
    assert_eq!(details.value, 200);
    assert_eq!(details.reason, Some(EvaluationReason::TargetingMatch));
    assert_eq!(details.variant.as_deref(), Some("large"));
    let metadata = &details.flag_metadata.values;
    assert_eq!(metadata.get("ticket").cloned(), text("UI-7"));
    assert_eq!(metadata.get("owner").cloned(), text("team-search"));
    assert_eq!(metadata.get("layer").cloned(), text("compiled"));

    let free = EvaluationContext::default().with_custom_field("plan", "free");
    let details = client
        .get_int_details("page_size", Some(&free), None)
        .await
        .unwrap();
    assert_eq!(details.value, 50);
    assert_eq!(details.reason, Some(EvaluationReason::Default));
    assert_eq!(details.variant.as_deref(), Some("medium"));

    let wrong = client
        .get_bool_details("page_size", None, None)
        .await
        .unwrap_err();
    assert_eq!(wrong.code, EvaluationErrorCode::TypeMismatch);
    let wrong = client
        .get_float_details("page_size", None, None)
        .await
        .unwrap_err();
    assert_eq!(wrong.code, EvaluationErrorCode::TypeMismatch);

    let table_only = self::client(MetadataFields::Manifest).await;
    let details = table_only
        .get_int_details("page_size", None, None)
        .await
        .unwrap();
    assert_eq!(
        details.flag_metadata.values.len(),
        1,
        "only the manifest's table"
    );
}
