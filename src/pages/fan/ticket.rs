//! The ticket in the fan's hand (`/tickets/{event}`): the QR code as large as the
//! screen allows, the code beside it, and where and when. Once opened it also shows
//! without a network (venues often have none): `/door/offline.js` keeps the page.
use crate::components::form::error_text;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::meetups::api::load_meetup;
use crate::meetups::PlaceStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Keeps the page it is on for offline use (`participation::door_files`).
pub const OFFLINE_SCRIPT: &str = "/door/offline.js";

#[component]
pub fn TicketPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let event = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let page = Resource::new(event, load_meetup);
    view! {
        <Title text=move || td_string!(locale, participation.ticket_page.title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let id = page.card.id;
                        let title = page.card.title.clone();
                        let ticket = page.place.filter(|p| p.status == PlaceStatus::Confirmed).zip(page.ticket_qr);
                        view! {
                            <Title text=title.clone() />
                            <div class="ticket-page">
                                <h1>{td_string!(locale, participation.ticket_page.heading, title = title).to_string()}</h1>
                                <p>{page.card.starts.clone()} " · " {page.card.venue.clone()}</p>
                                {match ticket {
                                    Some((place, qr)) => {
                                        #[cfg(feature = "ssr")]
                                        crate::infra::headers::keep_offline();
                                        view! {
                                        <div class="qr ticket-qr" data-testid="ticket-qr" inner_html=qr></div>
                                        <p class="ticket-code-big">
                                            {td!(locale, participation.ticket_page.code)} " "
                                            <strong data-testid="ticket-code">{place.ticket_code.clone()}</strong>
                                        </p>
                                        <p class="hint">{td!(locale, participation.ticket_page.hint)}</p>
                                        <script type="module" src=OFFLINE_SCRIPT></script>
                                    }.into_any()
                                    }
                                    None => view! { <p class="notice">{td!(locale, participation.ticket_page.none)}</p> }.into_any(),
                                }}
                                <p><a href=format!("/meetups/{id}")>{td!(locale, participation.ticket_page.back)}</a></p>
                            </div>
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}
