//! City clubs (同城会): every city has one. A fan's home city's club is theirs, and they
//! may follow up to `MAX_FOLLOWS` others; staff appoint officers for a term; officers
//! post news, moderate their club's organizers and gatherings, and members hear of it
//! in a weekly digest. The club is the city's row: no separate table to keep in step.
use crate::meetups::MeetupCard;
use serde::{Deserialize, Serialize};

pub mod api;
pub mod desk;
#[cfg(feature = "ssr")]
pub mod digest;
pub mod messages;
#[cfg(feature = "ssr")]
pub mod officers;
pub mod reports;
#[cfg(feature = "ssr")]
pub mod repo;

/// Clubs a fan may follow besides their home city's.
pub const MAX_FOLLOWS: usize = 3;
/// News posts an officer may write a day (each reaches every member's digest).
pub const NEWS_PER_DAY: i64 = 5;
/// Messages a club's officers may send its members in seven days (each reaches every
/// member's inbox; news waits for the weekly digest).
pub const MESSAGES_PER_WEEK: i64 = 2;
/// The longest term staff may give (two years).
pub const MAX_TERM_DAYS: i64 = 730;

/// An officer's post in a club.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfficerRole {
    /// 会长
    President,
    /// 副会长
    VicePresident,
    /// 组织者
    Organizer,
}

impl OfficerRole {
    pub const ALL: [OfficerRole; 3] = [OfficerRole::President, OfficerRole::VicePresident, OfficerRole::Organizer];

    pub fn as_str(self) -> &'static str {
        match self {
            OfficerRole::President => "president",
            OfficerRole::VicePresident => "vice_president",
            OfficerRole::Organizer => "organizer",
        }
    }

    pub fn parse(raw: &str) -> Option<OfficerRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    pub fn label(self, l: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            OfficerRole::President => td_string!(l, clubs.role.president),
            OfficerRole::VicePresident => td_string!(l, clubs.role.vice_president),
            OfficerRole::Organizer => td_string!(l, clubs.role.organizer),
        }
    }
}

/// The ISO week `at` (UTC) falls in, as `2026-W49`: a digest's key, so a fan gets one a
/// week whoever runs it and however often.
#[cfg(feature = "ssr")]
pub fn iso_week(at: i64) -> String {
    use chrono::Datelike;
    let week = chrono::DateTime::from_timestamp(at, 0).unwrap_or_default().iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// An officer as the club page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficerView {
    pub term_id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub role: OfficerRole,
    pub since: String,
    pub until: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsView {
    pub id: i64,
    pub title: String,
    /// The post's text with its few marks, escaped (`text::render`).
    pub body_html: String,
    pub author: String,
    pub posted: String,
}

/// A past event of the club with how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastEvent {
    pub card: MeetupCard,
    pub attended: i64,
    /// Average rating (1–5) and how many rated.
    pub rating: Option<(f64, i64)>,
}

/// Where the city stands in the ranking for the next official meetup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClubStanding {
    /// Its place among cities eligible to host, if eligible.
    pub position: Option<usize>,
    /// Fans still missing to reach the threshold (0 when reached).
    pub fans_needed: i64,
    /// Why it stands there, in the reader's language.
    pub explanation: String,
}

/// The reader's tie to the club.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub user_id: i64,
    /// It is the fan's home city's club.
    pub home: bool,
    pub following: bool,
    /// How many clubs the fan follows.
    pub follows: usize,
    /// The fan's post, while in term.
    pub officer: Option<OfficerRole>,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClubPage {
    pub city_id: i64,
    pub city: String,
    pub province: String,
    pub officers: Vec<OfficerView>,
    /// Verified fans whose home city it is.
    pub members: i64,
    pub followers: i64,
    pub standing: Option<ClubStanding>,
    pub upcoming: Vec<MeetupCard>,
    pub past: Vec<PastEvent>,
    pub news: Vec<NewsView>,
    /// `None` for visitors.
    pub me: Option<Membership>,
    /// Staff see the appointment form and every term.
    pub staff: bool,
    /// Its fans who brought the most new fans this month (who show their page).
    pub top_bringers: Vec<crate::participation::Honoured>,
}

/// A term as an officer, as the fan's page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficerRecord {
    pub city_id: i64,
    pub club: String,
    pub role: OfficerRole,
    pub from: String,
    pub until: String,
    /// Gatherings they ran in the club during the term, fans who came, average rating.
    pub gatherings: i64,
    pub came: i64,
    pub rating: Option<f64>,
}

/// One club as staff see it in the country view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClubHealth {
    pub city_id: i64,
    pub city: String,
    pub province: String,
    pub members: i64,
    pub officers: i64,
    /// Gatherings that started in the last 90 days.
    pub gatherings_90d: i64,
    pub attended_90d: i64,
    pub rating: Option<f64>,
    pub open_reports: i64,
    pub longitude: f64,
    pub latitude: f64,
}

impl ClubHealth {
    /// What the staff view's map says of the club.
    pub fn state(&self) -> ClubState {
        if self.open_reports > 0 {
            ClubState::Reports
        } else if self.members == 0 {
            ClubState::Empty
        } else if self.officers == 0 {
            ClubState::NoOfficer
        } else {
            ClubState::Running
        }
    }

    /// What needs staff's attention first: open reports, then clubs with members but no
    /// officer, then the quiet ones.
    pub fn attention(&self) -> (i64, bool, i64) {
        (-self.open_reports, !(self.officers == 0 && self.members > 0), self.gatherings_90d)
    }
}

/// A club's state on the staff view's map, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClubState {
    Reports,
    NoOfficer,
    Running,
    Empty,
}

impl ClubState {
    pub const ALL: [ClubState; 4] = [ClubState::Reports, ClubState::NoOfficer, ClubState::Running, ClubState::Empty];

    pub fn colour(self) -> &'static str {
        match self {
            ClubState::Reports => "#d93025",
            ClubState::NoOfficer => "#e37400",
            ClubState::Running => "#188038",
            ClubState::Empty => "#bdc1c6",
        }
    }

    pub fn label(self, l: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            ClubState::Reports => td_string!(l, clubs.state.reports),
            ClubState::NoOfficer => td_string!(l, clubs.state.no_officer),
            ClubState::Running => td_string!(l, clubs.state.running),
            ClubState::Empty => td_string!(l, clubs.state.empty),
        }
    }
}

/// Provinces with their clubs, in the order the clubs come (one group per province).
pub fn by_province(clubs: Vec<ClubHealth>) -> Vec<(String, Vec<ClubHealth>)> {
    let mut groups: Vec<(String, Vec<ClubHealth>)> = Vec::new();
    for club in clubs {
        match groups.iter_mut().find(|(p, _)| *p == club.province) {
            Some((_, members)) => members.push(club),
            None => groups.push((club.province.clone(), vec![club])),
        }
    }
    groups
}

/// The staff view's orders: `province` (then members), `members`, `gatherings`,
/// `rating` (best first), or by default the clubs that need attention first.
pub fn sort_clubs(clubs: &mut [ClubHealth], by: &str) {
    let rating = |c: &ClubHealth| std::cmp::Reverse((c.rating.unwrap_or(0.0) * 100.0) as i64);
    match by {
        "province" => clubs.sort_by(|a, b| a.province.cmp(&b.province).then(b.members.cmp(&a.members))),
        "members" => clubs.sort_by_key(|c| std::cmp::Reverse(c.members)),
        "gatherings" => clubs.sort_by_key(|c| std::cmp::Reverse(c.gatherings_90d)),
        "rating" => clubs.sort_by_key(rating),
        _ => clubs.sort_by(|a, b| a.attention().cmp(&b.attention()).then(b.members.cmp(&a.members))),
    }
}

/// A fan's report about a club's news post (staff answer these: officers write news).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsReportView {
    pub id: i64,
    pub news_id: i64,
    pub city_id: i64,
    pub club: String,
    pub title: String,
    pub author: String,
    pub category: String,
    pub details: String,
    pub reporter: String,
}

/// A message officers sent to the club's members and followers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClubMessageView {
    pub id: i64,
    pub subject: String,
    /// As written (shown as text: what members received).
    pub body: String,
    pub author: String,
    pub sent: String,
    pub recipients: i64,
}

/// Something hidden or sent back that staff may put back: `subject` is `news` or
/// `gathering`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiddenItem {
    pub subject: String,
    pub id: i64,
    pub title: String,
}

/// A club's decisions waiting for its officers: applications to organize, gatherings
/// to review, reports about its gatherings; its messages to members; for staff also
/// reports about its news and what may be restored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClubDesk {
    pub city_id: i64,
    pub city: String,
    pub staff: bool,
    pub applications: Vec<crate::gatherings::ApplicationView>,
    pub gatherings: Vec<crate::gatherings::PendingGathering>,
    pub reports: Vec<crate::gatherings::ReportView>,
    pub news_reports: Vec<NewsReportView>,
    pub messages: Vec<ClubMessageView>,
    pub hidden: Vec<HiddenItem>,
    /// Messages the officers may still send this week.
    pub messages_left: i64,
    /// Staff's and officers' decisions for the club, newest first.
    pub log: Vec<crate::gatherings::LogEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn weeks_are_iso_weeks() {
        assert_eq!(iso_week(1_796_256_000 + 3600), "2026-W49", "Thursday 2026-12-03");
        assert_eq!(iso_week(1_798_588_800), "2026-W53", "2026-12-30");
        assert_eq!(iso_week(1_799_020_800), "2027-W01", "2027-01-04");
    }

    #[test]
    fn clubs_needing_attention_come_first() {
        let club = |reports, officers, members, gatherings| ClubHealth {
            city_id: 1,
            city: String::new(),
            province: String::new(),
            members,
            officers,
            gatherings_90d: gatherings,
            attended_90d: 0,
            rating: None,
            open_reports: reports,
            longitude: 0.0,
            latitude: 0.0,
        };
        let mut clubs = [club(0, 2, 50, 9), club(0, 0, 40, 0), club(3, 1, 10, 2), club(0, 1, 20, 1)];
        sort_clubs(&mut clubs, "");
        let order: Vec<(i64, i64)> = clubs.iter().map(|c| (c.open_reports, c.officers)).collect();
        assert_eq!(order, vec![(3, 1), (0, 0), (0, 1), (0, 2)]);
        sort_clubs(&mut clubs, "members");
        assert_eq!(clubs.iter().map(|c| c.members).collect::<Vec<_>>(), vec![50, 40, 20, 10]);
        assert_eq!(clubs.iter().map(ClubHealth::state).collect::<Vec<_>>(), [ClubState::Running, ClubState::NoOfficer, ClubState::Running, ClubState::Reports]);
        let mut grouped = clubs.to_vec();
        for (club, province) in grouped.iter_mut().zip(["广东", "四川", "广东", "湖北"]) {
            club.province = province.into();
        }
        let groups = by_province(grouped);
        assert_eq!(groups.iter().map(|(p, c)| (p.as_str(), c.len())).collect::<Vec<_>>(), [("广东", 2), ("四川", 1), ("湖北", 1)]);
        assert_eq!(OfficerRole::parse("vice_president"), Some(OfficerRole::VicePresident));
        assert_eq!(OfficerRole::parse("king"), None);
    }
}
