//! One module per page (or small group of related pages).
pub mod account;
pub mod delivery;
pub mod gatherings;
pub mod home;
pub mod login;
pub mod mailbox;
pub mod meetups;
pub mod moderation;
pub mod not_found;
pub mod password;
pub mod register;
pub mod staff;
pub mod staff_meetups;
pub mod verify;
pub mod where_next;
