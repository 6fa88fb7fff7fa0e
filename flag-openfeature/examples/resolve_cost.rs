//! Instructions per `get_bool_value`, for `valgrind --tool=callgrind` (steadier than time on a shared
//! machine): `resolve_cost PROVIDER FLAG N` makes N calls through the `open-feature` client over
//! `flags` (FlagProvider, every metadata field), `manifest` (FlagProvider, the `metadata` table only),
//! `constant` (a provider that does no work) or `constant-metadata` (one that does no work but clone the
//! `flag_metadata` FlagProvider gives the flag: the SDK's `HashMap` that any provider reporting those facts
//! must build), after one call that starts everything. Run it with N and with
//! 0 and divide the difference by N:
//!
//! ```text
//! cargo build --release -p flag-openfeature --example resolve_cost
//! for p in constant manifest constant-metadata flags; do for n in 0 10000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/resolve_cost $p new_api $n 2>&1 | grep Collected
//! done; done
//! ```
//!
//! `resolve_cost time FLAG [ROUNDS] [CALLS]` times the same pairs instead, for the issue's goal in time on a
//! machine too busy for criterion's separate runs: the four providers are set as named providers at once, and
//! each round makes CALLS calls through each one's client, back to back in a rotating order, so that load
//! which comes and goes disturbs both sides of a ratio alike. It prints the median, lowest and highest
//! per-round ratio of `manifest` to `constant` and of `flags` to `constant-metadata`:
//!
//! ```text
//! cargo run --release -p flag-openfeature --example resolve_cost -- time dark_mode 31 100000
//! ```

use std::hint::black_box;
use std::time::Instant;

use flag_openfeature::{FlagProvider, MetadataFields};
use open_feature::provider::{FeatureProvider, ProviderMetadata, ResolutionDetails};
use open_feature::{
    Client, EvaluationContext, EvaluationReason, EvaluationResult, FlagMetadata, OpenFeature,
    StructValue, async_trait,
};

/// A provider that does no work but clone the metadata it was given.
struct Constant(ProviderMetadata, Option<FlagMetadata>);

impl Constant {
    fn details<T>(&self, value: T) -> EvaluationResult<ResolutionDetails<T>> {
        Ok(ResolutionDetails {
            value,
            variant: Some("on".to_owned()),
            reason: Some(EvaluationReason::Default),
            flag_metadata: self.1.clone(),
        })
    }
}

#[async_trait]
impl FeatureProvider for Constant {
    fn metadata(&self) -> &ProviderMetadata {
        &self.0
    }
    async fn resolve_bool_value(
        &self,
        _: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<bool>> {
        self.details(true)
    }
    async fn resolve_int_value(
        &self,
        _: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<i64>> {
        self.details(1)
    }
    async fn resolve_float_value(
        &self,
        _: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<f64>> {
        self.details(1.0)
    }
    async fn resolve_string_value(
        &self,
        _: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<String>> {
        self.details(String::new())
    }
    async fn resolve_struct_value(
        &self,
        _: &str,
        _: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<StructValue>> {
        self.details(StructValue::default())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(provider), Some(flag)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: resolve_cost constant|manifest|constant-metadata|flags FLAG N");
        eprintln!("       resolve_cost time FLAG [ROUNDS] [CALLS]");
        std::process::exit(2);
    };
    let number = |index: usize, default: u32| {
        args.get(index)
            .and_then(|arg| arg.parse().ok())
            .unwrap_or(default)
    };
    assert!(flag_runtime::flag!("dark_mode")); // brings the program's flags
    let user = EvaluationContext::default()
        .with_targeting_key("1234")
        .with_custom_field("country", "NZ")
        .with_custom_field("app_version", "2.3.0");
    let context = (flag == "checkout_v2").then_some(&user);
    if provider == "time" {
        return time(
            flag,
            context,
            number(3, 31).max(1),
            number(4, 100_000).max(1),
        )
        .await;
    }
    let Some(count) = args.get(3).and_then(|count| count.parse::<u32>().ok()) else {
        eprintln!("resolve_cost: N, the number of calls to count, is missing or not a number");
        std::process::exit(2);
    };
    let mut api = OpenFeature::singleton_mut().await;
    match provider.as_str() {
        "constant" => {
            let constant = Constant(ProviderMetadata::new("constant"), None);
            api.set_provider(constant).await
        }
        "constant-metadata" => {
            api.set_provider(FlagProvider::new()).await;
            let details = api
                .create_client()
                .get_bool_details(flag, context, None)
                .await;
            let metadata = details.ok().map(|details| details.flag_metadata);
            let constant = Constant(ProviderMetadata::new("constant"), metadata);
            api.set_provider(constant).await
        }
        "manifest" => {
            let provider = FlagProvider::new().with_metadata_fields(MetadataFields::Manifest);
            api.set_provider(provider).await
        }
        _ => api.set_provider(FlagProvider::new()).await,
    }
    let client = api.create_client();
    drop(api);
    black_box(client.get_bool_value(flag, context, None).await.ok());
    for _ in 0..count {
        black_box(
            client
                .get_bool_value(black_box(flag), context, None)
                .await
                .ok(),
        );
    }
}

/// `resolve_cost time`: the four providers side by side, timed round by round.
async fn time(flag: &str, context: Option<&EvaluationContext>, rounds: u32, calls: u32) {
    let mut api = OpenFeature::singleton_mut().await;
    api.set_named_provider("flags", FlagProvider::new()).await;
    let manifest = FlagProvider::new().with_metadata_fields(MetadataFields::Manifest);
    api.set_named_provider("manifest", manifest).await;
    let constant = Constant(ProviderMetadata::new("constant"), None);
    api.set_named_provider("constant", constant).await;
    let metadata = api
        .create_named_client("flags")
        .get_bool_details(flag, context, None)
        .await
        .ok()
        .map(|details| details.flag_metadata);
    let constant = Constant(ProviderMetadata::new("constant"), metadata);
    api.set_named_provider("constant-metadata", constant).await;
    let names = ["constant", "manifest", "constant-metadata", "flags"];
    let clients: Vec<Client> = names
        .iter()
        .map(|name| api.create_named_client(name))
        .collect();
    drop(api);
    let mut ratios = [Vec::new(), Vec::new()];
    for round in 0..rounds as usize {
        let mut seconds = [0.0; 4];
        for step in 0..clients.len() {
            let which = (round + step) % clients.len();
            let start = Instant::now();
            for _ in 0..calls {
                black_box(
                    clients[which]
                        .get_bool_value(black_box(flag), context, None)
                        .await
                        .ok(),
                );
            }
            seconds[which] = start.elapsed().as_secs_f64();
        }
        ratios[0].push(seconds[1] / seconds[0]);
        ratios[1].push(seconds[3] / seconds[2]);
    }
    println!("{flag}: {rounds} rounds of {calls} calls through each provider");
    for (pair, ratios) in ["manifest / constant", "flags / constant-metadata"]
        .iter()
        .zip(&mut ratios)
    {
        ratios.sort_by(f64::total_cmp);
        println!(
            "{pair:<28} median {:.3}x  lowest {:.3}x  highest {:.3}x",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}
