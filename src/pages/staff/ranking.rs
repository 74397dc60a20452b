//! The full city ranking: sortable, filterable by province, fifty rows a page (phones).
use crate::components::form::error_text;
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::language::city_name;
use crate::staff::api::city_ranking;
use crate::staff::ranking::{group_thousands, RankedCity, SortKey};
use crate::staff::{date_label, RankingPage, RANKING_PAGE_SIZE};
use crate::text::url_encode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use super::dashboard::{city_label, loading, province_label, StaffNav};

#[component]
pub fn RankingTablePage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let page = Resource::new(
        move || query.with(|q| (q.get("sort"), q.get("desc"), q.get("province"), q.get("page"))),
        // Without `page` in the address the first page shows; `page=all` shows every city.
        |(sort, desc, province, page)| city_ranking(sort, desc, province, Some(page.unwrap_or_else(|| "1".into()))),
    );
    view! {
        <Title text=move || td_string!(locale, staff.ranking.title) />
        <h1>{td!(locale, staff.ranking.heading)}</h1>
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <RankingTable page /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// The ranking's address with these settings; `page` is left out for the first page.
fn ranking_href(sort: SortKey, descending: bool, province: &str, page: Option<&str>) -> String {
    let mut href = format!("/staff/ranking?sort={}&desc={}", sort.as_str(), if descending { 1 } else { 0 });
    if !province.is_empty() {
        href.push_str(&format!("&province={}", url_encode(province)));
    }
    if let Some(page) = page {
        href.push_str(&format!("&page={page}"));
    }
    href
}

#[component]
fn RankingTable(page: RankingPage) -> impl IntoView {
    let locale = use_locale();
    if page.total == 0 && page.province.is_none() {
        return view! { <p class="notice">{td!(locale, staff.ranking.empty)}</p> }.into_any();
    }
    let province = page.province.clone().unwrap_or_default();
    let showing_all = page.page.is_none();
    // Sorting starts again at the first page, unless every city is shown.
    let header = |key: SortKey, label: &'static str, minor: bool| {
        let descending = page.sort == key && !page.descending;
        let href = ranking_href(key, descending, &province, showing_all.then_some("all"));
        let current = (page.sort == key).then_some(if page.descending { "descending" } else { "ascending" });
        view! { <th scope="col" class=minor.then_some("col-minor") aria-sort=current><a href=href>{label}</a></th> }
    };
    let (from, to) = (page.offset + 1, page.offset + page.rows.len());
    let summary = if showing_all {
        td_string!(locale, staff.ranking.caption_all, total = page.total).to_string()
    } else {
        td_string!(locale, staff.ranking.caption, from = from, to = to, total = page.total).to_string()
    };
    let pager = {
        let link = |p: String| ranking_href(page.sort, page.descending, &province, Some(&p));
        let current = page.page.unwrap_or(1);
        let previous = (!showing_all && current > 1).then(|| {
            let href = if current == 2 { ranking_href(page.sort, page.descending, &province, None) } else { link((current - 1).to_string()) };
            view! { <a href=href rel="prev">{td!(locale, staff.ranking.previous)}</a> }
        });
        let next = (!showing_all && current < page.pages).then(|| view! { <a href=link((current + 1).to_string()) rel="next">{td!(locale, staff.ranking.next)}</a> });
        let position = (!showing_all && page.pages > 1)
            .then(|| view! { <span>{td_string!(locale, staff.ranking.page_of, page = current, pages = page.pages).to_string()}</span> });
        let switch = if showing_all {
            (page.total > RANKING_PAGE_SIZE).then(|| {
                view! { <a href=ranking_href(page.sort, page.descending, &province, None)>{td_string!(locale, staff.ranking.show_pages, size = RANKING_PAGE_SIZE).to_string()}</a> }
                    .into_any()
            })
        } else {
            (page.pages > 1).then(|| view! { <a href=link("all".into())>{td_string!(locale, staff.ranking.show_all, total = page.total).to_string()}</a> }.into_any())
        };
        view! {
            <nav class="pager actions" aria-label=move || td_string!(locale, staff.ranking.pages_label)>
                {previous}
                {position}
                {next}
                {switch}
            </nav>
        }
    };
    view! {
        <p>
            {td_string!(locale, staff.ranking.rule, min = group_thousands(page.rules.min_fans), weeks = page.rules.cooldown_weeks).to_string()}
            " "
            <a href="/staff#rules">{td!(locale, staff.ranking.change_rules)}</a>
        </p>
        <form method="get" action="/staff/ranking" class="inline-form" role="search">
            <input type="hidden" name="sort" value=page.sort.as_str() />
            <input type="hidden" name="desc" value=if page.descending { "1" } else { "0" } />
            {showing_all.then(|| view! { <input type="hidden" name="page" value="all" /> })}
            <label for="province-filter">{td!(locale, staff.ranking.province)}</label>
            <select id="province-filter" name="province">
                <option value="">{td!(locale, staff.ranking.all_provinces)}</option>
                {page
                    .provinces
                    .iter()
                    .map(|p| {
                        let zh = if p.zh.is_empty() { &p.en } else { &p.zh };
                        view! { <option value=p.en.clone() selected=Some(&p.en) == page.province.as_ref()>{city_name(locale, zh, &p.en).to_string()}</option> }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="secondary">{td!(locale, staff.ranking.filter)}</button>
        </form>
        <p class="hint" id="ranking-summary">{summary.clone()} " " {td!(locale, staff.ranking.scroll_hint)}</p>
        <div class="table-scroll" role="region" aria-labelledby="ranking-caption" tabindex="0">
            <table class="ranking" data-testid="ranking">
                <caption id="ranking-caption" class="visually-hidden">{summary}</caption>
                <thead>
                    <tr>
                        {header(SortKey::Rank, td_string!(locale, staff.ranking.col.rank), false)}
                        {header(SortKey::City, td_string!(locale, staff.ranking.col.city), false)}
                        {header(SortKey::Province, td_string!(locale, staff.ranking.col.province), true)}
                        {header(SortKey::Fans, td_string!(locale, staff.ranking.col.fans), false)}
                        {header(SortKey::Population, td_string!(locale, staff.ranking.col.population), true)}
                        {header(SortKey::Density, td_string!(locale, staff.ranking.col.density), false)}
                        {header(SortKey::Joined30d, td_string!(locale, staff.ranking.col.joined), true)}
                        {header(SortKey::UnmetDemand, td_string!(locale, staff.ranking.col.waiting), true)}
                        {header(SortKey::LastHosted, td_string!(locale, staff.ranking.col.last), false)}
                        {header(SortKey::NextScheduled, td_string!(locale, staff.ranking.col.next), true)}
                        <th scope="col">{td!(locale, staff.ranking.col.why)}</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|c| view! { <RankingRow city=c locale /> }).collect_view()}
                </tbody>
            </table>
        </div>
        {pager}
    }
    .into_any()
}

#[component]
fn RankingRow(city: RankedCity, locale: Locale) -> impl IntoView {
    let f = &city.figures;
    let never = td_string!(locale, staff.ranking.never);
    view! {
        <tr class=format!("standing-{:?}", city.standing).to_lowercase()>
            <td>{city.position.map(|p| p.to_string()).unwrap_or_else(|| "–".into())}</td>
            <td>{city_label(locale, &city)}</td>
            <td class="col-minor">{province_label(locale, &city)}</td>
            <td class="num">{group_thousands(f.verified_fans)}</td>
            <td class="num col-minor">{group_thousands(f.population)}</td>
            <td class="num">{city.density.map(|d| format!("{d:.1}")).unwrap_or_else(|| "?".into())}</td>
            <td class="num col-minor">{group_thousands(f.joined_30d)}</td>
            <td class="num col-minor">{group_thousands(f.unmet_demand)}</td>
            <td>{f.last_official_at.map(date_label).unwrap_or_else(|| never.into())}</td>
            <td class="col-minor">{f.next_official_at.map(date_label).unwrap_or_else(|| "–".into())}</td>
            <td class="why">{city.explanation.clone()}</td>
        </tr>
    }
}
