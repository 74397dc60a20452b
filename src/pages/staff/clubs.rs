//! Staff: the country's clubs at a glance, grouped by province, the clubs that need
//! attention first (open reports; members but no officer).
use crate::clubs::api::load_club_health;
use crate::clubs::ClubHealth;
use crate::components::charts::ClubMap;
use crate::components::form::error_text;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::pages::staff::dashboard::{loading, StaffNav};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StaffClubsPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let clubs = Resource::new(move || query.read().get("sort"), load_club_health);
    view! {
        <Title text=move || td_string!(locale, clubs.staff_heading) />
        <StaffNav />
        <h1>{td!(locale, clubs.staff_heading)}</h1>
        <p class="hint">{td!(locale, clubs.staff_intro)}</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match clubs.await {
                    Ok(clubs) => {
                        let by_province = query.read_untracked().get("sort").as_deref() == Some("province");
                        view! {
                            <ClubMap clubs=clubs.clone() />
                            <p class="sort-links">
                                <a href="/staff/clubs">{td!(locale, clubs.attention_first)}</a> " · "
                                <a href="/staff/clubs?sort=province" data-testid="by-province">{td!(locale, clubs.by_province)}</a>
                            </p>
                            <ClubTable clubs by_province />
                        }
                        .into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ClubTable(clubs: Vec<ClubHealth>, by_province: bool) -> impl IntoView {
    let locale = use_locale();
    // A sortable column's header is a link: plain HTML, no JavaScript needed.
    let sortable = |by: &'static str, label: &'static str| view! { <a href=format!("/staff/clubs?sort={by}")>{label}</a> };
    // By province: one group per province under a heading with its totals.
    let groups = if by_province { crate::clubs::by_province(clubs) } else { vec![(String::new(), clubs)] };
    view! {
        <div class="table-scroll wide">
            <table data-testid="club-health">
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, clubs.col.club)}</th>
                        <th scope="col">{sortable("province", td_string!(locale, clubs.col.province))}</th>
                        <th scope="col" class="num">{sortable("members", td_string!(locale, clubs.col.members))}</th>
                        <th scope="col" class="num">{td!(locale, clubs.col.officers)}</th>
                        <th scope="col" class="num">{sortable("gatherings", td_string!(locale, clubs.col.gatherings))}</th>
                        <th scope="col" class="num">{td!(locale, clubs.col.attended)}</th>
                        <th scope="col" class="num">{sortable("rating", td_string!(locale, clubs.col.rating))}</th>
                        <th scope="col" class="num">{sortable("attention", td_string!(locale, clubs.col.reports))}</th>
                    </tr>
                </thead>
                {groups.into_iter().map(|(province, clubs)| {
                    let heading = by_province.then(|| {
                        let members: i64 = clubs.iter().map(|c| c.members).sum();
                        let without = clubs.iter().filter(|c| c.officers == 0 && c.members > 0).count();
                        let totals = td_string!(locale, clubs.province_totals, clubs = clubs.len(), members = members, without = without).to_string();
                        view! { <tr class="province"><th scope="colgroup" colspan="8">{province.clone()} <span class="hint">{totals}</span></th></tr> }
                    });
                    view! {
                        <tbody>
                            {heading}
                            {clubs.into_iter().map(club_row).collect_view()}
                        </tbody>
                    }
                }).collect_view()}
            </table>
        </div>
    }
}

fn club_row(c: ClubHealth) -> impl IntoView {
    let attention = c.open_reports > 0 || (c.officers == 0 && c.members > 0);
    view! {
        <tr class:attention=attention>
            <th scope="row"><a href=format!("/clubs/{}", c.city_id)>{c.city}</a></th>
            <td>{c.province}</td>
            <td class="num">{c.members}</td>
            <td class="num">{c.officers}</td>
            <td class="num">{c.gatherings_90d}</td>
            <td class="num">{c.attended_90d}</td>
            <td class="num">{c.rating.map(|r| format!("{r:.1}")).unwrap_or_else(|| "—".into())}</td>
            <td class="num">{c.open_reports}</td>
        </tr>
    }
}
