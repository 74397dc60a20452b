//! A city's honour roll: its early fans, this year's most active fans, its organizers.
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::participation::{CityHonour, Honoured};
use leptos::prelude::*;

#[component]
pub fn HonourRoll(honour: CityHonour, city: String) -> impl IntoView {
    let locale = use_locale();
    let active_heading = td_string!(locale, participation.honour.active, year = honour.year).to_string();
    view! {
        <section class="card honour" data-testid="honour">
            <h2>{td!(locale, participation.honour.heading)}</h2>
            <h3>{td!(locale, participation.honour.early)}</h3>
            <p class="hint">{td_string!(locale, participation.honour.early_hint, city = &city).to_string()}</p>
            <Names people=honour.early_fans figure=move |n| td_string!(locale, participation.honour.number, number = n).to_string() testid="early-fans" />
            <h3>{active_heading}</h3>
            <Names people=honour.most_active figure=move |n| td_string!(locale, participation.honour.active_figure, count = n).to_string() testid="most-active" />
            <h3>{td!(locale, participation.honour.organizers)}</h3>
            <Names people=honour.organizers figure=move |n| td_string!(locale, participation.honour.organizers_figure, count = n).to_string() testid="organizers" />
        </section>
    }
}

#[component]
fn Names(people: Vec<Honoured>, figure: impl Fn(i64) -> String + 'static, testid: &'static str) -> impl IntoView {
    let locale = use_locale();
    if people.is_empty() {
        return view! { <p class="hint" data-testid=testid>{td!(locale, participation.honour.none)}</p> }.into_any();
    }
    view! {
        <ol class="honour-list" data-testid=testid>
            {people.into_iter().map(|p| {
                let name = if p.public {
                    view! { <a href=format!("/fans/{}", p.id)>{p.name}</a> }.into_any()
                } else {
                    view! { <span>{p.name}</span> }.into_any()
                };
                view! { <li>{name} <span class="hint">" · " {figure(p.figure)}</span></li> }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
