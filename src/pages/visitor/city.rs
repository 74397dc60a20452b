//! A city's page: its official meetups and gatherings, and its calendar feed.
use crate::components::form::error_text;
use crate::components::honour::HonourRoll;
use crate::components::meetup_card::MeetupCardView;
use crate::gatherings::api::load_city_events;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CityPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(move || (id(), query.read().get("from"), query.read().get("to")), |(id, from, to)| load_city_events(id, from, to));
    let honour = Resource::new(id, crate::participation::api::load_city_honour);
    let standing = Resource::new(move || Some(id().to_string()), crate::staff::api::where_next);
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                let (from, to) = query.with_untracked(|q| (q.get("from").unwrap_or_default(), q.get("to").unwrap_or_default()));
                let filtered = !from.is_empty() || !to.is_empty();
                match data.await {
                    Ok(c) => {
                        // Its own suspense: one awaited resource per `Suspend` (two in a row
                        // sometimes never resolved during server rendering).
                        let city = c.city.clone();
                        let roll = view! {
                            <Suspense>
                                {move || {
                                    let city = city.clone();
                                    Suspend::new(async move { crate::components::form::loaded(honour.await).map(|h| view! { <HonourRoll honour=h city /> }) })
                                }}
                            </Suspense>
                        };
                        let (city, city_id) = (c.city.clone(), c.city_id);
                        let goal = view! {
                            <Suspense>
                                {move || {
                                    let city = city.clone();
                                    Suspend::new(async move {
                                        crate::components::form::loaded(standing.await).flatten().map(|s| view! {
                                            <section class="card invite" data-testid="city-invite">
                                                <crate::pages::visitor::where_next::CityGoal city=city.clone() verified_fans=s.city.figures.verified_fans min_fans=s.min_fans />
                                                <crate::components::share::ShareBox title=city path=format!("/cities/{city_id}") poster=None invite=true />
                                            </section>
                                        })
                                    })
                                }}
                            </Suspense>
                        };
                        let title = td_string!(locale, visitor.city.title, city = c.city.clone()).to_string();
                        let here = format!("/cities/{}", c.city_id);
                        view! {
                            <Title text=title.clone() />
                            <crate::components::share::ShareTags title=title.clone() description=title.clone() path=here.clone() />
                            <h1>{title}</h1>
                            <DateFilter from to errors=c.filter_errors.clone() />
                            {if !c.filter_errors.is_empty() {
                                ().into_any()
                            } else if c.events.is_empty() {
                                view! { <EmptyCity city_id=c.city_id filtered here=here.clone() /> }.into_any()
                            } else {
                                view! {
                                    <ul class="meetup-list" data-testid="city-events">
                                        {c.events.into_iter().map(|e| view! {
                                            <li class="event-kind">
                                                <p class="badge kind">{e.label}</p>
                                                <ul class="meetup-list nested">
                                                    <MeetupCardView card=e.card />
                                                </ul>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            {goal}
                            {roll}
                            <p class="hint calendar-feed">
                                {td!(locale, visitor.city.calendar)} " " <a class="url" href=c.calendar_url.clone()>{c.calendar_url.clone()}</a>
                                <br />
                                {td!(locale, visitor.city.calendar_hint)}
                            </p>
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// The city's dates filter: plain text fields (a native date picker would show the
/// browser's mm/dd/yyyy), read leniently by the server; what it could not read stays in
/// the field, with the message beside it.
#[component]
fn DateFilter(from: String, to: String, errors: crate::error::FieldErrors) -> impl IntoView {
    let locale = use_locale();
    let placeholder = td_string!(locale, visitor.components.form.date_placeholder);
    let field = move |name: &'static str, label: &'static str, value: String| {
        let error = errors.get(name).map(|t| t.get(locale).to_string());
        let error_id = format!("{name}-error");
        let invalid = error.is_some();
        view! {
            <div class="field" class:invalid=invalid>
                <label for=name>{label}</label>
                <input
                    id=name
                    type="text"
                    name=name
                    value=value
                    placeholder=placeholder
                    autocomplete="off"
                    aria-invalid=if invalid { "true" } else { "false" }
                    aria-describedby=format!("date-filter-hint {error_id}")
                />
                <p class="field-error" id=error_id aria-live="polite">{error}</p>
            </div>
        }
    };
    view! {
        <form method="get" class="inline-form date-filter" aria-label=td_string!(locale, visitor.city.filter)>
            {field("from", td_string!(locale, visitor.city.from), from)}
            {field("to", td_string!(locale, visitor.city.to), to)}
            <button type="submit" class="secondary">{td!(locale, visitor.city.apply)}</button>
            <p class="hint" id="date-filter-hint">{td!(locale, visitor.city.date_hint)}</p>
        </form>
    }
}

/// No events: say so, and where to go from here.
#[component]
fn EmptyCity(city_id: i64, filtered: bool, here: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="empty-state card" data-testid="city-empty">
            {if filtered {
                view! {
                    <p>{td!(locale, visitor.city.empty_filtered)}</p>
                    <p><a href=here>{td!(locale, visitor.city.show_all)}</a></p>
                }.into_any()
            } else {
                view! {
                    <p>{td!(locale, visitor.city.empty)}</p>
                    <p>
                        <a href=format!("/where-next?city={city_id}")>{td!(locale, visitor.city.empty_where_next)}</a>
                        {td!(locale, visitor.city.or)}
                        <a href="/organize">{td!(locale, visitor.city.empty_organize)}</a>
                        {td!(locale, visitor.city.end)}
                    </p>
                }.into_any()
            }}
        </div>
    }
}
