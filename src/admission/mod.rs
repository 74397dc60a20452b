//! Admission (issue 13): how fans get the seats of an event. First come (the engine's
//! sign-up, unchanged), or apply then select: fans apply during a window, then a
//! seeded, reproducible draw (`draw`) picks the seats and orders the waiting list,
//! weighted by rules shown to fans (`rules`). And no-shows, fairly: a fan who missed
//! meetups recently must reconfirm their seat (`reconfirm`).
//!
//! After the draw every applicant holds an ordinary registration (seat or waiting
//! list), so cancellations and promotions stay the engine's.
pub mod api;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod draw;
#[cfg(feature = "ssr")]
pub mod emails;
#[cfg(feature = "ssr")]
pub mod form;
#[cfg(feature = "ssr")]
pub mod reconfirm;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod run;
#[cfg(feature = "ssr")]
pub mod waiting;

pub use rules::{DrawWeights, NoShowRule};
use serde::{Deserialize, Serialize};

/// How an event gives its seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Admission {
    /// Sign up: a seat if one is free, else the waiting list.
    #[default]
    FirstCome,
    /// Apply during the window; the draw at its close picks the seats.
    Draw,
}

impl Admission {
    pub fn as_str(self) -> &'static str {
        match self {
            Admission::FirstCome => "first_come",
            Admission::Draw => "draw",
        }
    }

    pub fn parse(raw: &str) -> Option<Admission> {
        [Admission::FirstCome, Admission::Draw].into_iter().find(|a| a.as_str() == raw)
    }
}

/// Whether an event in `admission` mode (as stored) drawn at `drawn_at` still takes
/// applications, so sign-ups wait for its draw.
pub fn awaits_draw(admission: &str, drawn_at: Option<i64>) -> bool {
    Admission::parse(admission) == Some(Admission::Draw) && drawn_at.is_none()
}

/// What the meetup page shows about admission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetupAdmission {
    pub admission: Admission,
    /// Official meetup: the no-show rule applies (and is shown).
    pub official: bool,
    /// When applications close, in the city's time and the reader's language.
    pub closes: Option<String>,
    /// Applications are taken right now.
    pub open: bool,
    pub drawn: bool,
    pub question: String,
    pub applicants: i64,
    pub weights: DrawWeights,
    pub rule: NoShowRule,
    /// The logged-in fan's application, if they applied (and did not withdraw).
    pub mine: Option<MyApplication>,
    /// The logged-in fan must reconfirm their seat.
    pub reconfirm: Option<Reconfirm>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyApplication {
    pub answer: String,
    pub picked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reconfirm {
    /// The deadline, in the city's time.
    pub due: String,
    pub confirmed: bool,
}

/// An applicant as staff see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    pub application_id: i64,
    pub name: String,
    pub email: String,
    pub answer: String,
    pub attended: i64,
    pub no_shows: i64,
    /// "Name, time" of the staff member who picked this fan.
    pub picked: Option<String>,
    /// Position in the draw (staff picks first), once drawn.
    pub position: Option<i64>,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub fan: String,
}

/// The staff view of an event's admission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffAdmission {
    pub admission: Admission,
    pub closes: Option<String>,
    pub question: String,
    pub capacity: Option<i64>,
    pub drawn: Option<String>,
    /// Who ran the draw (empty: the timer at the close).
    pub drawn_by: String,
    pub seed: Option<String>,
    /// Re-running the draw from its stored seed and inputs gives the stored list.
    pub rerun_matches: Option<bool>,
    pub total: i64,
    pub picks: i64,
    /// The first applicants (all picks, then by application or draw order).
    pub applicants: Vec<Applicant>,
    pub log: Vec<LogLine>,
}

/// What a draw did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawOutcome {
    pub selected: i64,
    pub waitlisted: i64,
    /// False when the event had been drawn already (by another process, or earlier).
    pub now: bool,
}
