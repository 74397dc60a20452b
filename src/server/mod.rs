//! The composition root: builds the app from the domains and the infrastructure
//! (start-up, routes, background timers, CLI, demo data, operator endpoints).
pub mod cli;
mod cli_help;
mod health;
mod locale;
pub mod page_cache;
mod routes;
pub mod seed;
pub mod start;
pub mod telemetry;
