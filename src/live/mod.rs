//! Live at the meetup (现场互动): polls and quiz questions (智勇大冲关) that staff or the
//! organizer open during the event and checked-in fans answer on their phones, the
//! questions wall, the lucky draw (抽奖), and the room's screen showing it all. Every
//! change is numbered (`live_changes`) and pushed to the event's streams (server-sent
//! events), across app processes through the database (`hub`).
//!
//! The rules are plain functions (`scoring`, `lucky`, `check_item`); `api` checks them
//! on the server, `repo` stores, `stream` serves the streams.
pub mod api;
pub mod lucky;
pub mod scoring;
#[cfg(feature = "ssr")]
pub mod hub;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod screen_key;
#[cfg(feature = "ssr")]
pub mod stream;

use serde::{Deserialize, Serialize};

/// A poll or quiz question has 2 to 4 options.
pub const OPTIONS: (usize, usize) = (2, 4);
pub const QUESTION_MAX_CHARS: usize = 200;
pub const OPTION_MAX_CHARS: usize = 60;
/// A quiz question is open this long (seconds): at least, at most, and unless set.
pub const QUIZ_SECONDS: (i64, i64, i64) = (5, 120, 20);
/// How many places the screen's leaderboard shows.
pub const LEADERBOARD: usize = 10;
/// How many earlier questions the question bank offers.
pub const BANK: i64 = 30;
/// How many questions the screen's wall shows, most votes first.
pub const WALL: usize = 8;
/// The quiz's places are decided only when at least this many fans answered.
pub const QUIZ_MIN_PLAYERS: i64 = 5;
/// An answer sent this long after the time ran out still counts (the phone's network).
pub const LATE_GRACE_MS: i64 = 1_000;
/// How long after its meetup ends the room's screen link still opens (the results on
/// the screen while the room empties). A link is a secret anyone who saw the screen's
/// address bar may hold: after that only those running the meetup, logged in, see it.
pub const SCREEN_LINK_AFTER_END_SECS: i64 = 6 * 3600;

/// Whether the room's screen link of a meetup ending at `ends_at` still opens at `now`.
pub fn screen_link_opens(ends_at: i64, now: i64) -> bool {
    now < ends_at + SCREEN_LINK_AFTER_END_SECS
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Poll,
    Quiz,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Poll => "poll",
            ItemKind::Quiz => "quiz",
        }
    }

    pub fn parse(raw: &str) -> Option<ItemKind> {
        [ItemKind::Poll, ItemKind::Quiz].into_iter().find(|k| k.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Prepared, not shown yet.
    Draft,
    Open,
    Closed,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Draft => "draft",
            ItemStatus::Open => "open",
            ItemStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<ItemStatus> {
        [ItemStatus::Draft, ItemStatus::Open, ItemStatus::Closed].into_iter().find(|s| s.as_str() == raw)
    }
}

/// A poll or quiz question as a screen or phone shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveItem {
    pub id: i64,
    pub kind: ItemKind,
    pub question: String,
    pub options: Vec<String>,
    pub status: ItemStatus,
    /// Quiz: how long it is open.
    pub seconds: Option<i64>,
    /// Milliseconds (Unix): when it opened and when its time runs out.
    pub opened_at_ms: Option<i64>,
    pub closes_at_ms: Option<i64>,
    /// Answers per option: a poll's as they come, a quiz's once it is closed.
    pub counts: Vec<i64>,
    pub answers: i64,
    /// A quiz's right option: once closed (and always for those running it).
    pub correct: Option<usize>,
}

/// A place on the quiz's leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub place: usize,
    pub name: String,
    pub score: i64,
}

/// A question on the wall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallQuestion {
    pub body: String,
    pub votes: i64,
    pub answered: bool,
}

/// A lucky draw's result, with what re-runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawView {
    pub round: i64,
    pub seed: String,
    pub winner: String,
    /// How many fans could have won.
    pub eligible: usize,
}

/// What every screen and phone of an event shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    pub event_id: i64,
    pub title: String,
    /// The latest change's number (the stream's event id).
    pub version: i64,
    /// The open item, else the last one closed.
    pub current: Option<LiveItem>,
    pub leaderboard: Vec<Standing>,
    pub questions: Vec<WallQuestion>,
    /// Newest first.
    pub draws: Vec<DrawView>,
    pub checked_in: i64,
    /// The server's clock (ms), for countdowns on devices whose clocks differ.
    pub now_ms: i64,
}

/// The viewer's own part, on their phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Myself {
    /// Only checked-in fans take part.
    pub checked_in: bool,
    /// Their answer to the current item.
    pub answered: Option<usize>,
    pub score: i64,
    pub place: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneView {
    pub state: LiveState,
    pub me: Myself,
}

/// A question from an earlier event, to use again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankItem {
    pub id: i64,
    pub kind: ItemKind,
    pub question: String,
    pub event_title: String,
}

/// What those running it see: every item, drafts and right answers included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub state: LiveState,
    pub items: Vec<LiveItem>,
    /// Questions of other events they ran (the newest first), to copy here.
    pub bank: Vec<BankItem>,
    pub has_screen: bool,
    /// The quiz's result, once decided.
    pub quiz_decided: bool,
}

/// A new item, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub kind: ItemKind,
    pub question: String,
    pub options: Vec<String>,
    pub correct: Option<usize>,
    pub seconds: Option<i64>,
}

/// Why an item cannot be saved, per field (`question`, `options`, `correct`, `seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemProblem {
    Kind,
    Question,
    OptionCount,
    OptionLength,
    Correct,
    Seconds,
}

impl ItemProblem {
    pub fn field(self) -> &'static str {
        match self {
            ItemProblem::Kind => "kind",
            ItemProblem::Question => "question",
            ItemProblem::OptionCount | ItemProblem::OptionLength => "options",
            ItemProblem::Correct => "correct",
            ItemProblem::Seconds => "seconds",
        }
    }
}

/// Checks a poll or quiz question as typed: options one per line; a quiz's right
/// option by its number (1-based) and its time in seconds (empty: the default).
pub fn check_item(kind: &str, question: &str, options: &str, correct: &str, seconds: &str) -> Result<NewItem, Vec<ItemProblem>> {
    let mut problems = Vec::new();
    let kind = ItemKind::parse(kind);
    if kind.is_none() {
        problems.push(ItemProblem::Kind);
    }
    let question = question.trim().to_string();
    if question.is_empty() || question.chars().count() > QUESTION_MAX_CHARS || question.chars().any(char::is_control) {
        problems.push(ItemProblem::Question);
    }
    let options: Vec<String> = options.lines().map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect();
    if !(OPTIONS.0..=OPTIONS.1).contains(&options.len()) {
        problems.push(ItemProblem::OptionCount);
    } else if options.iter().any(|o| o.chars().count() > OPTION_MAX_CHARS || o.chars().any(char::is_control)) {
        problems.push(ItemProblem::OptionLength);
    }
    let (mut right, mut time) = (None, None);
    if kind == Some(ItemKind::Quiz) {
        match correct.trim().parse::<usize>() {
            Ok(n) if n >= 1 && n <= options.len() => right = Some(n - 1),
            _ => problems.push(ItemProblem::Correct),
        }
        match seconds.trim() {
            "" => time = Some(QUIZ_SECONDS.2),
            raw => match raw.parse::<i64>() {
                Ok(s) if (QUIZ_SECONDS.0..=QUIZ_SECONDS.1).contains(&s) => time = Some(s),
                _ => problems.push(ItemProblem::Seconds),
            },
        }
    }
    match kind {
        Some(kind) if problems.is_empty() => Ok(NewItem { kind, question, options, correct: right, seconds: time }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiz_question_needs_its_right_answer_and_a_sane_time() {
        let quiz = check_item("quiz", " 小米的第一款手机是？ ", "小米1\n\n小米2\n 红米 \n", "1", "").unwrap();
        assert_eq!(quiz, NewItem { kind: ItemKind::Quiz, question: "小米的第一款手机是？".into(), options: vec!["小米1".into(), "小米2".into(), "红米".into()], correct: Some(0), seconds: Some(20) });
        assert_eq!(check_item("quiz", "Q?", "a\nb", "3", "").unwrap_err(), vec![ItemProblem::Correct]);
        assert_eq!(check_item("quiz", "Q?", "a\nb", "2", "2").unwrap_err(), vec![ItemProblem::Seconds]);
        assert_eq!(check_item("quiz", "Q?", "a\nb", "2", "121").unwrap_err(), vec![ItemProblem::Seconds]);
        assert_eq!(check_item("poll", "Q?", "a\nb", "", "").unwrap().correct, None, "a poll has no right answer");
    }

    #[test]
    fn the_screen_link_opens_until_hours_after_the_meetup() {
        let ends = 1_000_000;
        assert!(screen_link_opens(ends, ends - 3600), "during the meetup");
        assert!(screen_link_opens(ends, ends + SCREEN_LINK_AFTER_END_SECS - 1), "the results as the room empties");
        assert!(!screen_link_opens(ends, ends + SCREEN_LINK_AFTER_END_SECS), "then no more");
    }

    #[test]
    fn options_number_two_to_four_and_stay_short() {
        assert_eq!(check_item("poll", "Q?", "only one", "", "").unwrap_err(), vec![ItemProblem::OptionCount]);
        assert_eq!(check_item("poll", "Q?", "a\nb\nc\nd\ne", "", "").unwrap_err(), vec![ItemProblem::OptionCount]);
        assert_eq!(check_item("poll", "Q?", &format!("a\n{}", "长".repeat(61)), "", "").unwrap_err(), vec![ItemProblem::OptionLength]);
        assert_eq!(check_item("vote", "", "a\nb", "", "").unwrap_err(), vec![ItemProblem::Kind, ItemProblem::Question]);
        for kind in [ItemKind::Poll, ItemKind::Quiz] {
            assert_eq!(ItemKind::parse(kind.as_str()), Some(kind));
        }
        for status in [ItemStatus::Draft, ItemStatus::Open, ItemStatus::Closed] {
            assert_eq!(ItemStatus::parse(status.as_str()), Some(status));
        }
    }
}
