//! What the fleet tests share: a throwaway etcd with a writer ([`Fleet`]), and instance processes
//! ([`Instance`], the `fleet-instance` program) driven over their stdin. The `fleet_propagation` benchmark
//! includes this file too; each uses a part of it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use flag_etcd::testing::Etcd;
use flag_etcd::{AuditInfo, Entry, FleetClient, FleetConfig, Presence, Write, WriteOutcome};
use serde_json::Value;

/// The prefix of every test's fleet (each test has an etcd of its own).
pub const PREFIX: &str = "/flags/fleet-test/prod/";

/// The longest any single wait of these tests lasts: a failure, not a slow machine, if it runs out.
pub const WAIT: Duration = Duration::from_secs(20);

/// The dynamic flags of the workspace's `flags.toml`, the ones the fleet may set.
pub const DYNAMIC: [&str; 5] = [
    "checkout_v2",
    "dark_mode",
    "express_pay",
    "fast_search",
    "search_ranking",
];

/// A throwaway etcd (loopback, temporary data directory, killed on drop) and a client that writes to it.
pub struct Fleet {
    pub etcd: Etcd,
    runtime: tokio::runtime::Runtime,
    client: Option<FleetClient>,
}

impl Fleet {
    /// Starts etcd, or returns `None` where it is not installed (and panics instead when `CI=true`).
    pub fn start() -> Option<Fleet> {
        if !flag_etcd::testing::require_etcd() {
            return None;
        }
        let etcd = Etcd::start().expect("start etcd");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        Some(Fleet {
            etcd,
            runtime,
            client: None,
        })
    }

    pub fn endpoint(&self) -> String {
        self.etcd.endpoint()
    }

    /// The writer's configuration: etcd itself (never a proxy), short timeouts.
    pub fn config(&self) -> FleetConfig {
        FleetConfig::new(vec![self.endpoint()], PREFIX)
            .expect("a valid configuration")
            .with_connect_timeout(Duration::from_secs(2))
            .with_request_timeout(Duration::from_secs(5))
    }

    /// Runs `f` with the client, connecting it first if needed.
    fn with_client<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut FleetClient) -> Result<T, flag_etcd::Error>,
    ) -> T {
        let config = self.config();
        let Fleet {
            runtime, client, ..
        } = self;
        runtime.block_on(async {
            if client.is_none() {
                *client = Some(
                    FleetClient::connect(&config)
                        .await
                        .expect("connect to etcd"),
                );
            }
            let client = client.as_mut().expect("connected");
            f(client).await.expect("an etcd request")
        })
    }

    /// Connects again (after etcd was restarted).
    pub fn reconnect(&mut self) {
        self.client = None;
    }

    /// Writes in one transaction (with audit) and returns its revision; panics unless accepted.
    pub fn write(&mut self, writes: Vec<Write>) -> i64 {
        let outcome = self.with_client(async |client| {
            client
                .write(writes, AuditInfo::new("fleet-test", "test"))
                .await
        });
        match outcome {
            WriteOutcome::Accepted { revision } => revision,
            refused => panic!("the write was refused: {refused:?}"),
        }
    }

    /// Puts one flag's table; returns the revision.
    pub fn put(&mut self, name: &str, table: &str) -> i64 {
        self.write(vec![Write::put(name, table)])
    }

    /// Deletes one flag's key; returns the revision.
    pub fn delete(&mut self, name: &str) -> i64 {
        self.write(vec![Write::delete(name)])
    }

    /// Compacts etcd's history up to `revision`.
    pub fn compact(&mut self, revision: i64) {
        self.with_client(async |client| client.compact(revision).await);
    }

    /// Every key under the prefix, by flag name, and the revision they were read at.
    pub fn state(&mut self) -> (i64, BTreeMap<String, Entry>) {
        let (revision, entries) = self.with_client(async |client| client.list().await);
        let entries = entries
            .into_iter()
            .map(|entry| (entry.name.clone(), entry))
            .collect();
        (revision, entries)
    }

    /// The instances whose presence key is alive.
    pub fn instances(&mut self) -> Vec<Presence> {
        self.with_client(async |client| client.instances().await)
    }
}

/// One `fleet-instance` process; killed on drop.
pub struct Instance {
    pub name: String,
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<String>,
    /// `(revision, ns since the Unix epoch)` from the `REV` lines of `follow`.
    pub revs: Receiver<(i64, u128)>,
    /// The `ready` line's JSON: `start_ms` (as the program measured it) and the fleet's status then.
    pub ready: Value,
    /// From spawning the process to its `ready` line.
    pub spawn_to_ready: Duration,
}

impl Instance {
    /// Starts an instance of the fleet at `endpoint` under [`PREFIX`], with a snapshot file or not, and waits
    /// for its `ready` line. The child's environment has no `FEATURE_FLAGS*` variable but these.
    pub fn start(name: &str, endpoint: &str, snapshot: Option<&Path>) -> Instance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fleet-instance"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FEATURE_FLAGS") {
                command.env_remove(key);
            }
        }
        command
            .env("FEATURE_FLAGS_ETCD", endpoint)
            .env("FEATURE_FLAGS_ETCD_PREFIX", PREFIX)
            .env("FEATURE_FLAGS_ETCD_INSTANCE", name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(path) = snapshot {
            command.env("FEATURE_FLAGS_ETCD_SNAPSHOT", path);
        }
        let spawned = Instant::now();
        let mut child = command.spawn().expect("start fleet-instance");
        let stdin = child.stdin.take().expect("its stdin");
        let stdout = child.stdout.take().expect("its stdout");
        let (answer_tx, answers) = mpsc::channel();
        let (rev_tx, revs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rev) = line.strip_prefix("REV ") {
                    let mut words = rev.split(' ');
                    let parsed =
                        (|| Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?)))();
                    let _ = rev_tx.send(parsed.expect("a REV line: REV <revision> <ns>"));
                } else if answer_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut instance = Instance {
            name: name.to_owned(),
            child,
            stdin,
            answers,
            revs,
            ready: Value::Null,
            spawn_to_ready: Duration::ZERO,
        };
        let ready = instance.line();
        instance.spawn_to_ready = spawned.elapsed();
        let json = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("{name}: expected `ready ...`, got {ready:?}"));
        instance.ready = serde_json::from_str(json).expect("the ready line's JSON");
        instance
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a command without waiting for its answer.
    pub fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}")
            .and_then(|()| self.stdin.flush())
            .unwrap_or_else(|e| panic!("{}: cannot send {command:?}: {e}", self.name));
    }

    /// The next answer line, within [`WAIT`].
    pub fn line(&mut self) -> String {
        match self.answers.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("{}: no answer within {WAIT:?}", self.name),
            Err(RecvTimeoutError::Disconnected) => panic!("{}: the instance exited", self.name),
        }
    }

    /// The next answer, as JSON.
    pub fn answer(&mut self) -> Value {
        let line = self.line();
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", self.name))
    }

    /// Sends a command and returns its JSON answer.
    pub fn ask(&mut self, command: &str) -> Value {
        self.send(command);
        self.answer()
    }

    /// `status`: `{"status": .., "flags": {..}}`.
    pub fn status(&mut self) -> Value {
        self.ask("status")
    }

    /// The fleet revision this instance has applied.
    pub fn revision(&mut self) -> i64 {
        self.status()["status"]["revision"]
            .as_i64()
            .expect("a revision")
    }

    /// Waits until the instance has applied `revision`; panics after [`WAIT`].
    pub fn wait_for(&mut self, revision: i64) -> Value {
        let answer = self.ask(&format!("wait {revision} {}", WAIT.as_millis()));
        assert_eq!(
            answer["reached"], true,
            "{} did not reach revision {revision}: {answer}",
            self.name
        );
        answer
    }

    /// Polls `status` until `done` holds for it, and returns it; panics after [`WAIT`].
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let status = self.status();
            if done(&status) {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{}: timed out waiting for {what}; last status: {status}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `eval N`: the instance's evaluations over N contexts.
    pub fn eval(&mut self, n: u32) -> Value {
        self.ask(&format!("eval {n}"))
    }

    /// Everything reported to the instance's reporter so far.
    pub fn reports(&mut self) -> Vec<Value> {
        match self.ask("reports") {
            Value::Array(reports) => reports,
            other => panic!("{}: reports should be a list: {other}", self.name),
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Flag `name` in a `status` answer.
pub fn flag<'a>(status: &'a Value, name: &str) -> &'a Value {
    &status["flags"][name]
}

/// The fleet revision that set flag `name` in a `status` answer (`None`: the fleet has no table for it).
pub fn fleet_revision(status: &Value, name: &str) -> Option<i64> {
    flag(status, name)["fleet"]["revision"].as_i64()
}

/// Asserts that an instance's fleet layer is etcd's state: each dynamic flag with a key holds a table (with
/// the key's `default`, if it has one) from the key's revision or later, and the others hold none.
///
/// "Or later", not "the key's revision": a table read in a snapshot carries the snapshot's revision, not the
/// one that wrote the key (see `propagation::a_table_read_in_a_snapshot_names_the_revision_that_wrote_it`).
pub fn assert_same_as_etcd(instance: &str, status: &Value, etcd: &BTreeMap<String, Entry>) {
    for name in DYNAMIC {
        let fleet = &flag(status, name)["fleet"];
        let Some(entry) = etcd.get(name) else {
            assert_eq!(
                fleet,
                &Value::Null,
                "{instance}: {name} has no key in etcd; status: {status}"
            );
            continue;
        };
        let revision = fleet["revision"].as_i64();
        assert!(
            revision.is_some_and(|revision| revision >= entry.mod_revision),
            "{instance}: {name} against etcd's {entry:?}; status: {status}"
        );
        assert_eq!(
            fleet["enabled"].as_bool(),
            default_of(&entry.value),
            "{instance}: {name} against etcd's {entry:?}; status: {status}"
        );
    }
}

/// The `default = BOOL` line of a table, if it has one.
pub fn default_of(table: &str) -> Option<bool> {
    table.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "default").then(|| value.trim().parse().ok())?
    })
}

/// A free loopback port with nothing listening on it: an etcd that is down.
pub fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A scratch directory of the test named `test`, emptied first.
pub fn scratch(test: &str) -> std::path::PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fleet-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Two tables per flag, so that every write replaces compiled rules (and variants) with other ones.
pub const TABLES: [(&str, [&str; 2]); 3] = [
    (
        "checkout_v2",
        [
            "[[rules]]\nconstraints = [{ context = \"country\", operator = \"in\", values = [\"NZ\", \"AU\"] }]\nrollout = { percent = 10, stickiness = \"user_id\" }\n[[variants]]\nname = \"control\"\nweight = 50\n[[variants]]\nname = \"one_page\"\nweight = 50\n",
            "[[rules]]\nconstraints = [{ context = \"country\", operator = \"in\", values = [\"FR\"] }]\nrollout = { percent = 20, stickiness = \"user_id\" }\n[[variants]]\nname = \"control\"\nweight = 30\n[[variants]]\nname = \"one_page\"\nweight = 70\n",
        ],
    ),
    (
        "search_ranking",
        [
            "[[rules]]\nconstraints = [{ context = \"plan\", operator = \"in\", values = [\"pro\"] }]\nrollout = { percent = 10 }\n",
            "[[rules]]\nconstraints = [{ context = \"plan\", operator = \"in\", values = [\"team\"] }]\nrollout = { percent = 20 }\n",
        ],
    ),
    (
        "express_pay",
        [
            "[[rules]]\nuser_ids = [\"1\", \"2\", \"3\"]\n",
            "[[rules]]\nrollout = { percent = 5 }\n",
        ],
    ),
];

pub fn rss(instance: &mut Instance) -> u64 {
    instance.ask("rss")["rss_kib"]
        .as_u64()
        .expect("VmRSS (Linux only)")
}

/// Writes every flag of [`TABLES`] in one transaction per step, alternating the two tables, until `count`
/// key changes are written, with an evaluation by the instance every 50 transactions; returns the last
/// revision.
pub fn churn(fleet: &mut Fleet, instance: &mut Instance, from: usize, count: usize) -> i64 {
    let mut revision = 0;
    let steps = count.div_ceil(TABLES.len());
    for step in from..from + steps {
        let writes = TABLES
            .iter()
            .map(|(name, tables)| Write::put(*name, tables[step % 2]))
            .collect();
        revision = fleet.write(writes);
        if step % 50 == 0 {
            instance.eval(1_000);
        }
    }
    instance.wait_for(revision);
    revision
}

/// What [`memory_run`] measured: an instance's resident memory in KiB at start, after a warm-up of
/// [`WARM_UP`] changes and after `changes` more, and how long those took.
#[derive(Debug)]
pub struct MemoryRun {
    pub changes: usize,
    pub start_kib: u64,
    pub warm_kib: u64,
    pub end_kib: u64,
    pub last_revision: i64,
    pub took: Duration,
}

impl MemoryRun {
    pub fn growth_kib(&self) -> u64 {
        self.end_kib.saturating_sub(self.warm_kib)
    }
}

impl std::fmt::Display for MemoryRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fleet changes: {} (rules and variants of {} flags, {} per transaction, last revision {}) in \
             {:.1} s; instance resident memory: {} KiB at start, {} KiB after {WARM_UP} changes, {} KiB after; \
             growth {} KiB",
            self.changes,
            TABLES.len(),
            TABLES.len(),
            self.last_revision,
            self.took.as_secs_f64(),
            self.start_kib,
            self.warm_kib,
            self.end_kib,
            self.growth_kib()
        )
    }
}

/// The changes applied before the memory is measured: the allocator's arenas reach their working size.
pub const WARM_UP: usize = 600;

/// Starts an instance, applies [`WARM_UP`] then `changes` key changes through [`churn`], and measures its
/// resident memory.
pub fn memory_run(fleet: &mut Fleet, changes: usize) -> MemoryRun {
    let mut instance = Instance::start("memory", &fleet.endpoint(), None);
    let start_kib = rss(&mut instance);
    churn(fleet, &mut instance, 0, WARM_UP);
    let warm_kib = rss(&mut instance);
    let started = Instant::now();
    let last_revision = churn(fleet, &mut instance, WARM_UP, changes);
    let took = started.elapsed();
    MemoryRun {
        changes,
        start_kib,
        warm_kib,
        end_kib: rss(&mut instance),
        last_revision,
        took,
    }
}
