//! Prometheus metrics, written in the text exposition format by hand: requests by route and
//! status, a latency histogram per route, and credential counters.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Credentials issued.
    pub issued: AtomicU64,
    /// Credentials and presentations verified (verified = true).
    pub verified_ok: AtomicU64,
    /// Credentials and presentations that did not verify.
    pub verified_failed: AtomicU64,
    /// Credentials revoked.
    pub revoked: AtomicU64,
    /// Credentials suspended.
    pub suspended: AtomicU64,
}

impl Metrics {
    /// Records a finished request.
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((route.to_string(), method.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry(route.to_string()).or_default();
            let secs = elapsed.as_secs_f64();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        }
    }

    /// Counts one verification.
    pub fn count_verification(&self, verified: bool) {
        let c = if verified {
            &self.verified_ok
        } else {
            &self.verified_failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP ler_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE ler_http_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for ((route, method, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "ler_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                    escape(route),
                    escape(method)
                );
            }
        }
        out.push_str(
            "# HELP ler_http_request_duration_seconds Time to answer a request, by route.\n",
        );
        out.push_str("# TYPE ler_http_request_duration_seconds histogram\n");
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                let route = escape(route);
                for (bound, count) in BUCKETS.iter().zip(h.counts) {
                    let _ = writeln!(
                        out,
                        "ler_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "ler_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "ler_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "ler_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        let counter = |out: &mut String, name: &str, help: &str, lines: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (labels, v) in lines {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        counter(
            &mut out,
            "ler_credentials_issued_total",
            "Credentials issued.",
            &[("", self.issued.load(Ordering::Relaxed))],
        );
        counter(
            &mut out,
            "ler_credentials_verified_total",
            "Credentials and presentations verified, by outcome.",
            &[
                (
                    "{verified=\"true\"}",
                    self.verified_ok.load(Ordering::Relaxed),
                ),
                (
                    "{verified=\"false\"}",
                    self.verified_failed.load(Ordering::Relaxed),
                ),
            ],
        );
        counter(
            &mut out,
            "ler_credentials_revoked_total",
            "Credentials revoked.",
            &[("", self.revoked.load(Ordering::Relaxed))],
        );
        counter(
            &mut out,
            "ler_credentials_suspended_total",
            "Credentials suspended.",
            &[("", self.suspended.load(Ordering::Relaxed))],
        );
        out
    }
}

/// Escapes a label value: backslash, double quote and newline.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record("/healthz", "GET", 200, Duration::from_millis(2));
        m.record("/healthz", "GET", 200, Duration::from_millis(20));
        m.issued.fetch_add(3, Ordering::Relaxed);
        let text = m.render();
        assert!(text.contains(
            "ler_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "ler_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1"
        ));
        assert!(text.contains(
            "ler_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("ler_credentials_issued_total 3"));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
