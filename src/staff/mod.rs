//! Staff: where fans are, and the plan for where the next official meetups go.
pub mod api;
#[cfg(feature = "ssr")]
pub mod planner;
pub mod ranking;
#[cfg(feature = "ssr")]
pub mod repo;

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

pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingPage {
    pub rules: RankingRules,
    pub schedule: ScheduleView,
    pub rows: Vec<RankedCity>,
    pub provinces: Vec<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub province: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalView {
    /// YYYY-MM-DD
    pub date: String,
    pub city: Option<RankedCity>,
    /// e.g. "Sat 2026-11-28 14:00 (Asia/Shanghai)"
    pub local_start: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionView {
    pub id: i64,
    pub city: String,
    pub slot: String,
    pub source: String,
    pub decided_by: String,
    pub decided_at: String,
    /// The ranking figures of the city when it was chosen, in words.
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
}
