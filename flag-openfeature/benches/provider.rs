//! What our provider adds to the `open-feature` SDK's own cost: `get_bool_value` through the same client
//! API over `FlagProvider`, and over a provider that returns a constant, in one run. The goal is at
//! most 1.1x the constant provider's time.
//!
//! Two constant providers: one with no `flag_metadata`, the baseline of `FlagProvider` with
//! `MetadataFields::Manifest` (these flags have no `metadata` table but `page_size`'s), and one that returns,
//! for each flag, a clone of the very `flag_metadata` that `FlagProvider` with `MetadataFields::All` gives
//! it. The SDK's `FlagMetadata` is a `HashMap<String, _>`, so a provider that reports owner, description,
//! expiry, mode and layer must build one per resolution; the second baseline pays that too, so its ratio is
//! what our provider adds beyond what the SDK's types force.
//!
//! `cargo bench -p flag-openfeature --bench provider`

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use flag_openfeature::{FlagProvider, MetadataFields};
use open_feature::provider::{FeatureProvider, ProviderMetadata, ResolutionDetails};
use open_feature::{
    EvaluationContext, EvaluationReason, EvaluationResult, FlagMetadata, OpenFeature, StructValue,
    async_trait,
};

/// The baseline: a provider that does no work at all, with the details a real one gives: for each flag,
/// the `flag_metadata` it was given (none for a flag it was not).
struct Constant {
    metadata: ProviderMetadata,
    flag_metadata: HashMap<String, FlagMetadata>,
}

impl Constant {
    fn details<T>(&self, key: &str, value: T) -> EvaluationResult<ResolutionDetails<T>> {
        Ok(ResolutionDetails {
            value,
            variant: Some("on".to_owned()),
            reason: Some(EvaluationReason::Default),
            flag_metadata: self.flag_metadata.get(key).cloned(),
        })
    }
}

#[async_trait]
impl FeatureProvider for Constant {
    fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    async fn resolve_bool_value(
        &self,
        key: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<bool>> {
        self.details(key, true)
    }

    async fn resolve_int_value(
        &self,
        key: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<i64>> {
        self.details(key, 1)
    }

    async fn resolve_float_value(
        &self,
        key: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<f64>> {
        self.details(key, 1.0)
    }

    async fn resolve_string_value(
        &self,
        key: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<String>> {
        self.details(key, String::new())
    }

    async fn resolve_struct_value(
        &self,
        key: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<StructValue>> {
        self.details(key, StructValue::default())
    }
}

fn get_bool_value(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    // `new_api` is static; `dark_mode` is dynamic and on; `checkout_v2` has rules, a rollout and variants.
    // Using the macro brings the manifest's flags into this program.
    assert!(flag_runtime::flag!("dark_mode"));
    let user = EvaluationContext::default()
        .with_targeting_key("1234")
        .with_custom_field("country", "NZ")
        .with_custom_field("app_version", "2.3.0");
    let clients = runtime.block_on(async {
        let mut api = OpenFeature::singleton_mut().await;
        api.set_named_provider("flags", FlagProvider::new()).await;
        let manifest_only = FlagProvider::new().with_metadata_fields(MetadataFields::Manifest);
        api.set_named_provider("flags-manifest-metadata", manifest_only)
            .await;
        // The metadata `FlagProvider` gives each measured flag, for the second constant provider.
        let flags = api.create_named_client("flags");
        let mut flag_metadata = HashMap::new();
        for (key, context) in [
            ("new_api", None),
            ("dark_mode", None),
            ("checkout_v2", Some(&user)),
        ] {
            let details = flags.get_bool_details(key, context, None).await;
            let details = details.expect("the flag resolves");
            flag_metadata.insert(key.to_owned(), details.flag_metadata);
        }
        let constant = Constant {
            metadata: ProviderMetadata::new("constant"),
            flag_metadata: HashMap::new(),
        };
        api.set_named_provider("constant", constant).await;
        let constant = Constant {
            metadata: ProviderMetadata::new("constant, same metadata"),
            flag_metadata,
        };
        api.set_named_provider("constant-same-metadata", constant)
            .await;
        [
            ("constant provider", api.create_named_client("constant")),
            (
                "FlagProvider, manifest metadata only",
                api.create_named_client("flags-manifest-metadata"),
            ),
            (
                "constant provider, FlagProvider's metadata",
                api.create_named_client("constant-same-metadata"),
            ),
            ("FlagProvider", flags),
        ]
    });
    let mut group = c.benchmark_group("get_bool_value");
    for (name, client) in &clients {
        group.bench_function(format!("{name}, new_api (static), no context"), |b| {
            b.to_async(&runtime).iter(|| async {
                black_box(
                    client
                        .get_bool_value(black_box("new_api"), None, None)
                        .await,
                )
            });
        });
        group.bench_function(format!("{name}, dark_mode, no context"), |b| {
            b.to_async(&runtime).iter(|| async {
                black_box(
                    client
                        .get_bool_value(black_box("dark_mode"), None, None)
                        .await,
                )
            });
        });
        group.bench_function(format!("{name}, checkout_v2, user context"), |b| {
            b.to_async(&runtime).iter(|| async {
                let value = client.get_bool_value(black_box("checkout_v2"), Some(&user), None);
                black_box(value.await)
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = get_bool_value
}
criterion_main!(benches);
