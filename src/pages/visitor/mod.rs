//! Pages for anyone, logged in or not.
pub mod city;
pub mod club;
pub mod home;
pub mod login;
pub mod not_found;
pub mod password;
pub mod register;
pub mod verify;
pub mod where_next;
