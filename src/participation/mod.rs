//! Participation (参与感): who came (the attendance record written when the door
//! closes), points and badges earned from it, a fan's page and their city's honour lists.
pub mod api;
pub mod badges;
pub mod door;
#[cfg(feature = "ssr")]
pub mod door_files;
#[cfg(feature = "ssr")]
pub mod door_repo;
pub mod door_sync;
pub mod points;
#[cfg(feature = "ssr")]
pub mod awards;
#[cfg(feature = "ssr")]
pub mod backfill;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod repo;

pub use badges::{Badge, FanRecord};
use serde::{Deserialize, Serialize};

/// A fan's page, as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanPage {
    pub id: i64,
    pub name: String,
    pub city_id: i64,
    pub city: String,
    pub member_since: String,
    pub points: i64,
    pub badges: Vec<EarnedBadge>,
    /// "early fan #N of 深圳".
    pub early_fan: Option<String>,
    pub attended: Vec<EventLine>,
    pub attended_total: i64,
    pub organized: Vec<EventLine>,
    pub organized_total: i64,
    /// Only on the fan's own page (and for staff): no-shows are nobody else's business.
    pub no_shows: Option<i64>,
    /// The viewer is this fan.
    pub own: bool,
    /// The fan shows their page to everyone.
    pub public: bool,
    /// New fans who came through their links and confirmed their email.
    pub brought: i64,
    /// Their terms as a club officer, newest first, with what they ran.
    pub officer_terms: Vec<crate::clubs::OfficerRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarnedBadge {
    pub key: String,
    pub name: String,
    pub about: String,
    pub earned: String,
}

/// An event in a fan's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLine {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub city: String,
    pub official: bool,
}

/// A fan named in a city's honour lists, with their number (early fan #N, meetups
/// attended this year, gatherings organized).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Honoured {
    pub id: i64,
    pub name: String,
    pub figure: i64,
    /// Their page is public (link to it).
    pub public: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CityHonour {
    pub early_fans: Vec<Honoured>,
    pub most_active: Vec<Honoured>,
    pub organizers: Vec<Honoured>,
    pub year: i32,
}

/// What closing the door did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorClosed {
    pub attended: i64,
    pub no_shows: i64,
    /// False when the door was already closed: nothing changed.
    pub now: bool,
}

/// An event's door as its page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorState {
    /// What closing recorded; `None` while the door is open.
    pub closed: Option<DoorClosed>,
    /// How long after the end tickets still check in.
    pub grace_minutes: u32,
}
