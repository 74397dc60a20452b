//! A meetup or gathering in a list: title, time, city, seats, and the fan's place.
use crate::i18n::{td_string, Locale};
use crate::language::use_locale;
use crate::meetups::{EventKind, EventStatus, MeetupCard, Place, PlaceStatus};
use leptos::prelude::*;

/// "12 of 50 seats taken", or "Full (50 seats): waiting list open", in `locale`.
pub fn seats_text(locale: Locale, card: &MeetupCard) -> String {
    match card.capacity {
        Some(capacity) if card.confirmed >= capacity => td_string!(locale, visitor.components.meetup_card.full, capacity = capacity).to_string(),
        Some(capacity) => td_string!(locale, visitor.components.meetup_card.taken, confirmed = card.confirmed, capacity = capacity).to_string(),
        None => td_string!(locale, visitor.components.meetup_card.going, count = card.confirmed).to_string(),
    }
}

/// [`seats_text`] in the page's language (inside a component).
pub fn seats_label(card: &MeetupCard) -> String {
    seats_text(use_locale(), card)
}

#[component]
pub fn MeetupCardView(card: MeetupCard, #[prop(optional)] place: Option<Place>) -> impl IntoView {
    let locale = use_locale();
    let status = (card.status != EventStatus::Published).then(|| card.status.label(locale));
    let kind = (card.kind == EventKind::Gathering).then(|| td_string!(locale, visitor.components.meetup_card.gathering));
    let place = place.and_then(|p| match (p.status, p.position) {
        (PlaceStatus::Confirmed, _) => Some(td_string!(locale, visitor.components.meetup_card.seat_confirmed).to_string()),
        (PlaceStatus::Waitlisted, Some(n)) => Some(td_string!(locale, visitor.components.meetup_card.waiting, position = n).to_string()),
        _ => None,
    });
    let full = card.capacity.is_some_and(|c| card.confirmed >= c);
    view! {
        <li class="card meetup-card" class:cancelled=card.status == EventStatus::Cancelled>
            <h2><a href=format!("/meetups/{}", card.id)>{card.title.clone()}</a></h2>
            <p class="when">{card.starts.clone()} <span class="sep" aria-hidden="true">" · "</span> {card.city.clone()}</p>
            <p class="seats" class:full=full>{seats_text(locale, &card)}</p>
            {(kind.is_some() || status.is_some()).then(|| view! {
                <p class="badges">
                    {kind.map(|k| view! { <span class="badge gathering">{k}</span> })}
                    {status.map(|s| view! { <span class="badge status">{s}</span> })}
                </p>
            })}
            {place.map(|p| view! { <p class="success">{p}</p> })}
        </li>
    }
}
