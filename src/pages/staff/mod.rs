//! Pages for staff: dashboard, ranking and planner, meetups and check-in,
//! moderation, email delivery.
pub mod admission;
pub mod clubs;
pub mod conversation;
pub mod dashboard;
pub mod delivery;
pub mod festival;
pub mod invitations;
pub mod meetups;
pub mod moderation;
pub mod news_reports;
pub mod planner;
pub mod ranking;
