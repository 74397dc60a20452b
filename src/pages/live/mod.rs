//! Live at the meetup: the room's screen, a fan's phone, and running it.
pub mod run;
pub mod screen;
