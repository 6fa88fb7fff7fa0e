//! `--serve ADDRESS`: the operators' page of the demo's flags, as a host application mounts it: the pages
//! under `/admin/flags`, the JSON API under `/admin/flags/api/v1`, OFREP under `/ofrep/v1`. With the `etcd`
//! feature and `FEATURE_FLAGS_ETCD` (and `FEATURE_FLAGS_ETCD_PREFIX`), the demo follows the fleet and the
//! page writes to it (compare-and-swap, audit records); otherwise the page writes to this process.

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use flag_admin::{Admin, Auth};

/// The variable whose value is the bearer token; without it, a random token is made and printed.
const TOKEN_VAR: &str = "FLAG_ADMIN_TOKEN";

/// A random token: 32 hex digits from the system's random source.
fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The page writing to the fleet the runtime joins (`FEATURE_FLAGS_ETCD`, `FEATURE_FLAGS_ETCD_PREFIX`), when
/// there is one; `None` after saying what is wrong with those variables.
#[cfg(feature = "etcd")]
fn with_store(admin: Admin) -> Option<Admin> {
    match flag_admin::FleetWriter::from_env() {
        Ok(Some(fleet)) => {
            println!("Writes go to the fleet: etcd prefix {}", fleet.prefix());
            Some(admin.fleet(fleet))
        }
        Ok(None) => {
            println!(
                "Writes go to this process ({} is not set)",
                flag_runtime::ENV_ETCD
            );
            Some(admin)
        }
        Err(message) => {
            eprintln!("the fleet's variables are wrong: {message}");
            None
        }
    }
}

/// Without the `etcd` feature, the page writes to this process.
#[cfg(not(feature = "etcd"))]
fn with_store(admin: Admin) -> Option<Admin> {
    println!("Writes go to this process (build with --features etcd to write to a fleet)");
    Some(admin)
}

pub fn serve(address: &str) {
    let token = match std::env::var(TOKEN_VAR) {
        Ok(token) if !token.trim().is_empty() => token,
        _ => match random_token() {
            Ok(token) => {
                println!("{TOKEN_VAR} is not set; this run's token: {token}");
                token
            }
            Err(error) => {
                eprintln!("no random source for a token ({error}): set {TOKEN_VAR}");
                return;
            }
        },
    };
    let environment = std::env::var("FLAG_ADMIN_ENVIRONMENT").unwrap_or_else(|_| "demo".to_owned());
    let Some(admin) = with_store(Admin::new(Auth::bearer(token)).environment(environment)) else {
        return;
    };
    let app = Router::new()
        .route("/", get(|| async { Redirect::to("/admin/flags") }))
        .route(
            "/admin/flags/",
            get(|| async { Redirect::to("/admin/flags") }),
        )
        .nest("/admin/flags", admin.router())
        .merge(admin.ofrep());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the server's runtime: {error}");
            return;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("cannot listen on {address}: {error}");
                return;
            }
        };
        let local = listener.local_addr().map_or_else(|_| address.to_owned(), |a| a.to_string());
        println!("The operators' page: http://{local}/admin/flags (log in with the token)");
        println!("JSON API:            http://{local}/admin/flags/api/v1/flags (Authorization: Bearer <token>)");
        println!("OFREP:               POST http://{local}/ofrep/v1/evaluate/flags/{{key}}");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(error) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            eprintln!("server error: {error}");
        }
    });
}
