//! Widgets shared by several pages.
pub mod auth;
pub mod charts;
pub mod city_picker;
pub mod door;
pub mod event_form;
pub mod flash;
pub mod form;
pub mod honour;
pub mod meetup_card;
pub mod nav;
pub mod pending;
pub mod report;
pub mod share;
