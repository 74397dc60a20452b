//! Pages, grouped by who they are for: visitors (anyone), fans (logged in),
//! organizers of gatherings, and staff.
pub mod fan;
pub mod organizer;
pub mod staff;
pub mod visitor;
