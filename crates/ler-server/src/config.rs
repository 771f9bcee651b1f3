//! Configuration: flags, then environment (`LER_*`), then a TOML file, then defaults.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ler_crypto::{Kek, Zeroizing};
use ler_store::Location;
use serde::Deserialize;

use crate::proxy::TrustedProxies;

/// Why a configuration could not be resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key-encryption key and not in `--dev` mode.
    #[error(
        "no key-encryption key: set LER_KEK (base64 of 32 bytes, `ler admin gen-kek` prints one), \
         LER_KEK_FILE or --kek-file, or run with --dev for a throwaway one"
    )]
    NoKek,
    /// The KEK text is not base64 of 32 bytes.
    #[error("the key-encryption key from {from} is not valid: {reason}")]
    BadKek {
        /// Where it came from.
        from: String,
        /// Why it is not valid.
        reason: String,
    },
    /// A file could not be read.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML file does not parse.
    #[error("the configuration file {path} is not valid: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// Both a data directory and a database URL at the same level.
    #[error("{0} gives both a data directory and a database URL; give one")]
    BothLocations(&'static str),
    /// A database URL that is not PostgreSQL.
    #[error("the database URL must start with postgres:// or postgresql://, not {0:?}")]
    DatabaseUrl(String),
    /// The listen address does not parse.
    #[error("the listen address {0:?} is not an IP address and port (such as 127.0.0.1:8080)")]
    Listen(String),
    /// The public URL does not parse.
    #[error("the public URL {url:?} is not valid: {reason}")]
    PublicUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// An unknown log format.
    #[error("the log format must be text or json, not {0:?}")]
    LogFormat(String),
    /// A pseudonym secret too short to keep pseudonyms unlinkable.
    #[error(
        "the pseudonym secret from {0} is too short: give at least {MIN_PSEUDONYM_SECRET} characters (`ler admin gen-kek` prints a good one)"
    )]
    PseudonymSecret(&'static str),
    /// A suppression threshold for outcome reports below the floor, or not a number.
    #[error("{0}")]
    MinCell(String),
    /// A trusted proxy that is not an IP address or a CIDR range.
    #[error("the trusted proxy {entry:?} in {from} is not valid: {reason}")]
    TrustedProxy {
        /// Where it came from (`LER_TRUSTED_PROXIES` or the configuration file).
        from: &'static str,
        /// The entry as given.
        entry: String,
        /// Why it is not valid.
        reason: String,
    },
}

/// Fewest bytes a configured pseudonym secret may have.
pub const MIN_PSEUDONYM_SECRET: usize = 32;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// Parses `text` or `json`.
    pub fn parse(s: &str) -> Result<LogFormat, ConfigError> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(ConfigError::LogFormat(other.into())),
        }
    }
}

/// Request rate limits per client IP address (token buckets); a rate of 0 turns one off.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Login attempts per minute, sustained.
    pub login_per_minute: f64,
    /// Login attempts allowed in a burst.
    pub login_burst: f64,
    /// Verify requests per second, sustained.
    pub verify_per_second: f64,
    /// Verify requests allowed in a burst.
    pub verify_burst: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_minute: 10.0,
            login_burst: 10.0,
            verify_per_second: 50.0,
            verify_burst: 100.0,
        }
    }
}

/// The address the world uses to reach the service, `http(s)://host[:port]` with no path;
/// organization DIDs and status list URLs are made from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    https: bool,
    host: String,
    port: Option<u16>,
}

impl PublicUrl {
    /// Parses `http://host[:port]` or `https://host[:port]` (a trailing `/` is allowed). The
    /// host must be a DNS name, since did:web does not allow IP addresses.
    pub fn parse(url: &str) -> Result<PublicUrl, ConfigError> {
        let err = |reason: &str| ConfigError::PublicUrl {
            url: url.into(),
            reason: reason.into(),
        };
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(err("it must start with http:// or https://"));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) {
            return Err(err(
                "it must be scheme://host[:port] with no path, query or user",
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => {
                let port: u16 = p
                    .parse()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| err("the port is not a number from 1 to 65535"))?;
                (h, Some(port))
            }
            None => (authority, None),
        };
        let host = host.to_ascii_lowercase();
        if host.parse::<IpAddr>().is_ok() || host.starts_with('[') {
            return Err(err(
                "did:web needs a host name, not an IP address (use localhost for this machine)",
            ));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
            return Err(err("the host is not a DNS name"));
        }
        let default_port = if https { 443 } else { 80 };
        Ok(PublicUrl {
            https,
            host,
            port: port.filter(|p| *p != default_port),
        })
    }

    /// The default public URL for a listen address: `http://<listen>`, with a loopback or
    /// unspecified address written as `localhost` (did:web needs a host name).
    pub fn for_listen(listen: SocketAddr) -> PublicUrl {
        let ip = listen.ip();
        let host = if ip.is_loopback() || ip.is_unspecified() {
            "localhost".to_string()
        } else {
            // An interface address: did:web cannot name it, but the service still runs;
            // the operator sets --public-url to a host name before creating organizations.
            ip.to_string()
        };
        PublicUrl {
            https: false,
            host,
            port: Some(listen.port()).filter(|p| *p != 80),
        }
    }

    /// Whether the URL is `https` (session cookies are then `Secure`).
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// `host[:port]`, as it appears in URLs.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.authority())
    }

    /// The did:web DID of an organization hosted here: `did:web:<host>[%3A<port>]:orgs:<slug>`.
    pub fn org_did(&self, slug: &str) -> String {
        let authority = match self.port {
            Some(p) => format!("{}%3A{p}", self.host),
            None => self.host.clone(),
        };
        format!("did:web:{authority}:orgs:{slug}")
    }

    /// The path of `url` when it points at this service (scheme ignored, since did:web always
    /// resolves over https even when the service is reached over plain http in development).
    pub fn local_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let default_port = if url.starts_with("https://") { 443 } else { 80 };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok()?),
            None => (authority, default_port),
        };
        let ours = self.port.unwrap_or(if self.https { 443 } else { 80 });
        // did:web URLs are https on 443 when no port is given; a plain-http service on
        // port 80 is reached through them the same way.
        let port_matches = port == ours || (self.port.is_none() && (port == 80 || port == 443));
        (host.eq_ignore_ascii_case(&self.host) && port_matches).then_some(path)
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base())
    }
}

/// What the command line gave (`None`: not given).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--data DIR`.
    pub data: Option<PathBuf>,
    /// `--database URL`.
    pub database: Option<String>,
    /// `--listen ADDR`.
    pub listen: Option<String>,
    /// `--public-url URL`.
    pub public_url: Option<String>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--kek-file FILE`.
    pub kek_file: Option<PathBuf>,
    /// `--dev`: a throwaway KEK when none is configured.
    pub dev: bool,
    /// `--log-format text|json`.
    pub log_format: Option<String>,
}

/// The TOML configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    kek_file: Option<PathBuf>,
    log_format: Option<String>,
    limits: Option<Limits>,
    pseudonym_secret: Option<String>,
    cbo_min_cell: Option<usize>,
    trusted_proxies: Option<Vec<String>>,
}

/// A resolved configuration.
#[derive(Clone)]
pub struct Config {
    /// Where the data lives.
    pub location: Location,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The address the world sees.
    pub public_url: PublicUrl,
    /// The key-encryption key for the organizations' signing keys.
    pub kek: Arc<Kek>,
    /// Whether the KEK is a throwaway one (`--dev`).
    pub dev: bool,
    /// How logs are written.
    pub log_format: LogFormat,
    /// Rate limits.
    pub limits: Limits,
    /// The secret an erased holder's access-log entries are pseudonymized under
    /// (`LER_PSEUDONYM_SECRET`); `None` derives one from the KEK (HMAC-SHA-256).
    pub pseudonym_secret: Option<Arc<Zeroizing<Vec<u8>>>>,
    /// The fewest people an outcome report's figure may rest on (`LER_CBO_MIN_CELL`, else
    /// `cbo_min_cell` in the file, else [`ler_cbo::DEFAULT_K`]).
    pub cbo_min_cell: usize,
    /// The reverse proxies whose `X-Forwarded-For` names the client (`LER_TRUSTED_PROXIES`,
    /// comma-separated, else `trusted_proxies` in the file, else none).
    pub trusted_proxies: TrustedProxies,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("location", &self.location)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url.base())
            .field("kek", &"(hidden)")
            .field("dev", &self.dev)
            .field("log_format", &self.log_format)
            .field("limits", &self.limits)
            .field(
                "pseudonym_secret",
                &self.pseudonym_secret.as_ref().map(|_| "(hidden)"),
            )
            .field("cbo_min_cell", &self.cbo_min_cell)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// The smallest suppression threshold the configuration accepts: below it, one released
/// figure could describe a single person.
const MIN_CELL_FLOOR: usize = 2;

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default data directory.
pub const DEFAULT_DATA: &str = "./ler-data";

impl Config {
    /// Resolves flags, then the environment (`env` looks a variable up: pass
    /// `|k| std::env::var(k).ok()`), then the TOML file named by `--config`, then defaults.
    pub fn resolve(
        flags: &Flags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let file = file_config(flags)?;
        let location = resolve_location(flags, env, &file)?;
        let listen = resolve_listen(flags, env, &file)?;
        let public_url = resolve_public_url(flags, env, &file, listen)?;
        let log_format = match flags
            .log_format
            .clone()
            .or_else(|| env("LER_LOG_FORMAT"))
            .or(file.log_format.clone())
        {
            Some(f) => LogFormat::parse(&f)?,
            None => LogFormat::Text,
        };
        let pseudonym_secret = resolve_pseudonym_secret(env, &file)?;
        let trusted_proxies = resolve_trusted_proxies(env, &file)?;
        let cbo_min_cell = match env("LER_CBO_MIN_CELL") {
            Some(text) => text.trim().parse().ok().filter(|k| *k >= MIN_CELL_FLOOR).ok_or_else(
                || ConfigError::MinCell(format!(
                    "LER_CBO_MIN_CELL must be a whole number of at least {MIN_CELL_FLOOR}, not {text:?}"
                )),
            )?,
            None => match file.cbo_min_cell {
                Some(k) if k < MIN_CELL_FLOOR => {
                    return Err(ConfigError::MinCell(format!(
                        "cbo_min_cell must be at least {MIN_CELL_FLOOR}, not {k}"
                    )));
                }
                Some(k) => k,
                None => ler_cbo::DEFAULT_K,
            },
        };
        let (kek, dev) = match resolve_kek(flags, env, &file)? {
            Some(kek) => (kek, false),
            None if flags.dev => (Kek::generate(), true),
            None => return Err(ConfigError::NoKek),
        };
        Ok(Config {
            location,
            listen,
            public_url,
            kek: Arc::new(kek),
            dev,
            log_format,
            limits: file.limits.unwrap_or_default(),
            pseudonym_secret,
            cbo_min_cell,
            trusted_proxies,
        })
    }

    /// Only where the data lives (for `ler admin`), with the same precedence.
    pub fn location(
        flags: &Flags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Location, ConfigError> {
        resolve_location(flags, env, &file_config(flags)?)
    }

    /// Only the key-encryption key (for `ler admin`); `NoKek` when none is configured.
    pub fn kek(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Kek, ConfigError> {
        resolve_kek(flags, env, &file_config(flags)?)?.ok_or(ConfigError::NoKek)
    }

    /// Only the public URL (for `ler admin create-org`), defaulting from the listen address.
    pub fn public_url(
        flags: &Flags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PublicUrl, ConfigError> {
        let file = file_config(flags)?;
        let listen = resolve_listen(flags, env, &file)?;
        resolve_public_url(flags, env, &file, listen)
    }
}

fn file_config(flags: &Flags) -> Result<FileConfig, ConfigError> {
    match &flags.config {
        Some(path) => read_file_config(path),
        None => Ok(FileConfig::default()),
    }
}

fn resolve_listen(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<SocketAddr, ConfigError> {
    let text = flags
        .listen
        .clone()
        .or_else(|| env("LER_LISTEN"))
        .or(file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.into());
    text.parse().map_err(|_| ConfigError::Listen(text.clone()))
}

fn resolve_public_url(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
    listen: SocketAddr,
) -> Result<PublicUrl, ConfigError> {
    match flags
        .public_url
        .clone()
        .or_else(|| env("LER_PUBLIC_URL"))
        .or(file.public_url.clone())
    {
        Some(u) => PublicUrl::parse(&u),
        None => Ok(PublicUrl::for_listen(listen)),
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::File {
        path: path.into(),
        reason: e.to_string(),
    })
}

fn resolve_location(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<Location, ConfigError> {
    let levels: [(&'static str, Option<PathBuf>, Option<String>); 3] = [
        (
            "the command line",
            flags.data.clone(),
            flags.database.clone(),
        ),
        (
            "the environment",
            env("LER_DATA").map(PathBuf::from),
            env("LER_DATABASE_URL"),
        ),
        (
            "the configuration file",
            file.data.clone(),
            file.database_url.clone(),
        ),
    ];
    for (level, data, database) in levels {
        match (data, database) {
            (Some(_), Some(_)) => return Err(ConfigError::BothLocations(level)),
            (Some(dir), None) => return Ok(Location::SqliteDir(dir)),
            (None, Some(url)) => return database_location(&url),
            (None, None) => {}
        }
    }
    Ok(Location::SqliteDir(PathBuf::from(DEFAULT_DATA)))
}

/// A `postgres://` location.
pub(crate) fn database_location(url: &str) -> Result<Location, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Location::Postgres(url.into()))
    } else {
        Err(ConfigError::DatabaseUrl(url.into()))
    }
}

fn resolve_kek(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<Option<Kek>, ConfigError> {
    if let Some(path) = &flags.kek_file {
        return kek_from_file(path).map(Some);
    }
    if let Some(text) = env("LER_KEK") {
        let text = Zeroizing::new(text);
        return Kek::parse(&text)
            .map(Some)
            .map_err(|e| ConfigError::BadKek {
                from: "LER_KEK".into(),
                reason: e.to_string(),
            });
    }
    if let Some(path) = env("LER_KEK_FILE") {
        return kek_from_file(Path::new(&path)).map(Some);
    }
    if let Some(path) = &file.kek_file {
        return kek_from_file(path).map(Some);
    }
    Ok(None)
}

/// The pseudonym secret: `LER_PSEUDONYM_SECRET`, else the file's `pseudonym_secret`, else none
/// (the state derives one from the KEK). At least [`MIN_PSEUDONYM_SECRET`] bytes.
fn resolve_pseudonym_secret(
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<Option<Arc<Zeroizing<Vec<u8>>>>, ConfigError> {
    let (from, text) = match (env("LER_PSEUDONYM_SECRET"), &file.pseudonym_secret) {
        (Some(text), _) => ("LER_PSEUDONYM_SECRET", Zeroizing::new(text)),
        (None, Some(text)) => ("the configuration file", Zeroizing::new(text.clone())),
        (None, None) => return Ok(None),
    };
    let bytes = Zeroizing::new(text.trim().as_bytes().to_vec());
    if bytes.len() < MIN_PSEUDONYM_SECRET {
        return Err(ConfigError::PseudonymSecret(from));
    }
    Ok(Some(Arc::new(bytes)))
}

/// The trusted proxies: `LER_TRUSTED_PROXIES` (comma-separated; set but empty trusts none),
/// else the file's `trusted_proxies`, else none.
fn resolve_trusted_proxies(
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<TrustedProxies, ConfigError> {
    if let Some(text) = env("LER_TRUSTED_PROXIES") {
        let entries = text.split(',').map(str::trim).filter(|e| !e.is_empty());
        return TrustedProxies::parse(entries, "LER_TRUSTED_PROXIES");
    }
    match &file.trusted_proxies {
        Some(list) => {
            TrustedProxies::parse(list.iter().map(String::as_str), "the configuration file")
        }
        None => Ok(TrustedProxies::default()),
    }
}

/// Reads a KEK file (base64 of 32 bytes).
pub fn kek_from_file(path: &Path) -> Result<Kek, ConfigError> {
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.into(),
                source,
            })?,
        );
    Kek::parse(&text).map_err(|e| ConfigError::BadKek {
        from: path.display().to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
