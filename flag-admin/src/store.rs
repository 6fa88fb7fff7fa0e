//! Where writes go and where a flag's history comes from, chosen once when the router is built: this
//! process (the in-memory [`Ledger`]) or, with the `fleet` feature and [`Admin::fleet`](crate::Admin::fleet),
//! the fleet's etcd. Handlers read and write through a [`Store`] only, so the pages and the JSON API follow
//! one path whichever it is; each store keeps its own one rule for a write (one lock and a version check
//! here, one compare-and-swap transaction there).

use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::Actor;
use crate::ledger::{Change, Head, Ledger, Refusal, Write};

/// What a read gives, with why the store could not be read when it could not (the fleet's etcd is down):
/// the value is then this process's own view, and the pages say so.
pub(crate) struct Read<T> {
    pub value: T,
    pub problem: Option<String>,
}

impl<T> Read<T> {
    fn fine(value: T) -> Read<T> {
        Read {
            value,
            problem: None,
        }
    }
}

/// The store of writes and their history.
#[derive(Clone)]
pub(crate) enum Store {
    /// This process's flags, with the history in memory.
    Local(Arc<Ledger>),
    /// The fleet's keys in etcd, with the history in its audit records.
    #[cfg(feature = "fleet")]
    Fleet(Arc<crate::fleet::FleetWriter>),
}

impl Default for Store {
    fn default() -> Store {
        Store::Local(Arc::default())
    }
}

impl Store {
    /// Where a write lands, in words for the confirmation page.
    pub fn reach(&self) -> String {
        match self {
            Store::Local(_) => "in this process".to_owned(),
            #[cfg(feature = "fleet")]
            Store::Fleet(fleet) => fleet.reach(),
        }
    }

    /// Every flag's version and last change, by name.
    pub async fn heads(&self) -> Read<HashMap<String, Head>> {
        match self {
            Store::Local(ledger) => Read::fine(ledger.heads()),
            #[cfg(feature = "fleet")]
            Store::Fleet(fleet) => fleet.heads().await,
        }
    }

    /// Flag `name`'s version and last change.
    pub async fn head(&self, name: &str) -> Read<Head> {
        let read = self.page(name).await;
        Read {
            value: read.value.0,
            problem: read.problem,
        }
    }

    /// Flag `name`'s version and last change, and its history, newest first.
    pub async fn page(&self, name: &str) -> Read<(Head, Vec<Change>)> {
        match self {
            Store::Local(ledger) => Read::fine((ledger.head(name), ledger.history(name))),
            #[cfg(feature = "fleet")]
            Store::Fleet(fleet) => fleet.page(name).await,
        }
    }

    /// Applies `write` to flag `name` for `actor`, if the flag is still at version `expected` (when given),
    /// and records it with `reason`.
    pub async fn apply(
        &self,
        name: &str,
        write: &Write,
        actor: &Actor,
        reason: &str,
        expected: Option<u64>,
    ) -> Result<Change, Refusal> {
        match self {
            Store::Local(ledger) => ledger.apply(name, write, actor, reason, expected),
            #[cfg(feature = "fleet")]
            Store::Fleet(fleet) => fleet.apply(name, write, actor, reason, expected).await,
        }
    }
}
