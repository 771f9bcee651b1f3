//! Trusted reverse proxies, and the client address a request comes from behind them
//! ([`TrustedProxies::client`]): what the rate limits key their buckets on.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::http::{HeaderMap, HeaderName};

use crate::ConfigError;

/// The header a reverse proxy appends the address of its own client to.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// An IP network: an address and a prefix length (`10.0.0.0/8`, `2001:db8::/32`); a bare
/// address is the network of that one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `addr` or `addr/prefix`. The address may have no bits set past the prefix
    /// (`10.0.0.1/8` is refused, since it reads like one host but would trust 16 million).
    /// An IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) is read as the IPv4 one.
    pub fn parse(text: &str) -> Result<IpNet, String> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| "it is not an IP address or a CIDR range (address/prefix)".to_string())?;
        let max = max_prefix(addr);
        let prefix = match prefix_text {
            None => max,
            Some(p) => Some(p)
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u8>().ok())
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("the prefix length must be a number from 0 to {max}"))?,
        };
        let net = IpNet { addr, prefix };
        if net.masked() != addr {
            return Err(format!(
                "it has bits set past the prefix length (the network is {}/{prefix})",
                net.masked()
            ));
        }
        Ok(match addr {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => IpNet {
                    addr: IpAddr::V4(v4),
                    prefix: prefix - 96,
                },
                None => net,
            },
            _ => net,
        })
    }

    /// Whether `ip` is in the network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask_v4(ip, self.prefix) == mask_v4(net, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask_v6(ip, self.prefix) == mask_v6(net, self.prefix)
            }
            _ => false,
        }
    }

    /// The address with the bits past the prefix cleared.
    fn masked(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(mask_v4(a, self.prefix)),
            IpAddr::V6(a) => IpAddr::V6(mask_v6(a, self.prefix)),
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask_v4(a: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let bits = u32::from(a);
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(bits & mask)
}

fn mask_v6(a: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let bits = u128::from(a);
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Ipv6Addr::from(bits & mask)
}

/// The reverse proxies whose `X-Forwarded-For` is believed (`trusted_proxies`,
/// `LER_TRUSTED_PROXIES`); none by default, so the peer address is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a list of addresses and CIDR ranges; `from` names where they came from for the
    /// error, which names the bad entry.
    pub fn parse<'a>(
        entries: impl IntoIterator<Item = &'a str>,
        from: &'static str,
    ) -> Result<TrustedProxies, ConfigError> {
        entries
            .into_iter()
            .map(|entry| {
                IpNet::parse(entry.trim()).map_err(|reason| ConfigError::TrustedProxy {
                    from,
                    entry: entry.into(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The networks trusted.
    pub fn nets(&self) -> &[IpNet] {
        &self.0
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The address of the client a request with these headers came from over a connection
    /// from `peer`. When `peer` is a trusted proxy, `X-Forwarded-For` is walked from the right
    /// past the trusted proxies to the first address that is not one; a header that is
    /// missing or malformed on the way there, or names only trusted proxies, leaves `peer`.
    /// When `peer` is not trusted the header is ignored: a client cannot choose its address.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        // Several header lines are one list, in order (RFC 9110, 5.3).
        let mut lines = Vec::new();
        for value in headers.get_all(X_FORWARDED_FOR) {
            let Ok(text) = value.to_str() else {
                return peer;
            };
            lines.push(text);
        }
        // Only the entries up to the first untrusted one are read: what lies left of it is
        // whatever the client sent, and garbage there must not move it into the proxy's bucket.
        for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
            let Some(ip) = forwarded_ip(entry.trim()) else {
                return peer;
            };
            if !self.contains(ip) {
                return ip;
            }
        }
        peer
    }
}

/// One `X-Forwarded-For` entry: an address, or an address and port as some proxies write it
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn forwarded_ip(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests;
