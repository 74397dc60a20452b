//! When a failed delivery is tried again: a pure decision (the outbox stores it).

/// After this many failed attempts a message is marked failed and left for staff.
pub const MAX_ATTEMPTS: i64 = 10;

/// Seconds to wait before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 8) - 1;
    (30_i64 << exponent).min(3600)
}

/// The backoff spread by ±20 % (`jitter` in 0..1), so messages that failed together
/// (an SMTP outage) do not all come back at the same second.
pub fn retry_delay_secs(attempts: i64, jitter: f64) -> i64 {
    let base = backoff_secs(attempts) as f64;
    (base * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))).round() as i64
}

/// Why a delivery failed: a permanent failure (5xx, bad address) is not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub permanent: bool,
    pub message: String,
}

impl DeliveryError {
    pub fn permanent(message: impl Into<String>) -> Self {
        DeliveryError { permanent: true, message: message.into() }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        DeliveryError { permanent: false, message: message.into() }
    }
}

/// What becomes of a message after a failed attempt: `(status, retry at)`.
pub fn after_failure(attempts: i64, error: &DeliveryError, now: i64, jitter: f64) -> (&'static str, i64) {
    if error.permanent || attempts >= MAX_ATTEMPTS {
        ("failed", now)
    } else {
        ("pending", now + retry_delay_secs(attempts, jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spread_around_the_backoff() {
        assert_eq!(retry_delay_secs(1, 0.0), 24);
        assert_eq!(retry_delay_secs(1, 0.5), 30);
        assert_eq!(retry_delay_secs(1, 1.0), 36);
        assert_eq!(retry_delay_secs(8, 2.0), 4320, "jitter is clamped");
    }

    #[test]
    fn permanent_failures_stop_at_once() {
        let now = 1_000;
        assert_eq!(after_failure(1, &DeliveryError::permanent("550 no such user"), now, 0.5), ("failed", now));
        assert_eq!(after_failure(1, &DeliveryError::transient("421 try later"), now, 0.5), ("pending", now + 30));
        assert_eq!(after_failure(MAX_ATTEMPTS, &DeliveryError::transient("timeout"), now, 0.5).0, "failed");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(7), 1920);
        assert_eq!(backoff_secs(8), 3600);
        assert_eq!(backoff_secs(50), 3600);
    }
}
