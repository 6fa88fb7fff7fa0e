//! OFREP through a client that nobody here wrote: OpenFeature's Rust SDK (`open-feature`) with its OFREP
//! provider (`open-feature-ofrep`), against the router served over loopback HTTP.

mod support;

use std::net::SocketAddr;

use flag_admin::{Admin, Auth};
use open_feature::{EvaluationContext, EvaluationErrorCode, OpenFeature};
use open_feature_ofrep::{OfrepOptions, OfrepProvider};
// The provider's options take reqwest's header map, which is the `http` crate's, as axum's is.
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue};

const TOKEN: &str = "ofrep-test-token";

async fn serve() -> SocketAddr {
    support::serve(Admin::new(Auth::bearer(TOKEN))).await
}

async fn provider(address: SocketAddr, token: &str) -> OfrepProvider {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
    );
    OfrepProvider::new(OfrepOptions {
        base_url: format!("http://{address}"),
        headers,
        ..OfrepOptions::default()
    })
    .await
    .expect("provider")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openfeature_sdk_evaluates_the_program_s_flags() {
    let address = serve().await;
    let mut api = OpenFeature::singleton_mut().await;
    api.set_provider(provider(address, TOKEN).await).await;
    let client = api.create_client();
    drop(api);

    // A flag without rules: its state, for any context.
    let details = client
        .get_bool_details("kill_switch", None, None)
        .await
        .expect("kill_switch");
    assert!(details.value);
    assert_eq!(details.variant.as_deref(), Some("on"));

    // Rules: targetingKey is the user id, custom fields are the properties rules read.
    let mut on = 0;
    for user in 0..200 {
        let context = EvaluationContext::default()
            .with_targeting_key(format!("user-{user}"))
            .with_custom_field("plan", "pro");
        let details = client
            .get_bool_details("new_search", Some(&context), None)
            .await
            .expect("new_search");
        if details.value {
            on += 1;
            assert!(
                matches!(details.variant.as_deref(), Some("compact" | "rich")),
                "{:?}",
                details.variant
            );
        } else {
            assert_eq!(details.variant.as_deref(), Some("off"));
        }
    }
    assert!(
        (25..=75).contains(&on),
        "a quarter of 200 users on the pro plan: {on}"
    );
    let free = EvaluationContext::default()
        .with_targeting_key("user-1")
        .with_custom_field("plan", "free");
    assert_eq!(
        client
            .get_bool_value("new_search", Some(&free), None)
            .await
            .ok(),
        Some(false)
    );

    // A value flag reaches the SDK as its typed value and the value's name. (open-feature-ofrep 0.1.2 reports
    // every reason as STATIC whatever the server says, so routes.rs checks the reasons.)
    let pro = EvaluationContext::default()
        .with_targeting_key("user-1")
        .with_custom_field("plan", "pro");
    let rows = client
        .get_int_details("page_rows", Some(&pro), None)
        .await
        .expect("an integer flag");
    assert_eq!((rows.value, rows.variant.as_deref()), (100, Some("long")));
    assert_eq!(
        client
            .get_int_value("page_rows", Some(&free), None)
            .await
            .ok(),
        Some(20)
    );

    // An unknown flag is FLAG_NOT_FOUND to the SDK, which then gives the caller's default.
    let missing = client
        .get_bool_details("no_such_flag", None, None)
        .await
        .err()
        .map(|error| error.code);
    assert_eq!(missing, Some(EvaluationErrorCode::FlagNotFound));

    // A switch in the program is what the SDK sees next.
    flag_runtime::set("kill_switch", false).expect("dynamic");
    assert_eq!(
        client.get_bool_value("kill_switch", None, None).await.ok(),
        Some(false)
    );
    flag_runtime::reset("kill_switch").expect("dynamic");
    assert_eq!(
        client.get_bool_value("kill_switch", None, None).await.ok(),
        Some(true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_an_error_to_the_sdk() {
    let address = serve().await;
    let wrong = provider(address, "not-the-token").await;
    use open_feature::provider::FeatureProvider;
    let error = wrong
        .resolve_bool_value("kill_switch", &EvaluationContext::default())
        .await
        .err();
    assert!(
        matches!(&error, Some(e) if matches!(&e.code, EvaluationErrorCode::General(why) if why.contains("authentication"))),
        "{error:?}"
    );
}
