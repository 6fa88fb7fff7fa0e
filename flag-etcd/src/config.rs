//! Where the fleet lives: endpoints, the prefix and its key layout, timeouts, presence.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Error;

/// The lease TTL of a presence key, in seconds: an instance that stops without revoking it
/// (killed, or cut off from etcd) disappears from the fleet's list this long after.
///
/// ```
/// assert_eq!(flag_etcd::PRESENCE_TTL_SECS, 10);
/// ```
pub const PRESENCE_TTL_SECS: i64 = 10;

/// Where the fleet lives, and how patiently to talk to it.
///
/// Build it with [`FleetConfig::new`], which checks the endpoints and the prefix, then adjust
/// with the `with_*` setters. Every operation checks the whole configuration again
/// ([`FleetConfig::validate`]), since the fields are public.
///
/// ```
/// use std::time::Duration;
/// use flag_etcd::{FleetConfig, Presence};
///
/// let config = FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/checkout/prod/")?
///     .with_request_timeout(Duration::from_secs(1))
///     .with_backoff(Duration::from_millis(50), Duration::from_secs(5))
///     .with_presence(Presence::new("checkout-7f9c")?);
/// assert_eq!(config.flag_key("new_ui"), "/flags/checkout/prod/new_ui");
/// assert_eq!(config.audit_prefix("new_ui"), "/flags/checkout/prod.audit/new_ui/");
/// assert_eq!(config.instances_prefix(), "/flags/checkout/prod.instances/");
/// # Ok::<(), flag_etcd::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// The etcd client URLs, such as `"http://127.0.0.1:2379"` (plain HTTP: this crate is
    /// built without TLS).
    pub endpoints: Vec<String>,
    /// The prefix under which each flag's table lives; ends with '/'.
    pub prefix: String,
    /// How long connecting may take (default 1 s).
    pub connect_timeout: Duration,
    /// How long one request may take (default 2 s).
    pub request_timeout: Duration,
    /// The shortest wait before a retry (default 100 ms).
    pub backoff_min: Duration,
    /// The longest wait before a retry (default 10 s); each wait is drawn uniformly between
    /// `backoff_min` and a cap that doubles per failed attempt up to this.
    pub backoff_max: Duration,
    /// How often the watcher re-reads everything although the watch looks healthy (default
    /// 10 min): a guard against watch bugs.
    pub resync_every: Duration,
    /// When set, the watcher keeps this instance's presence key under a lease of
    /// [`PRESENCE_TTL_SECS`], with the applied revision in it.
    pub presence: Option<Presence>,
}

impl FleetConfig {
    /// A configuration with the default timeouts, after checking the endpoints (see
    /// [`parse_endpoints`] for what is accepted) and the prefix (not empty, not just "/",
    /// ending with '/').
    ///
    /// ```
    /// use flag_etcd::FleetConfig;
    ///
    /// let config = FleetConfig::new(vec!["127.0.0.1:2379".into()], "/flags/checkout/prod/")?;
    /// assert_eq!(config.endpoints, ["http://127.0.0.1:2379"]);
    /// assert!(FleetConfig::new(vec![], "/flags/").is_err());
    /// assert!(FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags").is_err());
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn new(endpoints: Vec<String>, prefix: impl Into<String>) -> Result<Self, Error> {
        let endpoints = endpoints
            .iter()
            .map(|e| normalize_endpoint(e))
            .collect::<Result<Vec<_>, _>>()?;
        let config = FleetConfig {
            endpoints,
            prefix: prefix.into(),
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(2),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            resync_every: Duration::from_secs(600),
            presence: None,
        };
        config.validate()?;
        Ok(config)
    }

    /// Sets [`FleetConfig::connect_timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?
    ///     .with_connect_timeout(Duration::from_millis(300));
    /// assert_eq!(c.connect_timeout, Duration::from_millis(300));
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`FleetConfig::request_timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?
    ///     .with_request_timeout(Duration::from_millis(500));
    /// assert_eq!(c.request_timeout, Duration::from_millis(500));
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`FleetConfig::backoff_min`] and [`FleetConfig::backoff_max`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?
    ///     .with_backoff(Duration::from_millis(10), Duration::from_millis(200));
    /// assert_eq!(c.backoff_max, Duration::from_millis(200));
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    #[must_use]
    pub fn with_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max;
        self
    }

    /// Sets [`FleetConfig::resync_every`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?
    ///     .with_resync_every(Duration::from_secs(60));
    /// assert_eq!(c.resync_every, Duration::from_secs(60));
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    #[must_use]
    pub fn with_resync_every(mut self, every: Duration) -> Self {
        self.resync_every = every;
        self
    }

    /// Sets [`FleetConfig::presence`].
    ///
    /// ```
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?
    ///     .with_presence(flag_etcd::Presence::new("web-1")?);
    /// assert_eq!(c.presence.unwrap().instance, "web-1");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    #[must_use]
    pub fn with_presence(mut self, presence: Presence) -> Self {
        self.presence = Some(presence);
        self
    }

    /// Checks the whole configuration: at least one endpoint, each one usable; the prefix;
    /// non-zero timeouts; `backoff_min <= backoff_max`; the presence's instance id.
    ///
    /// ```
    /// let mut c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/f/")?;
    /// c.request_timeout = std::time::Duration::ZERO;
    /// assert!(c.validate().is_err());
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if self.endpoints.is_empty() {
            return Err(Error::InvalidConfig("no etcd endpoint given".into()));
        }
        for e in &self.endpoints {
            normalize_endpoint(e)?;
        }
        validate_prefix(&self.prefix)?;
        for (what, d) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
            ("backoff_min", self.backoff_min),
            ("resync_every", self.resync_every),
        ] {
            if d.is_zero() {
                return Err(Error::InvalidConfig(format!("{what} must not be zero")));
            }
        }
        if self.backoff_min > self.backoff_max {
            return Err(Error::InvalidConfig(format!(
                "backoff_min ({} ms) is above backoff_max ({} ms)",
                self.backoff_min.as_millis(),
                self.backoff_max.as_millis()
            )));
        }
        if let Some(p) = &self.presence {
            validate_segment("instance id", &p.instance)?;
        }
        Ok(())
    }

    /// The key of flag `name`'s table: the prefix followed by the name.
    ///
    /// ```
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/a/")?;
    /// assert_eq!(c.flag_key("dark_mode"), "/flags/a/dark_mode");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn flag_key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The prefix of flag `name`'s audit records: the prefix without its '/', then
    /// `.audit/NAME/`.
    ///
    /// ```
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/a/")?;
    /// assert_eq!(c.audit_prefix("dark_mode"), "/flags/a.audit/dark_mode/");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn audit_prefix(&self, name: &str) -> String {
        format!("{}.audit/{name}/", self.base())
    }

    /// The prefix of the instances' presence keys: the prefix without its '/', then
    /// `.instances/`.
    ///
    /// ```
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/a/")?;
    /// assert_eq!(c.instances_prefix(), "/flags/a.instances/");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn instances_prefix(&self) -> String {
        format!("{}.instances/", self.base())
    }

    /// The presence key of instance `id`.
    ///
    /// ```
    /// let c = flag_etcd::FleetConfig::new(vec!["http://127.0.0.1:2379".into()], "/flags/a/")?;
    /// assert_eq!(c.instance_key("web-1"), "/flags/a.instances/web-1");
    /// # Ok::<(), flag_etcd::Error>(())
    /// ```
    pub fn instance_key(&self, id: &str) -> String {
        format!("{}{id}", self.instances_prefix())
    }

    /// The endpoints as one string, for messages.
    pub(crate) fn endpoints_text(&self) -> String {
        self.endpoints.join(",")
    }

    fn base(&self) -> &str {
        self.prefix.strip_suffix('/').unwrap_or(&self.prefix)
    }
}

/// The audit key of one record: the audit prefix and a 20-digit, zero-padded sequence.
pub(crate) fn audit_key(config: &FleetConfig, name: &str, sequence: i64) -> String {
    format!("{}{:020}", config.audit_prefix(name), sequence.max(0))
}

fn validate_prefix(prefix: &str) -> Result<(), Error> {
    if !prefix.ends_with('/') {
        return Err(Error::InvalidConfig(format!(
            "the prefix {prefix:?} must end with '/' (for example \"/flags/checkout/prod/\")"
        )));
    }
    if prefix.len() < 2 {
        return Err(Error::InvalidConfig(
            "the prefix must name something before its trailing '/' (for example \"/flags/checkout/prod/\")"
                .into(),
        ));
    }
    if prefix.chars().any(char::is_control) {
        return Err(Error::InvalidConfig(format!(
            "the prefix {prefix:?} has a control character"
        )));
    }
    Ok(())
}

/// Checks one path segment: a flag name or an instance id.
pub(crate) fn validate_segment(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::InvalidInput(format!("the {what} is empty")));
    }
    if value.contains('/') || value.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "the {what} {value:?} has a '/' or a control character"
        )));
    }
    Ok(())
}

/// Parses a comma-separated endpoint list, as the `FEATURE_FLAGS_ETCD` variable holds it.
///
/// Each endpoint is trimmed; one without a scheme gets `http://`; `https://` is refused (this
/// crate is built without TLS); an empty list or an empty item is refused.
///
/// ```
/// let eps = flag_etcd::parse_endpoints("http://a:2379, b:2379")?;
/// assert_eq!(eps, ["http://a:2379", "http://b:2379"]);
/// assert!(flag_etcd::parse_endpoints("").is_err());
/// assert!(flag_etcd::parse_endpoints("http://a:2379,,http://b:2379").is_err());
/// # Ok::<(), flag_etcd::Error>(())
/// ```
pub fn parse_endpoints(value: &str) -> Result<Vec<String>, Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidConfig("no etcd endpoint given".into()));
    }
    value.split(',').map(normalize_endpoint).collect()
}

fn normalize_endpoint(raw: &str) -> Result<String, Error> {
    let e = raw.trim();
    if e.is_empty() {
        return Err(Error::InvalidConfig(format!(
            "empty etcd endpoint in {raw:?} (expected \"http://host:port\")"
        )));
    }
    if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidConfig(format!(
            "etcd endpoint {e:?} has a space or a control character"
        )));
    }
    if e.starts_with("https://") {
        return Err(Error::InvalidConfig(format!(
            "etcd endpoint {e:?}: TLS is not supported by this build; use http://"
        )));
    }
    let with_scheme = if e.starts_with("http://") {
        e.to_owned()
    } else if e.contains("://") {
        return Err(Error::InvalidConfig(format!(
            "etcd endpoint {e:?}: only http:// is supported"
        )));
    } else {
        format!("http://{e}")
    };
    let authority = &with_scheme["http://".len()..];
    let host_port = authority.split('/').next().unwrap_or("");
    if host_port.is_empty() {
        return Err(Error::InvalidConfig(format!(
            "etcd endpoint {e:?} has no host (expected \"http://host:port\")"
        )));
    }
    Ok(with_scheme)
}

/// One instance of the service, as its presence key tells the fleet.
///
/// The watcher writes it as JSON under [`FleetConfig::instance_key`], attached to a lease of
/// [`PRESENCE_TTL_SECS`], and keeps `revision` at the revision it has applied.
///
/// ```
/// let p = flag_etcd::Presence::new("checkout-1")?;
/// assert_eq!(p.pid, std::process::id());
/// assert_eq!(p.revision, 0);
/// let json = serde_json::to_string(&p).unwrap();
/// assert_eq!(serde_json::from_str::<flag_etcd::Presence>(&json).unwrap(), p);
/// # Ok::<(), flag_etcd::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Presence {
    /// The instance id: unique in the fleet, no '/'.
    pub instance: String,
    /// The host it runs on.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// When it started, in seconds since the Unix epoch.
    pub started_at: u64,
    /// The etcd revision whose state it has applied (0 before the first read).
    pub revision: i64,
}

impl Presence {
    /// This process: the given instance id, the host name (`HOSTNAME`, else
    /// `/etc/hostname`, else `"unknown"`), `std::process::id()`, now, revision 0.
    ///
    /// ```
    /// assert!(flag_etcd::Presence::new("a/b").is_err());
    /// ```
    pub fn new(instance: impl Into<String>) -> Result<Self, Error> {
        let instance = instance.into();
        validate_segment("instance id", &instance)?;
        Ok(Presence {
            instance,
            host: host_name(),
            pid: std::process::id(),
            started_at: unix_now(),
            revision: 0,
        })
    }
}

fn host_name() -> String {
    if let Ok(h) = std::env::var("HOSTNAME") {
        let h = h.trim();
        if !h.is_empty() {
            return h.to_owned();
        }
    }
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        let h = h.trim();
        if !h.is_empty() {
            return h.to_owned();
        }
    }
    "unknown".to_owned()
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_checked() {
        let ep = || vec!["http://127.0.0.1:2379".to_string()];
        assert!(FleetConfig::new(ep(), "/").is_err());
        assert!(FleetConfig::new(ep(), "").is_err());
        assert!(FleetConfig::new(ep(), "flags").is_err());
        assert!(FleetConfig::new(ep(), "flags/").is_ok());
    }

    #[test]
    fn sibling_prefixes_sort_outside_the_flags_prefix() {
        let c = FleetConfig::new(vec!["http://h:1".into()], "/flags/checkout/prod/").unwrap();
        // A prefix watch on P covers [P, P with its last byte + 1), that is [".../prod/",
        // ".../prod0"): '.' sorts before '/', so the siblings are outside.
        let end = "/flags/checkout/prod0";
        for k in [c.audit_prefix("x"), c.instance_key("i")] {
            assert!(
                !(k.as_str() >= c.prefix.as_str() && k.as_str() < end),
                "{k}"
            );
        }
        assert_eq!(
            audit_key(&c, "x", 42),
            "/flags/checkout/prod.audit/x/00000000000000000042"
        );
    }

    #[test]
    fn endpoints() {
        assert_eq!(parse_endpoints(" http://a:1 ").unwrap(), ["http://a:1"]);
        assert!(parse_endpoints("https://a:1").is_err());
        assert!(parse_endpoints("unix://a").is_err());
        assert!(parse_endpoints("http://").is_err());
        assert!(parse_endpoints("http://a b:1").is_err());
    }

    #[test]
    fn backoff_order() {
        let c = FleetConfig::new(vec!["http://h:1".into()], "/f/")
            .unwrap()
            .with_backoff(Duration::from_secs(2), Duration::from_secs(1));
        assert!(c.validate().is_err());
    }
}
