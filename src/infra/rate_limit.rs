//! Limits on actions that can be abused (guessing passwords, churning seats, flooding
//! moderators), per client address and per account. Counted in the database, so every
//! app process sees the same counts: a client cannot multiply its allowance by the
//! number of processes behind the load balancer.
use crate::error::AppError;
use crate::infra::db::Db;

/// What is being limited, with its allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Log-in, registration, password reset, resending the confirmation.
    Auth,
    /// Signing up for and cancelling seats.
    Seats,
    /// Applying to become an organizer.
    OrganizerApplication,
    /// Listing new gatherings.
    Gathering,
    /// Reporting gatherings (and anything else fans can report).
    Report,
    /// Asking the team a question before a meetup.
    Question,
    /// Asking to move the account to another email address (each request mails it).
    EmailChange,
    /// Log-in attempts at one account from one client (the account's owner elsewhere
    /// is not held back by them).
    Login,
    /// Failed log-ins at one account from anywhere, counted only when they fail: past
    /// this the account is under attack, and each client gets `LoginUnderAttack`.
    LoginFailures,
    /// A client's attempts at an account under attack: enough for its owner to type
    /// the right password, too few to guess it from many addresses.
    LoginUnderAttack,
    /// Password checks of a logged-in account (changing the password or the address,
    /// deleting the account): a stolen session guesses no faster than a log-in.
    Reauthenticate,
    /// Mail the sign-in forms send to one address (confirmation, "you already have an
    /// account", password reset), whoever asks: nobody can flood an inbox with it.
    MailToAddress,
    /// Syncs of an event's doors by one account: a busy door sends one a scan or two,
    /// four phones on one account a few hundred in five minutes; more is not a door.
    DoorSync,
    /// A fan's answers in the live part of a meetup: a question every minute or so,
    /// pressed a few times at most.
    LiveAnswer,
    /// Those running the live part: items saved, opened, closed, copied; draws.
    LiveRun,
    /// New posters drawn for one client (kept ones and "not modified" are free): a fan
    /// sharing a few events, not a crawler making the server draw every poster.
    PosterDraw,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::Auth => "auth",
            Limit::Seats => "seats",
            Limit::OrganizerApplication => "organizer_application",
            Limit::Gathering => "gathering",
            Limit::Report => "report",
            Limit::Question => "question",
            Limit::EmailChange => "email_change",
            Limit::Login => "login",
            Limit::LoginFailures => "login_failures",
            Limit::LoginUnderAttack => "login_under_attack",
            Limit::Reauthenticate => "reauthenticate",
            Limit::MailToAddress => "mail_to_address",
            Limit::DoorSync => "door_sync",
            Limit::LiveAnswer => "live_answer",
            Limit::LiveRun => "live_run",
            Limit::PosterDraw => "poster_draw",
        }
    }

    /// (attempts, per seconds); `auth_per_minute` is the operator's setting.
    fn allowance(self, auth_per_minute: u32) -> (i64, i64) {
        match self {
            Limit::Auth => (i64::from(auth_per_minute.max(1)), 60),
            Limit::Seats => (30, 600),
            Limit::OrganizerApplication => (3, 86_400),
            Limit::Gathering => (10, 86_400),
            Limit::Report => (20, 3_600),
            Limit::Question => (10, 3_600),
            Limit::EmailChange => (5, 3_600),
            Limit::Login => (i64::from(auth_per_minute.max(1)), 60),
            // A session is already logged in: its checks need no more than a few an hour.
            Limit::Reauthenticate => (i64::from(auth_per_minute.max(1)), 3_600),
            Limit::LoginFailures => (i64::from(auth_per_minute.max(1)), 3_600),
            Limit::LoginUnderAttack => (3, 900),
            Limit::MailToAddress => (5, 3_600),
            Limit::DoorSync => (600, 300),
            Limit::LiveAnswer => (60, 60),
            Limit::LiveRun => (300, 600),
            Limit::PosterDraw => (60, 600),
        }
    }
}

/// The fixed window `now` falls in.
pub fn window_start(now: i64, window_secs: i64) -> i64 {
    now - now.rem_euclid(window_secs)
}

/// Attempts in the last `window_secs`, estimated from the current window's count and
/// the previous window's, weighted by how much of it still lies within the last window
/// (so a burst across a window boundary is not forgiven).
pub fn recent_attempts(current: i64, previous: i64, now: i64, window_secs: i64) -> f64 {
    let elapsed = (now - window_start(now, window_secs)) as f64 / window_secs as f64;
    current as f64 + previous as f64 * (1.0 - elapsed)
}

pub struct RateLimits {
    auth_per_minute: u32,
}

impl RateLimits {
    pub fn new(auth_attempts_per_minute: u32) -> Self {
        RateLimits { auth_per_minute: auth_attempts_per_minute }
    }

    /// Counts one event for `key` without refusing anything (e.g. a failed log-in).
    pub async fn record(&self, db: &Db, limit: Limit, key: &str) -> Result<(), AppError> {
        let (_, window) = limit.allowance(self.auth_per_minute);
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO rate_limit_hits (limit_key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1",
        )
        .bind(format!("{}:{key}", limit.name()))
        .bind(window_start(crate::infra::clock::now(), window))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `key` is past its allowance, without counting anything.
    pub async fn is_over(&self, db: &Db, limit: Limit, key: &str) -> Result<bool, AppError> {
        let (allowed, window) = limit.allowance(self.auth_per_minute);
        let now = crate::infra::clock::now();
        let start = window_start(now, window);
        let hits: Vec<(i64, i64)> = sqlx::query_as("SELECT window_start, hits FROM rate_limit_hits WHERE limit_key = $1 AND window_start >= $2")
            .bind(format!("{}:{key}", limit.name()))
            .bind(start - window)
            .fetch_all(&db.pool)
            .await?;
        let count = |at: i64| hits.iter().find(|(w, _)| *w == at).map_or(0, |(_, n)| *n);
        Ok(recent_attempts(count(start), count(start - window), now, window) > allowed as f64)
    }

    /// Counts one attempt for each key; refuses when any of them is over its allowance.
    pub async fn check(&self, db: &Db, limit: Limit, keys: &[String]) -> Result<(), AppError> {
        let (allowed, window) = limit.allowance(self.auth_per_minute);
        let now = crate::infra::clock::now();
        let start = window_start(now, window);
        let mut tx = db.begin_write().await?;
        let mut over = None;
        for key in keys {
            let hits: i64 = sqlx::query_scalar(
                "INSERT INTO rate_limit_hits (limit_key, window_start, hits) VALUES ($1, $2, 1) \
                 ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1 RETURNING hits",
            )
            .bind(format!("{}:{key}", limit.name()))
            .bind(start)
            .fetch_one(&mut *tx)
            .await?;
            let before: Option<i64> = sqlx::query_scalar("SELECT hits FROM rate_limit_hits WHERE limit_key = $1 AND window_start = $2")
                .bind(format!("{}:{key}", limit.name()))
                .bind(start - window)
                .fetch_optional(&mut *tx)
                .await?;
            if recent_attempts(hits, before.unwrap_or(0), now, window) > allowed as f64 && over.is_none() {
                over = Some(key);
            }
        }
        tx.commit().await?;
        match over {
            Some(key) => {
                // The key may hold an address: the log names its digest only.
                tracing::warn!(key = %crate::infra::secrets::digest(key).get(..12).unwrap_or_default(), limit = limit.name(), "rate limit reached");
                Err(AppError::RateLimited)
            }
            None => Ok(()),
        }
    }

    pub async fn check_auth(&self, db: &Db, keys: &[String]) -> Result<(), AppError> {
        self.check(db, Limit::Auth, keys).await
    }
}

/// Forgets windows that ended a day ago or more.
pub async fn forget_old(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("DELETE FROM rate_limit_hits WHERE window_start < $1").bind(now - 2 * 86_400).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// The key a client address counts under: an IPv4 address as it is; an IPv6 address by
/// its /64, the block one subscriber is given (counting single addresses would let
/// one household try 2^64 times).
pub fn address_key(address: std::net::IpAddr) -> String {
    match address {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The rate-limit key of the client behind `peer` (the forwarded address when `peer`
/// is a trusted proxy): what server functions and plain routes both count by.
pub fn client_key(peer: std::net::IpAddr, forwarded_for: Option<&str>, trusted: &[std::net::IpAddr]) -> String {
    address_key(client_address(peer, forwarded_for, trusted))
}

/// The client's address: the connection's peer, unless that peer is a trusted reverse
/// proxy; then the nearest address in `X-Forwarded-For` that is not a trusted proxy
/// (addresses further left were written by the client and prove nothing).
pub fn client_address(peer: std::net::IpAddr, forwarded_for: Option<&str>, trusted: &[std::net::IpAddr]) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = forwarded_for.unwrap_or_default().split(',').filter_map(|hop| hop.trim().parse().ok()).collect();
    hops.iter().rev().find(|hop| !trusted.contains(hop)).or(hops.first()).copied().unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(address_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(address_key(ip("2001:db8:1:2:ffff:1:2:3")), address_key(ip("2001:db8:1:2::9")));
        assert_ne!(address_key(ip("2001:db8:1:3::1")), address_key(ip("2001:db8:1:2::1")));
        assert_eq!(address_key(ip("::ffff:198.51.100.4")), "198.51.100.4");
    }

    #[test]
    fn windows_are_fixed_slices_of_time() {
        assert_eq!(window_start(119, 60), 60);
        assert_eq!(window_start(120, 60), 120);
    }

    #[test]
    fn a_burst_across_a_window_boundary_still_counts() {
        assert_eq!(recent_attempts(3, 0, 600, 60), 3.0);
        assert_eq!(recent_attempts(1, 5, 600, 60), 6.0, "just past the boundary, the previous window counts fully");
        assert_eq!(recent_attempts(1, 5, 630, 60), 3.5, "half way, half of it");
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        assert_eq!(client_address(ip("203.0.113.9"), Some("1.2.3.4"), &[proxy]), ip("203.0.113.9"), "a client cannot claim an address");
        assert_eq!(client_address(proxy, Some("1.2.3.4"), &[proxy]), ip("1.2.3.4"));
        assert_eq!(client_address(proxy, Some("6.6.6.6, 1.2.3.4"), &[proxy]), ip("1.2.3.4"), "the client's own header entries prove nothing");
        assert_eq!(client_address(proxy, Some("1.2.3.4, 10.0.0.3"), &[proxy, ip("10.0.0.3")]), ip("1.2.3.4"), "proxies in a chain");
        assert_eq!(client_address(proxy, None, &[proxy]), proxy);
        assert_eq!(client_address(proxy, Some("garbage"), &[proxy]), proxy);
    }
}
