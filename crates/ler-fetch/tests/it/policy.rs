//! The fetch policy: what is refused, the limits, and the cache.

use std::net::IpAddr;
use std::time::Duration;

use ler_fetch::{FetchError, Fetcher, HttpFetcher, Policy, is_public};

use crate::server::{Route, Server};

fn test_policy() -> Policy {
    Policy {
        allow_private: true,
        danger_allow_http: true,
        ..Policy::default()
    }
}

#[test]
fn refuses_loopback_and_private_addresses_by_default() {
    let s = Server::start();
    s.route("/x", Route::ok("{}"));
    let f = HttpFetcher::new(Policy::default());
    let e = f.fetch(&s.url("/x")).expect_err("loopback must be refused");
    assert!(matches!(e, FetchError::Refused { .. }), "{e}");
    assert_eq!(s.hits(), 0, "no request may reach the server");
    for ip in [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "172.16.5.4",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
    ] {
        assert!(!is_public(ip.parse::<IpAddr>().expect("ip")), "{ip}");
    }
    for ip in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] {
        assert!(is_public(ip.parse::<IpAddr>().expect("ip")), "{ip}");
    }
}

#[test]
fn refuses_plain_http_unless_told() {
    let f = HttpFetcher::new(Policy {
        allow_private: true,
        ..Policy::default()
    });
    let e = f.fetch("http://localhost:1/x").expect_err("http refused");
    assert!(matches!(e, FetchError::Refused { reason, .. } if reason.contains("https")));
    let e = f.fetch("ftp://example.org/x").expect_err("ftp refused");
    assert!(matches!(e, FetchError::Refused { .. }));
}

#[test]
fn fetches_caches_and_caps_size() {
    let s = Server::start();
    s.route("/a", Route::ok("hello"));
    s.route("/big", Route::ok(vec![b'x'; 4096]));
    let f = HttpFetcher::new(Policy {
        max_bytes: 1024,
        ..test_policy()
    });
    assert_eq!(f.fetch(&s.url("/a")).expect("fetch"), b"hello");
    s.route("/a", Route::ok("changed"));
    assert_eq!(f.fetch(&s.url("/a")).expect("cached"), b"hello");
    assert_eq!(s.hits(), 1);
    let e = f.fetch(&s.url("/big")).expect_err("too large");
    assert!(matches!(e, FetchError::TooLarge { limit: 1024, .. }), "{e}");
    let e = f.fetch(&s.url("/missing")).expect_err("404");
    assert!(
        matches!(&e, FetchError::Failed { reason, .. } if reason.contains("404")),
        "{e}"
    );
}

#[test]
fn times_out() {
    let s = Server::start();
    s.route(
        "/slow",
        Route {
            delay: Duration::from_secs(3),
            ..Route::ok("late")
        },
    );
    let f = HttpFetcher::new(Policy {
        timeout: Duration::from_millis(300),
        ..test_policy()
    });
    let e = f.fetch(&s.url("/slow")).expect_err("timeout");
    assert!(matches!(e, FetchError::Failed { .. }), "{e}");
}

#[test]
fn follows_a_few_redirects_under_the_same_policy() {
    let s = Server::start();
    s.route("/r1", Route::redirect("/r2"));
    s.route("/r2", Route::ok("there"));
    s.route("/loop", Route::redirect("/loop"));
    let f = HttpFetcher::new(test_policy());
    assert_eq!(f.fetch(&s.url("/r1")).expect("redirect"), b"there");
    let e = f.fetch(&s.url("/loop")).expect_err("loop");
    assert!(
        matches!(&e, FetchError::Failed { reason, .. } if reason.contains("redirects")),
        "{e}"
    );
    // A public-looking URL that redirects to loopback is refused at the second hop.
    s.route(
        "/to-private",
        Route::redirect(&format!("http://127.0.0.1:{}/r2", s.port)),
    );
    let strict = HttpFetcher::new(Policy {
        danger_allow_http: true,
        ..Policy::default()
    });
    let e = strict.fetch(&s.url("/to-private")).expect_err("refused");
    assert!(matches!(e, FetchError::Refused { .. }), "{e}");
}

#[test]
fn checks_a_target_without_contacting_it() {
    let s = Server::start();
    let strict = HttpFetcher::new(Policy::default());
    for url in [
        s.url("/hook"),
        "https://10.0.0.7/hook".to_owned(),
        "https://[::1]:8443/hook".to_owned(),
    ] {
        let e = strict
            .check_target(&url)
            .expect_err("a private address is refused");
        assert!(matches!(e, FetchError::Refused { .. }), "{url}: {e}");
    }
    for url in [
        "http://example.org/hook",
        "https://user:pw@example.org/hook",
        "https:///hook",
    ] {
        let e = strict.check_target(url).expect_err("refused");
        assert!(matches!(e, FetchError::Refused { .. }), "{url}: {e}");
    }
    let open = HttpFetcher::new(test_policy());
    open.check_target(&s.url("/hook"))
        .expect("private addresses are allowed by this policy");
    assert_eq!(s.hits(), 0, "checking contacts nobody");
}

#[test]
fn posts_only_where_the_policy_allows() {
    let s = Server::start();
    s.route("/hook", Route::ok("{}"));
    let strict = HttpFetcher::new(Policy {
        danger_allow_http: true,
        ..Policy::default()
    });
    let e = strict
        .post(
            &s.url("/hook"),
            &[("content-type", "application/json")],
            b"{}",
        )
        .expect_err("loopback is refused");
    assert!(matches!(e, FetchError::Refused { .. }), "{e}");
    assert_eq!(s.hits(), 0, "no request may reach the server");
    let open = HttpFetcher::new(test_policy());
    let status = open
        .post(
            &s.url("/hook"),
            &[("content-type", "application/json")],
            b"{}",
        )
        .expect("an answer");
    assert_eq!(status, 200);
    s.route("/gone", Route::redirect("/hook"));
    let status = open.post(&s.url("/gone"), &[], b"{}").expect("an answer");
    assert_eq!(status, 302, "redirects are not followed");
}
