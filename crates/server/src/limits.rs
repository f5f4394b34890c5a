//! Per-caller rate limits: a token bucket per token (or per address for
//! anonymous callers), answered with 429 and `Retry-After`. The API's
//! limit is per second; the public check's and its tips' are per minute
//! and per hour, per address.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::{ApiError, ErrorCode};

/// Whom a limit applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Token(i64),
    Address(IpAddr),
}

pub struct Limiter {
    limiter: Option<DefaultKeyedRateLimiter<Key>>,
    /// What is counted, for the refusal: "requests for this token".
    what: &'static str,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("on", &self.limiter.is_some())
            .finish()
    }
}

/// Entries kept before forgetting idle callers.
const FORGET_ABOVE: usize = 100_000;

impl Limiter {
    /// `per_second == 0` turns limiting off.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let quota = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            Quota::per_second(rate).allow_burst(burst)
        });
        Limiter::with_quota(quota, "requests for this token")
    }

    /// A limit of `quota` (none: off), refusing with "too many {what}".
    pub fn with_quota(quota: Option<Quota>, what: &'static str) -> Self {
        Limiter {
            limiter: quota.map(DefaultKeyedRateLimiter::keyed),
            what,
        }
    }

    pub fn check(&self, key: Key) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > FORGET_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            metrics::counter!("cordon_rate_limited_total").increment(1);
            ApiError::new(
                ErrorCode::RateLimited,
                format!("too many {}; wait as long as Retry-After says", self.what),
            )
            .retry_after(wait.as_secs() + 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_quota_is_refused_with_a_wait() {
        let limiter = Limiter::new(1, 3);
        let key = Key::Token(7);
        for _ in 0..3 {
            limiter.check(key.clone()).unwrap();
        }
        let refused = limiter.check(key).unwrap_err();
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert!(refused.retry_after.unwrap() >= 1);
        // Another token has its own bucket.
        limiter.check(Key::Token(8)).unwrap();
        // Off means off.
        let off = Limiter::new(0, 0);
        for _ in 0..100 {
            off.check(Key::Token(1)).unwrap();
        }
    }
}
