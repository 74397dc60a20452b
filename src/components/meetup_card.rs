//! A meetup or gathering in a list: title, time, city, seats, and the fan's place.
use crate::meetups::{EventKind, EventStatus, MeetupCard, Place, PlaceStatus};
use leptos::prelude::*;

/// "12 of 50 seats taken", or "Full: waiting list open".
pub fn seats_label(card: &MeetupCard) -> String {
    match card.capacity {
        Some(capacity) if card.confirmed >= capacity => format!("Full ({capacity} seats): waiting list open"),
        Some(capacity) => format!("{} of {capacity} seats taken", card.confirmed),
        None => format!("{} going", card.confirmed),
    }
}

#[component]
pub fn MeetupCardView(card: MeetupCard, #[prop(optional)] place: Option<Place>) -> impl IntoView {
    let status = (card.status != EventStatus::Published).then(|| card.status.as_str());
    let kind = (card.kind == EventKind::Gathering).then_some("Gathering");
    let place = place.map(|p| match (p.status, p.position) {
        (PlaceStatus::Confirmed, _) => "Your seat is confirmed".to_string(),
        (PlaceStatus::Waitlisted, Some(n)) => format!("Waiting list: number {n}"),
        _ => String::new(),
    });
    view! {
        <li class="card meetup-card">
            <h2><a href=format!("/meetups/{}", card.id)>{card.title.clone()}</a></h2>
            <p class="when">{format!("{} · {}", card.starts, card.city)}</p>
            <p class="seats">{seats_label(&card)}</p>
            {kind.map(|k| view! { <p class="badge gathering">{k}</p> })}
            {status.map(|s| view! { <p class="badge">{s}</p> })}
            {place.map(|p| view! { <p class="success">{p}</p> })}
        </li>
    }
}

