//! An OFREP evaluation over loopback HTTP with keep-alive, against a bare axum handler that returns a
//! constant JSON body of the same size, served by the same server in the same run: latency (one request
//! at a time) and throughput (32 requests in flight). Prints the ratios; the goal is at most 1.3x the bare
//! handler's latency.
//!
//! `cargo bench -p flag-admin --bench ofrep`

#[path = "support.rs"]
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use criterion::{Criterion, Throughput};
use flag_admin::{Admin, Auth};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const TOKEN: &str = "bench-token";
const CONTEXT: &str = r#"{"context": {"targetingKey": "user-17", "plan": "pro"}}"#;
const IN_FLIGHT: usize = 32;

/// What the bare handler returns: an OFREP answer of the same shape and size.
const CONSTANT: &str = r#"{"key":"new_search","value":false,"reason":"TARGETING_MATCH","variant":"off","metadata":{"layer":"compiled"}}"#;

async fn bare(_body: Bytes) -> ([(&'static str, &'static str); 1], &'static str) {
    ([("content-type", "application/json")], CONSTANT)
}

fn serve(runtime: &Runtime) -> SocketAddr {
    let _ = flag_runtime::flag!("kill_switch"); // links this crate's flags
    let admin = Admin::new(Auth::bearer(TOKEN));
    let app = Router::new()
        .route("/bare", post(bare))
        .merge(admin.ofrep());
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    })
}

async fn post_one(client: &reqwest::Client, url: &str) {
    let response = client
        .post(url)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(CONTEXT)
        .send()
        .await
        .expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.expect("body");
    assert!(body.len() > 50);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let address = serve(&runtime);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let targets = [
        ("bare_axum_constant", format!("http://{address}/bare")),
        (
            "ofrep_evaluate",
            format!("http://{address}/ofrep/v1/evaluate/flags/new_search"),
        ),
    ];
    // The OFREP answer is what the bare handler imitates.
    let sample = runtime.block_on(async {
        client
            .post(&targets[1].1)
            .bearer_auth(TOKEN)
            .body(CONTEXT)
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body")
    });
    println!("OFREP answer: {sample}\nbare answer:  {CONSTANT}");

    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut latency = criterion.benchmark_group("ofrep_latency");
    for (name, url) in &targets {
        latency.bench_function(*name, |b| {
            b.to_async(&runtime).iter(|| post_one(&client, url))
        });
    }
    latency.finish();
    let mut throughput = criterion.benchmark_group("ofrep_throughput");
    throughput.throughput(Throughput::Elements(IN_FLIGHT as u64));
    for (name, url) in &targets {
        throughput.bench_function(*name, |b| {
            b.to_async(&runtime).iter(|| async {
                let mut requests = JoinSet::new();
                for _ in 0..IN_FLIGHT {
                    let (client, url) = (client.clone(), url.clone());
                    requests.spawn(async move { post_one(&client, &url).await });
                }
                while let Some(done) = requests.join_next().await {
                    done.expect("request task");
                }
            })
        });
    }
    throughput.finish();
    criterion.final_summary();

    for group in ["ofrep_latency", "ofrep_throughput"] {
        let bare = support::median_ns(group, "bare_axum_constant");
        let ofrep = support::median_ns(group, "ofrep_evaluate");
        if let (Some(bare), Some(ofrep)) = (bare, ofrep) {
            let per = if group == "ofrep_throughput" {
                IN_FLIGHT as f64
            } else {
                1.0
            };
            println!(
                "{group}: bare axum {:.1} us, OFREP {:.1} us per request; OFREP / bare = {:.2}x{}",
                bare / per / 1000.0,
                ofrep / per / 1000.0,
                ofrep / bare,
                if group == "ofrep_latency" {
                    " (goal: at most 1.3x)"
                } else {
                    ""
                }
            );
        }
    }
}
