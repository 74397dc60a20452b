//! Cities as the city picker sees them, and the pure search over them.
use crate::i18n::Locale;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CityOption {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub pinyin: String,
    pub province_en: String,
    pub province_zh: String,
    pub population: i64,
}

impl CityOption {
    /// The city's name in the reader's language.
    pub fn name(&self, locale: Locale) -> &str {
        crate::language::city_name(locale, &self.name_zh, &self.name_en)
    }

    /// The province's name in the reader's language.
    pub fn province(&self, locale: Locale) -> &str {
        crate::language::city_name(locale, &self.province_zh, &self.province_en)
    }

    /// What the picker shows and submits; unique across all cities.
    pub fn label(&self) -> String {
        format!("{} {} · {}", self.name_zh, self.name_en, self.province_en)
    }
}

/// Lower-cases, drops spaces, apostrophes and hyphens and strips the umlaut, so "Xi'an",
/// "xian" and "XI AN" compare equal, and so do "Ürümqi" and "urumqi".
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '\'' | '-' | '’'))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ü' { 'u' } else { c })
        .collect()
}

/// A typed city name as the catalogue names it: folded, without the "市" (or " City")
/// people add ("广州市", "Guangzhou City" are 广州).
fn query_of(text: &str) -> String {
    let folded = fold(text);
    ["市", "city"]
        .iter()
        .find_map(|suffix| folded.strip_suffix(suffix).map(str::trim_end).filter(|rest| !rest.is_empty()).map(str::to_string))
        .unwrap_or(folded)
}

/// How well a city matches a folded query: 0 exact, 1 prefix, 2 contains.
fn match_rank(city: &CityOption, query: &str) -> Option<u8> {
    let fields = [fold(&city.name_zh), fold(&city.pinyin), fold(&city.name_en)];
    fields
        .iter()
        .filter_map(|field| {
            if field == query {
                Some(0)
            } else if field.starts_with(query) {
                Some(1)
            } else if field.contains(query) {
                Some(2)
            } else {
                None
            }
        })
        .min()
}

/// Cities matching what the user typed, best first: exact before prefix before
/// substring matches, larger cities first within each.
pub fn search<'a>(cities: &'a [CityOption], query: &str, limit: usize) -> Vec<&'a CityOption> {
    let query = query_of(query);
    if query.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(u8, &CityOption)> = cities
        .iter()
        .filter_map(|city| match_rank(city, &query).map(|rank| (rank, city)))
        .collect();
    hits.sort_by(|(ra, a), (rb, b)| ra.cmp(rb).then(b.population.cmp(&a.population)));
    hits.into_iter().take(limit).map(|(_, city)| city).collect()
}

/// The city a submitted picker value names: its exact label, or a name that matches
/// exactly one city.
pub fn resolve<'a>(cities: &'a [CityOption], input: &str) -> Option<&'a CityOption> {
    let input = input.trim();
    if let Some(city) = cities.iter().find(|c| c.label() == input) {
        return Some(city);
    }
    let query = query_of(input);
    let mut exact = cities.iter().filter(|c| match_rank(c, &query) == Some(0));
    match (exact.next(), exact.next()) {
        (Some(city), None) => Some(city),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city(id: i64, zh: &str, en: &str, pinyin: &str, population: i64) -> CityOption {
        CityOption {
            id,
            name_zh: zh.into(),
            name_en: en.into(),
            pinyin: pinyin.into(),
            province_en: "P".into(),
            province_zh: "省".into(),
            population,
        }
    }

    fn sample() -> Vec<CityOption> {
        vec![
            city(1, "深圳", "Shenzhen", "shenzhen", 12_000_000),
            city(2, "沈阳", "Shenyang", "shenyang", 8_000_000),
            city(3, "乌鲁木齐", "Ürümqi", "wulumuqi", 3_000_000),
            city(4, "西安", "Xi'an", "xian", 9_000_000),
            city(5, "广州", "Guangzhou", "guangzhou", 15_000_000),
        ]
    }

    fn ids(found: Vec<&CityOption>) -> Vec<i64> {
        found.into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn finds_by_chinese_pinyin_and_prefix() {
        let cities = sample();
        assert_eq!(ids(search(&cities, "深圳", 10)), vec![1]);
        assert_eq!(ids(search(&cities, "shenzhen", 10)), vec![1]);
        assert_eq!(ids(search(&cities, "Shen", 10)), vec![1, 2], "prefix, larger city first");
        assert_eq!(ids(search(&cities, "urumqi", 10)), vec![3]);
        assert_eq!(ids(search(&cities, "wulu", 10)), vec![3]);
        assert_eq!(ids(search(&cities, "xi an", 10)), vec![4]);
    }

    #[test]
    fn exact_matches_come_before_prefixes() {
        let mut cities = sample();
        cities.push(city(6, "沈", "Shen", "shen", 10));
        assert_eq!(ids(search(&cities, "shen", 10)), vec![6, 1, 2]);
    }

    #[test]
    fn empty_query_and_limit() {
        let cities = sample();
        assert!(search(&cities, "  ", 10).is_empty());
        assert_eq!(search(&cities, "z", 1).len(), 1);
    }

    #[test]
    fn resolves_labels_and_unique_names() {
        let cities = sample();
        assert_eq!(resolve(&cities, &cities[0].label()).map(|c| c.id), Some(1));
        assert_eq!(resolve(&cities, "  深圳 ").map(|c| c.id), Some(1));
        assert_eq!(resolve(&cities, "shenyang").map(|c| c.id), Some(2));
        assert_eq!(resolve(&cities, "shen"), None, "a prefix is not a choice");
        assert_eq!(resolve(&cities, "Atlantis"), None);
    }

    #[test]
    fn the_city_suffix_people_type_is_no_obstacle() {
        let cities = sample();
        assert_eq!(resolve(&cities, "广州市").map(|c| c.id), Some(5));
        assert_eq!(resolve(&cities, "Guangzhou City").map(|c| c.id), Some(5));
        assert_eq!(ids(search(&cities, "深圳市", 10)), vec![1]);
        assert!(search(&cities, "市", 10).is_empty(), "the suffix alone finds nothing");
    }
}
