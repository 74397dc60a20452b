//! Every integration test in one binary (one link instead of thirty): a module per
//! domain. Each test runs on SQLite and PostgreSQL (`on_both_databases!`).
#[macro_use]
mod common;

mod accounts;
mod admission;
mod authorization;
mod cli_language;
mod club_moderation;
mod clubs;
mod conversation;
mod data_ownership;
mod date_fields;
mod devices;
mod door_sync;
mod phone_door;
mod email;
mod email_change;
mod faults;
mod festival;
mod fuzz_http;
mod gatherings;
mod languages;
mod live;
mod locale_catalogue;
mod meetups;
mod page_cache;
mod operations;
mod flash_plans;
mod output_safety;
mod participation;
mod randomized_seats;
mod ranking;
mod rate_limits;
mod schema;
mod seat_engine;
mod seat_races;
mod sharing;
mod sign_up_desk;
mod security_accounts;
mod security_http;
mod security_mail;
mod security_organizers;
mod security_review;
mod session_user;
mod two_processes;
mod unsubscribe;
