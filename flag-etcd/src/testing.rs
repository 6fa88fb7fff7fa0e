//! Test support: a throwaway etcd server, a TCP proxy whose connections can be cut, and a
//! guard that skips a test where etcd is not installed (and fails it on CI).
//!
//! Everything listens on loopback only.
//!
//! ```no_run
//! use flag_etcd::testing::{Etcd, TcpProxy};
//!
//! #[test]
//! fn a_fleet_test() {
//!     flag_etcd::require_etcd!();
//!     let etcd = Etcd::start().unwrap();
//!     let proxy = TcpProxy::start(etcd.addr());
//!     // point the code under test at proxy.endpoint(), then:
//!     proxy.cut();  // every connection drops, new ones are refused
//!     proxy.heal(); // connections are accepted again
//! }
//! ```

use std::io::{Read, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long [`Etcd::start`] and [`Etcd::restart`] wait for the server to answer.
///
/// ```
/// assert_eq!(flag_etcd::testing::START_TIMEOUT.as_secs(), 10);
/// ```
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the etcd binary is: `FLAG_ETCD_BIN`, else `etcd` on `PATH`.
///
/// ```
/// match flag_etcd::testing::etcd_binary() {
///     Ok(path) => println!("etcd at {}", path.display()),
///     Err(why) => println!("{why}"),
/// }
/// ```
pub fn etcd_binary() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("FLAG_ETCD_BIN") {
        let path = PathBuf::from(bin);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("FLAG_ETCD_BIN={} is not a file", path.display()))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("etcd"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| "etcd is not installed: no `etcd` on PATH and no FLAG_ETCD_BIN".to_owned())
}

/// Whether an etcd binary can be found (see [`etcd_binary`]).
///
/// ```
/// if let Err(why) = flag_etcd::testing::etcd_available() {
///     println!("no etcd here: {why}");
/// }
/// ```
pub fn etcd_available() -> Result<(), String> {
    etcd_binary().map(|_| ())
}

/// Whether a test that needs etcd should go on: `true` if etcd is installed. Otherwise it
/// panics when `CI=true` (a CI machine must have etcd), and else prints
/// "skipped: etcd is not installed (apt-get install etcd-server)" and returns `false`.
/// [`require_etcd!`](crate::require_etcd) wraps it.
///
/// ```
/// fn my_test() {
///     if !flag_etcd::testing::require_etcd() {
///         return;
///     }
///     // ...
/// }
/// # if std::env::var("CI").as_deref() != Ok("true") { my_test() }
/// ```
pub fn require_etcd() -> bool {
    match etcd_available() {
        Ok(()) => true,
        Err(why) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("etcd is required when CI=true: {why} (apt-get install etcd-server)");
            }
            eprintln!("skipped: etcd is not installed (apt-get install etcd-server)");
            false
        }
    }
}

/// Returns from the current test when etcd is not installed (failing it instead when
/// `CI=true`); see [`testing::require_etcd`](crate::testing::require_etcd). In a test that
/// returns a value, give the value to return: `require_etcd!(Ok(()))`.
///
/// ```
/// fn my_test() -> Result<(), String> {
///     flag_etcd::require_etcd!(Ok(()));
///     // ...
///     Ok(())
/// }
/// # if std::env::var("CI").as_deref() != Ok("true") { my_test().unwrap() }
/// ```
#[macro_export]
macro_rules! require_etcd {
    () => {
        if !$crate::testing::require_etcd() {
            return;
        }
    };
    ($ret:expr) => {
        if !$crate::testing::require_etcd() {
            return $ret;
        }
    };
}

/// A single-member etcd server on loopback ports, with a temporary data directory; stopped
/// (killed and waited for) on drop.
///
/// ```no_run
/// let mut etcd = flag_etcd::testing::Etcd::start()?;
/// println!("etcd at {} with data in {}", etcd.endpoint(), etcd.data_dir().display());
/// etcd.kill();      // SIGKILL
/// etcd.restart()?;  // same data directory and ports
/// # Ok::<(), String>(())
/// ```
#[derive(Debug)]
pub struct Etcd {
    bin: PathBuf,
    dir: tempfile::TempDir,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
}

impl Etcd {
    /// Starts etcd and waits (up to [`START_TIMEOUT`]) until it answers `/health`.
    ///
    /// ```no_run
    /// let etcd = flag_etcd::testing::Etcd::start()?;
    /// # Ok::<(), String>(())
    /// ```
    pub fn start() -> Result<Etcd, String> {
        let bin = etcd_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("flag-etcd-test-")
            .tempdir()
            .map_err(|e| format!("cannot create a data directory: {e}"))?;
        // Both ports are picked while both listeners are held, so they differ.
        let client = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
        let peer = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
        let client_port = client.local_addr().map_err(|e| e.to_string())?.port();
        let peer_port = peer.local_addr().map_err(|e| e.to_string())?.port();
        drop((client, peer));
        let mut etcd = Etcd {
            bin,
            dir,
            client_port,
            peer_port,
            child: None,
        };
        etcd.spawn()?;
        Ok(etcd)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let client_url = self.endpoint();
        let peer_url = format!("http://127.0.0.1:{}", self.peer_port);
        let data = self.data_dir().join("data");
        let log_path = self.log_path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(&self.bin)
            .arg("--name")
            .arg("flag-etcd-test")
            .arg("--data-dir")
            .arg(&data)
            .arg("--listen-client-urls")
            .arg(&client_url)
            .arg("--advertise-client-urls")
            .arg(&client_url)
            .arg("--listen-peer-urls")
            .arg(&peer_url)
            .arg("--initial-advertise-peer-urls")
            .arg(&peer_url)
            .arg("--initial-cluster")
            .arg(format!("flag-etcd-test={peer_url}"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if health(self.client_port) {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                return Err(format!("etcd exited with {status}:\n{}", self.log_tail()));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(format!(
                    "etcd did not answer within {} s:\n{}",
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The client URL, `http://127.0.0.1:PORT`.
    ///
    /// ```no_run
    /// let etcd = flag_etcd::testing::Etcd::start()?;
    /// assert!(etcd.endpoint().starts_with("http://127.0.0.1:"));
    /// # Ok::<(), String>(())
    /// ```
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// The client address, for [`TcpProxy::start`].
    ///
    /// ```no_run
    /// let etcd = flag_etcd::testing::Etcd::start()?;
    /// let proxy = flag_etcd::testing::TcpProxy::start(etcd.addr());
    /// # Ok::<(), String>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.client_port))
    }

    /// The temporary directory holding the data (under `data/`) and etcd's log (`etcd.log`).
    ///
    /// ```no_run
    /// let etcd = flag_etcd::testing::Etcd::start()?;
    /// assert!(etcd.data_dir().join("etcd.log").exists());
    /// # Ok::<(), String>(())
    /// ```
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn log_path(&self) -> PathBuf {
        self.data_dir().join("etcd.log")
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills the server with SIGKILL and waits for it; a no-op if it is not running.
    ///
    /// ```no_run
    /// let mut etcd = flag_etcd::testing::Etcd::start()?;
    /// etcd.kill();
    /// # Ok::<(), String>(())
    /// ```
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data directory and ports (killing it first if it
    /// runs), and waits until it answers.
    ///
    /// ```no_run
    /// let mut etcd = flag_etcd::testing::Etcd::start()?;
    /// etcd.kill();
    /// etcd.restart()?;
    /// # Ok::<(), String>(())
    /// ```
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.spawn()
    }
}

impl Etcd {
    /// Stops the server with SIGSTOP: its connections stay open but nothing answers, like a
    /// hung machine or a network that drops packets. [`Etcd::thaw`] lets it go on.
    ///
    /// ```no_run
    /// let etcd = flag_etcd::testing::Etcd::start()?;
    /// etcd.freeze()?;
    /// etcd.thaw()?;
    /// # Ok::<(), String>(())
    /// ```
    pub fn freeze(&self) -> Result<(), String> {
        self.signal("-STOP")
    }

    /// Lets a frozen server go on (SIGCONT).
    ///
    /// ```no_run
    /// let etcd = flag_etcd::testing::Etcd::start()?;
    /// etcd.freeze()?;
    /// etcd.thaw()?;
    /// # Ok::<(), String>(())
    /// ```
    pub fn thaw(&self) -> Result<(), String> {
        self.signal("-CONT")
    }

    fn signal(&self, signal: &str) -> Result<(), String> {
        let pid = self.child.as_ref().ok_or("etcd is not running")?.id();
        let status = Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill {signal} {pid} failed: {status}"))
        }
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether etcd answers `GET /health` on loopback `port` with a healthy member.
fn health(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
    if stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.take(64 * 1024).read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer.starts_with("HTTP/1.1 200") && answer.contains("\"health\":\"true\"")
}

/// A loopback TCP proxy to `target` whose connections can be cut and healed, to simulate a
/// network outage without stopping the server.
///
/// It runs on threads of its own, so it works the same from synchronous tests and from any
/// tokio runtime. Dropping it closes everything.
///
/// ```no_run
/// let etcd = flag_etcd::testing::Etcd::start()?;
/// let proxy = flag_etcd::testing::TcpProxy::start(etcd.addr());
/// let endpoint = proxy.endpoint(); // give this to the code under test
/// proxy.cut();
/// proxy.heal();
/// # Ok::<(), String>(())
/// ```
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    target: SocketAddr,
    stop: AtomicBool,
    listening: AtomicBool,
    /// `true` while cut; the live connections (both sockets of each) otherwise.
    state: Mutex<(bool, Vec<TcpStream>)>,
}

impl TcpProxy {
    /// Listens on a free loopback port and forwards every connection to `target`.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound (test support: a broken machine fails the test).
    ///
    /// ```no_run
    /// let proxy = flag_etcd::testing::TcpProxy::start("127.0.0.1:2379".parse().unwrap());
    /// # drop(proxy);
    /// ```
    pub fn start(target: SocketAddr) -> TcpProxy {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("bind a loopback port for the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let shared = Arc::new(Shared {
            target,
            stop: AtomicBool::new(false),
            listening: AtomicBool::new(true),
            state: Mutex::new((false, Vec::new())),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("flag-etcd-proxy".into())
                .spawn(move || accept_loop(addr, Some(listener), &shared))
                .expect("start the proxy's thread")
        };
        TcpProxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The proxy's address.
    ///
    /// ```no_run
    /// # let proxy = flag_etcd::testing::TcpProxy::start("127.0.0.1:2379".parse().unwrap());
    /// assert!(proxy.addr().ip().is_loopback());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy as an etcd endpoint, `http://127.0.0.1:PORT`.
    ///
    /// ```no_run
    /// # let proxy = flag_etcd::testing::TcpProxy::start("127.0.0.1:2379".parse().unwrap());
    /// assert!(proxy.endpoint().starts_with("http://127.0.0.1:"));
    /// ```
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every connection and refuses new ones (the listening socket is closed), until
    /// [`TcpProxy::heal`]. Returns once both hold.
    ///
    /// ```no_run
    /// # let proxy = flag_etcd::testing::TcpProxy::start("127.0.0.1:2379".parse().unwrap());
    /// proxy.cut();
    /// assert!(std::net::TcpStream::connect(proxy.addr()).is_err());
    /// ```
    pub fn cut(&self) {
        {
            let mut state = self
                .shared
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.0 = true;
            for conn in state.1.drain(..) {
                let _ = conn.shutdown(Shutdown::Both);
            }
        }
        wait_for(|| !self.shared.listening.load(Ordering::SeqCst));
    }

    /// Accepts connections again. Returns once the proxy listens.
    ///
    /// ```no_run
    /// # let proxy = flag_etcd::testing::TcpProxy::start("127.0.0.1:2379".parse().unwrap());
    /// proxy.cut();
    /// proxy.heal();
    /// ```
    pub fn heal(&self) {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0 = false;
        wait_for(|| self.shared.listening.load(Ordering::SeqCst));
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.cut();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Polls `condition` every millisecond for up to 2 s.
fn wait_for(condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !condition() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn accept_loop(addr: SocketAddr, mut listener: Option<TcpListener>, shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let cut = shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        if cut {
            if listener.take().is_some() {
                shared.listening.store(false, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        let Some(l) = listener.as_ref() else {
            // Healed: listen again on the same port (std sets SO_REUSEADDR).
            let bound = TcpListener::bind(addr)
                .ok()
                .filter(|l| l.set_nonblocking(true).is_ok());
            if let Some(l) = bound {
                listener = Some(l);
                shared.listening.store(true, Ordering::SeqCst);
            } else {
                std::thread::sleep(Duration::from_millis(5));
            }
            continue;
        };
        match l.accept() {
            Ok((client, _)) => forward(client, shared),
            Err(_) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    shared.listening.store(false, Ordering::SeqCst);
}

/// Connects to the target and copies both ways on two threads.
fn forward(client: TcpStream, shared: &Shared) {
    let _ = client.set_nonblocking(false);
    let Ok(server) = TcpStream::connect_timeout(&shared.target, Duration::from_secs(1)) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = (
        client.try_clone(),
        server.try_clone(),
        client.try_clone(),
        server.try_clone(),
    ) else {
        return;
    };
    {
        let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0 {
            return; // cut while connecting
        }
        state.1.retain(|s| s.peer_addr().is_ok());
        state.1.push(c3);
        state.1.push(s3);
    }
    std::thread::spawn(move || pipe(client, server));
    std::thread::spawn(move || pipe(s2, c2));
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}
