//! Pages for organizers of self-run gatherings.
pub mod organize;
