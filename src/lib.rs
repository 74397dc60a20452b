#![recursion_limit = "256"]
//! Tongcheng (同城会): an organizer for a fan community's city meetups.
//!
//! One folder per domain (accounts, cities, email), each with its shared types, its
//! server functions (`api`) and its server-only storage (`repo`); pages and shared
//! widgets for the browser; `server` for everything that only runs on the server.
pub mod accounts;
pub mod app;
pub mod cities;
pub mod components;
pub mod email;
pub mod error;
pub mod gatherings;
pub mod meetups;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod staff;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
