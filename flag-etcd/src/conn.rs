//! Connecting, bounded requests, and reading etcd's answers without trusting their shape.

use std::future::Future;
use std::time::Duration;

use etcd_client::proto::{PbKeyValue, PbTxnOpResponse};
use etcd_client::{Client, ConnectOptions, GetOptions, KeyValue, TxnResponse};

use crate::{Entry, Error, FleetConfig};

/// HTTP/2 keep-alive pings while a stream is open. etcd's default `--grpc-keepalive-min-time`
/// is 5 s: pinging more often gets the connection closed.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);

/// The largest answer accepted from etcd (a range of the whole prefix, or a watch response that
/// catches up after an outage: etcd sends at most 1000 revisions' events in one). gRPC's default
/// is 4 MiB.
pub(crate) const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// A client for `config`'s endpoints. etcd-client connects lazily, so this only fails on a
/// malformed endpoint; the first request finds out whether etcd answers.
pub(crate) async fn connect(config: &FleetConfig) -> Result<Client, Error> {
    let options = ConnectOptions::new()
        .with_connect_timeout(config.connect_timeout)
        .with_keep_alive(
            KEEPALIVE_INTERVAL,
            config.request_timeout.max(Duration::from_secs(1)),
        )
        .with_require_leader(true);
    bounded(
        config,
        "connect",
        config.connect_timeout,
        Client::connect(config.endpoints.clone(), Some(options)),
    )
    .await
}

/// Runs one request under `limit`, naming the endpoints and the operation in any error.
pub(crate) async fn bounded<T>(
    config: &FleetConfig,
    operation: &'static str,
    limit: Duration,
    request: impl Future<Output = Result<T, etcd_client::Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout(limit, request).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::from_etcd(&config.endpoints_text(), operation, e)),
        Err(_) => Err(Error::Timeout {
            endpoints: config.endpoints_text(),
            operation,
            after: limit,
        }),
    }
}

/// Runs one request under the configured request timeout.
pub(crate) async fn request<T>(
    config: &FleetConfig,
    operation: &'static str,
    request: impl Future<Output = Result<T, etcd_client::Error>>,
) -> Result<T, Error> {
    bounded(config, operation, config.request_timeout, request).await
}

/// A malformed answer.
pub(crate) fn bad_answer(
    config: &FleetConfig,
    operation: &'static str,
    message: impl Into<String>,
) -> Error {
    Error::BadAnswer {
        endpoints: config.endpoints_text(),
        operation,
        message: message.into(),
    }
}

/// Reads every key under `prefix` in one range request: the store revision and the key-values.
pub(crate) async fn read_prefix(
    client: &mut Client,
    config: &FleetConfig,
    operation: &'static str,
    prefix: &str,
) -> Result<(i64, Vec<KeyValue>), Error> {
    let mut resp = request(
        config,
        operation,
        client
            .kv_client()
            .max_decoding_message_size(MAX_ANSWER_BYTES)
            .get(prefix, Some(GetOptions::new().with_prefix())),
    )
    .await?;
    let revision = resp
        .header()
        .map(|h| h.revision())
        .ok_or_else(|| bad_answer(config, operation, "no header in the range response"))?;
    if resp.more() {
        return Err(bad_answer(
            config,
            operation,
            "the range response was cut short (more = true) although no limit was asked",
        ));
    }
    Ok((revision, resp.take_kvs()))
}

/// An entry from a key-value under `prefix`; `None` if the key is not under it.
pub(crate) fn entry_of(prefix: &str, key: &[u8], value: &[u8], mod_revision: i64) -> Option<Entry> {
    let name = key.strip_prefix(prefix.as_bytes())?;
    Some(Entry {
        name: String::from_utf8_lossy(name).into_owned(),
        value: String::from_utf8_lossy(value).into_owned(),
        mod_revision,
    })
}

/// [`entry_of`] for an etcd-client key-value.
pub(crate) fn entry_of_kv(prefix: &str, kv: &KeyValue) -> Option<Entry> {
    entry_of(prefix, kv.key(), kv.value(), kv.mod_revision())
}

/// [`entry_of`] for a raw protobuf key-value.
pub(crate) fn entry_of_pb(prefix: &str, kv: &PbKeyValue) -> Option<Entry> {
    entry_of(prefix, &kv.key, &kv.value, kv.mod_revision)
}

/// The key-values of each range response of a transaction branch, in order, checking that
/// every operation answered is a range (etcd-client's own accessor panics on a malformed
/// answer; this one reports it).
pub(crate) fn txn_ranges(
    config: &FleetConfig,
    operation: &'static str,
    resp: &TxnResponse,
) -> Result<Vec<Vec<PbKeyValue>>, Error> {
    let mut out = Vec::with_capacity(resp.0.responses.len());
    for op in &resp.0.responses {
        match &op.response {
            Some(PbTxnOpResponse::ResponseRange(r)) => out.push(r.kvs.clone()),
            Some(_) => {}
            None => {
                return Err(bad_answer(
                    config,
                    operation,
                    "an empty operation answer in a transaction",
                ));
            }
        }
    }
    Ok(out)
}

/// The header revision of a transaction's answer.
pub(crate) fn txn_revision(
    config: &FleetConfig,
    operation: &'static str,
    resp: &TxnResponse,
) -> Result<i64, Error> {
    resp.header()
        .map(|h| h.revision())
        .ok_or_else(|| bad_answer(config, operation, "no header in the transaction response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_strip_the_prefix_and_pass_bad_utf8_lossily() {
        let e = entry_of("/p/", b"/p/x", b"a\xffb", 3).unwrap();
        assert_eq!(e.name, "x");
        assert_eq!(e.value, "a\u{fffd}b");
        assert!(entry_of("/p/", b"/q/x", b"", 3).is_none());
    }
}
