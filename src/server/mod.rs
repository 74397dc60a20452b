//! Server setup: configuration, database, sessions, routes, background work, CLI.
pub mod body_limit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod csrf;
pub mod db;
pub mod form;
pub mod headers;
pub mod rate_limit;
pub mod request;
mod routes;
pub mod seed;
pub mod session_policy;
pub mod session_store;
pub mod start;
pub mod state;
pub mod telemetry;
mod health;
