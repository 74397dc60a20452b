//! How many presses may hold a turn at once, paced by how quickly pages are answered:
//! halved when a page took longer than the target, one more after a run of quick pages
//! or after `CALM` without a slow one (additive increase, multiplicative decrease). A
//! press holds its turn while it reads its session and fan and goes to the desk; fewer
//! turns mean fewer presses a second, and the cores they leave go to pages. Presses not
//! let in wait in line and are told "busy" as the line says (`press_line`).
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Quick pages in a row after which one more press may hold a turn.
const QUICK_PAGES_TO_GROW: usize = 8;
/// Without a slow page for this long, one more press may hold a turn: with no pages to
/// say so (a moment after its storm), the turns would otherwise stay as the last slow
/// page left them (one: 28,000 fans told busy in a moment, BENCHMARKS.md).
const CALM: Duration = Duration::from_millis(100);

/// The turns allowed after a page that took `took`, and the quick pages in a row since.
pub fn next_allowed(allowed: usize, most: usize, quick_in_a_row: usize, took: Duration, target: Duration) -> (usize, usize) {
    if took > target {
        return ((allowed / 2).max(1), 0);
    }
    match quick_in_a_row + 1 >= QUICK_PAGES_TO_GROW {
        true => ((allowed + 1).min(most), 0),
        false => (allowed, quick_in_a_row + 1),
    }
}

/// The turns (a semaphore) and how many of them are in circulation.
#[derive(Clone)]
pub struct Pace {
    turns: Arc<Semaphore>,
    state: Arc<Mutex<State>>,
    most: usize,
    /// `None`: not paced (always `most`).
    target: Option<Duration>,
}

struct State {
    allowed: usize,
    circulating: usize,
    quick_in_a_row: usize,
    /// The last slow page, or the last growth for calm, whichever came later.
    calm_since: Instant,
}

impl Pace {
    pub fn new(most: usize, target: Option<Duration>) -> Pace {
        let most = most.max(1);
        Pace { turns: Arc::new(Semaphore::new(most)), state: Arc::new(Mutex::new(State { allowed: most, circulating: most, quick_in_a_row: 0, calm_since: Instant::now() })), most, target }
    }

    /// Waits for a turn (in arrival order).
    pub async fn turn(&self) -> Option<Held> {
        self.grow_if_calm();
        let permit = self.turns.clone().acquire_owned().await.ok()?;
        Some(Held { permit: Some(permit), pace: self.clone(), since: Instant::now() })
    }

    /// A page was answered in `took`.
    pub fn page_took(&self, took: Duration) {
        let Some(target) = self.target else { return };
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (state.allowed, state.quick_in_a_row) = next_allowed(state.allowed, self.most, state.quick_in_a_row, took, target);
        if took > target {
            state.calm_since = Instant::now();
        }
        self.circulate(&mut state);
    }

    /// One more turn when no page has been slow for `CALM` (pressed on, pages or not).
    fn grow_if_calm(&self) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.target.is_none() || state.allowed >= self.most || state.calm_since.elapsed() < CALM {
            return;
        }
        state.allowed += 1;
        state.calm_since = Instant::now();
        self.circulate(&mut state);
    }

    /// Growing adds turns at once; shrinking takes them back as presses give them up.
    fn circulate(&self, state: &mut State) {
        if state.allowed > state.circulating {
            self.turns.add_permits(state.allowed - state.circulating);
            state.circulating = state.allowed;
        }
    }

    /// Turns allowed at the moment.
    pub fn allowed(&self) -> usize {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).allowed
    }

    fn give_back(&self, permit: OwnedSemaphorePermit) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.circulating > state.allowed {
            state.circulating -= 1;
            permit.forget();
        }
    }
}

/// A turn held; given back (or taken out of circulation) when dropped.
pub struct Held {
    permit: Option<OwnedSemaphorePermit>,
    pace: Pace,
    since: Instant,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(permit) = self.permit.take() {
            // What a press does in its turn (its session and fan read) takes this long.
            metrics::histogram!("press_turn_held_seconds").record(self.since.elapsed().as_secs_f64());
            self.pace.give_back(permit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Duration = Duration::from_millis(25);

    #[test]
    fn a_slow_page_halves_the_turns_and_quick_pages_bring_them_back_one_at_a_time() {
        let quick = Duration::from_millis(3);
        let slow = Duration::from_millis(26);
        assert_eq!(next_allowed(8, 8, 5, slow, TARGET), (4, 0));
        assert_eq!(next_allowed(1, 8, 0, slow, TARGET), (1, 0), "never fewer than one");
        assert_eq!(next_allowed(4, 8, 0, quick, TARGET), (4, 1));
        assert_eq!(next_allowed(4, 8, QUICK_PAGES_TO_GROW - 1, quick, TARGET), (5, 0));
        assert_eq!(next_allowed(8, 8, QUICK_PAGES_TO_GROW - 1, quick, TARGET), (8, 0), "never more than the setting");
        assert_eq!(next_allowed(4, 8, 3, TARGET, TARGET), (4, 4), "at the target is quick enough");
    }

    #[tokio::test]
    async fn turns_taken_out_return_to_circulation_only_as_pages_get_quick() {
        let pace = Pace::new(4, Some(TARGET));
        let held: Vec<Held> = futures::future::join_all((0..4).map(|_| pace.turn())).await.into_iter().flatten().collect();
        assert_eq!(held.len(), 4);
        pace.page_took(Duration::from_millis(100));
        assert_eq!(pace.allowed(), 2);
        drop(held);
        // Two of the four turns given back left circulation.
        let again: Vec<Held> = (0..4).filter_map(|_| pace.turns.clone().try_acquire_owned().ok().map(|p| Held { permit: Some(p), pace: pace.clone(), since: Instant::now() })).collect();
        assert_eq!(again.len(), 2, "only the turns allowed");
        for _ in 0..QUICK_PAGES_TO_GROW {
            pace.page_took(Duration::from_millis(1));
        }
        assert_eq!(pace.allowed(), 3);
        assert!(pace.turns.clone().try_acquire_owned().is_ok(), "one more turn once pages are quick");
        drop(again);
    }

    #[tokio::test(start_paused = true)]
    async fn without_slow_pages_the_turns_come_back_with_time_alone() {
        let pace = Pace::new(4, Some(TARGET));
        pace.page_took(Duration::from_millis(100));
        pace.page_took(Duration::from_millis(100));
        assert_eq!(pace.allowed(), 1);
        tokio::time::advance(CALM - Duration::from_millis(1)).await;
        drop(pace.turn().await);
        assert_eq!(pace.allowed(), 1, "not calm for long enough yet");
        tokio::time::advance(Duration::from_millis(1)).await;
        drop(pace.turn().await);
        assert_eq!(pace.allowed(), 2, "calm: one more, though no page came");
        pace.page_took(Duration::from_millis(100));
        tokio::time::advance(CALM / 2).await;
        drop(pace.turn().await);
        assert_eq!(pace.allowed(), 1, "a slow page starts the calm again");
        for _ in 0..10 {
            tokio::time::advance(CALM).await;
            drop(pace.turn().await);
        }
        assert_eq!(pace.allowed(), 4, "never more than the setting");
    }

    #[tokio::test]
    async fn unpaced_turns_stay_at_the_setting() {
        let pace = Pace::new(2, None);
        pace.page_took(Duration::from_secs(5));
        assert_eq!(pace.allowed(), 2);
    }
}
