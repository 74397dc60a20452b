//! Pages for a logged-in fan.
pub mod account;
pub mod admission;
pub mod conversation;
pub mod devices;
pub mod email_address;
pub mod festival;
pub mod mailbox;
pub mod meetups;
pub mod profile;
pub mod ticket;
pub mod unsubscribe;
