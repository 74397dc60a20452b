//! Self-run gatherings: volunteer organizers list local meetups on the same event engine
//! as official ones; staff approve organizers, review gatherings and handle reports.
pub mod api;
pub mod format;
#[cfg(feature = "ssr")]
pub mod repo;

use crate::meetups::{Attendee, MeetupCard};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub city: String,
    pub reason: String,
    pub status: String,
    pub decision_reason: Option<String>,
}

/// The logged-in fan's standing as an organizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerStatus {
    pub is_organizer: bool,
    pub verified: bool,
    pub application: Option<ApplicationView>,
    pub gatherings: Vec<MeetupCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatheringFormValues {
    pub title: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub starts: String,
    pub ends: String,
    pub capacity: String,
    pub signup_deadline: String,
}

/// An organizer's view of one of their gatherings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnGathering {
    pub card: MeetupCard,
    pub form: GatheringFormValues,
    pub attendees: Vec<Attendee>,
    /// Why staff rejected it, if they did.
    pub rejection: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityEvent {
    pub card: MeetupCard,
    /// "Official meetup", or "Gathering by …".
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityEvents {
    pub city_id: i64,
    pub city: String,
    pub events: Vec<CityEvent>,
    pub calendar_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingGathering {
    pub card: MeetupCard,
    pub organizer_id: i64,
    pub organizer: String,
    pub description_html: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub category: String,
    pub details: String,
    pub reporter: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub when: String,
    pub staff: String,
    pub subject: String,
    pub action: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModerationQueue {
    pub applications: Vec<ApplicationView>,
    pub gatherings: Vec<PendingGathering>,
    pub reports: Vec<ReportView>,
    pub log: Vec<LogEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizerHistory {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub is_organizer: bool,
    pub trusted: bool,
    /// Each gathering with (confirmed, checked in).
    pub gatherings: Vec<(MeetupCard, i64, i64)>,
    pub reports: Vec<ReportView>,
    pub log: Vec<LogEntry>,
}

/// How many messages an organizer may send to one gathering's attendees per day.
pub const MESSAGES_PER_DAY: i64 = 3;

pub const REPORT_CATEGORIES: [(&str, &str); 3] =
    [("spam", "Spam"), ("unsafe", "Unsafe"), ("wrong_information", "Wrong information")];
