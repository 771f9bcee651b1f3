//! Unit tests for trusted-proxy parsing and the client address behind them.

use axum::http::HeaderValue;

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

fn proxies(entries: &[&str]) -> TrustedProxies {
    TrustedProxies::parse(entries.iter().copied(), "a test").expect("test proxies")
}

fn xff(lines: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in lines {
        headers.append(
            X_FORWARDED_FOR,
            HeaderValue::from_str(line).expect("header"),
        );
    }
    headers
}

/// Checks that a connection from `peer` with these `X-Forwarded-For` lines is keyed on `expect`.
#[track_caller]
fn check(trusted: &TrustedProxies, peer: &str, lines: &[&str], expect: &str) {
    assert_eq!(
        trusted.client(ip(peer), &xff(lines)),
        ip(expect),
        "peer {peer}, X-Forwarded-For {lines:?}"
    );
}

#[test]
fn parses_addresses_and_cidr_ranges() {
    for (text, shown) in [
        ("127.0.0.1", "127.0.0.1/32"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("::1", "::1/128"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("fd00::/8", "fd00::/8"),
        ("::/0", "::/0"),
        ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
        ("::ffff:192.0.2.7", "192.0.2.7/32"),
    ] {
        let net = IpNet::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(net.to_string(), shown, "{text}");
    }
}

#[test]
fn refuses_what_is_not_an_address_or_a_range() {
    for bad in [
        "",
        "localhost",
        "10.0.0",
        "10.0.0.0/",
        "10.0.0.0/33",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/8/8",
        "::1/129",
        "10.0.0.1/8",
        "2001:db8::1/32",
        "10.0.0.1:80",
    ] {
        assert!(IpNet::parse(bad).is_err(), "{bad:?} should be refused");
    }
    let err = IpNet::parse("10.0.0.1/8").expect_err("host bits");
    assert!(err.contains("10.0.0.0/8"), "{err}");
}

#[test]
fn a_bad_entry_is_named_in_the_error() {
    let err = TrustedProxies::parse(["10.0.0.0/8", "10.0.0.300"], "LER_TRUSTED_PROXIES")
        .expect_err("bad entry");
    let message = err.to_string();
    assert!(
        message.contains("\"10.0.0.300\"") && message.contains("LER_TRUSTED_PROXIES"),
        "{message}"
    );
}

#[test]
fn ranges_contain_their_addresses_only() {
    let t = proxies(&["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]);
    assert!(t.contains(ip("10.255.0.1")));
    assert!(!t.contains(ip("11.0.0.1")));
    assert!(t.contains(ip("192.0.2.1")));
    assert!(!t.contains(ip("192.0.2.2")));
    assert!(t.contains(ip("2001:db8:ffff::1")));
    assert!(!t.contains(ip("2001:db9::1")));
    assert!(
        t.contains(ip("::ffff:10.1.2.3")),
        "IPv4-mapped, as a dual-stack listener reports IPv4 peers"
    );
    assert!(!t.contains(ip("::a01:203")), "IPv4-compatible is not IPv4");
    assert!(proxies(&["0.0.0.0/0"]).contains(ip("203.0.113.9")));
    assert!(!proxies(&["0.0.0.0/0"]).contains(ip("::1")));
    assert!(TrustedProxies::default().is_empty());
}

#[test]
fn walks_forwarded_for_from_the_right_past_trusted_proxies() {
    let t = proxies(&["10.0.0.0/8", "127.0.0.1"]);
    check(&t, "127.0.0.1", &["203.0.113.7"], "203.0.113.7");
    // A chain of proxies: the client's proxy appended 10.1.1.1's client, and so on.
    check(
        &t,
        "10.0.0.2",
        &["198.51.100.1, 203.0.113.7, 10.1.1.1"],
        "203.0.113.7",
    );
    // Several header lines are one list.
    check(
        &t,
        "10.0.0.2",
        &["198.51.100.1", "203.0.113.7, 10.1.1.1"],
        "203.0.113.7",
    );
    // Ports as some proxies write them.
    check(&t, "10.0.0.2", &["203.0.113.7:4711"], "203.0.113.7");
    check(&t, "10.0.0.2", &["[2001:db8::7]:4711"], "2001:db8::7");
}

#[test]
fn walks_ipv6_chains() {
    let t = proxies(&["2001:db8:1::/48", "::1"]);
    check(
        &t,
        "::1",
        &["2001:db8:9::5, 2001:db8:1::2"],
        "2001:db8:9::5",
    );
    check(&t, "2001:db8:1::1", &["203.0.113.7"], "203.0.113.7");
    check(&t, "2001:db8:9::1", &["203.0.113.7"], "2001:db8:9::1");
    // A dual-stack listener reports an IPv4 proxy as IPv4-mapped.
    let t = proxies(&["10.0.0.0/8"]);
    check(&t, "::ffff:10.0.0.2", &["2001:db8::7"], "2001:db8::7");
    check(&t, "::ffff:203.0.113.9", &["2001:db8::7"], "203.0.113.9");
}

#[test]
fn an_untrusted_peer_cannot_spoof_its_address() {
    let t = proxies(&["10.0.0.0/8"]);
    check(&t, "203.0.113.9", &["198.51.100.1"], "203.0.113.9");
    check(
        &t,
        "203.0.113.9",
        &["198.51.100.1, 10.0.0.2"],
        "203.0.113.9",
    );
    check(&t, "203.0.113.9", &["garbage"], "203.0.113.9");
    // With none trusted (the default) nothing forwarded is believed, not even from loopback.
    check(
        &TrustedProxies::default(),
        "127.0.0.1",
        &["198.51.100.1"],
        "127.0.0.1",
    );
}

#[test]
fn a_client_behind_a_trusted_proxy_cannot_spoof_past_it() {
    let t = proxies(&["10.0.0.0/8"]);
    // The client sent "X-Forwarded-For: 198.51.100.1"; the proxy appended the real address.
    check(
        &t,
        "10.0.0.2",
        &["198.51.100.1, 203.0.113.7"],
        "203.0.113.7",
    );
    // Garbage left of the real address does not move the client into the proxy's bucket.
    check(
        &t,
        "10.0.0.2",
        &["not an address, 203.0.113.7"],
        "203.0.113.7",
    );
    check(&t, "10.0.0.2", &[", 203.0.113.7"], "203.0.113.7");
}

#[test]
fn falls_back_to_the_peer_when_the_header_tells_nothing() {
    let t = proxies(&["10.0.0.0/8", "::1"]);
    check(&t, "10.0.0.2", &[], "10.0.0.2");
    check(&t, "10.0.0.2", &["10.0.0.3, 10.9.9.9"], "10.0.0.2");
    check(&t, "::1", &["::1"], "::1");
    check(&t, "10.0.0.2", &["203.0.113.7, nonsense"], "10.0.0.2");
    check(&t, "10.0.0.2", &["203.0.113.7,"], "10.0.0.2");
    check(&t, "10.0.0.2", &[""], "10.0.0.2");
    check(&t, "10.0.0.2", &["unknown"], "10.0.0.2");
    let mut headers = HeaderMap::new();
    headers.insert(
        X_FORWARDED_FOR,
        HeaderValue::from_bytes(b"203.0.113.\xff").expect("opaque header"),
    );
    assert_eq!(t.client(ip("10.0.0.2"), &headers), ip("10.0.0.2"));
}
