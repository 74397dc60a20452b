//! Pages, grouped by who they are for: visitors (anyone), fans (logged in),
//! organizers of gatherings, and staff; and the live pages of an event under way.
pub mod fan;
pub mod live;
pub mod organizer;
pub mod staff;
pub mod visitor;
