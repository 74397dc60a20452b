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

/// Hashes at once in this process: one per core, leaving the async runtime a share.
static SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()).max(1)));
/// Password checks waiting for a slot; more are refused at once.
pub const MAX_WAITING: usize = 32;
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Runs `work` (argon2) in a slot on the blocking pool; refuses when too many wait.
async fn in_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!("password hashing is saturated: refusing a check");
        return Err(AppError::Unavailable);
    }
    let permit = SLOTS.acquire().await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    let _permit = permit.map_err(|e| AppError::internal("argon2 slots", e))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::internal("argon2 task", e))
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
    in_slot(move || hash_blocking(&password)).await?
}

/// Checks a password. With no stored hash (unknown email) it still does the same work,
/// so response time does not tell whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    in_slot(move || {
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
}
