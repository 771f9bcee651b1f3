//! Per-client token buckets for the endpoints worth attacking (login, verify).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per client IP address: `burst` requests at once, refilled at `per_second`.
/// A rate of 0 (or less) allows everything.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter allowing `burst` requests at once and `per_second` sustained.
    pub fn new(burst: f64, per_second: f64) -> RateLimiter {
        RateLimiter {
            burst: burst.max(1.0),
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now`; false when its bucket is empty.
    pub fn check(&self, client: IpAddr, now: Instant) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere; do not lock every client out for it.
            return true;
        };
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn empties_and_refills() {
        let limiter = RateLimiter::new(2.0, 1.0);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        let t = Instant::now();
        assert!(limiter.check(ip, t));
        assert!(limiter.check(ip, t));
        assert!(!limiter.check(ip, t));
        assert!(limiter.check(other, t), "clients have their own buckets");
        assert!(limiter.check(ip, t + Duration::from_millis(1_100)));
        assert!(!limiter.check(ip, t + Duration::from_millis(1_200)));
    }

    #[test]
    fn a_zero_rate_allows_everything() {
        let limiter = RateLimiter::new(1.0, 0.0);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let t = Instant::now();
        assert!((0..100).all(|_| limiter.check(ip, t)));
    }
}
