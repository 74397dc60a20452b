//! Pages for organizers of self-run gatherings.
pub mod club_desk;
pub mod door;
pub mod organize;
