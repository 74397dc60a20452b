//! Staff: where fans are, and the plan for where the next official meetups go.
pub mod api;
#[cfg(feature = "ssr")]
pub mod planner;
pub mod ranking;
#[cfg(feature = "ssr")]
pub mod repo;

use crate::i18n::{td_string, Locale};
use ranking::{RankedCity, RankingRules, SortKey};
use serde::{Deserialize, Serialize};

/// When meetups happen, as shown and edited in forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleView {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    /// "HH:MM", local time of the host city.
    pub local_time: String,
}

/// A weekday's full name (0 = Monday … 6 = Sunday) in the reader's language.
pub fn weekday_name(locale: Locale, index: u32) -> &'static str {
    match index % 7 {
        0 => td_string!(locale, staff.weekday.mon),
        1 => td_string!(locale, staff.weekday.tue),
        2 => td_string!(locale, staff.weekday.wed),
        3 => td_string!(locale, staff.weekday.thu),
        4 => td_string!(locale, staff.weekday.fri),
        5 => td_string!(locale, staff.weekday.sat),
        _ => td_string!(locale, staff.weekday.sun),
    }
}

/// Rows of the ranking table a page shows; a phone does not need all 300-odd cities.
pub const RANKING_PAGE_SIZE: usize = 50;

/// A province in the ranking's filter: `en` is the value, `zh` shown to Chinese readers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvinceOption {
    pub en: String,
    pub zh: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingPage {
    pub rules: RankingRules,
    pub schedule: ScheduleView,
    /// The rows of this page (every row when `page` is `None`).
    pub rows: Vec<RankedCity>,
    /// Rows before this page's first.
    pub offset: usize,
    /// Rows in the whole (filtered) ranking.
    pub total: usize,
    /// 1-based page shown, or `None` for every row at once.
    pub page: Option<usize>,
    pub pages: usize,
    pub provinces: Vec<ProvinceOption>,
    pub sort: SortKey,
    pub descending: bool,
    pub province: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalView {
    /// YYYY-MM-DD
    pub date: String,
    pub city: Option<RankedCity>,
    /// e.g. "Sat 28 Nov 2026, 14:00 (Beijing time)", in the reader's language.
    pub local_start: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionView {
    pub id: i64,
    /// The city's name in the reader's language.
    pub city: String,
    pub slot: String,
    /// proposal | swap | manual
    pub source: String,
    pub decided_by: String,
    pub decided_at: String,
    /// The ranking figures of the city when it was chosen, in words (reader's language).
    pub figures: String,
    pub event_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPage {
    pub proposals: Vec<ProposalView>,
    /// Eligible cities, best first, for swapping a proposal.
    pub eligible: Vec<RankedCity>,
    pub schedule: ScheduleView,
    pub decisions: Vec<DecisionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub rules: RankingRules,
    pub schedule: ScheduleView,
    /// Cities that can fill a meetup, densest first.
    pub top_by_density: Vec<RankedCity>,
    /// Every city with at least one fan, for the map.
    pub map: Vec<RankedCity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityStanding {
    pub city: RankedCity,
    pub eligible_cities: usize,
    pub min_fans: i64,
    pub share_url: String,
}

pub use crate::text::date_label;

#[cfg(test)]
mod tests {
    #[test]
    fn dates_from_unix_time() {
        assert_eq!(super::date_label(0), "1970-01-01");
        assert_eq!(super::date_label(1_795_845_600), "2026-11-28");
        assert_eq!(super::date_label(951_782_400), "2000-02-29");
    }

    #[test]
    fn weekdays_in_both_languages() {
        use crate::i18n::Locale;
        assert_eq!(super::weekday_name(Locale::en, 5), "Saturday");
        assert_eq!(super::weekday_name(Locale::zh_CN, 6), "星期日");
    }
}
