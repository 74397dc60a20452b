//! The quiz's scoring (智勇大冲关): a right answer is worth 500 points, and up to 500 more
//! the faster it came (all 500 at once, none at the last moment); a wrong or missing
//! answer is worth nothing. A fan's score is the sum over the event's quiz questions;
//! ties go to whoever took less time in all, then to the earlier account.

/// Points for a right answer, however slow.
pub const RIGHT: i64 = 500;
/// Points more for answering at once, falling to none at the time limit.
pub const SPEED: i64 = 500;
/// Points into the ledger for the quiz's first three places, and the first's badge.
pub const PLACE_POINTS: [i64; 3] = [30, 20, 10];

/// An answer's points: `elapsed_ms` after the question opened, of `limit_ms`.
pub fn points(correct: bool, elapsed_ms: i64, limit_ms: i64) -> i64 {
    if !correct {
        return 0;
    }
    let limit = limit_ms.max(1);
    let left = (limit - elapsed_ms.clamp(0, limit)) as i128;
    RIGHT + (i128::from(SPEED) * left / i128::from(limit)) as i64
}

/// One fan's answers summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub user_id: i64,
    pub score: i64,
    pub elapsed_ms: i64,
}

/// The standings: highest score first; equal scores, the faster in all first; then the
/// lower user id (the earlier account), so the order never depends on how rows came.
pub fn standings(answers: &[(i64, i64, i64)]) -> Vec<Total> {
    let mut totals: std::collections::BTreeMap<i64, Total> = std::collections::BTreeMap::new();
    for &(user_id, score, elapsed_ms) in answers {
        let total = totals.entry(user_id).or_insert(Total { user_id, score: 0, elapsed_ms: 0 });
        total.score += score;
        total.elapsed_ms += elapsed_ms;
    }
    let mut ranked: Vec<Total> = totals.into_values().collect();
    ranked.sort_by(|a, b| b.score.cmp(&a.score).then(a.elapsed_ms.cmp(&b.elapsed_ms)).then(a.user_id.cmp(&b.user_id)));
    ranked
}

/// The places that earn something: the first three with a score above nothing.
pub fn winners(standings: &[Total]) -> Vec<Total> {
    standings.iter().filter(|t| t.score > 0).take(PLACE_POINTS.len()).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_and_fast_is_worth_most() {
        assert_eq!(points(true, 0, 20_000), 1000);
        assert_eq!(points(true, 10_000, 20_000), 750);
        assert_eq!(points(true, 20_000, 20_000), 500);
        assert_eq!(points(true, 99_000, 20_000), 500, "late answers are refused before scoring; never below 500");
        assert_eq!(points(true, -5, 20_000), 1000, "a clock a little ahead");
        assert_eq!(points(false, 0, 20_000), 0);
        assert_eq!(points(true, 0, 0), 1000, "no limit to divide by zero");
    }

    #[test]
    fn standings_sum_scores_and_break_ties_by_time_then_account() {
        let answers = [(7, 900, 2_000), (3, 800, 4_000), (7, 0, 9_000), (3, 100, 1_000), (5, 900, 11_000), (9, 0, 1)];
        let ranked = standings(&answers);
        let order: Vec<i64> = ranked.iter().map(|t| t.user_id).collect();
        // 7: 900 in 11 s; 3: 900 in 5 s; 5: 900 in 11 s; 9: nothing.
        assert_eq!(order, vec![3, 5, 7, 9]);
        assert_eq!(ranked[0], Total { user_id: 3, score: 900, elapsed_ms: 5_000 });
        let won: Vec<i64> = winners(&ranked).iter().map(|t| t.user_id).collect();
        assert_eq!(won, vec![3, 5, 7], "three places; nobody wins with nothing");
        assert!(winners(&standings(&[(1, 0, 5)])).is_empty());
    }
}
