//! A city's page: its official meetups and gatherings, and its calendar feed.
use crate::components::form::error_text;
use crate::components::meetup_card::MeetupCardView;
use crate::gatherings::api::load_city_events;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn CityPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || (params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default(), query.read().get("from"), query.read().get("to")),
        |(id, from, to)| load_city_events(id, from, to),
    );
    view! {
        <Title text="What's on in your city — Tongcheng" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! {
                        <h1>{format!("What's on in {}", c.city)}</h1>
                        <form method="get" class="inline-form" aria-label="Filter by date">
                            <label for="from">"From"</label>
                            <input id="from" type="date" name="from" />
                            <label for="to">"To"</label>
                            <input id="to" type="date" name="to" />
                            <button type="submit" class="secondary">"Filter"</button>
                        </form>
                        {if c.events.is_empty() {
                            view! { <p>"Nothing is planned yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="meetup-list" data-testid="city-events">
                                    {c.events.into_iter().map(|e| view! {
                                        <div class="event-kind">
                                            <p class="badge">{e.label}</p>
                                            <MeetupCardView card=e.card />
                                        </div>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <p class="hint">"Calendar feed of this city: " <a href=c.calendar_url.clone()>{c.calendar_url.clone()}</a></p>
                    }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}
