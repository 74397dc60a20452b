//! Infrastructure every domain builds on, and which knows no domain: settings, the
//! database handle, time, request context, form-field readers, and the HTTP guards
//! (CSRF, body limit, security headers, sessions, rate limits).
pub mod body_limit;
pub mod clock;
pub mod config;
pub mod csrf;
pub mod dates;
pub mod db;
pub mod dialect;
pub mod flash;
pub mod form;
pub mod headers;
pub mod host_cookies;
pub mod locale;
pub mod press_line;
pub mod press_pace;
pub mod press_queue;
pub mod rate_limit;
pub mod request;
pub mod secrets;
pub mod session_policy;
pub mod session_reads;
pub mod session_store;
pub mod state;
pub mod statistics;
