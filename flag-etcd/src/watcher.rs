//! The watch loop: snapshot, watch, resume, re-read, and report through events.

use std::convert::Infallible;
use std::future::Future;
use std::time::{Duration, SystemTime};

use etcd_client::{Client, WatchOptions, WatchResponse, WatchStream};
use tokio::sync::watch as tokio_watch;
use tokio::time::{Instant, sleep, sleep_until};

use crate::backoff::Backoff;
use crate::conn::{MAX_ANSWER_BYTES, connect, entry_of_kv, entry_of_pb, read_prefix, request};
use crate::{Change, Error, FleetConfig, FleetEvent};

/// With no message on the watch stream for this long, the watcher asks etcd for a progress
/// report; no answer within `request_timeout` counts as a lost connection.
const LIVENESS_EVERY: Duration = Duration::from_secs(5);

/// A session that lasted this long resets the backoff; one that fails sooner keeps it growing,
/// so a server that accepts and then drops every watch is not hammered.
const STABLE_AFTER: Duration = Duration::from_secs(10);

/// Runs the watch loop on the caller's tokio runtime until `shutdown` resolves or the sink
/// returns `false`.
///
/// The loop reads everything under the prefix in one range request at revision R and sends
/// [`FleetEvent::Snapshot`], then watches from R + 1 and sends one [`FleetEvent::Changes`] per
/// watch response. When the connection is lost it sends one [`FleetEvent::Stale`] and retries
/// with jittered exponential backoff; once connected again it sends [`FleetEvent::Resumed`] and
/// resumes the watch right after the last applied revision, so nothing is lost. If etcd has
/// compacted that revision away (or went back in time: restored from a backup), it re-reads
/// everything and sends a `Snapshot`, which also covers deletes it could not see. It also
/// re-reads every `resync_every`. It logs nothing: events are its only output.
///
/// With [`FleetConfig::presence`] set, it also keeps this instance's presence key alive (see
/// [`Presence`](crate::Presence)), and revokes its lease when it stops. An invalid
/// configuration is reported as one `Stale` event, and the loop returns.
///
/// The future is `Send` when the sink and `shutdown` are, so it can be given to
/// `tokio::spawn`. It needs a runtime with time and I/O drivers enabled.
///
/// ```no_run
/// # async fn demo() -> Result<(), flag_etcd::Error> {
/// use flag_etcd::{FleetConfig, FleetEvent};
///
/// let config = FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/checkout/prod/")?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let task = tokio::spawn(flag_etcd::watch(
///     config,
///     |event: FleetEvent| {
///         println!("{event:?}");
///         true
///     },
///     async move {
///         let _ = stopped.await;
///     },
/// ));
/// // ...
/// let _ = stop.send(());
/// let _ = task.await;
/// # Ok(()) }
/// ```
pub async fn watch(
    config: FleetConfig,
    mut sink: impl FnMut(FleetEvent) -> bool + Send,
    shutdown: impl Future<Output = ()> + Send,
) {
    if let Err(e) = config.validate() {
        sink(FleetEvent::Stale {
            since: SystemTime::now(),
            revision: 0,
            error: e.to_string(),
        });
        return;
    }
    let (revision_tx, revision_rx) = tokio_watch::channel(0i64);
    let (stop_tx, stop_rx) = tokio_watch::channel(false);
    let main = async {
        let mut watcher = Watcher {
            config: &config,
            sink: &mut sink,
            applied: 0,
            stale: false,
            backoff: Backoff::new(config.backoff_min, config.backoff_max),
            next_resync: Instant::now() + config.resync_every,
            revision_tx,
        };
        tokio::select! {
            () = shutdown => {}
            () = watcher.run() => {}
        }
        let _ = stop_tx.send(true);
    };
    let presence = async {
        if let Some(p) = config.presence.clone() {
            crate::presence::run(&config, p, revision_rx, stop_rx).await;
        }
    };
    tokio::join!(main, presence);
}

/// How a session ended.
enum End {
    /// The sink said stop.
    Stop,
    /// The connection is lost; the text says what failed.
    Lost(String),
}

impl From<Error> for End {
    fn from(e: Error) -> Self {
        End::Lost(e.to_string())
    }
}

/// What to do after a watch response.
enum Next {
    Continue,
    Resync,
}

struct Watcher<'a, S> {
    config: &'a FleetConfig,
    sink: &'a mut S,
    /// The revision of the last event sent (0: nothing read yet).
    applied: i64,
    /// A `Stale` was sent and no `Resumed` since.
    stale: bool,
    backoff: Backoff,
    next_resync: Instant,
    /// The applied revision, for the presence loop.
    revision_tx: tokio_watch::Sender<i64>,
}

impl<S: FnMut(FleetEvent) -> bool> Watcher<'_, S> {
    async fn run(&mut self) {
        loop {
            let mut established = None;
            let Err(end) = self.session(&mut established).await;
            match end {
                End::Stop => return,
                End::Lost(error) => {
                    if established.is_some_and(|t: Instant| t.elapsed() >= STABLE_AFTER) {
                        self.backoff.reset();
                    }
                    if !self.stale {
                        self.stale = true;
                        let event = FleetEvent::Stale {
                            since: SystemTime::now(),
                            revision: self.applied,
                            error,
                        };
                        if !(self.sink)(event) {
                            return;
                        }
                    }
                    sleep(self.backoff.next_wait()).await;
                }
            }
        }
    }

    fn emit(&mut self, event: FleetEvent) -> Result<(), End> {
        if (self.sink)(event) {
            Ok(())
        } else {
            Err(End::Stop)
        }
    }

    /// etcd answered: the session is up. Sends `Resumed` if an outage was reported.
    fn connected(&mut self, established: &mut Option<Instant>) -> Result<(), End> {
        established.get_or_insert_with(Instant::now);
        if self.stale {
            self.stale = false;
            self.emit(FleetEvent::Resumed {
                revision: self.applied,
            })?;
        }
        Ok(())
    }

    fn applied(&mut self, revision: i64) {
        self.applied = revision;
        self.revision_tx.send_replace(revision);
    }

    /// One connection: (re-read if needed, watch) until something fails.
    async fn session(&mut self, established: &mut Option<Instant>) -> Result<Infallible, End> {
        let config = self.config;
        let mut client = connect(config).await?;
        let mut need_snapshot = self.applied == 0;
        loop {
            if need_snapshot {
                self.snapshot(&mut client, established).await?;
            }
            let mut stream = self.open(&mut client, established).await?;
            need_snapshot = true;
            if let Some(stream) = stream.as_mut() {
                self.pump(stream).await?;
            }
        }
    }

    /// Reads everything and sends a `Snapshot`.
    async fn snapshot(
        &mut self,
        client: &mut Client,
        established: &mut Option<Instant>,
    ) -> Result<(), End> {
        let prefix = self.config.prefix.as_str();
        let (revision, kvs) = read_prefix(client, self.config, "read", prefix).await?;
        self.connected(established)?;
        let entries = kvs
            .iter()
            .filter_map(|kv| entry_of_kv(prefix, kv))
            .collect();
        self.applied(revision);
        self.next_resync = Instant::now() + self.config.resync_every;
        self.emit(FleetEvent::Snapshot { revision, entries })
    }

    /// Opens a watch from `applied + 1`. `None`: the watch cannot resume there (compacted, or
    /// the store is behind what was applied), and everything must be re-read.
    async fn open(
        &mut self,
        client: &mut Client,
        established: &mut Option<Instant>,
    ) -> Result<Option<WatchStream>, End> {
        let config = self.config;
        let options = WatchOptions::new()
            .with_prefix()
            .with_start_revision(self.applied + 1);
        let mut watch_client = client
            .watch_client()
            .max_decoding_message_size(MAX_ANSWER_BYTES);
        let mut stream = request(
            config,
            "watch",
            watch_client.watch(config.prefix.as_str(), Some(options)),
        )
        .await?;
        let Some(created) = request(config, "watch", stream.message()).await? else {
            return Err(End::Lost(format!(
                "etcd at {} ended the watch stream before it started",
                config.endpoints_text()
            )));
        };
        if created.compact_revision() > 0 {
            self.connected(established)?;
            return Ok(None);
        }
        if created.canceled() {
            return Err(self.canceled(&created));
        }
        let store_revision = created.header().map_or(0, |h| h.revision());
        self.connected(established)?;
        if store_revision < self.applied {
            return Ok(None);
        }
        Ok(Some(stream))
    }

    fn canceled(&self, resp: &WatchResponse) -> End {
        let reason = resp.cancel_reason();
        End::Lost(format!(
            "etcd at {} canceled the watch: {}",
            self.config.endpoints_text(),
            if reason.is_empty() {
                "no reason given"
            } else {
                reason
            }
        ))
    }

    /// Sends each watch response on as `Changes`; returns when a re-read is due.
    async fn pump(&mut self, stream: &mut WatchStream) -> Result<(), End> {
        let config = self.config;
        let mut last_heard = Instant::now();
        let mut probe_deadline: Option<Instant> = None;
        loop {
            let wake = probe_deadline
                .unwrap_or(last_heard + LIVENESS_EVERY)
                .min(self.next_resync);
            tokio::select! {
                message = stream.message() => {
                    last_heard = Instant::now();
                    probe_deadline = None;
                    match message {
                        Err(e) => return Err(Error::from_etcd(&config.endpoints_text(), "watch", e).into()),
                        Ok(None) => {
                            return Err(End::Lost(format!(
                                "etcd at {} ended the watch stream",
                                config.endpoints_text()
                            )))
                        }
                        Ok(Some(resp)) => match self.handle(&resp)? {
                            Next::Continue => {}
                            Next::Resync => return Ok(()),
                        },
                    }
                }
                () = sleep_until(wake) => {
                    let now = Instant::now();
                    if now >= self.next_resync {
                        return Ok(());
                    }
                    match probe_deadline {
                        Some(deadline) if now >= deadline => {
                            return Err(End::Lost(format!(
                                "etcd at {} did not answer a watch progress request within {} ms",
                                config.endpoints_text(),
                                config.request_timeout.as_millis()
                            )));
                        }
                        Some(_) => {}
                        None => {
                            request(config, "watch", stream.request_progress()).await?;
                            probe_deadline = Some(Instant::now() + config.request_timeout);
                        }
                    }
                }
            }
        }
    }

    /// One watch response: compaction, cancellation, progress, or changes to send.
    fn handle(&mut self, resp: &WatchResponse) -> Result<Next, End> {
        if resp.compact_revision() > 0 {
            return Ok(Next::Resync);
        }
        if resp.canceled() {
            return Err(self.canceled(resp));
        }
        let prefix = self.config.prefix.as_str();
        let mut changes = Vec::with_capacity(resp.0.events.len());
        let mut last = self.applied;
        for event in &resp.0.events {
            // An event without its key-value, or of a type this crate does not know, cannot be
            // applied: re-reading everything is always correct.
            let Some(kv) = &event.kv else {
                return Ok(Next::Resync);
            };
            if kv.mod_revision <= self.applied {
                continue;
            }
            let Some(entry) = entry_of_pb(prefix, kv) else {
                continue;
            };
            last = last.max(kv.mod_revision);
            changes.push(match event.r#type {
                0 => Change::Put(entry),
                1 => Change::Delete {
                    name: entry.name,
                    revision: kv.mod_revision,
                },
                _ => return Ok(Next::Resync),
            });
        }
        if !changes.is_empty() {
            self.applied(last);
            self.emit(FleetEvent::Changes {
                revision: last,
                changes,
            })?;
        }
        Ok(Next::Continue)
    }
}

/// Runs [`watch`] on a thread of its own, with a current-thread tokio runtime: for programs
/// with a synchronous `main`, and so that users need no tokio runtime.
///
/// The configuration is checked first; an invalid one is an error here rather than an event.
/// The sink runs on the watcher's thread.
///
/// ```no_run
/// use flag_etcd::{FleetConfig, FleetEvent};
///
/// let config = FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/checkout/prod/")?;
/// let handle = flag_etcd::spawn_watcher(config, |event: FleetEvent| {
///     println!("{event:?}");
///     true
/// })?;
/// // ...
/// handle.stop(); // waits for the loop to end and its presence lease to be revoked
/// # Ok::<(), flag_etcd::Error>(())
/// ```
pub fn spawn_watcher(
    config: FleetConfig,
    sink: impl FnMut(FleetEvent) -> bool + Send + 'static,
) -> Result<WatcherHandle, Error> {
    config.validate()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Thread(format!("tokio runtime: {e}")))?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("flag-etcd-watcher".into())
        .spawn(move || {
            runtime.block_on(watch(config, sink, async move {
                // Resolves on stop() and when the handle is dropped.
                let _ = stop_rx.await;
            }));
        })
        .map_err(|e| Error::Thread(format!("thread: {e}")))?;
    Ok(WatcherHandle {
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

/// The watcher thread started by [`spawn_watcher`].
///
/// [`WatcherHandle::stop`] stops the loop and waits for the thread (at most about one
/// `request_timeout`, while the presence lease is revoked). Dropping the handle also stops the
/// loop, without waiting for it.
///
/// ```no_run
/// # let config = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?;
/// let handle = flag_etcd::spawn_watcher(config, |_| true)?;
/// assert!(!handle.is_finished());
/// drop(handle); // stops it in the background
/// # Ok::<(), flag_etcd::Error>(())
/// ```
#[derive(Debug)]
pub struct WatcherHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WatcherHandle {
    /// Stops the loop and waits until its thread has ended.
    ///
    /// ```no_run
    /// # let config = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?;
    /// flag_etcd::spawn_watcher(config, |_| true)?.stop();
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Whether the loop has ended (the sink returned `false`, or it was stopped).
    ///
    /// ```no_run
    /// # let config = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?;
    /// let handle = flag_etcd::spawn_watcher(config, |_| false)?; // stops at the first event
    /// while !handle.is_finished() {
    ///     std::thread::sleep(std::time::Duration::from_millis(10));
    /// }
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for WatcherHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
