//! The operators' page of a program's feature flags, inside the program: an [`axum::Router`] that the host
//! nests wherever it likes, with the list of every flag compiled in, each flag's page and history, switches
//! for dynamic flags, a JSON API beside the pages, and OpenFeature's remote evaluation protocol (OFREP).
//!
//! The router cannot be built without choosing how requests are authenticated ([`Auth`]): there is no
//! default that lets everyone in.
//!
//! ```
//! use axum::Router;
//! use flag_admin::{Admin, Auth};
//!
//! let admin = Admin::new(Auth::bearer("s3cret-token")).environment("production");
//! let app: Router = Router::new()
//!     .nest("/admin/flags", admin.router())  // pages, and the JSON API under /admin/flags/api/v1
//!     .merge(admin.ofrep());                 // POST /ofrep/v1/evaluate/flags[/{key}]
//! # let _ = app;
//! ```
//!
//! Writes change this process's flags ([`flag_runtime::set`], [`flag_runtime::set_table`],
//! [`flag_runtime::reset`]) and are recorded, with who made them, when, what changed and why, in a history
//! kept in memory. Every write names the version of the flag it was made against; a write against a stale
//! version is refused with the current state (HTTP 409), so two operators never overwrite each other unseen.
//!
//! With the `fleet` feature, a host that runs with the fleet's etcd gives the page a `FleetWriter`
//! (`Admin::fleet`): writes then go to the fleet, each one a compare-and-swap on the flag's key at the
//! revision the operator saw, with the actor and the reason in the audit record of the same transaction, and
//! a flag's history is read from those audit records.

mod actions;
mod api;
mod assets;
mod auth;
mod base;
#[cfg(feature = "fleet")]
mod fleet;
mod guard;
mod ledger;
mod login;
mod model;
mod ofrep;
mod pages;
mod respond;
mod store;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;

pub use api::{FlagWrite, WriteAction, WriteOutcome};
pub use auth::{Actor, Auth, Role};
#[cfg(feature = "fleet")]
pub use fleet::FleetWriter;
pub use ledger::Change;
pub use model::{EvaluationCounts, Expiry, FlagView, FleetView};
pub use ofrep::{OfrepFailure, OfrepSuccess};

/// The largest request body accepted by default, in bytes: forms and JSON bodies are small.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The operators' page, configured: build it with [`Admin::new`] and an [`Auth`], then take its
/// [`router`](Admin::router) (pages and JSON API) and [`ofrep`](Admin::ofrep) (OFREP) routers.
///
/// ```
/// use flag_admin::{Actor, Admin, Auth, Role};
///
/// // Who is asking is up to the host: here, a header set by its own login layer.
/// let auth = Auth::custom(|parts| {
///     let user = parts.headers.get("x-user")?.to_str().ok()?;
///     Some(Actor::new(user, if user == "oncall" { Role::Editor } else { Role::ReadOnly }))
/// });
/// let admin = Admin::new(auth).read_only(false).environment("staging").body_limit(16 * 1024);
/// let _router: axum::Router = admin.router();
/// ```
#[derive(Clone)]
pub struct Admin {
    auth: Auth,
    read_only: bool,
    environment: Option<String>,
    body_limit: usize,
    store: store::Store,
    today: Option<flag_manifest::Date>,
}

/// What every handler reads.
pub(crate) struct Shared {
    pub auth: Auth,
    pub read_only: bool,
    pub environment: Option<String>,
    pub store: store::Store,
    /// The date expiry is judged against, when the host pinned one ([`Admin::today`]).
    pub today: Option<flag_manifest::Date>,
}

impl Shared {
    /// The date expiry is judged against: the host's ([`Admin::today`]), else `FEATURE_FLAGS_TODAY`, else
    /// the clock, as `cargo flags check` judges it.
    pub fn today(&self) -> flag_manifest::Date {
        self.today.unwrap_or_else(model::today)
    }
}

impl Admin {
    /// The operators' page, authenticating each request with `auth`. Writes are allowed to editors; see
    /// [`Admin::read_only`].
    pub fn new(auth: Auth) -> Admin {
        Admin {
            auth,
            read_only: false,
            environment: None,
            body_limit: DEFAULT_BODY_LIMIT,
            store: store::Store::default(),
            today: None,
        }
    }

    /// Writes go to the fleet instead of this process: each write from the pages and the JSON API is a
    /// compare-and-swap on the flag's etcd key at the revision the operator saw (its
    /// [`FlagView::version`]), with the actor and the reason in the audit record of the same transaction;
    /// a stale one gets 409 with the flag as it is now, and 503 when etcd does not answer. A flag's history
    /// is read from the fleet's audit records. Give it the fleet the program runs with (the runtime's
    /// `etcd` source): the page shows this program's state, which follows the fleet.
    ///
    /// ```no_run
    /// use flag_admin::{Admin, Auth, FleetWriter};
    /// use flag_etcd::FleetConfig;
    ///
    /// let config = FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/checkout/prod/")?;
    /// let admin = Admin::new(Auth::bearer("s3cret-token")).fleet(FleetWriter::new(config));
    /// let _router: axum::Router = admin.router();
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    #[cfg(feature = "fleet")]
    pub fn fleet(mut self, writer: FleetWriter) -> Admin {
        self.store = store::Store::Fleet(Arc::new(writer));
        self
    }

    /// With `true`, nobody may change a flag here, editors included: the pages show no actions and writes
    /// get 403.
    pub fn read_only(mut self, read_only: bool) -> Admin {
        self.read_only = read_only;
        self
    }

    /// A banner on every page naming the environment (`production`), so that nobody mistakes it for
    /// staging.
    pub fn environment(mut self, name: impl Into<String>) -> Admin {
        self.environment = Some(name.into());
        self
    }

    /// Judges expiry ("expired", "expires within 14 days") as of `date` (`YYYY-MM-DD`) rather than
    /// `FEATURE_FLAGS_TODAY` or the clock: for a staging page that previews next month, or a test that must
    /// give the same verdict on any day. A malformed date is refused with the reason.
    ///
    /// ```
    /// use flag_admin::{Admin, Auth};
    ///
    /// let _admin = Admin::new(Auth::bearer("s3cret")).today("2026-11-24").unwrap();
    /// assert!(Admin::new(Auth::bearer("s3cret")).today("2026-02-31").is_err());
    /// ```
    pub fn today(mut self, date: &str) -> Result<Admin, String> {
        self.today = Some(flag_manifest::Date::today(Some(date))?);
        Ok(self)
    }

    /// The largest request body accepted, in bytes ([`DEFAULT_BODY_LIMIT`] unless set): larger ones get 413.
    pub fn body_limit(mut self, bytes: usize) -> Admin {
        self.body_limit = bytes;
        self
    }

    fn shared(&self) -> Arc<Shared> {
        Arc::new(Shared {
            auth: self.auth.clone(),
            read_only: self.read_only,
            environment: self.environment.clone(),
            store: self.store.clone(),
            today: self.today,
        })
    }

    /// The pages and the JSON API, to nest where the host likes (`.nest("/admin/flags", admin.router())`):
    /// every link and redirect is made under that prefix.
    ///
    /// | route | what |
    /// | --- | --- |
    /// | `GET /` | the list of flags, filtered by `?q=&owner=&state=&mode=&expiry=` |
    /// | `GET /flags/{name}` | a flag's page, with its history |
    /// | `POST /flags/{name}/switch`, `/rollout`, `/reset` | the forms' actions (confirmed, with a reason) |
    /// | `GET /api/v1/flags`, `GET`/`PUT /api/v1/flags/{name}` | the JSON API ([`FlagView`], [`FlagWrite`]) |
    /// | `GET /login`, `POST /login`, `POST /logout` | a browser's session for [`Auth::bearer`] |
    pub fn router(&self) -> Router {
        let shared = self.shared();
        let protected = Router::new()
            .route("/", get(pages::list))
            .route("/flags/{name}", get(pages::flag))
            .route("/flags/{name}/{action}", post(actions::act))
            .route("/api/v1/flags", get(api::list))
            .route("/api/v1/flags/{name}", get(api::get).put(api::put))
            .route_layer(middleware::from_fn_with_state(
                shared.clone(),
                auth::require_actor,
            ));
        Router::new()
            .merge(protected)
            .route("/login", get(login::login_form_page).post(login::login))
            .route("/logout", post(login::logout))
            .route("/assets/{file}", get(assets::serve))
            .fallback(respond::not_found)
            .layer(middleware::from_fn(guard::same_origin_writes))
            .layer(middleware::from_fn(guard::security_headers))
            .layer(RequestBodyLimitLayer::new(self.body_limit))
            .with_state(shared)
    }

    /// OFREP, OpenFeature's remote evaluation protocol, at its own paths (`/ofrep/v1/evaluate/flags/{key}`
    /// and `/ofrep/v1/evaluate/flags`): merge it at the root of the host's router, so that OpenFeature SDKs
    /// in any language evaluate the program's flags. Requests are authenticated as the pages' are; the
    /// read-only role is enough.
    pub fn ofrep(&self) -> Router {
        let shared = self.shared();
        Router::new()
            .route("/ofrep/v1/evaluate/flags/{key}", post(ofrep::evaluate_one))
            .route("/ofrep/v1/evaluate/flags", post(ofrep::evaluate_all))
            .route_layer(middleware::from_fn_with_state(
                shared.clone(),
                auth::require_actor,
            ))
            .layer(RequestBodyLimitLayer::new(self.body_limit))
            .with_state(shared)
    }
}

#[doc(hidden)]
/// For the benchmarks: the list page rendered from views. Not a stable API.
pub mod __bench {
    pub use crate::pages::render_list_for_bench as render_list;
}
