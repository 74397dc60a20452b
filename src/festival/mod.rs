//! The annual fan festival (米粉节): one day, sessions in many cities, sign-up opening
//! at one announced second for all of them. Sessions are ordinary events
//! (`events.festival_id`) and go through the one seat engine (`meetups::engine`); the
//! only festival rule in the engine is one place per fan per festival
//! (`festival_places`, see `places`), and switching sessions (`switch`).
pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod places;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod switch;

use crate::meetups::{DeliveryCounts, PlaceStatus};
use serde::{Deserialize, Serialize};

/// Seats of a session unless staff choose otherwise.
pub const DEFAULT_SESSION_CAPACITY: i64 = 300;
/// Largest session staff may create.
pub const MAX_SESSION_CAPACITY: i64 = 20_000;
/// How long a session lasts unless edited as a meetup.
pub const SESSION_HOURS: i64 = 3;
/// The time zone the opening instant is entered and announced in.
pub const OPENING_TIMEZONE: &str = "Asia/Shanghai";

/// A festival in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FestivalCard {
    pub id: i64,
    pub name: String,
    /// "2027-04-06"
    pub day: String,
    /// When sign-up opens, in the reader's language (Beijing time).
    pub opens: String,
    pub sessions: i64,
    pub invited: bool,
}

/// One session as the festival page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub event_id: i64,
    pub city_id: i64,
    /// The city in the reader's language.
    pub city: String,
    pub venue: String,
    /// Local start, in the session city's time zone and the reader's language.
    pub starts: String,
    pub capacity: i64,
    /// From the cached seat counts (at most a few seconds old).
    pub seats_left: i64,
}

/// The fan's one place in the festival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FestivalPlace {
    pub event_id: i64,
    pub city: String,
    pub status: PlaceStatus,
    pub position: Option<i64>,
    pub ticket_code: Option<String>,
    /// The ticket as a QR code (SVG), for a seat.
    pub ticket_qr: Option<String>,
}

/// The fan's festival page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FestivalPage {
    pub id: i64,
    pub name: String,
    pub description_html: String,
    pub day: String,
    pub opens_at: i64,
    /// "2027年3月1日 周一 10:00"
    pub opens: String,
    /// The server's clock when the page was made (the countdown starts from it).
    pub now: i64,
    /// The visitor's own city first, then by city name.
    pub sessions: Vec<SessionView>,
    pub place: Option<FestivalPlace>,
    pub logged_in: bool,
}

/// What the festival page's island polls: seats left per session, and the server's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveSeats {
    /// The server's clock in milliseconds: the island's countdown follows it, not the
    /// visitor's clock.
    pub now_ms: i64,
    pub seats: Vec<(i64, i64)>,
}

/// One session as staff see it, with the invitations to its city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffSession {
    pub event_id: i64,
    pub city: String,
    pub venue: String,
    pub starts: String,
    pub capacity: i64,
    pub confirmed: i64,
    pub waitlisted: i64,
    pub invitations: DeliveryCounts,
}

/// The staff view of one festival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffFestival {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub day: String,
    /// The opening as its form field shows it, "2026-12-06 19:00" (Beijing time).
    pub opens_input: String,
    pub opens: String,
    pub invited: bool,
    pub sessions: Vec<StaffSession>,
}

/// Sessions in the order the festival page lists them: the visitor's city first, then
/// the rest by city name (stable for sessions of one city).
pub fn order_sessions(sessions: &mut [SessionView], home_city: Option<i64>) {
    sessions.sort_by(|a, b| (Some(a.city_id) != home_city, &a.city).cmp(&(Some(b.city_id) != home_city, &b.city)));
}

/// Seats left from a session's capacity and its confirmed count.
pub fn seats_left(capacity: Option<i64>, confirmed: i64) -> i64 {
    capacity.map_or(i64::MAX, |c| (c - confirmed).max(0))
}

/// Seconds until the opening, none once it has passed.
pub fn until_opening(opens_at: i64, now: i64) -> Option<i64> {
    (now < opens_at).then(|| opens_at - now)
}

/// "2 d 03:04:05" style parts of a countdown: (days, hours, minutes, seconds).
pub fn countdown_parts(seconds: i64) -> (i64, i64, i64, i64) {
    let s = seconds.max(0);
    (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: i64, city_id: i64, city: &str) -> SessionView {
        SessionView { event_id: id, city_id, city: city.into(), venue: String::new(), starts: String::new(), capacity: 10, seats_left: 10 }
    }

    #[test]
    fn own_city_first_then_by_name() {
        let mut s = vec![session(1, 10, "Beijing"), session(2, 20, "Chengdu"), session(3, 30, "Anqing"), session(4, 20, "Chengdu")];
        order_sessions(&mut s, Some(20));
        assert_eq!(s.iter().map(|s| s.event_id).collect::<Vec<_>>(), vec![2, 4, 3, 1]);
        order_sessions(&mut s, None);
        assert_eq!(s.iter().map(|s| s.event_id).collect::<Vec<_>>(), vec![3, 1, 2, 4]);
    }

    #[test]
    fn seats_and_countdown() {
        assert_eq!(seats_left(Some(100), 40), 60);
        assert_eq!(seats_left(Some(100), 100), 0);
        assert_eq!(until_opening(100, 99), Some(1));
        assert_eq!(until_opening(100, 100), None, "open at the opening second");
        assert_eq!(countdown_parts(2 * 86_400 + 3 * 3600 + 4 * 60 + 5), (2, 3, 4, 5));
        assert_eq!(countdown_parts(-3), (0, 0, 0, 0));
    }
}
