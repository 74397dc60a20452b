//! Charts drawn as SVG on the server: no scripts, no external map tiles.
use crate::i18n::{td_string, Locale};
use crate::language::use_locale;
use crate::staff::ranking::RankedCity;
use leptos::prelude::*;

/// China's mainland spans roughly these longitudes and latitudes.
const LON: (f64, f64) = (73.0, 135.5);
const LAT: (f64, f64) = (17.5, 54.0);
const MAP_W: f64 = 620.0;
const MAP_H: f64 = 470.0;

/// Where a coordinate falls on the map (equirectangular: good enough at this scale).
pub fn project(lon: f64, lat: f64) -> (f64, f64) {
    let x = (lon - LON.0) / (LON.1 - LON.0) * (MAP_W - 20.0) + 10.0;
    let y = (LAT.1 - lat) / (LAT.1 - LAT.0) * (MAP_H - 20.0) + 10.0;
    (x, y)
}

/// Light orange for sparse, deep orange for dense: `share` from 0 to 1.
pub fn density_colour(share: f64) -> String {
    let t = share.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(255.0, 160.0), mix(224.0, 50.0), mix(199.0, 0.0))
}

/// About how wide `text` is at `size` px: a CJK character is a square, Latin about half.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { size } else { size * 0.6 }).sum()
}

fn city_label(locale: Locale, city: &RankedCity) -> String {
    crate::language::city_name(locale, &city.figures.name_zh, &city.figures.name_en).to_string()
}

#[component]
pub fn DensityBars(cities: Vec<RankedCity>) -> impl IntoView {
    let locale = use_locale();
    let max = cities.iter().filter_map(|c| c.density).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let row = 26.0;
    let height = row * cities.len() as f64 + 10.0;
    // The labels' column is as wide as the longest name, so none is cut off.
    let label_width = cities.iter().map(|c| text_width(&city_label(locale, c), 13.0)).fold(40.0_f64, f64::max) + 10.0;
    let value = |city: &RankedCity| {
        let density = city.density.unwrap_or(0.0);
        td_string!(locale, visitor.components.charts.bar_value, density = format!("{density:.1}"), fans = city.figures.verified_fans).to_string()
    };
    let value_width = cities.iter().map(|c| text_width(&value(c), 12.0)).fold(0.0_f64, f64::max) + 10.0;
    let total_width = label_width + 8.0 + 330.0 + value_width;
    let bars = cities
        .into_iter()
        .enumerate()
        .map(|(i, city)| {
            let density = city.density.unwrap_or(0.0);
            let y = 5.0 + i as f64 * row;
            let width = density / max * 330.0;
            view! {
                <g>
                    <text x=label_width y=y + 17.0 text-anchor="end" font-size="13">{city_label(locale, &city)}</text>
                    <rect x=label_width + 8.0 y=y + 4.0 width=width.max(1.0) height="18" rx="3" fill=density_colour(density / max) />
                    <text x=label_width + width + 14.0 y=y + 17.0 font-size="12" fill="#5f6368">{value(&city)}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {total_width:.0} {height}") role="img" aria-label=td_string!(locale, visitor.components.charts.bars_label)>
            {bars}
        </svg>
    }
}

#[component]
pub fn FanMap(cities: Vec<RankedCity>) -> impl IntoView {
    let locale = use_locale();
    let max_fans = cities.iter().map(|c| c.figures.verified_fans).max().unwrap_or(1).max(1) as f64;
    let max_density = cities.iter().filter_map(|c| c.density).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let mut cities = cities;
    // Big circles first, so small ones stay visible on top.
    cities.sort_by_key(|c| std::cmp::Reverse(c.figures.verified_fans));
    let circles = cities
        .into_iter()
        .map(|city| {
            let (x, y) = project(city.figures.longitude, city.figures.latitude);
            let r = 2.0 + 16.0 * (city.figures.verified_fans as f64 / max_fans).sqrt();
            let colour = density_colour(city.density.unwrap_or(0.0) / max_density);
            let label = format!("{}: {}", city_label(locale, &city), city.explanation);
            view! {
                <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r=format!("{r:.1}") fill=colour fill-opacity="0.8" stroke="#7a3300" stroke-width="0.5">
                    <title>{label}</title>
                </circle>
            }
        })
        .collect_view();
    view! {
        <svg class="chart map" viewBox=format!("0 0 {MAP_W} {MAP_H}") role="img" aria-label=td_string!(locale, visitor.components.charts.map_label)>
            <rect x="0" y="0" width=MAP_W height=MAP_H fill="#eef3f7" rx="8" />
            {circles}
        </svg>
        <p class="hint">{td_string!(locale, visitor.components.charts.map_hint)}</p>
    }
}

/// Every club on the map: its size is its members, its colour what it needs (reports,
/// no officer, running, no members yet); each circle links to the club.
#[component]
pub fn ClubMap(clubs: Vec<crate::clubs::ClubHealth>) -> impl IntoView {
    use crate::clubs::ClubState;
    let locale = use_locale();
    let max_members = clubs.iter().map(|c| c.members).max().unwrap_or(1).max(1) as f64;
    let mut clubs = clubs;
    // The urgent ones on top, big circles below small ones.
    clubs.sort_by(|a, b| b.state().cmp(&a.state()).then(b.members.cmp(&a.members)));
    let circles = clubs
        .into_iter()
        .map(|club| {
            let (x, y) = project(club.longitude, club.latitude);
            let r = 2.5 + 14.0 * (club.members as f64 / max_members).sqrt();
            let state = club.state();
            let label = format!("{} · {} · {}", club.city, td_string!(locale, clubs.members, count = club.members), state.label(locale));
            view! {
                <a href=format!("/clubs/{}", club.city_id)>
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r=format!("{r:.1}") fill=state.colour() fill-opacity="0.85" stroke="#ffffff" stroke-width="0.6">
                        <title>{label}</title>
                    </circle>
                </a>
            }
        })
        .collect_view();
    // Not `role="img"`: its circles are links, each to its club.
    view! {
        <svg class="chart map" viewBox=format!("0 0 {MAP_W} {MAP_H}") role="group" aria-label=td_string!(locale, clubs.map_label) data-testid="club-map">
            <rect x="0" y="0" width=MAP_W height=MAP_H fill="#eef3f7" rx="8" />
            {circles}
        </svg>
        <ul class="legend">
            {ClubState::ALL.into_iter().map(|s| view! { <li><span class="swatch" style=format!("background:{}", s.colour())></span>{s.label(locale)}</li> }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_keeps_china_inside_the_map() {
        for (lon, lat) in [(116.4, 39.9), (87.6, 43.8), (109.5, 18.25), (126.6, 45.75), (91.1, 29.65)] {
            let (x, y) = project(lon, lat);
            assert!((0.0..=MAP_W).contains(&x) && (0.0..=MAP_H).contains(&y), "{lon},{lat} -> {x},{y}");
        }
        let (beijing_x, beijing_y) = project(116.4, 39.9);
        let (sanya_x, sanya_y) = project(109.5, 18.25);
        assert!(beijing_y < sanya_y && beijing_x > sanya_x, "north is up, east is right");
    }

    #[test]
    fn text_width_counts_cjk_as_squares() {
        assert_eq!(text_width("牡丹江", 13.0), 39.0);
        assert!((text_width("Mudanjiang", 10.0) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn colours_run_from_light_to_dark() {
        assert_eq!(density_colour(0.0), "#ffe0c7");
        assert_eq!(density_colour(1.0), "#a03200");
        assert_eq!(density_colour(7.0), "#a03200");
    }
}
