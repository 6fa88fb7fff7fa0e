//! flag-runtime's checks beside the alternatives users would otherwise pick, in one criterion group
//! (`peers`), so that every median comes from the same run and the ratios to the floor can be compared.
//!
//! Every flag checked here exists and is on, and every iteration does exactly one check whose `bool` goes
//! through [`black_box`]:
//!
//! | benchmark | what one iteration does |
//! | --- | --- |
//! | `atomic_bool_relaxed` | the floor: a relaxed load of a `static AtomicBool` |
//! | `flag_runtime_dynamic` | `flag!("checkout_v2")`, a dynamic flag, its callsite registered before measuring |
//! | `flag_runtime_static` | `flag!("static_on")`, a static flag: the literal `true`, loop overhead only |
//! | `hashmap_string_bool` | `HashMap<String, bool>::get` by a `black_box`ed `&str` |
//! | `rwlock_hashmap` | the same behind a `std::sync::RwLock`: read lock, lookup, unlock |
//! | `murmur3_32_key` | murmur3 (x86, 32-bit, seed 0) of the 20 bytes `rollout_50:user-4242`, mod 100: the bare hash a percentage rollout needs, the issue's reference for a contextual evaluation |
//! | `flag_runtime_rollout_50_user_id` | flag-runtime's targeting engine (`CompiledTargeting::is_enabled`, through the unstable `__targeting_for_tests` module): a 50% rollout sticky on the user id of a `Context`, the same bucket as Unleash's |
//! | `unleash_is_enabled` | unleash-api-client `Client::is_enabled(feature, None, false)`, a feature with the `default` strategy, memoized offline |
//! | `unleash_rollout_50_user_id` | the same call with a `Context` holding a user id, on a feature with a 50% `flexibleRollout` |
//! | `open_feature_get_bool_value` | open-feature `Client::get_bool_value` with an in-memory provider (a `HashMap<String, bool>`), awaited inside one `block_on` per batch |
//! | `feattle_read` | feattle `*toggles.checkout_v2()`: a `parking_lot` read lock and a field read |
//!
//! Nothing here touches the network: Unleash gets its features through `Client::memoize` (what its own
//! benchmark does) and a transport that answers nothing; open-feature's provider and feattle's
//! `NoPersistence` live in memory.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use criterion::async_executor::FuturesExecutor;
use criterion::{Criterion, criterion_group, criterion_main};
use flag_runtime::flag;

/// The floor: a plain process-wide switch, on like every flag measured here.
static FLOOR: AtomicBool = AtomicBool::new(true);

const FLAG: &str = "checkout_v2";
const USER_ID: &str = "user-4242";

/// The measured dynamic check: one `flag!` invocation (one callsite), called once before measuring so that
/// the very callsite measured is registered.
#[inline(always)]
fn checkout_v2() -> bool {
    flag!("checkout_v2")
}

#[inline(always)]
fn static_on() -> bool {
    flag!("static_on")
}

fn flag_map() -> HashMap<String, bool> {
    [
        "checkout_v2",
        "new_ui",
        "new_api",
        "legacy_export",
        "dark_mode",
    ]
    .iter()
    .map(|name| (name.to_string(), *name == FLAG))
    .collect()
}

mod unleash {
    use std::collections::HashMap;
    use std::sync::Arc;

    use unleash_api_client::client::{Client, ClientBuilder, FeatureKey};
    use unleash_api_client::http::{Request, Response, Transport};
    use unleash_types::client_features::{ClientFeature, ClientFeatures, Strategy};

    #[derive(Debug, Clone, Copy)]
    pub enum Features {
        CheckoutV2,
        Rollout50,
    }

    impl FeatureKey for Features {
        fn name(self) -> &'static str {
            match self {
                Features::CheckoutV2 => "checkout_v2",
                Features::Rollout50 => "rollout_50",
            }
        }
    }

    /// A transport that answers every request with an empty 200: the client never polls here anyway.
    struct Offline;

    #[async_trait::async_trait]
    impl Transport for Offline {
        async fn execute(&self, _request: Request) -> Result<Response, anyhow::Error> {
            Ok(Response {
                status: 200,
                body: Vec::new(),
            })
        }
    }

    fn feature(name: &str, strategy: Strategy) -> ClientFeature {
        ClientFeature {
            name: name.into(),
            enabled: true,
            strategies: Some(vec![strategy]),
            ..Default::default()
        }
    }

    /// A client holding `checkout_v2` (the `default` strategy: on for everyone) and `rollout_50` (a 50%
    /// `flexibleRollout` sticky on the user id), given to it offline.
    pub fn client() -> Client<Features> {
        let client = ClientBuilder::default()
            .disable_metric_submission()
            .into_client_with_transport::<Features>(
                "http://127.0.0.1:9/unused",
                "peers-bench",
                "bench",
                None,
                Arc::new(Offline),
            )
            .expect("an offline Unleash client");
        let default = Strategy {
            name: "default".into(),
            sort_order: None,
            segments: None,
            constraints: None,
            parameters: None,
            variants: None,
        };
        let rollout = Strategy {
            name: "flexibleRollout".into(),
            sort_order: None,
            segments: None,
            constraints: None,
            parameters: Some(HashMap::from([
                ("rollout".into(), "50".into()),
                ("stickiness".into(), "userId".into()),
                ("groupId".into(), "rollout_50".into()),
            ])),
            variants: None,
        };
        client
            .memoize(ClientFeatures {
                version: 2,
                features: vec![
                    feature("checkout_v2", default),
                    feature("rollout_50", rollout),
                ],
                segments: None,
                query: None,
                meta: None,
            })
            .expect("Unleash accepts the features");
        client
    }
}

mod openfeature {
    use std::collections::HashMap;

    use open_feature::provider::{FeatureProvider, ProviderMetadata, ResolutionDetails};
    use open_feature::{
        EvaluationContext, EvaluationError, EvaluationErrorCode, EvaluationReason,
        EvaluationResult, StructValue,
    };

    /// An in-memory provider: boolean flags from a map, every other type not found.
    pub struct InMemory {
        metadata: ProviderMetadata,
        flags: HashMap<String, bool>,
    }

    impl InMemory {
        pub fn new(flags: HashMap<String, bool>) -> Self {
            InMemory {
                metadata: ProviderMetadata::new("in-memory"),
                flags,
            }
        }
    }

    fn not_found<T>(flag_key: &str) -> EvaluationResult<T> {
        Err(EvaluationError::builder()
            .code(EvaluationErrorCode::FlagNotFound)
            .message(format!("no flag `{flag_key}`"))
            .build())
    }

    #[open_feature::async_trait]
    impl FeatureProvider for InMemory {
        fn metadata(&self) -> &ProviderMetadata {
            &self.metadata
        }

        async fn resolve_bool_value(
            &self,
            flag_key: &str,
            _context: &EvaluationContext,
        ) -> EvaluationResult<ResolutionDetails<bool>> {
            match self.flags.get(flag_key) {
                Some(&value) => Ok(ResolutionDetails::builder()
                    .value(value)
                    .reason(EvaluationReason::Static)
                    .build()),
                None => not_found(flag_key),
            }
        }

        async fn resolve_int_value(
            &self,
            flag_key: &str,
            _context: &EvaluationContext,
        ) -> EvaluationResult<ResolutionDetails<i64>> {
            not_found(flag_key)
        }

        async fn resolve_float_value(
            &self,
            flag_key: &str,
            _context: &EvaluationContext,
        ) -> EvaluationResult<ResolutionDetails<f64>> {
            not_found(flag_key)
        }

        async fn resolve_string_value(
            &self,
            flag_key: &str,
            _context: &EvaluationContext,
        ) -> EvaluationResult<ResolutionDetails<String>> {
            not_found(flag_key)
        }

        async fn resolve_struct_value(
            &self,
            flag_key: &str,
            _context: &EvaluationContext,
        ) -> EvaluationResult<ResolutionDetails<StructValue>> {
            not_found(flag_key)
        }
    }
}

mod feattle_toggles {
    use feattle::feattles;

    feattles! {
        pub struct Toggles {
            /// A boolean toggle, on like the other flags measured.
            checkout_v2: bool = true,
        }
    }
}

fn peers(c: &mut Criterion) {
    // The steady state of each contender, checked before measuring.
    assert!(
        checkout_v2(),
        "checkout_v2 should be on (is FEATURE_FLAGS set?)"
    );
    assert!(static_on());

    let unleash = unleash::client();
    let user = unleash_api_client::Context {
        user_id: Some(USER_ID.into()),
        ..Default::default()
    };
    assert!(unleash.is_enabled(unleash::Features::CheckoutV2, None, false));
    // The user's bucket: on or off, it must be the same at every call.
    let bucket = unleash.is_enabled(unleash::Features::Rollout50, Some(&user), false);
    assert_eq!(
        unleash.is_enabled(unleash::Features::Rollout50, Some(&user), false),
        bucket
    );

    let open_feature = futures_client();
    assert!(
        criterion_block_on(open_feature.get_bool_value(FLAG, None, None)).is_ok_and(|on| on),
        "open-feature should resolve {FLAG} through the in-memory provider"
    );

    use feattle::Feattles;
    let toggles = feattle_toggles::Toggles::new(Arc::new(feattle::persist::NoPersistence));
    assert!(*toggles.checkout_v2());

    // The rollout's own key: `group:user_id`, what both Unleash and flag-runtime hash.
    let key = format!("rollout_50:{USER_ID}");
    let mut reader = key.as_bytes();
    assert_eq!(
        murmur3_x86_32(key.as_bytes(), 0),
        murmur3::murmur3_32(&mut reader, 0).expect("hashing a slice"),
        "the bare murmur3 measured must be the one Unleash uses"
    );

    let rollout = rollout_50();
    let context = flag_runtime::Context::new().user_id(USER_ID);
    assert_eq!(
        rollout.is_enabled(&context, false),
        bucket,
        "flag-runtime and Unleash should put {USER_ID} in the same bucket of a 50% rollout"
    );

    let mut group = c.benchmark_group("peers");

    group.bench_function("atomic_bool_relaxed", |b| {
        b.iter(|| black_box(FLOOR.load(Ordering::Relaxed)))
    });

    group.bench_function("flag_runtime_dynamic", |b| {
        b.iter(|| black_box(checkout_v2()))
    });

    group.bench_function("flag_runtime_static", |b| b.iter(|| black_box(static_on())));

    let map = flag_map();
    group.bench_function("hashmap_string_bool", |b| {
        b.iter(|| {
            let name: &str = black_box(FLAG);
            black_box(map.get(name).copied().unwrap_or(false))
        })
    });

    let locked = RwLock::new(flag_map());
    group.bench_function("rwlock_hashmap", |b| {
        b.iter(|| {
            let name: &str = black_box(FLAG);
            let map = locked.read().unwrap();
            black_box(map.get(name).copied().unwrap_or(false))
        })
    });

    group.bench_function("murmur3_32_key", |b| {
        b.iter(|| black_box(murmur3_x86_32(black_box(key.as_bytes()), 0) % 100 < 50))
    });

    group.bench_function("flag_runtime_rollout_50_user_id", |b| {
        b.iter(|| black_box(rollout.is_enabled(black_box(&context), false)))
    });

    group.bench_function("unleash_is_enabled", |b| {
        b.iter(|| {
            black_box(unleash.is_enabled(black_box(unleash::Features::CheckoutV2), None, false))
        })
    });

    group.bench_function("unleash_rollout_50_user_id", |b| {
        b.iter(|| {
            black_box(unleash.is_enabled(
                black_box(unleash::Features::Rollout50),
                Some(black_box(&user)),
                false,
            ))
        })
    });

    group.bench_function("open_feature_get_bool_value", |b| {
        b.to_async(FuturesExecutor).iter(|| async {
            black_box(
                open_feature
                    .get_bool_value(black_box(FLAG), None, None)
                    .await
                    .unwrap_or(false),
            )
        })
    });

    group.bench_function("feattle_read", |b| {
        b.iter(|| black_box(*toggles.checkout_v2()))
    });

    group.finish();
}

/// MurmurHash3 x86 32-bit over a byte slice: the hash behind Unleash's (and most SDKs') percentage
/// rollouts, written over a slice so that it costs only the hash. The `murmur3` crate computes the same
/// value (checked before measuring) through `std::io::Read`, which costs several times more.
#[inline]
fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mix = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mut hash = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        hash = (hash ^ mix(k))
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k = tail
            .iter()
            .enumerate()
            .fold(0u32, |k, (i, &byte)| k | u32::from(byte) << (8 * i));
        hash ^= mix(k);
    }
    hash ^= data.len() as u32;
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

/// flag-runtime's compiled targeting of a flag on for 50% of users, by user id, in the group `rollout_50`
/// (Unleash's `flexibleRollout` with the same parameters).
fn rollout_50() -> flag_runtime::__targeting_for_tests::CompiledTargeting {
    let manifest = flag_manifest::Manifest::parse(
        r#"
[flags.rollout_50]
mode = "dynamic"
[[flags.rollout_50.rules]]
rollout = { percent = 50, stickiness = "user_id", group = "rollout_50" }
"#,
    )
    .expect("a valid targeting");
    let flag = manifest.flag("rollout_50").expect("declared");
    flag_runtime::__targeting_for_tests::CompiledTargeting::new("rollout_50", &flag.targeting)
        .expect("a compilable targeting")
}

/// An open-feature client whose global provider is the in-memory one.
fn futures_client() -> open_feature::Client {
    criterion_block_on(async {
        let mut api = open_feature::OpenFeature::singleton_mut().await;
        api.set_provider(openfeature::InMemory::new(flag_map()))
            .await;
        api.create_client()
    })
}

fn criterion_block_on<F: std::future::Future>(future: F) -> F::Output {
    use criterion::async_executor::AsyncExecutor;
    FuturesExecutor.block_on(future)
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots();
    targets = peers
}
criterion_main!(benches);
