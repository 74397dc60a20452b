//! The meetup conversation: before a meetup, fans with a place (or an application to a
//! meetup whose seats are drawn) ask the team questions
//! and up-vote each other's (one vote per fan per question); staff (and a gathering's
//! organizer) see them ranked and mark some answered; staff moderate them like
//! gathering reports. After it, each attendee rates it (1–5) once, with a comment;
//! staff see the averages per meetup and per city and month, organizers their own.
//!
//! The rules are plain functions here; `api` checks them on the server, `repo` stores.
pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;

use crate::meetups::{EventStatus, PlaceStatus};
use serde::{Deserialize, Serialize};

/// A question's length, in characters.
pub const QUESTION_MIN_CHARS: usize = 5;
pub const QUESTION_MAX_CHARS: usize = 280;
/// How many questions one fan may ask about one meetup.
pub const QUESTIONS_PER_FAN: i64 = 3;
/// A feedback comment's length, in characters.
pub const COMMENT_MAX_CHARS: usize = 1000;

/// A question as a page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: i64,
    pub body: String,
    pub votes: i64,
    pub answered: bool,
    /// Only staff and the organizer see hidden questions (to restore them).
    pub hidden: bool,
    /// The viewer asked it.
    pub mine: bool,
    /// The viewer up-voted it.
    pub voted: bool,
    /// Who asked: only for staff and the organizer; fans see questions unsigned.
    pub asker: Option<String>,
    pub created_at: i64,
}

/// Whether the viewer may ask (and vote) now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AskRule {
    /// Not logged in.
    LogIn,
    /// Logged in without a confirmed or waiting-list place.
    NeedPlace,
    Open,
    /// The meetup is over (or cancelled, or not published).
    Closed,
}

/// Whether the viewer may leave feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeedbackState {
    /// The door has not closed yet (or the viewer is not logged in).
    NotYet,
    /// The viewer was not recorded as attending.
    NotAttendee,
    Open,
    Given { rating: i64, comment: String },
}

/// The conversation of one meetup as a fan sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub event_id: i64,
    /// Ranked by votes; hidden questions left out.
    pub questions: Vec<QuestionView>,
    pub ask: AskRule,
    /// Questions the viewer may still ask here.
    pub questions_left: i64,
    pub feedback: FeedbackState,
}

/// Ratings of one meetup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackSummary {
    pub count: i64,
    /// Rounded to one decimal; `None` without ratings.
    pub average: Option<f64>,
    /// (rating, comment), newest first; only those with a comment.
    pub comments: Vec<(i64, String)>,
}

/// The conversation of one meetup as staff (or its organizer) see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventConversation {
    pub event_id: i64,
    /// Ranked by votes, hidden ones included (and marked).
    pub questions: Vec<QuestionView>,
    pub feedback: FeedbackSummary,
    /// The viewer is staff (may hide and restore questions).
    pub staff: bool,
}

/// Ratings of a city's meetups in one month (of their start, local time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityMonth {
    pub city_id: i64,
    pub city: String,
    /// "2026-05".
    pub month: String,
    pub meetups: i64,
    pub count: i64,
    pub average: f64,
}

/// Who may ask a question or vote: a fan with a confirmed or waiting-list place, or
/// with a live application to a meetup whose seats are drawn (`applied`: applied and
/// not withdrawn, before the draw; after it every applicant holds a place or none),
/// while the meetup is published or postponed and not over (until it ends and its door
/// closes: questions asked at the meetup count too).
pub fn ask_rule(logged_in: bool, place: Option<PlaceStatus>, applied: bool, status: EventStatus, now: i64, ends_at: i64, door_closed: bool) -> AskRule {
    if !matches!(status, EventStatus::Published | EventStatus::Postponed) || now >= ends_at || door_closed {
        return AskRule::Closed;
    }
    if !logged_in {
        return AskRule::LogIn;
    }
    match place {
        Some(PlaceStatus::Confirmed | PlaceStatus::Waitlisted) => AskRule::Open,
        _ if applied => AskRule::Open,
        _ => AskRule::NeedPlace,
    }
}

/// Votes go to others' questions, never one's own, and only to visible ones.
pub fn may_vote(rule: AskRule, own_question: bool, hidden: bool) -> bool {
    rule == AskRule::Open && !own_question && !hidden
}

/// Only attendees rate a meetup: the door's record says who came ('attended').
pub fn may_rate(outcome: Option<&str>) -> bool {
    outcome == Some("attended")
}

/// What the feedback box shows: nothing until the door has closed, then the form to
/// attendees (or what they gave).
pub fn feedback_state(door_closed: bool, outcome: Option<&str>, given: Option<(i64, String)>) -> FeedbackState {
    match given {
        Some((rating, comment)) => FeedbackState::Given { rating, comment },
        None if !door_closed => FeedbackState::NotYet,
        None if may_rate(outcome) => FeedbackState::Open,
        None => FeedbackState::NotAttendee,
    }
}

/// The ranking: most votes first; among equals, the earlier question first.
pub fn rank(questions: &mut [QuestionView]) {
    questions.sort_by_key(|q| (std::cmp::Reverse(q.votes), q.created_at, q.id));
}

/// A rating as typed: a whole number from 1 to 5.
pub fn parse_rating(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|r| (1..=5).contains(r))
}

/// The average rating to one decimal.
pub fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0)
}

/// Per meetup (city id, city name, month, ratings, sum of ratings) → per city and
/// month, cities by name, months newest first.
pub fn by_city_month(rows: Vec<(i64, String, String, i64, i64)>) -> Vec<CityMonth> {
    let mut groups: std::collections::BTreeMap<(String, i64, std::cmp::Reverse<String>), (i64, i64, i64)> = Default::default();
    for (city_id, city, month, count, sum) in rows {
        let entry = groups.entry((city, city_id, std::cmp::Reverse(month))).or_default();
        entry.0 += 1;
        entry.1 += count;
        entry.2 += sum;
    }
    groups
        .into_iter()
        .filter(|(_, (_, count, _))| *count > 0)
        .map(|((city, city_id, month), (meetups, count, sum))| CityMonth {
            city_id,
            city,
            month: month.0,
            meetups,
            count,
            average: average(sum, count).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventStatus::*;

    #[test]
    fn only_fans_with_a_place_ask_while_the_meetup_is_on() {
        let open = |place, status| ask_rule(true, place, false, status, 100, 200, false);
        assert_eq!(open(Some(PlaceStatus::Confirmed), Published), AskRule::Open);
        assert_eq!(open(Some(PlaceStatus::Waitlisted), Published), AskRule::Open, "the waiting list too");
        assert_eq!(open(Some(PlaceStatus::Confirmed), Postponed), AskRule::Open);
        assert_eq!(open(Some(PlaceStatus::Cancelled), Published), AskRule::NeedPlace);
        assert_eq!(open(None, Published), AskRule::NeedPlace);
        assert_eq!(open(Some(PlaceStatus::Confirmed), Cancelled), AskRule::Closed);
        assert_eq!(open(Some(PlaceStatus::Confirmed), Hidden), AskRule::Closed);
        assert_eq!(open(Some(PlaceStatus::Confirmed), Draft), AskRule::Closed);
        assert_eq!(ask_rule(true, Some(PlaceStatus::Confirmed), false, Published, 200, 200, false), AskRule::Closed, "over at its end");
        assert_eq!(ask_rule(true, Some(PlaceStatus::Confirmed), false, Published, 100, 200, true), AskRule::Closed, "or once the door closed");
        assert_eq!(ask_rule(false, None, false, Published, 100, 200, false), AskRule::LogIn);
    }

    #[test]
    fn applicants_ask_like_fans_with_a_place() {
        assert_eq!(ask_rule(true, None, true, Published, 100, 200, false), AskRule::Open, "applied to a draw");
        assert_eq!(ask_rule(true, Some(PlaceStatus::Cancelled), true, Published, 100, 200, false), AskRule::Open);
        assert_eq!(ask_rule(true, None, true, Cancelled, 100, 200, false), AskRule::Closed, "not once the meetup is off");
        assert_eq!(ask_rule(true, None, true, Published, 200, 200, false), AskRule::Closed, "nor over");
        assert_eq!(ask_rule(false, None, true, Published, 100, 200, false), AskRule::LogIn);
    }

    #[test]
    fn votes_go_to_others_visible_questions() {
        assert!(may_vote(AskRule::Open, false, false));
        assert!(!may_vote(AskRule::Open, true, false), "not one's own");
        assert!(!may_vote(AskRule::Open, false, true), "not a hidden one");
        assert!(!may_vote(AskRule::NeedPlace, false, false));
        assert!(!may_vote(AskRule::Closed, false, false));
    }

    #[test]
    fn only_attendees_rate_once_the_door_closed() {
        assert!(may_rate(Some("attended")));
        assert!(!may_rate(Some("no_show")) && !may_rate(None));
        assert_eq!(feedback_state(false, None, None), FeedbackState::NotYet);
        assert_eq!(feedback_state(true, Some("attended"), None), FeedbackState::Open);
        assert_eq!(feedback_state(true, Some("no_show"), None), FeedbackState::NotAttendee);
        assert_eq!(feedback_state(true, Some("attended"), Some((4, "ok".into()))), FeedbackState::Given { rating: 4, comment: "ok".into() });
    }

    fn q(id: i64, votes: i64, created_at: i64) -> QuestionView {
        QuestionView { id, body: String::new(), votes, answered: false, hidden: false, mine: false, voted: false, asker: None, created_at }
    }

    #[test]
    fn most_votes_first_then_the_earlier_question() {
        let mut questions = vec![q(1, 0, 10), q(2, 3, 30), q(3, 3, 20), q(4, 5, 40)];
        rank(&mut questions);
        assert_eq!(questions.iter().map(|q| q.id).collect::<Vec<_>>(), [4, 3, 2, 1]);
    }

    #[test]
    fn ratings_and_averages() {
        assert_eq!(parse_rating(" 5 "), Some(5));
        assert_eq!(parse_rating("0"), None);
        assert_eq!(parse_rating("6"), None);
        assert_eq!(parse_rating("4.5"), None);
        assert_eq!(average(9, 2), Some(4.5));
        assert_eq!(average(10, 3), Some(3.3));
        assert_eq!(average(0, 0), None);
    }

    #[test]
    fn feedback_adds_up_per_city_and_month() {
        let rows = vec![
            (2, "深圳".to_string(), "2026-05".to_string(), 2, 9),
            (2, "深圳".to_string(), "2026-05".to_string(), 1, 3),
            (2, "深圳".to_string(), "2026-06".to_string(), 1, 5),
            (1, "北京".to_string(), "2026-05".to_string(), 0, 0),
        ];
        let months = by_city_month(rows);
        assert_eq!(months.len(), 2, "a month without ratings is left out");
        assert_eq!((months[0].month.as_str(), months[0].count, months[0].average), ("2026-06", 1, 5.0), "newest first");
        assert_eq!((months[1].meetups, months[1].count, months[1].average), (2, 3, 4.0));
    }
}
