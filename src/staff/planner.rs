//! The biweekly host-city plan: which dates the next meetups fall on, and which
//! eligible city takes each. Pure functions; times in each city's own time zone.
use super::ranking::{RankedCity, Standing};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

/// How many slots the planner proposes.
pub const SLOTS: usize = 6;
/// Official meetups happen every two weeks.
pub const INTERVAL_DAYS: u64 = 14;

/// When meetups happen, in each host city's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: Weekday,
    pub local_time: NaiveTime,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { weekday: Weekday::Sat, local_time: NaiveTime::from_hms_opt(14, 0, 0).unwrap_or_default() }
    }
}

/// The first date on `weekday` strictly after `after`.
fn next_weekday(after: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - after.weekday().num_days_from_monday()) % 7;
    after + Days::new(if ahead == 0 { 7 } else { ahead as u64 })
}

/// The next `count` slot dates: after `today`, and at least two weeks after the
/// latest meetup already scheduled, so the rotation continues where it stands.
pub fn slot_dates(today: NaiveDate, latest_scheduled: Option<NaiveDate>, weekday: Weekday, count: usize) -> Vec<NaiveDate> {
    let earliest = match latest_scheduled {
        Some(last) => (last + Days::new(INTERVAL_DAYS - 1)).max(today),
        None => today,
    };
    let first = next_weekday(earliest, weekday);
    (0..count as u64).map(|i| first + Days::new(i * INTERVAL_DAYS)).collect()
}

/// The UTC instant of `date` at `time` in the time zone `tz` (IANA name).
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: &str) -> Option<i64> {
    let tz: Tz = tz.parse().ok()?;
    tz.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.timestamp())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub date: NaiveDate,
    /// The proposed city (an eligible one), if any is left.
    pub city: Option<RankedCity>,
    pub starts_at: Option<i64>,
}

/// Pairs each slot with the next-best eligible city; each city at most once.
pub fn propose(ranked: &[RankedCity], dates: &[NaiveDate], schedule: &Schedule) -> Vec<Proposal> {
    let mut eligible = ranked.iter().filter(|c| c.standing == Standing::Eligible);
    dates
        .iter()
        .map(|&date| {
            let city = eligible.next().cloned();
            let starts_at = city.as_ref().and_then(|c| local_instant(date, schedule.local_time, &c.figures.timezone));
            Proposal { date, city, starts_at }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::ranking::{rank, CityFigures, RankingRules};
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn slots_are_biweekly_on_the_chosen_weekday() {
        // 2026-11-22 is a Sunday.
        let dates = slot_dates(date(2026, 11, 22), None, Weekday::Sat, 3);
        assert_eq!(dates, vec![date(2026, 11, 28), date(2026, 12, 12), date(2026, 12, 26)]);
        // On the weekday itself, the first slot is a week later, not today.
        assert_eq!(slot_dates(date(2026, 11, 28), None, Weekday::Sat, 1), vec![date(2026, 12, 5)]);
    }

    #[test]
    fn slots_continue_two_weeks_after_the_latest_scheduled_meetup() {
        let dates = slot_dates(date(2026, 11, 22), Some(date(2026, 12, 5)), Weekday::Sat, 2);
        assert_eq!(dates, vec![date(2026, 12, 19), date(2027, 1, 2)]);
        // A meetup long past does not hold the plan back.
        assert_eq!(slot_dates(date(2026, 11, 22), Some(date(2025, 1, 4)), Weekday::Sat, 1), vec![date(2026, 11, 28)]);
    }

    #[test]
    fn local_time_is_in_the_city_time_zone() {
        let t = NaiveTime::from_hms_opt(14, 0, 0).unwrap();
        // 14:00 in Shanghai (UTC+8) is 06:00 UTC; in Urumqi (UTC+6) it is 08:00 UTC.
        assert_eq!(local_instant(date(2026, 11, 28), t, "Asia/Shanghai"), Some(1_795_845_600));
        assert_eq!(local_instant(date(2026, 11, 28), t, "Asia/Urumqi"), Some(1_795_852_800));
        assert_eq!(local_instant(date(2026, 11, 28), t, "Mars/Olympus"), None);
    }

    fn figures(id: i64, fans: i64, tz: &str) -> CityFigures {
        CityFigures {
            city_id: id,
            name_zh: String::new(),
            name_en: String::new(),
            province_en: String::new(),
            province_zh: String::new(),
            population: 1_000_000,
            verified_fans: fans,
            joined_30d: 0,
            unmet_demand: 0,
            last_official_at: None,
            next_official_at: None,
            timezone: tz.into(),
            latitude: 0.0,
            longitude: 0.0,
            club_gatherings_90d: 0,
        }
    }

    #[test]
    fn each_slot_gets_a_different_eligible_city_best_first() {
        let rules = RankingRules { min_fans: 100, cooldown_weeks: 12 };
        let cities = vec![
            figures(1, 300, "Asia/Shanghai"),
            figures(2, 50, "Asia/Shanghai"), // too few fans
            figures(3, 500, "Asia/Urumqi"),
        ];
        let ranked = rank(cities, &rules, 0, crate::i18n::Locale::en);
        let dates = slot_dates(date(2026, 11, 22), None, Weekday::Sat, 3);
        let plan = propose(&ranked, &dates, &Schedule::default());
        let chosen: Vec<Option<i64>> = plan.iter().map(|p| p.city.as_ref().map(|c| c.figures.city_id)).collect();
        assert_eq!(chosen, vec![Some(3), Some(1), None], "no city twice; no ineligible city");
        assert_eq!(plan[0].starts_at, Some(1_795_852_800), "Urumqi's own 14:00");
        assert_eq!(plan[2].starts_at, None);
    }
}
