#![recursion_limit = "256"]
//! Tongcheng (同城会): an organizer for a fan community's city meetups.
//!
//! One folder per domain (accounts, cities, email), each with its shared types, its
//! server functions (`api`) and its server-only storage (`repo`); pages and shared
//! widgets for the browser. Server-only: `infra` (the infrastructure the domains build
//! on, knowing none of them) and `server` (the composition root that assembles them).
pub mod accounts;
pub mod app;
pub mod cities;
pub mod components;
pub mod email;
pub mod error;
pub mod gatherings;
pub mod meetups;
pub mod pages;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod infra;
#[cfg(feature = "ssr")]
pub mod server;
pub mod staff;
pub mod text;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
