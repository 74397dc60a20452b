//! A city's page: its official meetups and gatherings, and its calendar feed.
use crate::components::form::error_text;
use crate::components::meetup_card::MeetupCardView;
use crate::gatherings::api::load_city_events;
use crate::i18n::{t, td_string, use_i18n, I18nLocaleTrait as _};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CityPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(move || (id(), query.read().get("from"), query.read().get("to")), |(id, from, to)| load_city_events(id, from, to));
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                let locale = i18n.get_locale_untracked();
                let lang = locale.as_str();
                let (from, to) = query.with_untracked(|q| (q.get("from").unwrap_or_default(), q.get("to").unwrap_or_default()));
                let filtered = !from.is_empty() || !to.is_empty();
                match data.await {
                    Ok(c) => {
                        let title = td_string!(locale, visitor.city.title, city = c.city.clone()).to_string();
                        let here = format!("/cities/{}", c.city_id);
                        view! {
                            <Title text=title.clone() />
                            <h1>{title}</h1>
                            <form method="get" class="inline-form date-filter" aria-label=td_string!(locale, visitor.city.filter) lang=lang>
                                <div class="field">
                                    <label for="from">{t!(i18n, visitor.city.from)}</label>
                                    <input id="from" type="date" name="from" value=from lang=lang aria-describedby="date-filter-hint" />
                                </div>
                                <div class="field">
                                    <label for="to">{t!(i18n, visitor.city.to)}</label>
                                    <input id="to" type="date" name="to" value=to lang=lang aria-describedby="date-filter-hint" />
                                </div>
                                <button type="submit" class="secondary">{t!(i18n, visitor.city.apply)}</button>
                                <p class="hint" id="date-filter-hint">{t!(i18n, visitor.city.date_hint)}</p>
                            </form>
                            {if c.events.is_empty() {
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
                            <p class="hint calendar-feed">
                                {t!(i18n, visitor.city.calendar)} " " <a class="url" href=c.calendar_url.clone()>{c.calendar_url.clone()}</a>
                                <br />
                                {t!(i18n, visitor.city.calendar_hint)}
                            </p>
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// No events: say so, and where to go from here.
#[component]
fn EmptyCity(city_id: i64, filtered: bool, here: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="empty-state card" data-testid="city-empty">
            {if filtered {
                view! {
                    <p>{t!(i18n, visitor.city.empty_filtered)}</p>
                    <p><a href=here>{t!(i18n, visitor.city.show_all)}</a></p>
                }.into_any()
            } else {
                view! {
                    <p>{t!(i18n, visitor.city.empty)}</p>
                    <p>
                        <a href=format!("/where-next?city={city_id}")>{t!(i18n, visitor.city.empty_where_next)}</a>
                        {t!(i18n, visitor.city.or)}
                        <a href="/organize">{t!(i18n, visitor.city.empty_organize)}</a>
                        {t!(i18n, visitor.city.end)}
                    </p>
                }.into_any()
            }}
        </div>
    }
}
