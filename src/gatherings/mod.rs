//! Self-run gatherings: volunteer organizers list local meetups on the same event engine
//! as official ones; staff approve organizers, review gatherings and handle reports.
pub mod api;
pub mod moderation;
#[cfg(feature = "ssr")]
pub mod repo;

use crate::accounts::Role;
use crate::meetups::{Attendee, EventStatus, MeetupCard};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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

/// An organizer's view of one of their gatherings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnGathering {
    pub card: MeetupCard,
    pub form: crate::meetups::EventFormValues,
    pub attendees: Vec<Attendee>,
    /// Why staff rejected it, if they did.
    pub rejection: Option<String>,
    /// Where applications and the draw stand, when seats are drawn.
    pub admission: Option<crate::admission::MeetupAdmission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityEvent {
    pub card: MeetupCard,
    /// "Official meetup", or "Gathering by …", in the reader's language.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityEvents {
    pub city_id: i64,
    /// The city's name in the reader's language.
    pub city: String,
    pub events: Vec<CityEvent>,
    pub calendar_url: String,
    /// A bound of the date filter that could not be read (`from`, `to`), with its
    /// message for beside the field; then `events` is empty.
    pub filter_errors: crate::error::FieldErrors,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingGathering {
    pub card: MeetupCard,
    pub organizer_id: i64,
    pub organizer: String,
    pub description_html: String,
}

#[cfg(feature = "ssr")]
impl PendingGathering {
    /// A gathering as a review queue shows it (staff's, and a club's desk).
    pub fn of(e: &crate::meetups::repo::EventInfo) -> PendingGathering {
        PendingGathering {
            card: crate::meetups::api::card(e),
            organizer_id: e.organizer.as_ref().map(|o| o.0).unwrap_or_default(),
            organizer: e.organizer.as_ref().map(|o| o.1.clone()).unwrap_or_default(),
            description_html: crate::text::render(&e.description),
        }
    }
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
    /// For a report about a question on the event's page: the question (id, text).
    pub question: Option<(i64, String)>,
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
    pub role: Role,
    pub is_organizer: bool,
    /// Whether the staff member looking may change the account's role.
    pub viewer_is_admin: bool,
    pub trusted: bool,
    /// Each gathering with (confirmed, checked in).
    pub gatherings: Vec<(MeetupCard, i64, i64)>,
    pub reports: Vec<ReportView>,
    pub log: Vec<LogEntry>,
}

/// How many messages an organizer may send to one gathering's attendees per day.
pub const MESSAGES_PER_DAY: i64 = 3;

/// What a fan can report a gathering for (stored codes; `report_category_label` names them).
pub const REPORT_CATEGORIES: [&str; 3] = ["spam", "unsafe", "wrong_information"];

/// A report category as the reader sees it; an unknown code as it is.
pub fn report_category_label(code: &str, locale: crate::i18n::Locale) -> &str {
    use crate::i18n::td_string;
    match code {
        "spam" => td_string!(locale, fan.report.categories.spam),
        "unsafe" => td_string!(locale, fan.report.categories.not_safe),
        "wrong_information" => td_string!(locale, fan.report.categories.wrong_information),
        other => other,
    }
}

pub use crate::meetups::may_manage;

/// The moderation decisions that make sense for a gathering in `from`: only one waiting
/// for review is published or sent back; any not yet hidden may be hidden. (A cancelled
/// gathering is never published again: its fans were told it is off.)
pub fn moderation_allows(from: EventStatus, to: EventStatus) -> bool {
    match to {
        EventStatus::Published | EventStatus::Rejected => from == EventStatus::PendingReview,
        EventStatus::Hidden => from != EventStatus::Hidden,
        _ => false,
    }
}

/// What staff may put back on the calendar (as published): a hidden or sent-back gathering.
pub fn restorable(status: EventStatus) -> bool {
    matches!(status, EventStatus::Hidden | EventStatus::Rejected)
}

/// Moderation applies to fans and organizers; staff roles are an admin's business.
pub fn moderatable(role: Role) -> bool {
    matches!(role, Role::Fan | Role::Organizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::accounts::{CurrentUser, HomeCity};

    fn user(id: i64, role: Role) -> CurrentUser {
        let home_city = HomeCity { id: 1, name_zh: String::new(), name_en: String::new(), province_en: String::new(), verified_fans: 0 };
        CurrentUser { id, email: String::new(), display_name: String::new(), role, email_verified: true, wants_invitations: true, public_profile: false, home_city, pending_email: None, email_language: "zh-CN".into() }
    }

    #[test]
    fn only_current_organizers_manage_their_visible_gatherings() {
        assert!(may_manage(&user(7, Role::Organizer), Some(7), EventStatus::Published));
        assert!(may_manage(&user(7, Role::Organizer), Some(7), EventStatus::Rejected));
        assert!(!may_manage(&user(7, Role::Fan), Some(7), EventStatus::Published), "revoked organizers");
        assert!(!may_manage(&user(7, Role::Organizer), Some(7), EventStatus::Hidden), "hidden by staff");
        assert!(!may_manage(&user(7, Role::Organizer), Some(8), EventStatus::Published), "someone else's");
        assert!(!may_manage(&user(7, Role::Staff), None, EventStatus::Published));
    }

    #[test]
    fn moderation_publishes_only_what_waits_for_review() {
        use EventStatus::*;
        assert!(moderation_allows(PendingReview, Published) && moderation_allows(PendingReview, Rejected));
        for from in [Cancelled, Rejected, Hidden, Published, Postponed] {
            assert!(!moderation_allows(from, Published), "{from:?}");
        }
        assert!(moderation_allows(Cancelled, Hidden) && !moderation_allows(Hidden, Hidden));
    }

    #[test]
    fn only_live_gatherings_reach_their_fans() {
        use crate::meetups::may_reach_attendees;
        let organizer = user(7, Role::Organizer);
        for status in [EventStatus::Published, EventStatus::Postponed, EventStatus::Cancelled] {
            assert!(may_reach_attendees(&organizer, Some(7), status), "{status:?}");
        }
        for status in [EventStatus::Rejected, EventStatus::PendingReview, EventStatus::Hidden] {
            assert!(!may_reach_attendees(&organizer, Some(7), status), "{status:?}");
        }
        assert!(!may_reach_attendees(&organizer, Some(8), EventStatus::Published));
    }

    #[test]
    fn only_fans_and_organizers_are_moderated() {
        assert!(moderatable(Role::Fan) && moderatable(Role::Organizer));
        assert!(!moderatable(Role::Staff) && !moderatable(Role::Admin));
    }
}
