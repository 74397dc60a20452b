//! Who is waiting in the press queue, and since when: so that a press arriving behind a
//! line that no longer moves fast enough is told "busy, press again" at once, instead of
//! waiting out `PRESS_WAIT_SECONDS` first. In a rush larger than the cores can serve the
//! line otherwise only grows: each waiting press holds a connection, and at 1,785
//! presses a second ten seconds of them (17,850) used up the process's open files, so
//! the server stopped accepting anyone, pages included (BENCHMARKS.md, 2026-12-06).
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Whether a newcomer is turned away: the press longest in line (if any) has waited
/// `limit` already. In a line that grows, a newcomer would wait at least as long.
pub fn turns_away(longest_waited: Option<Duration>, limit: Duration) -> bool {
    longest_waited.is_some_and(|waited| waited >= limit)
}

/// The presses in line, by arrival.
#[derive(Clone, Default)]
pub struct PressLine {
    waiting: Arc<Mutex<Line>>,
}

#[derive(Default)]
struct Line {
    next: u64,
    since: BTreeMap<u64, Instant>,
}

impl PressLine {
    /// How long the press longest in line has waited (`None`: nobody waits).
    pub fn longest_waited(&self) -> Option<Duration> {
        let line = self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        line.since.first_key_value().map(|(_, arrived)| arrived.elapsed())
    }

    /// Joins the line until the returned place is dropped (a turn taken, or given up).
    pub fn join(&self) -> Place {
        let mut line = self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let number = line.next;
        line.next += 1;
        line.since.insert(number, Instant::now());
        Place { line: self.waiting.clone(), number }
    }
}

/// A place in line.
pub struct Place {
    line: Arc<Mutex<Line>>,
    number: u64,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.line.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).since.remove(&self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newcomer_is_turned_away_only_behind_a_press_that_waited_the_limit() {
        let limit = Duration::from_secs(2);
        assert!(!turns_away(None, limit), "nobody in line");
        assert!(!turns_away(Some(Duration::from_millis(1_999)), limit));
        assert!(turns_away(Some(limit), limit));
        assert!(turns_away(Some(Duration::from_secs(9)), limit));
    }

    #[tokio::test(start_paused = true)]
    async fn the_line_remembers_its_longest_waiting_press_until_it_leaves() {
        let line = PressLine::default();
        assert_eq!(line.longest_waited(), None);
        let first = line.join();
        tokio::time::advance(Duration::from_secs(3)).await;
        let second = line.join();
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(line.longest_waited(), Some(Duration::from_secs(4)));
        drop(first);
        assert_eq!(line.longest_waited(), Some(Duration::from_secs(1)), "the next in line");
        drop(second);
        assert_eq!(line.longest_waited(), None);
    }
}
