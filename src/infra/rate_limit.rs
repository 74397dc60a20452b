//! Limits on guessable actions (log-in, registration, password reset), per client
//! address and per account, so neither one machine nor a botnet can hammer an account.
use crate::error::AppError;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

pub struct RateLimits {
    auth: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    pub fn new(auth_attempts_per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(auth_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        RateLimits { auth: RateLimiter::keyed(Quota::per_minute(per_minute)) }
    }

    /// Counts one attempt for each key; refuses when any of them is over its quota.
    pub fn check_auth(&self, keys: &[String]) -> Result<(), AppError> {
        for key in keys {
            if self.auth.check_key(key).is_err() {
                tracing::warn!(key, "rate limit reached");
                return Err(AppError::RateLimited);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_quota_per_key() {
        let limits = RateLimits::new(2);
        let a = ["ip:1.1.1.1".to_string()];
        let b = ["ip:2.2.2.2".to_string()];
        assert!(limits.check_auth(&a).is_ok());
        assert!(limits.check_auth(&a).is_ok());
        assert_eq!(limits.check_auth(&a), Err(AppError::RateLimited));
        assert!(limits.check_auth(&b).is_ok(), "other clients are unaffected");
    }
}
