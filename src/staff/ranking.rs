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
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn city(id: i64, population: i64, fans: i64) -> CityFigures {
        CityFigures {
            city_id: id,
            name_zh: format!("城{id}"),
            name_en: format!("City {id}"),
            province_en: "P".into(),
            province_zh: "省".into(),
            population,
            verified_fans: fans,
            joined_30d: 0,
            unmet_demand: 0,
            last_official_at: None,
            next_official_at: None,
            timezone: "Asia/Shanghai".into(),
            latitude: 30.0,
            longitude: 110.0,
            club_gatherings_90d: 0,
        }
    }

    #[test]
    fn an_active_club_breaks_a_near_tie_but_density_still_decides() {
        let rules = RankingRules { min_fans: 100, cooldown_weeks: 12 };
        // 300 and 310 fans per 100k; the first city's club held 3 gatherings fans came to.
        let mut lively = city(1, 100_000, 300);
        lively.club_gatherings_90d = 3;
        let ranked = rank(vec![lively.clone(), city(2, 100_000, 310)], &rules, 0, Locale::en);
        assert_eq!(ids(&ranked), vec![1, 2], "+15 % beats 3 % more density");
        assert!(ranked[0].explanation.contains("3 gatherings") && ranked[0].explanation.contains("+15 %"), "{}", ranked[0].explanation);
        let ranked = rank(vec![lively.clone(), city(2, 100_000, 400)], &rules, 0, Locale::en);
        assert_eq!(ids(&ranked), vec![2, 1], "a third denser city stays ahead");
        assert_eq!(club_bonus(50), 0.2, "at most 4 gatherings count");
        assert_eq!(club_bonus(-1), 0.0);
    }

    fn ids(ranked: &[RankedCity]) -> Vec<i64> {
        ranked.iter().map(|c| c.figures.city_id).collect()
    }

    #[test]
    fn density_is_fans_per_100k_and_unknown_without_population() {
        assert_eq!(density(41, 1_000_000), Some(4.1));
        assert_eq!(density(10, 0), None);
    }

    #[test]
    fn a_small_town_with_few_fans_does_not_top_the_list() {
        let rules = RankingRules::default();
        // 20 fans in a town of 1,000 is dense but cannot fill a meetup.
        let ranked = rank(vec![city(1, 1_000, 20), city(2, 10_000_000, 500), city(3, 1_000_000, 150)], &rules, NOW, Locale::en);
        assert_eq!(ids(&ranked), vec![3, 2, 1]);
        assert_eq!(ranked[0].position, Some(1));
        assert_eq!(ranked[1].position, Some(2));
        assert_eq!(ranked[2].standing, Standing::TooFewFans);
        assert_eq!(ranked[2].position, None);
        assert_eq!(ranked[2].fans_needed, 80);
        assert!(ranked[2].explanation.contains("needs 80 more"), "{}", ranked[2].explanation);
    }

    #[test]
    fn threshold_is_inclusive_and_settable() {
        let mut rules = RankingRules { min_fans: 100, cooldown_weeks: 12 };
        assert_eq!(standing(&city(1, 1000, 100), &rules, NOW), Standing::Eligible);
        assert_eq!(standing(&city(1, 1000, 99), &rules, NOW), Standing::TooFewFans);
        rules.min_fans = 50;
        assert_eq!(standing(&city(1, 1000, 99), &rules, NOW), Standing::Eligible);
    }

    #[test]
    fn cities_rest_for_the_cool_down_and_are_not_eligible() {
        let rules = RankingRules { min_fans: 10, cooldown_weeks: 12 };
        let mut recent = city(1, 100_000, 500);
        recent.last_official_at = Some(NOW - 11 * WEEK);
        let mut old = city(2, 100_000, 400);
        old.last_official_at = Some(NOW - 12 * WEEK);
        let mut booked = city(3, 100_000, 900);
        booked.next_official_at = Some(NOW + WEEK);
        let ranked = rank(vec![recent, old, booked], &rules, NOW, Locale::en);
        assert_eq!(ids(&ranked), vec![2, 3, 1]);
        assert_eq!(
            ranked.iter().map(|c| c.standing).collect::<Vec<_>>(),
            vec![Standing::Eligible, Standing::Scheduled, Standing::Resting]
        );
        assert_eq!(ranked[0].explanation, "400.0 fans per 100k, 400 fans, last hosted 12 weeks ago");
        assert!(ranked[2].explanation.contains("resting: last hosted 11 weeks ago (cool-down 12 weeks)"));
    }

    #[test]
    fn ties_go_to_more_fans_then_lower_id() {
        let rules = RankingRules { min_fans: 1, cooldown_weeks: 12 };
        // Same density (10 per 100k): more fans first; identical cities by id.
        let ranked = rank(vec![city(5, 1_000_000, 100), city(4, 2_000_000, 200), city(3, 1_000_000, 100)], &rules, NOW, Locale::en);
        assert_eq!(ids(&ranked), vec![4, 3, 5]);
    }

    #[test]
    fn unknown_population_ranks_after_known_densities() {
        let rules = RankingRules { min_fans: 1, cooldown_weeks: 12 };
        let ranked = rank(vec![city(1, 0, 5_000), city(2, 10_000_000, 100)], &rules, NOW, Locale::en);
        assert_eq!(ids(&ranked), vec![2, 1]);
        assert_eq!(ranked[1].density, None);
        assert!(ranked[1].explanation.starts_with("population unknown, 5,000 fans"));
    }

    #[test]
    fn explanation_reads_like_a_sentence() {
        let rules = RankingRules::default();
        let mut c = city(1, 56_341_463, 2_310);
        c.last_official_at = Some(NOW - 19 * WEEK - 100);
        let ranked = rank(vec![c], &rules, NOW, Locale::en);
        assert_eq!(ranked[0].explanation, "4.1 fans per 100k, 2,310 fans, last hosted 19 weeks ago");
    }

    #[test]
    fn explanations_in_chinese() {
        let rules = RankingRules::default();
        let mut c = city(1, 56_341_463, 2_310);
        c.last_official_at = Some(NOW - 19 * WEEK - 100);
        let ranked = rank(vec![c, city(2, 1_000_000, 20)], &rules, NOW, Locale::zh_CN);
        assert_eq!(ranked[0].explanation, "每10万人 4.1 位粉丝，2,310 位粉丝，19 周前举办过");
        assert_eq!(ranked[1].explanation, "每10万人 2.0 位粉丝，20 位粉丝：还差 80 位才能办满一场聚会（需要 100 位）");
    }

    #[test]
    fn sorting_by_columns() {
        let rules = RankingRules { min_fans: 1, cooldown_weeks: 12 };
        let mut ranked = rank(vec![city(1, 100, 5), city(2, 300, 9), city(3, 200, 7)], &rules, NOW, Locale::en);
        sort(&mut ranked, SortKey::Population, false);
        assert_eq!(ids(&ranked), vec![1, 3, 2]);
        sort(&mut ranked, SortKey::Fans, true);
        assert_eq!(ids(&ranked), vec![2, 3, 1]);
        assert_eq!(SortKey::parse("joined"), SortKey::Joined30d);
        assert_eq!(SortKey::parse("nonsense"), SortKey::Rank);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
