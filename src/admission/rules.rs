//! The rules fans are shown before they apply or sign up: the draw's weights and the
//! no-show rule. Their numbers are settings (see `infra::config`).
use serde::{Deserialize, Serialize};

/// Every applicant starts with this weight; the rules multiply it.
pub const BASE_WEIGHT: u64 = 100;

/// The draw's weights, in percent of the base weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawWeights {
    /// A fan who has never attended a meetup.
    pub first_timer_pct: u32,
    /// A fan who was not selected in their last draw.
    pub passed_over_pct: u32,
    /// A fan with a no-show in the no-show window.
    pub recent_no_show_pct: u32,
}

impl Default for DrawWeights {
    fn default() -> Self {
        DrawWeights { first_timer_pct: 200, passed_over_pct: 150, recent_no_show_pct: 50 }
    }
}

/// Which events' record weighs in draws and asks fans to reconfirm: official meetups
/// (festival sessions included), run and checked in by staff. A gathering's organizer
/// runs its door and its draws alone; were its no-shows and its losing applicants
/// counted, an organizer could lower fans' chances at official meetups and colluding
/// fans raise their own. An SQL condition on the event row `alias`.
pub fn counted_event(alias: &str) -> String {
    format!("{alias}.kind = 'official'")
}

/// What the draw knows about an applicant (from counted events only: `counted_event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct History {
    pub attended: i64,
    pub recent_no_shows: i64,
    /// Their latest draw (at another event) did not select them.
    pub passed_over_last_time: bool,
}

/// An applicant's weight: the base, times each rule that applies (never below 1).
pub fn weight(w: &DrawWeights, h: &History) -> u64 {
    let mut weight = BASE_WEIGHT;
    let mut apply = |pct: u32| weight = (weight * u64::from(pct) / 100).max(1);
    if h.attended == 0 {
        apply(w.first_timer_pct);
    }
    if h.passed_over_last_time {
        apply(w.passed_over_pct);
    }
    if h.recent_no_shows > 0 {
        apply(w.recent_no_show_pct);
    }
    weight
}

/// No-shows, fairly: a fan with `no_shows` or more no-shows in the last `window_days`
/// who holds a seat at an official meetup is asked `ask_hours` before it to reconfirm,
/// and loses the seat to the waiting list if they have not `deadline_hours` before it.
/// Cancelling more than `free_cancel_hours` ahead is never a no-show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoShowRule {
    pub no_shows: u32,
    pub window_days: u32,
    pub ask_hours: u32,
    pub deadline_hours: u32,
    pub free_cancel_hours: u32,
}

impl Default for NoShowRule {
    fn default() -> Self {
        NoShowRule { no_shows: 2, window_days: 180, ask_hours: 48, deadline_hours: 24, free_cancel_hours: 24 }
    }
}

impl NoShowRule {
    /// No-shows at events that started at or after this count.
    pub fn window_start(&self, now: i64) -> i64 {
        now - i64::from(self.window_days) * 86_400
    }

    pub fn must_reconfirm(&self, recent_no_shows: i64) -> bool {
        recent_no_shows >= i64::from(self.no_shows)
    }

    /// When a fan is asked, and by when they must answer, for a meetup starting at `starts_at`.
    pub fn ask_at(&self, starts_at: i64) -> i64 {
        starts_at - i64::from(self.ask_hours) * 3600
    }

    pub fn due_at(&self, starts_at: i64) -> i64 {
        starts_at - i64::from(self.deadline_hours) * 3600
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_timers_and_passed_over_fans_weigh_more_recent_no_shows_less() {
        let w = DrawWeights::default();
        let regular = History { attended: 3, ..History::default() };
        assert_eq!(weight(&w, &regular), 100);
        assert_eq!(weight(&w, &History::default()), 200, "first-timer");
        assert_eq!(weight(&w, &History { passed_over_last_time: true, ..regular }), 150);
        assert_eq!(weight(&w, &History { recent_no_shows: 1, ..regular }), 50);
        assert_eq!(weight(&w, &History { passed_over_last_time: true, ..History::default() }), 300, "rules multiply");
        let harsh = DrawWeights { recent_no_show_pct: 1, ..w };
        assert_eq!(weight(&harsh, &History { recent_no_shows: 1, ..regular }), 1, "never zero");
    }

    #[test]
    fn the_reconfirmation_window() {
        let rule = NoShowRule::default();
        assert!(!rule.must_reconfirm(1));
        assert!(rule.must_reconfirm(2));
        assert_eq!(rule.ask_at(100 * 3600), 52 * 3600);
        assert_eq!(rule.due_at(100 * 3600), 76 * 3600);
        assert_eq!(rule.window_start(180 * 86_400), 0);
    }
}
