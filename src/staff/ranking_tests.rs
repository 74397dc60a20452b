//! The ranking's rules, case by case (`staff::ranking`).
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
