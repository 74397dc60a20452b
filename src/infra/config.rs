//! Settings from the environment (and an optional `.env`), checked once at start-up.
//! A wrong setting stops the server with one line naming the variable and the reason.
use crate::i18n::{td_string, Locale};
use std::collections::HashMap;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tongcheng.db";
/// A small pool, two connections per core: with more connections than the cores can
/// serve, a burst of sign-ups makes PostgreSQL slower, not faster (on 2 cores, 4 per
/// process answered 1,400 presses a second with a median of 6 ms, 8 with 37 ms to
/// 1.7 s: BENCHMARKS.md, issue 29).
pub fn default_db_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    (2 * cores).clamp(4, 16)
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    /// Where the site listens, e.g. `127.0.0.1:3000`; `None` keeps the Leptos default.
    pub site_addr: Option<std::net::SocketAddr>,
    /// The address users reach the site at; links in emails start with it.
    pub public_url: String,
    /// `smtp://user:pass@host:port` or `smtps://…`; `None` keeps mail in the local mailbox.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Signs session cookies; `None` means a secret generated once and kept in the database.
    pub session_secret: Option<String>,
    pub db_max_connections: u32,
    /// Log-in, registration and password-reset attempts per client per minute.
    pub auth_attempts_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`,
    /// comma-separated addresses); without one, the connection's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Logs as JSON lines (`LOG_FORMAT=json`) instead of text.
    pub json_logs: bool,
    /// Whether this process queues the weekly club digest on Fridays (`CLUB_DIGESTS=off`
    /// leaves it to `tongcheng send-digest` or another process).
    pub club_digests: bool,
    /// Whether this process analyses a PostgreSQL table that outgrew its statistics
    /// (`infra::statistics`; `ANALYSE_GROWN_TABLES=off` leaves them to autovacuum).
    pub analyse_grown_tables: bool,
    /// Messages a second this process may send (a provider's limit); `None`: no cap.
    pub mail_per_second: Option<u32>,
    /// Bearer token for `/metrics`; without one the endpoint is off.
    pub metrics_token: Option<String>,
    /// A session unused this long ends.
    pub session_idle_days: u32,
    /// A session ends this long after log-in, however active.
    pub session_max_days: u32,
    /// Sent (or failed) mail keeps its text this long, then only its subject remains.
    pub mail_retention_days: u32,
    /// Tickets still check in this long after an event ends (late arrivals count as
    /// attended); then the door closes by itself.
    pub check_in_grace_minutes: u32,
    /// A page a visitor without cookies asks for this many times within
    /// `hot_page_seconds` is hot: one render serves the next `hot_page_seconds` of
    /// such visitors (`server::page_cache`).
    pub hot_page_views: u32,
    pub hot_page_seconds: u32,
    /// Presses (sign up, apply) this process serves at once; the rest wait their turn
    /// before touching the database, so pages stay quick in a rush (`infra::press_queue`).
    /// Default 8: 32 served one process's closed loop 12 % faster, but with two processes
    /// pages in the storm and the moment's tail were worse (BENCHMARKS.md, 2026-12-05 night).
    pub presses_at_once: u32,
    /// A press without a turn this long is answered "busy, press again", nothing done.
    pub press_wait_seconds: u32,
    /// Pages slower than this halve the presses served at once, quick ones bring them
    /// back (`infra::press_pace`); 0 leaves them at `presses_at_once`. Default 25 ms.
    pub press_page_target_ms: u32,
    /// The draw's weights (DRAW_WEIGHT_FIRST_TIMER_PCT, DRAW_WEIGHT_PASSED_OVER_PCT,
    /// DRAW_WEIGHT_NO_SHOW_PCT), shown to fans before they apply.
    pub draw_weights: crate::admission::DrawWeights,
    /// Who must reconfirm their seat, when (RECONFIRM_NO_SHOWS, NO_SHOW_WINDOW_DAYS,
    /// RECONFIRM_ASK_HOURS, RECONFIRM_DEADLINE_HOURS, FREE_CANCEL_HOURS).
    pub no_show_rule: crate::admission::NoShowRule,
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let _ = dotenvy::dotenv();
        Config::from_vars(&std::env::vars().collect())
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, String> {
        let get = |name: &str| vars.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        // What is wrong is said in the terminal's language, after the variable's name.
        let l = super::locale::terminal_from(|name| vars.get(name).cloned());
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        if super::dialect::Dialect::from_url(&database_url).is_none() {
            return Err(wrong("DATABASE_URL", td_string!(l, email.cli.setting.database_url, got = format!("{database_url:?}"))));
        }
        let site_addr: Option<std::net::SocketAddr> = match get("SITE_ADDR") {
            Some(raw) => Some(raw.parse().map_err(|_| wrong("SITE_ADDR", td_string!(l, email.cli.setting.site_addr, got = format!("{raw:?}"))))?),
            None => None,
        };
        let public_url = get("PUBLIC_URL").unwrap_or_else(|| {
            let addr = site_addr.map(|a| a.to_string()).unwrap_or_else(|| "127.0.0.1:3000".into());
            format!("http://{addr}")
        });
        let public_url = parse_public_url(&public_url, l)?;
        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(wrong("SMTP_URL", td_string!(l, email.cli.setting.smtp_url)));
            }
        }
        let mail_from = get("MAIL_FROM").unwrap_or_else(|| "Tongcheng <noreply@tongcheng.local>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(wrong("MAIL_FROM", td_string!(l, email.cli.setting.mail_from, got = format!("{mail_from:?}"))));
        }
        let session_secret = get("SESSION_SECRET");
        if session_secret.as_ref().is_some_and(|s| s.len() < 64) {
            return Err(wrong("SESSION_SECRET", td_string!(l, email.cli.setting.too_short, min = 64)));
        }
        let json_logs = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => return Err(wrong("LOG_FORMAT", td_string!(l, email.cli.setting.log_format, got = format!("{other:?}")))),
        };
        let club_digests = parse_on_off(get("CLUB_DIGESTS"), "CLUB_DIGESTS", l)?;
        let analyse_grown_tables = parse_on_off(get("ANALYSE_GROWN_TABLES"), "ANALYSE_GROWN_TABLES", l)?;
        let metrics_token = get("METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(wrong("METRICS_TOKEN", td_string!(l, email.cli.setting.too_short, min = 16)));
        }
        let session_idle_days = parse_number(get("SESSION_IDLE_DAYS"), "SESSION_IDLE_DAYS", 7, l)?;
        let session_max_days = parse_number(get("SESSION_MAX_DAYS"), "SESSION_MAX_DAYS", 30, l)?;
        if session_idle_days > session_max_days {
            return Err(wrong("SESSION_IDLE_DAYS", td_string!(l, email.cli.setting.idle_over_max, max = session_max_days)));
        }
        let mail_per_second = match get("MAIL_PER_SECOND") {
            None => None,
            raw => Some(parse_number(raw, "MAIL_PER_SECOND", 0, l)?),
        };
        let (weights, rule) = (crate::admission::DrawWeights::default(), crate::admission::NoShowRule::default());
        let draw_weights = crate::admission::DrawWeights {
            first_timer_pct: parse_number(get("DRAW_WEIGHT_FIRST_TIMER_PCT"), "DRAW_WEIGHT_FIRST_TIMER_PCT", weights.first_timer_pct, l)?,
            passed_over_pct: parse_number(get("DRAW_WEIGHT_PASSED_OVER_PCT"), "DRAW_WEIGHT_PASSED_OVER_PCT", weights.passed_over_pct, l)?,
            recent_no_show_pct: parse_number(get("DRAW_WEIGHT_NO_SHOW_PCT"), "DRAW_WEIGHT_NO_SHOW_PCT", weights.recent_no_show_pct, l)?,
        };
        let no_show_rule = crate::admission::NoShowRule {
            no_shows: parse_number(get("RECONFIRM_NO_SHOWS"), "RECONFIRM_NO_SHOWS", rule.no_shows, l)?,
            window_days: parse_number(get("NO_SHOW_WINDOW_DAYS"), "NO_SHOW_WINDOW_DAYS", rule.window_days, l)?,
            ask_hours: parse_number(get("RECONFIRM_ASK_HOURS"), "RECONFIRM_ASK_HOURS", rule.ask_hours, l)?,
            deadline_hours: parse_number(get("RECONFIRM_DEADLINE_HOURS"), "RECONFIRM_DEADLINE_HOURS", rule.deadline_hours, l)?,
            free_cancel_hours: parse_number(get("FREE_CANCEL_HOURS"), "FREE_CANCEL_HOURS", rule.free_cancel_hours, l)?,
        };
        if no_show_rule.deadline_hours >= no_show_rule.ask_hours {
            return Err(wrong("RECONFIRM_DEADLINE_HOURS", td_string!(l, email.cli.setting.deadline_after_ask)));
        }
        Ok(Config {
            draw_weights,
            no_show_rule,
            mail_per_second,
            json_logs,
            club_digests,
            analyse_grown_tables,
            metrics_token,
            database_url,
            site_addr,
            public_url,
            smtp_url,
            mail_from,
            session_secret,
            db_max_connections: parse_number(get("DB_MAX_CONNECTIONS"), "DB_MAX_CONNECTIONS", default_db_connections(), l)?,
            auth_attempts_per_minute: parse_number(get("AUTH_ATTEMPTS_PER_MINUTE"), "AUTH_ATTEMPTS_PER_MINUTE", 20, l)?,
            trusted_proxies: parse_addresses(get("TRUSTED_PROXIES"), "TRUSTED_PROXIES", l)?,
            session_idle_days,
            session_max_days,
            mail_retention_days: parse_number(get("MAIL_RETENTION_DAYS"), "MAIL_RETENTION_DAYS", 7, l)?,
            check_in_grace_minutes: parse_number(get("CHECK_IN_GRACE_MINUTES"), "CHECK_IN_GRACE_MINUTES", 120, l)?,
            hot_page_views: parse_number(get("HOT_PAGE_VIEWS"), "HOT_PAGE_VIEWS", 20, l)?,
            hot_page_seconds: parse_number(get("HOT_PAGE_SECONDS"), "HOT_PAGE_SECONDS", 1, l)?,
            presses_at_once: parse_number(get("PRESSES_AT_ONCE"), "PRESSES_AT_ONCE", 8, l)?,
            press_wait_seconds: parse_number(get("PRESS_WAIT_SECONDS"), "PRESS_WAIT_SECONDS", 10, l)?,
            press_page_target_ms: parse_number(get("PRESS_PAGE_TARGET_MS"), "PRESS_PAGE_TARGET_MS", 25, l)?,
        })
    }

    /// `scheme://host[:port]` of `PUBLIC_URL`, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> String {
        url::Url::parse(&self.public_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
    }

    /// Cookies get the `Secure` flag when the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        // Asked on every page render: a prefix check, in any case (`PUBLIC_URL` is a valid
        // URL, checked at start).
        self.public_url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The name a cookie of this site goes by: over HTTPS with the `__Host-` prefix, which
    /// browsers accept only with `Secure`, `Path=/` and no `Domain` — so a page on a
    /// sibling subdomain cannot plant a session (or an arrival) for this one. Plain HTTP
    /// (development, tests) cannot carry it.
    pub fn cookie_name(&self, name: &'static str) -> std::borrow::Cow<'static, str> {
        if self.secure_cookies() { format!("__Host-{name}").into() } else { name.into() }
    }
}

/// `NAME: what is wrong`, for the one line a wrong setting stops the server with.
fn wrong(name: &str, reason: impl std::fmt::Display) -> String {
    format!("{name}: {reason}")
}

fn parse_public_url(raw: &str, l: Locale) -> Result<String, String> {
    let trimmed = raw.trim_end_matches('/');
    let got = format!("{raw:?}");
    let url = url::Url::parse(trimmed).map_err(|_| wrong("PUBLIC_URL", td_string!(l, email.cli.setting.public_url, got = &got)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(wrong("PUBLIC_URL", td_string!(l, email.cli.setting.public_url_scheme, got = &got)));
    }
    if url.host_str().is_none_or(str::is_empty) || trimmed.contains(char::is_whitespace) {
        return Err(wrong("PUBLIC_URL", td_string!(l, email.cli.setting.public_url_host, got = &got)));
    }
    Ok(trimmed.to_string())
}

fn parse_addresses(raw: Option<String>, name: &str, l: Locale) -> Result<Vec<std::net::IpAddr>, String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().map_err(|_| wrong(name, td_string!(l, email.cli.setting.addresses, got = format!("{a:?}")))))
        .collect()
}

/// `on` (the default) or `off`.
fn parse_on_off(raw: Option<String>, name: &str, l: Locale) -> Result<bool, String> {
    match raw.as_deref() {
        None | Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(wrong(name, td_string!(l, email.cli.setting.on_off, got = format!("{other:?}")))),
    }
}

fn parse_number(raw: Option<String>, name: &str, default: u32, l: Locale) -> Result<u32, String> {
    match raw {
        None => Ok(default),
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(wrong(name, td_string!(l, email.cli.setting.number, got = format!("{raw:?}")))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_vars(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn defaults_need_no_settings() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(c.smtp_url.is_none());
        assert!(!c.secure_cookies());
        assert!(c.club_digests && c.analyse_grown_tables);
        assert!(!config(&[("ANALYSE_GROWN_TABLES", "off")]).unwrap().analyse_grown_tables);
    }

    #[test]
    fn public_url_follows_site_addr_and_loses_trailing_slash() {
        assert_eq!(config(&[("SITE_ADDR", "0.0.0.0:8080")]).unwrap().public_url, "http://0.0.0.0:8080");
        let c = config(&[("PUBLIC_URL", "https://meetups.example.com/")]).unwrap();
        assert_eq!(c.public_url, "https://meetups.example.com");
        assert!(c.secure_cookies());
        assert_eq!(c.public_origin(), "https://meetups.example.com");
        assert_eq!(config(&[("PUBLIC_URL", "http://Site.example:8080/")]).unwrap().public_origin(), "http://site.example:8080");
    }

    #[test]
    fn wrong_settings_name_the_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("SITE_ADDR", "localhost"),
            ("PUBLIC_URL", "ftp://x"),
            ("SMTP_URL", "mail.example.com"),
            ("MAIL_FROM", "not an address"),
            ("SESSION_SECRET", "short"),
            ("DB_MAX_CONNECTIONS", "0"),
            ("AUTH_ATTEMPTS_PER_MINUTE", "many"),
            ("LOG_FORMAT", "xml"),
            ("CLUB_DIGESTS", "yes"),
            ("ANALYSE_GROWN_TABLES", "no"),
            ("MAIL_PER_SECOND", "0"),
            ("METRICS_TOKEN", "short"),
            ("SESSION_IDLE_DAYS", "0"),
            ("SESSION_IDLE_DAYS", "31"),
            ("SESSION_MAX_DAYS", "-1"),
            ("MAIL_RETENTION_DAYS", "a week"),
            ("HOT_PAGE_VIEWS", "0"),
            ("HOT_PAGE_SECONDS", "1.5"),
            ("PRESSES_AT_ONCE", "0"),
            ("PRESS_WAIT_SECONDS", "ten"),
        ];
        for (name, value) in cases {
            let error = config(&[(name, value)]).unwrap_err();
            assert!(error.starts_with(&format!("{name}: ")), "{error}");
        }
    }

    #[test]
    fn the_reason_is_in_the_terminals_language() {
        let zh = config(&[("SITE_ADDR", "localhost")]).unwrap_err();
        assert_eq!(zh, "SITE_ADDR: 应为“主机:端口”，例如 127.0.0.1:3000（当前为 \"localhost\"）");
        let en = config(&[("LANG", "en_US.UTF-8"), ("SITE_ADDR", "localhost")]).unwrap_err();
        assert_eq!(en, "SITE_ADDR: expected host:port like 127.0.0.1:3000 (got \"localhost\")");
        let number = config(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "zh_CN.UTF-8"), ("DB_MAX_CONNECTIONS", "0")]).unwrap_err();
        assert_eq!(number, "DB_MAX_CONNECTIONS: expected a positive whole number (got \"0\")", "LC_ALL wins");
        assert_eq!(config(&[("LANG", "C"), ("METRICS_TOKEN", "short")]).unwrap_err(), "METRICS_TOKEN: 至少需要 16 个字符");
    }
}
