//! A fan's page, `/fans/{id}`: badges, points, the meetups they attended and the
//! gatherings they organized. Public only if the fan says so; the fan always sees it all.
use crate::components::form::error_text;
use crate::error::AppError;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::participation::api::load_fan_page;
use crate::participation::{EventLine, FanPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn FanProfilePage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default();
    let page = Resource::new(id, load_fan_page);
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(fan) => view! { <Profile fan /> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <Title text=td_string!(locale, participation.fan.not_found_title) />
                        <h1>{td!(locale, participation.fan.not_found_title)}</h1>
                        <p class="notice" data-testid="fan-private">{td!(locale, participation.fan.not_found)}</p>
                    }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Profile(fan: FanPage) -> impl IntoView {
    let locale = use_locale();
    let title = td_string!(locale, participation.fan.title, name = &fan.name).to_string();
    let visibility = if fan.public {
        view! { <p class="hint">{td!(locale, participation.fan.public_note)}</p> }.into_any()
    } else {
        view! {
            <p class="notice">
                {td!(locale, participation.fan.private_note)}
                {fan.own.then(|| view! { " " <a href="/account#fan-page">{td!(locale, participation.fan.make_public)}</a> })}
            </p>
        }.into_any()
    };
    view! {
        <Title text=title.clone() />
        <crate::components::share::ShareTags title description=fan.city.clone() path=format!("/fans/{}", fan.id) image=Some(format!("/fans/{}/poster.png", fan.id)) />
        <h1>{fan.name.clone()}</h1>
        <p class="fan-summary">
            <a href=format!("/cities/{}", fan.city_id)>{fan.city.clone()}</a>
            " · "
            {td_string!(locale, participation.fan.member_since, since = &fan.member_since).to_string()}
        </p>
        <p class="fan-points" data-testid="fan-points"><strong>{td_string!(locale, participation.fan.points, count = fan.points).to_string()}</strong></p>
        <p class="fan-brought" data-testid="fan-brought">{td_string!(locale, sharing.brought, count = fan.brought).to_string()}</p>
        {fan.early_fan.clone().map(|honour| view! { <p class="badge early-fan" data-testid="early-fan">{honour}</p> })}
        {visibility}
        {(fan.public || fan.own).then(|| view! {
            <crate::components::share::ShareBox title=fan.name.clone() path=format!("/fans/{}", fan.id) poster=Some(format!("/fans/{}/poster.png", fan.id)) />
        })}
        {fan.no_shows.map(|n| view! { <p class="hint" data-testid="fan-no-shows">{td_string!(locale, participation.fan.no_shows, count = n).to_string()}</p> })}
        <section class="card">
            <h2>{td!(locale, participation.fan.badges)}</h2>
            {if fan.badges.is_empty() {
                view! { <p data-testid="fan-badges">{td!(locale, participation.fan.no_badges)}</p> }.into_any()
            } else {
                view! {
                    <ul class="badge-list" data-testid="fan-badges">
                        {fan.badges.into_iter().map(|b| view! {
                            <li data-badge=b.key>
                                <strong>{b.name}</strong>
                                <span class="hint">" · " {td_string!(locale, participation.fan.earned_on, date = &b.earned).to_string()}</span>
                                <br />
                                <span>{b.about}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{td_string!(locale, participation.fan.attended, count = fan.attended_total).to_string()}</h2>
            {if fan.attended.is_empty() {
                view! { <p>{td!(locale, participation.fan.none_attended)}</p> }.into_any()
            } else {
                view! { <EventLines lines=fan.attended testid="fan-attended" /> }.into_any()
            }}
        </section>
        {(!fan.officer_terms.is_empty()).then(|| view! {
            <section class="card">
                <h2>{td!(locale, clubs.record_heading)}</h2>
                <ul class="event-lines" data-testid="fan-officer-terms">
                    {fan.officer_terms.into_iter().map(|t| view! {
                        <li>
                            <a href=format!("/clubs/{}", t.city_id)>{t.club}</a>
                            {format!(" · {} · {} – {} · ", t.role.label(locale), t.from, t.until)}
                            {td_string!(locale, clubs.record_line, gatherings = t.gatherings, came = t.came).to_string()}
                            {t.rating.map(|r| format!(" · ★ {r:.1}"))}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {(fan.organized_total > 0).then(|| view! {
            <section class="card">
                <h2>{td_string!(locale, participation.fan.organized, count = fan.organized_total).to_string()}</h2>
                <EventLines lines=fan.organized testid="fan-organized" />
            </section>
        })}
    }
}

#[component]
fn EventLines(lines: Vec<EventLine>, testid: &'static str) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ul class="event-lines" data-testid=testid>
            {lines.into_iter().map(|e| {
                let kind = if e.official { td_string!(locale, participation.fan.official) } else { td_string!(locale, participation.fan.gathering) };
                view! {
                    <li>
                        <a href=format!("/meetups/{}", e.id)>{e.title}</a>
                        <span class="hint">{format!(" · {} · {} · {kind}", e.when, e.city)}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
