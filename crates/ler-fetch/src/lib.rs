//! The HTTP [`Fetcher`] ler's verifier is given for did:web documents and status lists.
//!
//! The principal type is [`HttpFetcher`]. Every URL a credential names is hostile input, so it
//! fetches over HTTPS only, refuses loopback, private, link-local and other non-public
//! addresses (checked on the resolved address, on every redirect hop, so DNS tricks do not get
//! around it), times out, caps the response size, and caches answers for a short while. Tests
//! and operators on a private network loosen this with [`Policy::allow_private`] (and tests
//! with [`Policy::danger_allow_http`]). The service's webhook deliveries go out through the
//! same guard ([`HttpFetcher::post`], [`HttpFetcher::check_target`]).

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use ler_verify::{FetchError, Fetcher};

/// What the fetcher allows.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Allow loopback and private addresses (tests; a deployment on a private network).
    pub allow_private: bool,
    /// Allow plain `http://` URLs, and fetch `https://` ones over plain HTTP (tests only).
    pub danger_allow_http: bool,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for the whole request.
    pub timeout: Duration,
    /// Largest response body read.
    pub max_bytes: usize,
    /// How long an answer is reused.
    pub cache_ttl: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_private: false,
            danger_allow_http: false,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_bytes: 2 * 1024 * 1024,
            cache_ttl: Duration::from_secs(300),
            max_redirects: 3,
        }
    }
}

/// Most cached answers kept.
const CACHE_CAPACITY: usize = 512;

/// A blocking HTTPS fetcher with an SSRF guard, timeouts, a size cap and a cache.
pub struct HttpFetcher {
    policy: Policy,
    agent: ureq::Agent,
    cache: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
}

impl HttpFetcher {
    /// A fetcher with this policy.
    pub fn new(policy: Policy) -> HttpFetcher {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(policy.connect_timeout)
            .timeout(policy.timeout)
            .redirects(0)
            .user_agent(concat!("ler/", env!("CARGO_PKG_VERSION")))
            .resolver(GuardedResolver {
                allow_private: policy.allow_private,
            })
            .build();
        HttpFetcher {
            policy,
            agent,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn check_url(&self, url: &str) -> Result<String, FetchError> {
        let refused = |reason: &str| FetchError::Refused {
            url: url.into(),
            reason: reason.into(),
        };
        if let Some(rest) = url.strip_prefix("https://") {
            if self.policy.danger_allow_http {
                return Ok(format!("http://{rest}"));
            }
            return Ok(url.into());
        }
        if url.starts_with("http://") {
            if self.policy.danger_allow_http {
                return Ok(url.into());
            }
            return Err(refused("only https URLs are fetched"));
        }
        Err(refused("not an https URL"))
    }

    fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let mut current = url.to_string();
        for _ in 0..=self.policy.max_redirects {
            let wire = self.check_url(&current)?;
            let failed = |reason: String| FetchError::Failed {
                url: current.clone(),
                reason,
            };
            let response = match self.agent.get(&wire).call() {
                Ok(r) => r,
                Err(ureq::Error::Status(code, r)) if (300..400).contains(&code) => r,
                Err(ureq::Error::Status(code, _)) => {
                    return Err(failed(format!("the server answered {code}")));
                }
                Err(ureq::Error::Transport(t)) => {
                    let msg = t.to_string();
                    if msg.contains("refused by ler") {
                        return Err(FetchError::Refused {
                            url: current.clone(),
                            reason:
                                "it resolves to a loopback, private or otherwise non-public address"
                                    .into(),
                        });
                    }
                    return Err(failed(msg));
                }
            };
            if (300..400).contains(&response.status()) {
                let Some(location) = response.header("location") else {
                    return Err(failed("a redirect without a Location".into()));
                };
                current = resolve_location(&current, location);
                continue;
            }
            if let Some(len) = response
                .header("content-length")
                .and_then(|l| l.parse::<usize>().ok())
                && len > self.policy.max_bytes
            {
                return Err(FetchError::TooLarge {
                    url: current,
                    limit: self.policy.max_bytes,
                });
            }
            let mut body = Vec::new();
            response
                .into_reader()
                .take(self.policy.max_bytes as u64 + 1)
                .read_to_end(&mut body)
                .map_err(|e| failed(e.to_string()))?;
            if body.len() > self.policy.max_bytes {
                return Err(FetchError::TooLarge {
                    url: current,
                    limit: self.policy.max_bytes,
                });
            }
            return Ok(body);
        }
        Err(FetchError::Failed {
            url: url.into(),
            reason: format!("more than {} redirects", self.policy.max_redirects),
        })
    }
}

impl HttpFetcher {
    /// Checks that `url` may be contacted under the policy, without contacting it: an
    /// `https://` URL (or `http://` when [`Policy::danger_allow_http`]) with no credentials in
    /// it, whose host resolves to at least one address the policy allows. For a webhook's URL
    /// when it is registered; every request is checked again when it is made.
    pub fn check_target(&self, url: &str) -> Result<(), FetchError> {
        let wire = self.check_url(url)?;
        let refused = |reason: &str| FetchError::Refused {
            url: url.into(),
            reason: reason.into(),
        };
        let netloc = netloc(&wire).map_err(refused)?;
        let resolver = GuardedResolver {
            allow_private: self.policy.allow_private,
        };
        match ureq::Resolver::resolve(&resolver, &netloc) {
            Ok(addrs) if !addrs.is_empty() => Ok(()),
            Ok(_) => Err(refused("its host name does not resolve")),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(refused(
                "it resolves to a loopback, private or otherwise non-public address",
            )),
            Err(e) => Err(FetchError::Failed {
                url: url.into(),
                reason: format!("its host name does not resolve: {e}"),
            }),
        }
    }

    /// POSTs `body` to `url` with `headers`, under the same guard as every fetch (scheme,
    /// the resolved address of the connection, timeouts), following no redirect. Returns the
    /// receiver's status, whatever it is; `Err` only when no answer came (refused address,
    /// connection failure, timeout). The response body is read up to 64 KiB and dropped.
    pub fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<u16, FetchError> {
        let wire = self.check_url(url)?;
        let mut request = self.agent.post(&wire);
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let response = match request.send_bytes(body) {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => {
                let msg = t.to_string();
                if msg.contains("refused by ler") {
                    return Err(FetchError::Refused {
                        url: url.into(),
                        reason:
                            "it resolves to a loopback, private or otherwise non-public address"
                                .into(),
                    });
                }
                return Err(FetchError::Failed {
                    url: url.into(),
                    reason: msg,
                });
            }
        };
        let status = response.status();
        let mut sink = Vec::new();
        // The answer's body says nothing the caller needs; reading a little of it lets the
        // connection close cleanly. Failing to read it does not change the status.
        let _ = response
            .into_reader()
            .take(64 * 1024)
            .read_to_end(&mut sink);
        Ok(status)
    }
}

/// The `host:port` of an absolute `http(s)://` URL, for the resolver; URLs with credentials
/// (`user@host`) are refused.
fn netloc(url: &str) -> Result<String, &'static str> {
    let (scheme, rest) = url.split_once("://").ok_or("not an absolute URL")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() {
        return Err("it names no host");
    }
    if authority.contains('@') {
        return Err("it carries credentials");
    }
    let has_port = match authority.rfind(']') {
        Some(bracket) => authority[bracket..].contains(':'),
        None => authority.contains(':'),
    };
    if has_port {
        return Ok(authority.to_owned());
    }
    let port = if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        80
    };
    Ok(format!("{authority}:{port}"))
}

impl Fetcher for HttpFetcher {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        if let Some((at, body)) = self.cache.lock().ok().and_then(|c| c.get(url).cloned())
            && at.elapsed() < self.policy.cache_ttl
        {
            return Ok(body);
        }
        let body = self.get(url)?;
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(url.into(), (Instant::now(), body.clone()));
        }
        Ok(body)
    }
}

fn resolve_location(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.into();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if location.starts_with('/') {
        format!("{}{location}", &base[..authority_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|i| *i >= authority_end)
            .map_or(authority_end, |i| i);
        format!("{}/{location}", &base[..dir_end])
    }
}

/// Resolves host names, and refuses non-public addresses unless allowed.
struct GuardedResolver {
    allow_private: bool,
}

impl ureq::Resolver for GuardedResolver {
    fn resolve(&self, netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
        let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        if self.allow_private {
            return Ok(addrs);
        }
        let public: Vec<SocketAddr> = addrs.into_iter().filter(|a| is_public(a.ip())).collect();
        if public.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "refused by ler: non-public address",
            ));
        }
        Ok(public)
    }
}

/// Whether an address is on the public internet (not loopback, private, link-local, shared,
/// documentation, multicast, unspecified; IPv4-mapped IPv6 judged as IPv4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}
