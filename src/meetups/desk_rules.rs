//! What the sign-up desk decides without the database (`desk`): when a turn begins,
//! whose presses it registers, and how many of them get a seat.
use super::desk::Presser;
use std::time::{Duration, Instant};

/// A turn begins at most this often while presses keep coming. Each turn costs the same
/// eight statements and a commit however few presses it carries: taken as soon as the
/// last ended, a moment's turns carried two or three presses each, and the desks' turns
/// alone kept the cores busy; waiting this long halved the turns and left a fifth of
/// the two cores idle, at the same p99 (BENCHMARKS.md, issue 29). A press that finds the
/// desk idle is not held.
const TURN_SPACING: Duration = Duration::from_millis(5);
/// Presses enough for a turn to begin without waiting out `TURN_SPACING`.
const FULL_ENOUGH: usize = 8;

/// When a turn of `waiting` presses should wait for more, the time it begins: the
/// spacing after the last one began, unless that has passed or the turn is full enough.
pub fn next_turn_waits_until(last_began: Option<Instant>, now: Instant, waiting: usize) -> Option<Instant> {
    let due = last_began? + TURN_SPACING;
    (due > now && waiting < FULL_ENOUGH).then_some(due)
}

/// Which presses of a turn (in arrival order) are the first of a fan new to the event:
/// their indexes. `is_new` tells whether the fan was registered by this turn.
pub fn first_presses_of_new_fans(fans: &[&Presser], is_new: impl Fn(i64) -> bool) -> Vec<usize> {
    let mut seen = std::collections::HashSet::new();
    (0..fans.len()).filter(|&i| is_new(fans[i].id) && seen.insert(fans[i].id)).collect()
}

/// How many of `asking` fans get a seat when `confirmed` of `capacity` are taken.
pub fn seats_for(asking: usize, capacity: Option<i64>, confirmed: i64) -> usize {
    match capacity {
        None => asking,
        Some(capacity) => asking.min((capacity - confirmed).max(0) as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn presser(id: i64) -> Presser {
        Presser { id, email: format!("{id}@x"), name: String::new(), locale: Locale::default() }
    }

    #[test]
    fn seats_go_as_far_as_they_reach() {
        assert_eq!(seats_for(10, Some(500), 495), 5, "the last five seats");
        assert_eq!(seats_for(3, Some(500), 495), 3);
        assert_eq!(seats_for(3, Some(500), 500), 0, "full");
        assert_eq!(seats_for(3, Some(10), 12), 0, "over capacity after it was lowered");
        assert_eq!(seats_for(7, None, 10_000), 7, "no limit");
    }

    #[test]
    fn a_turn_waits_for_company_only_right_after_another() {
        let began = Instant::now();
        let soon = began + Duration::from_millis(1);
        assert_eq!(next_turn_waits_until(None, soon, 1), None, "a press at an idle desk goes at once");
        assert_eq!(next_turn_waits_until(Some(began), soon, 1), Some(began + TURN_SPACING), "right after a turn: wait for more");
        assert_eq!(next_turn_waits_until(Some(began), soon, FULL_ENOUGH), None, "enough presses already");
        assert_eq!(next_turn_waits_until(Some(began), began + TURN_SPACING, 1), None, "the spacing has passed");
    }

    #[test]
    fn each_new_fan_counts_once_in_arrival_order() {
        let (a, b, c) = (presser(3), presser(1), presser(2));
        let fans = vec![&a, &b, &a, &c, &b];
        // Fan 2 had a registration before the turn.
        assert_eq!(first_presses_of_new_fans(&fans, |id| id != 2), vec![0, 1]);
        assert_eq!(first_presses_of_new_fans(&fans, |_| true), vec![0, 1, 3]);
        assert!(first_presses_of_new_fans(&fans, |_| false).is_empty());
    }
}
