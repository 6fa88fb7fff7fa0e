//! The presence key: this instance, under a lease the watcher keeps alive.

use std::time::Duration;

use etcd_client::{Client, LeaseKeepAliveStream, LeaseKeeper, PutOptions};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep};

use crate::backoff::Backoff;
use crate::config::PRESENCE_TTL_SECS;
use crate::conn::{connect, request};
use crate::{Error, FleetConfig, Presence};

/// At most one presence update per this long.
const COALESCE: Duration = Duration::from_millis(100);

/// How a presence session ended.
enum Ended {
    Stopped,
    Lost { established: Option<Instant> },
}

/// Keeps the presence key until `stop` turns true (or its sender is dropped), then revokes the
/// lease. Failures are retried with backoff and never reported: presence is a convenience for
/// operators; the watch loop reports the connection's state.
pub(crate) async fn run(
    config: &FleetConfig,
    mut presence: Presence,
    mut revision: watch::Receiver<i64>,
    mut stop: watch::Receiver<bool>,
) {
    let key = config.instance_key(&presence.instance);
    let mut backoff = Backoff::new(config.backoff_min, config.backoff_max);
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        let ended = session(config, &key, &mut presence, &mut revision, &mut stop).await;
        match ended {
            Ended::Stopped => return,
            Ended::Lost { established } => {
                if established.is_some_and(|t| t.elapsed() >= Duration::from_secs(10)) {
                    backoff.reset();
                }
                tokio::select! {
                    _ = stop.changed() => return,
                    () = sleep(backoff.next_wait()) => {}
                }
            }
        }
    }
}

/// A granted lease and its keep-alive stream.
struct Lease {
    id: i64,
    keeper: LeaseKeeper,
    responses: LeaseKeepAliveStream,
}

async fn session(
    config: &FleetConfig,
    key: &str,
    presence: &mut Presence,
    revision: &mut watch::Receiver<i64>,
    stop: &mut watch::Receiver<bool>,
) -> Ended {
    let Ok(mut client) = connect(config).await else {
        return Ended::Lost { established: None };
    };
    let established = tokio::select! {
        r = grant(config, client.clone()) => r,
        // A lease granted but not yet known here expires by its TTL.
        _ = stop.changed() => return Ended::Stopped,
    };
    let Ok(mut lease) = established else {
        return Ended::Lost { established: None };
    };
    let since = Instant::now();
    presence.revision = *revision.borrow_and_update();
    if put(config, &mut client, key, presence, lease.id)
        .await
        .is_err()
    {
        return Ended::Lost {
            established: Some(since),
        };
    }
    let mut last_put = Instant::now();
    let mut tick = interval(Duration::from_secs((PRESENCE_TTL_SECS / 3).max(1) as u64));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tick.tick().await;
    let lost = Ended::Lost {
        established: Some(since),
    };
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => return stopped(config, &mut client, Some(lease.id)).await,
            changed = revision.changed() => {
                if changed.is_err() {
                    return stopped(config, &mut client, Some(lease.id)).await;
                }
                let waited = last_put.elapsed();
                if waited < COALESCE {
                    sleep(COALESCE - waited).await;
                }
                presence.revision = *revision.borrow_and_update();
                if put(config, &mut client, key, presence, lease.id).await.is_err() {
                    return lost;
                }
                last_put = Instant::now();
            }
            _ = tick.tick() => {
                if request(config, "presence", lease.keeper.keep_alive()).await.is_err() {
                    return lost;
                }
                match request(config, "presence", lease.responses.message()).await {
                    Ok(Some(answer)) if answer.ttl() > 0 => {}
                    // The lease expired (TTL 0), the stream ended, or it failed: start over.
                    _ => return lost,
                }
            }
        }
    }
}

async fn grant(config: &FleetConfig, mut client: Client) -> Result<Lease, Error> {
    let id = request(
        config,
        "presence",
        client.lease_grant(PRESENCE_TTL_SECS, None),
    )
    .await?
    .id();
    let (keeper, responses) = request(config, "presence", client.lease_keep_alive(id)).await?;
    Ok(Lease {
        id,
        keeper,
        responses,
    })
}

async fn stopped(config: &FleetConfig, client: &mut Client, lease: Option<i64>) -> Ended {
    if let Some(id) = lease {
        // Best effort: if etcd is unreachable the key goes when its lease expires.
        let _ = request(config, "presence", client.lease_revoke(id)).await;
    }
    Ended::Stopped
}

async fn put(
    config: &FleetConfig,
    client: &mut Client,
    key: &str,
    presence: &Presence,
    lease: i64,
) -> Result<(), Error> {
    let json = serde_json::to_string(presence)
        .map_err(|e| Error::InvalidInput(format!("cannot encode the presence record: {e}")))?;
    request(
        config,
        "presence",
        client.put(key, json, Some(PutOptions::new().with_lease(lease))),
    )
    .await?;
    Ok(())
}
