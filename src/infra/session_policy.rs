//! How long a log-in lasts: it ends after `SESSION_IDLE_DAYS` without use and
//! `SESSION_MAX_DAYS` after log-in, however active. Every request with a logged-in
//! session is judged here; an active session is re-saved now and then, which moves its
//! expiry (in the database and in the cookie) forward.
use super::clock::now;
use super::request::USER_ID;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::{Expiry, Session};

pub const LOGGED_IN_AT: &str = "logged_in_at";
pub const LAST_SEEN: &str = "last_seen";
/// An active session is re-saved at most this often, so the idle timeout is exact to
/// within this many seconds and a busy fan costs one write per interval, not per click.
pub const RENEW_AFTER_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub max_secs: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Record the use and expire at this unix time.
    Renew { expires_at: i64 },
    End,
}

impl SessionPolicy {
    /// The policy the settings ask for.
    pub fn of(config: &super::config::Config) -> SessionPolicy {
        SessionPolicy::from_days(config.session_idle_days, config.session_max_days)
    }

    pub fn from_days(idle_days: u32, max_days: u32) -> SessionPolicy {
        SessionPolicy { idle_secs: i64::from(idle_days) * 86_400, max_secs: i64::from(max_days) * 86_400 }
    }

    /// When a session used at `now` should expire: idle time from now, capped by the
    /// absolute limit from log-in.
    pub fn expires_at(&self, now: i64, logged_in_at: i64) -> i64 {
        (now + self.idle_secs).min(logged_in_at + self.max_secs)
    }

    /// What to do with a logged-in session. One without both times predates this policy
    /// and ends.
    pub fn judge(&self, now: i64, logged_in_at: Option<i64>, last_seen: Option<i64>) -> Verdict {
        let (Some(logged_in_at), Some(last_seen)) = (logged_in_at, last_seen) else {
            return Verdict::End;
        };
        if now - logged_in_at >= self.max_secs || now - last_seen >= self.idle_secs {
            Verdict::End
        } else if now - last_seen >= RENEW_AFTER_SECS {
            Verdict::Renew { expires_at: self.expires_at(now, logged_in_at) }
        } else {
            Verdict::Keep
        }
    }

    /// Starts the clocks of a fresh log-in.
    pub async fn start(&self, session: &Session) -> Result<(), tower_sessions::session::Error> {
        let now = now();
        session.insert(LOGGED_IN_AT, now).await?;
        session.insert(LAST_SEEN, now).await?;
        set_expiry(session, self.expires_at(now, now));
        Ok(())
    }
}

fn set_expiry(session: &Session, expires_at: i64) {
    if let Ok(at) = OffsetDateTime::from_unix_timestamp(expires_at) {
        session.set_expiry(Some(Expiry::AtDateTime(at)));
    }
}

async fn apply(policy: SessionPolicy, session: &Session) -> Result<(), tower_sessions::session::Error> {
    if session.get::<i64>(USER_ID).await?.is_none() {
        return Ok(());
    }
    let now = now();
    match policy.judge(now, session.get(LOGGED_IN_AT).await?, session.get(LAST_SEEN).await?) {
        Verdict::Keep => {}
        Verdict::Renew { expires_at } => {
            session.insert(LAST_SEEN, now).await?;
            set_expiry(session, expires_at);
        }
        Verdict::End => session.flush().await?,
    }
    Ok(())
}

/// Middleware (inside the session layer). Static files skip it.
pub async fn enforce(State(policy): State<SessionPolicy>, session: Session, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/pkg/") {
        if let Err(error) = apply(policy, &session).await {
            let error = crate::error::AppError::from(error);
            if request.uri().path().starts_with("/api/") {
                return error.into_json_response();
            }
            return error.into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let policy = SessionPolicy::from_days(7, 30);
        let login = 1_000_000;
        assert_eq!(policy.judge(login + 10, Some(login), Some(login)), Verdict::Keep);
        assert_eq!(
            policy.judge(login + DAY, Some(login), Some(login)),
            Verdict::Renew { expires_at: login + 8 * DAY },
            "use moves the expiry forward"
        );
        assert_eq!(policy.judge(login + 7 * DAY, Some(login), Some(login)), Verdict::End, "idle a week");
        let active = login + 30 * DAY - 60;
        assert_eq!(policy.judge(active, Some(login), Some(active - 400)), Verdict::Renew { expires_at: login + 30 * DAY }, "capped");
        assert_eq!(policy.judge(login + 30 * DAY, Some(login), Some(login + 30 * DAY - 1)), Verdict::End, "however active");
        assert_eq!(policy.judge(login, None, Some(login)), Verdict::End, "sessions from before the policy");
    }
}
