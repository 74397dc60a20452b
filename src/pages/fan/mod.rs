//! Pages for a logged-in fan.
pub mod account;
pub mod conversation;
pub mod devices;
pub mod mailbox;
pub mod meetups;
pub mod profile;
