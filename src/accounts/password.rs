//! argon2id password hashing, run on the blocking pool so a burst of log-ins never
//! stalls the async runtime, and through a bounded number of slots: each hash takes
//! about 19 MiB and a core's worth of time, so a flood of password checks (however
//! many pass the rate limits) waits its turn instead of exhausting CPU and memory,
//! and past `MAX_WAITING` is refused with 503 while the rest of the site stays quick.
use crate::error::AppError;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, OnceLock};
use tokio::sync::Semaphore;

/// Password checks waiting for a slot beyond which more are refused at once.
pub const MAX_WAITING: usize = 32;

/// Hashes at once in this process: one per core, leaving the async runtime a share.
static SLOTS: LazyLock<Slots> = LazyLock::new(|| Slots::new(std::thread::available_parallelism().map_or(2, |n| n.get()), MAX_WAITING));

/// A bounded pool of hashing slots with a bounded queue in front of it. A request
/// dropped while it waits leaves the queue (its place is a guard), and one dropped while
/// hashing keeps its slot until the hash is done (the permit goes with the work), so
/// clients hanging up can neither clog the queue nor run unbounded hashes.
struct Slots {
    permits: std::sync::Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// A place in the queue, given back however the wait ends.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Slots {
    fn new(slots: usize, max_waiting: usize) -> Slots {
        Slots { permits: std::sync::Arc::new(Semaphore::new(slots.max(1))), waiting: AtomicUsize::new(0), max_waiting }
    }

    /// Runs `work` (argon2) in a slot on the blocking pool; refuses when too many wait.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let queued = Queued(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            tracing::warn!("password hashing is saturated: refusing a check");
            return Err(AppError::Unavailable);
        }
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| AppError::internal("argon2 slots", e))?;
        drop(queued);
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            work()
        })
        .await
        .map_err(|e| AppError::internal("argon2 task", e))
    }
}

pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal("argon2 hash", e))
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub async fn hash(password: String) -> Result<String, AppError> {
    SLOTS.run(move || hash_blocking(&password)).await?
}

/// Checks a password. With no stored hash (unknown email) it still does the same work,
/// so response time does not tell whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    SLOTS.run(move || {
        let decoy = DECOY.get_or_init(|| hash_blocking("decoy password").unwrap_or_default());
        match stored {
            Some(hash) => verify_blocking(&password, &hash),
            None => {
                verify_blocking(&password, decoy);
                false
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(stored.clone())).await.unwrap());
        assert!(!verify("wrong horse".into(), Some(stored)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_slots_checks_wait_and_past_the_queue_they_are_refused() {
        let slots = std::sync::Arc::new(Slots::new(1, 2));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let busy = slots.clone();
        let first = tokio::spawn(async move { busy.run(move || held.recv().is_ok()).await });
        while slots.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let waiters: Vec<_> = (0..2).map(|_| { let s = slots.clone(); tokio::spawn(async move { s.run(|| true).await }) }).collect();
        while slots.waiting.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(slots.run(|| true).await, Err(AppError::Unavailable), "the queue is full: refused at once");
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Ok(true), "those waiting get their turn");
        }
    }
}
