//! Meetups: one event engine for official meetups (and self-run gatherings): capped
//! sign-up with a waiting list, tickets, check-in, invitations and calendar feeds.
pub mod api;
pub mod form;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod editing;
#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod desk;
#[cfg(feature = "ssr")]
mod desk_places;
#[cfg(feature = "ssr")]
pub mod desk_rules;
#[cfg(feature = "ssr")]
pub mod feeds;
pub mod ics;
#[cfg(feature = "ssr")]
pub mod invariants;
#[cfg(feature = "ssr")]
pub mod places;
#[cfg(feature = "ssr")]
pub mod reminders;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod tickets;
#[cfg(feature = "ssr")]
pub mod waiting_ranks;

pub use form::{EventFormValues, EventKind};
use crate::i18n::{td_string, Locale};
use crate::language::Text;
use serde::{Deserialize, Serialize};

/// Seats of an official meetup unless staff choose otherwise: 30–50 fans meet the
/// engineers face to face.
pub const DEFAULT_CAPACITY: i64 = 50;

/// Whether `user` may manage a gathering (see its attendees, message them, edit, cancel,
/// export): only while they are an organizer, only their own, and not once staff have
/// hidden it.
pub fn may_manage(user: &crate::accounts::CurrentUser, organizer_id: Option<i64>, status: EventStatus) -> bool {
    matches!(user.role, crate::accounts::Role::Organizer | crate::accounts::Role::Staff | crate::accounts::Role::Admin) && organizer_id == Some(user.id) && status != EventStatus::Hidden
}

/// Whether `user` may reach a gathering's fans (message them, export them, run its
/// door, answer their questions): as `may_manage`, and only while the gathering is
/// live or was (published, postponed, cancelled). A rejected or pending gathering is
/// only edited, until staff publish it.
pub fn may_reach_attendees(user: &crate::accounts::CurrentUser, organizer_id: Option<i64>, status: EventStatus) -> bool {
    may_manage(user, organizer_id, status) && status.shown_to_fans()
}

/// Where an event stands. Stored as text; read back only through `from_db`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventStatus {
    /// An official meetup staff have not published yet.
    Draft,
    /// A gathering waiting for staff.
    PendingReview,
    Published,
    Postponed,
    Cancelled,
    /// A gathering staff sent back to its organizer.
    Rejected,
    /// A gathering staff took down.
    Hidden,
}

impl EventStatus {
    /// Whether fans see the event: it is on, moved, or called off (and says so).
    pub fn shown_to_fans(self) -> bool {
        matches!(self, EventStatus::Published | EventStatus::Postponed | EventStatus::Cancelled)
    }

    pub const ALL: [EventStatus; 7] = [
        EventStatus::Draft,
        EventStatus::PendingReview,
        EventStatus::Published,
        EventStatus::Postponed,
        EventStatus::Cancelled,
        EventStatus::Rejected,
        EventStatus::Hidden,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::PendingReview => "pending_review",
            EventStatus::Published => "published",
            EventStatus::Postponed => "postponed",
            EventStatus::Cancelled => "cancelled",
            EventStatus::Rejected => "rejected",
            EventStatus::Hidden => "hidden",
        }
    }

    /// The status as a reader sees it.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            EventStatus::Draft => td_string!(locale, common.status.draft),
            EventStatus::PendingReview => td_string!(locale, common.status.pending_review),
            EventStatus::Published => td_string!(locale, common.status.published),
            EventStatus::Postponed => td_string!(locale, common.status.postponed),
            EventStatus::Cancelled => td_string!(locale, common.status.cancelled),
            EventStatus::Rejected => td_string!(locale, common.status.rejected),
            EventStatus::Hidden => td_string!(locale, common.status.hidden),
        }
    }

    pub fn parse(raw: &str) -> Option<EventStatus> {
        EventStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Reads a stored status; an unknown value is an error.
    #[cfg(feature = "ssr")]
    pub fn from_db(raw: &str) -> Result<EventStatus, sqlx::Error> {
        EventStatus::parse(raw).ok_or_else(|| sqlx::Error::Decode(format!("unknown event status {raw:?}").into()))
    }
}

impl std::fmt::Display for EventStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether fans can sign up right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignupState {
    NotPublished,
    NotOpenYet,
    Open,
    Closed,
    Postponed,
    Cancelled,
}

impl SignupState {
    pub fn message(self) -> Text {
        match self {
            SignupState::NotPublished => crate::msg!(common.signup.not_published),
            SignupState::NotOpenYet => crate::msg!(common.signup.not_open_yet),
            SignupState::Open => crate::msg!(common.signup.open),
            SignupState::Closed => crate::msg!(common.signup.closed),
            SignupState::Postponed => crate::msg!(common.signup.postponed),
            SignupState::Cancelled => crate::msg!(common.signup.cancelled),
        }
    }
}

/// The sign-up window: published, after opening, before closing (by default the start).
pub fn signup_state(status: EventStatus, opens_at: Option<i64>, closes_at: Option<i64>, starts_at: i64, now: i64) -> SignupState {
    match status {
        EventStatus::Published => {}
        EventStatus::Postponed => return SignupState::Postponed,
        EventStatus::Cancelled => return SignupState::Cancelled,
        _ => return SignupState::NotPublished,
    }
    if opens_at.is_some_and(|t| now < t) {
        SignupState::NotOpenYet
    } else if now >= closes_at.unwrap_or(starts_at) {
        SignupState::Closed
    } else {
        SignupState::Open
    }
}

/// A fan's place on joining a waiting list: their number on the list minus the fans
/// who left it before. Numbers only grow and whoever left held a lower number, so this
/// is exact when nobody joins or leaves at the same moment; never below 1.
pub fn place_on_joining(number: i64, left: i64) -> i64 {
    (number - left).max(1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlaceStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
}

impl PlaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceStatus::Confirmed => "confirmed",
            PlaceStatus::Waitlisted => "waitlisted",
            PlaceStatus::Cancelled => "cancelled",
        }
    }

    /// The status as a reader sees it ("已确认", "waiting list").
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            PlaceStatus::Confirmed => td_string!(locale, fan.place.confirmed),
            PlaceStatus::Waitlisted => td_string!(locale, fan.place.waitlisted),
            PlaceStatus::Cancelled => td_string!(locale, fan.place.cancelled),
        }
    }

    /// Reads a stored status; an unknown value is an error, never silently a
    /// cancellation.
    #[cfg(feature = "ssr")]
    pub fn from_db(raw: &str) -> Result<PlaceStatus, sqlx::Error> {
        [PlaceStatus::Confirmed, PlaceStatus::Waitlisted, PlaceStatus::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown registration status {raw:?}").into()))
    }
}

/// A fan's place at a meetup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub registration_id: i64,
    pub status: PlaceStatus,
    /// 1-based position on the waiting list.
    pub position: Option<i64>,
    /// Only for a confirmed seat.
    pub ticket_code: Option<String>,
    pub checked_in: bool,
}

/// A meetup in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetupCard {
    pub id: i64,
    pub kind: EventKind,
    pub title: String,
    pub city_id: i64,
    pub city: String,
    /// "2026年11月28日 周六 14:00" in the city's time zone and the reader's language.
    pub starts: String,
    pub starts_at: i64,
    pub venue: String,
    pub capacity: Option<i64>,
    pub confirmed: i64,
    pub status: EventStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetupPage {
    pub card: MeetupCard,
    /// The description as safe HTML (see `text`).
    pub description_html: String,
    /// Who organizes it, for gatherings.
    pub organizer: Option<String>,
    pub address: String,
    pub ends: String,
    pub timezone: String,
    pub waitlisted: i64,
    pub signup: SignupState,
    pub signup_opens: Option<String>,
    pub signup_closes: Option<String>,
    /// The logged-in fan's place, if any.
    pub place: Option<Place>,
    /// The ticket as a QR code (SVG), for a confirmed seat.
    pub ticket_qr: Option<String>,
    pub logged_in: bool,
    /// How seats are given (a draw, the no-show rule), when the page shows it.
    pub admission: Option<crate::admission::MeetupAdmission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    pub registration_id: i64,
    pub name: String,
    pub email: String,
    pub status: PlaceStatus,
    pub position: Option<i64>,
    pub ticket_code: String,
    pub checked_in: bool,
    /// The fan's record: meetups attended and missed (no-shows).
    pub attended: i64,
    pub no_shows: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

impl DeliveryCounts {
    /// From the outbox's (status, count) rows: anything neither sent nor failed still waits.
    pub fn from_statuses(rows: &[(String, i64)]) -> DeliveryCounts {
        rows.iter().fold(DeliveryCounts::default(), |mut counts, (status, n)| {
            match status.as_str() {
                "sent" => counts.sent += n,
                "failed" => counts.failed += n,
                _ => counts.queued += n,
            }
            counts
        })
    }
}

/// The staff view of one meetup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffMeetup {
    pub page: MeetupPage,
    pub form: EventFormValues,
    pub confirmed: Vec<Attendee>,
    pub waitlist: Vec<Attendee>,
    pub invitations: DeliveryCounts,
    pub checked_in: i64,
}

/// Great-circle distance in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_counts_put_anything_unsent_and_unfailed_in_the_queue() {
        let rows = [("failed".to_string(), 2), ("pending".to_string(), 5), ("sent".to_string(), 7), ("sending".to_string(), 1)];
        assert_eq!(DeliveryCounts::from_statuses(&rows), DeliveryCounts { queued: 6, sent: 7, failed: 2 });
        assert_eq!(DeliveryCounts::from_statuses(&[]), DeliveryCounts::default());
    }

    #[test]
    fn distances() {
        // Shenzhen to Guangzhou is about 105 km; Beijing to Shanghai about 1,070 km.
        let sz_gz = distance_km(22.543, 114.058, 23.129, 113.264);
        assert!((95.0..115.0).contains(&sz_gz), "{sz_gz}");
        let bj_sh = distance_km(39.904, 116.407, 31.230, 121.474);
        assert!((1_040.0..1_100.0).contains(&bj_sh), "{bj_sh}");
        assert_eq!(distance_km(30.0, 110.0, 30.0, 110.0), 0.0);
    }

    #[test]
    fn signup_window() {
        let start = 1_000;
        assert_eq!(signup_state(EventStatus::Draft, None, None, start, 0), SignupState::NotPublished);
        assert_eq!(signup_state(EventStatus::Published, None, None, start, 0), SignupState::Open);
        assert_eq!(signup_state(EventStatus::Published, Some(10), None, start, 9), SignupState::NotOpenYet);
        assert_eq!(signup_state(EventStatus::Published, Some(10), None, start, 10), SignupState::Open);
        assert_eq!(signup_state(EventStatus::Published, None, Some(500), start, 500), SignupState::Closed);
        assert_eq!(signup_state(EventStatus::Published, None, None, start, 1_000), SignupState::Closed, "closes at the start by default");
        assert_eq!(signup_state(EventStatus::Postponed, None, None, start, 0), SignupState::Postponed);
        assert_eq!(signup_state(EventStatus::Cancelled, None, None, start, 0), SignupState::Cancelled);
    }

    #[test]
    fn place_on_joining_a_waiting_list() {
        assert_eq!(place_on_joining(1, 0), 1, "first on the list");
        // Numbers 1..=10 handed out; one fan cancelled, one was promoted: 8 wait, so 9th.
        assert_eq!(place_on_joining(11, 2), 9);
        assert_eq!(place_on_joining(5, 5), 1, "never below first");
    }
}
