//! Ranking cities for the next official meetup: pure functions over figures the repo
//! loads, so every rule (threshold, cool-down, ties, missing population) is unit-tested.
use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};

pub use crate::meetups::DEFAULT_CAPACITY;
const WEEK: i64 = 7 * 24 * 3600;

/// What the repo knows about a city at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityFigures {
    pub city_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub province_en: String,
    /// Empty in decisions recorded before it was kept.
    #[serde(default)]
    pub province_zh: String,
    pub population: i64,
    pub verified_fans: i64,
    pub joined_30d: i64,
    /// Fans left on the waiting list of the city's recent official meetups.
    pub unmet_demand: i64,
    pub last_official_at: Option<i64>,
    pub next_official_at: Option<i64>,
    pub timezone: String,
    pub latitude: f64,
    pub longitude: f64,
    /// The city club's gatherings in the last 90 days that fans came to (`CLUB_BONUS`).
    #[serde(default)]
    pub club_gatherings_90d: i64,
}

/// The planner's club rule: among eligible cities, one whose club is active moves up.
/// A city is ranked by its density raised by `CLUB_BONUS` for each gathering its club
/// held in the last 90 days that fans came to, counting at most `CLUB_BONUS_GATHERINGS`
/// (so at most +20 %): density still decides, and a lively club breaks near ties.
pub const CLUB_BONUS: f64 = 0.05;
pub const CLUB_BONUS_GATHERINGS: i64 = 4;

/// What the club rule adds to a city's density, as a fraction (0.0 to 0.2).
pub fn club_bonus(club_gatherings_90d: i64) -> f64 {
    club_gatherings_90d.clamp(0, CLUB_BONUS_GATHERINGS) as f64 * CLUB_BONUS
}

/// The rules staff can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingRules {
    /// Fans a city needs before it may host: enough to fill a meetup.
    pub min_fans: i64,
    /// Weeks a city rests after hosting.
    pub cooldown_weeks: i64,
}

impl Default for RankingRules {
    fn default() -> Self {
        RankingRules { min_fans: 2 * DEFAULT_CAPACITY, cooldown_weeks: 12 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// May host; proposed in order of density.
    Eligible,
    /// Already has an official meetup coming up.
    Scheduled,
    /// Hosted within the cool-down period.
    Resting,
    /// Not enough fans to fill a meetup yet.
    TooFewFans,
}

impl Standing {
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            Standing::Eligible => td_string!(locale, staff.standing.eligible),
            Standing::Scheduled => td_string!(locale, staff.standing.scheduled),
            Standing::Resting => td_string!(locale, staff.standing.resting),
            Standing::TooFewFans => td_string!(locale, staff.standing.too_few_fans),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedCity {
    pub figures: CityFigures,
    /// Verified fans per 100,000 residents; `None` when the population is unknown.
    pub density: Option<f64>,
    pub standing: Standing,
    /// 1-based position among eligible cities.
    pub position: Option<usize>,
    /// Fans still missing to reach the threshold.
    pub fans_needed: i64,
    /// Why the city stands where it does, in the language the ranking was made for.
    pub explanation: String,
}

pub fn density(verified_fans: i64, population: i64) -> Option<f64> {
    (population > 0).then(|| verified_fans as f64 * 100_000.0 / population as f64)
}

pub fn standing(city: &CityFigures, rules: &RankingRules, now: i64) -> Standing {
    if city.next_official_at.is_some_and(|t| t >= now) {
        Standing::Scheduled
    } else if city.last_official_at.is_some_and(|t| now - t < rules.cooldown_weeks * WEEK) {
        Standing::Resting
    } else if city.verified_fans < rules.min_fans {
        Standing::TooFewFans
    } else {
        Standing::Eligible
    }
}

/// 1234567 → "1,234,567".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn weeks_ago(then: i64, now: i64, locale: Locale) -> String {
    match (now - then) / WEEK {
        0 => td_string!(locale, staff.explain.this_week).to_string(),
        1 => td_string!(locale, staff.explain.one_week_ago).to_string(),
        n => td_string!(locale, staff.explain.weeks_ago, count = n).to_string(),
    }
}

/// One sentence on why a city stands where it does, in `locale`.
pub fn explain(city: &CityFigures, density: Option<f64>, standing: Standing, rules: &RankingRules, now: i64, locale: Locale) -> String {
    let density = match density {
        Some(d) => td_string!(locale, staff.explain.density, density = format!("{d:.1}")).to_string(),
        None => td_string!(locale, staff.explain.density_unknown).to_string(),
    };
    let fans = match city.verified_fans {
        1 => td_string!(locale, staff.explain.one_fan).to_string(),
        n => td_string!(locale, staff.explain.fans, count = group_thousands(n)).to_string(),
    };
    let hosted = match city.last_official_at {
        Some(t) => td_string!(locale, staff.explain.last_hosted, when = weeks_ago(t, now, locale)).to_string(),
        None => td_string!(locale, staff.explain.never_hosted).to_string(),
    };
    let club = match club_bonus(city.club_gatherings_90d) {
        b if b > 0.0 => td_string!(locale, staff.explain.club_active, count = city.club_gatherings_90d, percent = format!("{:.0}", b * 100.0)).to_string(),
        _ => String::new(),
    };
    let explanation = match standing {
        Standing::Eligible => td_string!(locale, staff.explain.eligible, density = density, fans = fans, hosted = hosted).to_string(),
        Standing::Scheduled => td_string!(locale, staff.explain.scheduled, density = density, fans = fans).to_string(),
        Standing::Resting => {
            td_string!(locale, staff.explain.resting, density = density, fans = fans, hosted = hosted, weeks = rules.cooldown_weeks).to_string()
        }
        Standing::TooFewFans => td_string!(
            locale,
            staff.explain.too_few,
            density = density,
            fans = fans,
            missing = group_thousands(rules.min_fans - city.verified_fans),
            required = group_thousands(rules.min_fans)
        )
        .to_string(),
    };
    explanation + &club
}

/// Highest density (with the club rule's bonus) first; unknown density last; ties by
/// more fans, then by id.
fn by_density(a: &RankedCity, b: &RankedCity) -> std::cmp::Ordering {
    let score = |c: &RankedCity| c.density.map_or(f64::NEG_INFINITY, |d| d * (1.0 + club_bonus(c.figures.club_gatherings_90d)));
    let (da, db) = (score(a), score(b));
    db.total_cmp(&da)
        .then(b.figures.verified_fans.cmp(&a.figures.verified_fans))
        .then(a.figures.city_id.cmp(&b.figures.city_id))
}

/// Every city in the default order: eligible cities by density, then scheduled,
/// resting, and too-small cities; explanations in `locale`.
pub fn rank(cities: Vec<CityFigures>, rules: &RankingRules, now: i64, locale: Locale) -> Vec<RankedCity> {
    let mut ranked: Vec<RankedCity> = cities
        .into_iter()
        .map(|figures| {
            let density = density(figures.verified_fans, figures.population);
            let standing = standing(&figures, rules, now);
            let explanation = explain(&figures, density, standing, rules, now, locale);
            let fans_needed = (rules.min_fans - figures.verified_fans).max(0);
            RankedCity { figures, density, standing, position: None, fans_needed, explanation }
        })
        .collect();
    let group = |s: Standing| match s {
        Standing::Eligible => 0,
        Standing::Scheduled => 1,
        Standing::Resting => 2,
        Standing::TooFewFans => 3,
    };
    ranked.sort_by(|a, b| group(a.standing).cmp(&group(b.standing)).then(by_density(a, b)));
    for (i, city) in ranked.iter_mut().filter(|c| c.standing == Standing::Eligible).enumerate() {
        city.position = Some(i + 1);
    }
    ranked
}

/// Columns the ranking table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Rank,
    City,
    Province,
    Fans,
    Population,
    Density,
    Joined30d,
    UnmetDemand,
    LastHosted,
    NextScheduled,
}

impl SortKey {
    pub const ALL: [SortKey; 10] = [
        SortKey::Rank,
        SortKey::City,
        SortKey::Province,
        SortKey::Fans,
        SortKey::Population,
        SortKey::Density,
        SortKey::Joined30d,
        SortKey::UnmetDemand,
        SortKey::LastHosted,
        SortKey::NextScheduled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Rank => "rank",
            SortKey::City => "city",
            SortKey::Province => "province",
            SortKey::Fans => "fans",
            SortKey::Population => "population",
            SortKey::Density => "density",
            SortKey::Joined30d => "joined",
            SortKey::UnmetDemand => "unmet",
            SortKey::LastHosted => "last",
            SortKey::NextScheduled => "next",
        }
    }

    pub fn parse(raw: &str) -> SortKey {
        SortKey::ALL.into_iter().find(|k| k.as_str() == raw).unwrap_or(SortKey::Rank)
    }
}

/// Re-sorts ranked cities by a column (stable, so the default order breaks ties).
pub fn sort(cities: &mut [RankedCity], key: SortKey, descending: bool) {
    if key == SortKey::Rank {
        if descending {
            cities.reverse();
        }
        return;
    }
    cities.sort_by(|a, b| {
        let (fa, fb) = (&a.figures, &b.figures);
        let order = match key {
            SortKey::Rank => std::cmp::Ordering::Equal,
            SortKey::City => fa.name_en.cmp(&fb.name_en),
            SortKey::Province => fa.province_en.cmp(&fb.province_en),
            SortKey::Fans => fa.verified_fans.cmp(&fb.verified_fans),
            SortKey::Population => fa.population.cmp(&fb.population),
            SortKey::Density => a.density.unwrap_or(-1.0).total_cmp(&b.density.unwrap_or(-1.0)),
            SortKey::Joined30d => fa.joined_30d.cmp(&fb.joined_30d),
            SortKey::UnmetDemand => fa.unmet_demand.cmp(&fb.unmet_demand),
            SortKey::LastHosted => fa.last_official_at.cmp(&fb.last_official_at),
            SortKey::NextScheduled => fa.next_official_at.cmp(&fb.next_official_at),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

#[cfg(test)]
#[path = "ranking_tests.rs"]
mod tests;
