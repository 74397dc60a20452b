//! Meetups: one event engine for official meetups (and, later, self-run gatherings).
#[cfg(feature = "ssr")]
pub mod repo;
