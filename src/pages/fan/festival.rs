//! The festival page: every session with seats left (the visitor's city first), a
//! countdown to the opening, the fan's one place with its ticket. The session list is
//! an island: it refreshes seats left every few seconds and enables the buttons at the
//! opening second. Without WASM the buttons are plain form posts, and before the
//! opening the server refuses them with the opening time.
use crate::components::flash::server_action;
use crate::components::form::{confirm_checkbox, error_text, field_error, form_error, submit_button, FormError};
use crate::error::AppError;
use crate::festival::api::{load_festival, SwitchSession};
use crate::festival::{FestivalPage as Page, FestivalPlace, SessionView};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::meetups::api::{CancelPlace, SignUp};
use crate::meetups::PlaceStatus;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn FestivalPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let sign_up = server_action::<SignUp>();
    let switch = server_action::<SwitchSession>();
    let cancel = server_action::<CancelPlace>();
    let page = Resource::new(
        move || (id(), sign_up.version().get(), switch.version().get(), cancel.version().get()),
        |(id, ..)| load_festival(id),
    );
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, festival.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Festival page sign_up switch cancel /> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <Title text=move || td_string!(locale, festival.title) />
                        <h1>{td!(locale, festival.title)}</h1>
                        <p class="empty-state">{td!(locale, festival.none_yet)} " " <a href="/meetups">{td!(locale, festival.see_meetups)}</a></p>
                    }
                    .into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Festival(page: Page, sign_up: ServerAction<SignUp>, switch: ServerAction<SwitchSession>, cancel: ServerAction<CancelPlace>) -> impl IntoView {
    let locale = use_locale();
    let held = page.place.as_ref().map(|p| p.event_id);
    let (sign_up_value, switch_value, cancel_value) = (sign_up.value(), switch.value(), cancel.value());
    let next = format!("/login?next=/festival/{}", page.id);
    view! {
        <Title text=page.name.clone() />
        <crate::components::share::ShareTags title=page.name.clone() description=td_string!(locale, festival.day, day = page.day.clone()).to_string() path=format!("/festival/{}", page.id) image=Some(format!("/festival/{}/poster.png", page.id)) />
        <h1>{page.name.clone()}</h1>
        <p class="when" data-testid="festival-day">{td_string!(locale, festival.day, day = page.day.clone())}</p>
        <crate::components::share::ShareBox title=page.name.clone() path=format!("/festival/{}", page.id) poster=Some(format!("/festival/{}/poster.png", page.id)) />
        <div class="description" inner_html=page.description_html.clone()></div>
        <p class="hint">{td!(locale, festival.one_place_rule)}</p>
        <div aria-live="polite">
            <p class="field-error" role="alert" data-testid="signup-error">{field_error(sign_up_value, "signup")}</p>
            <p class="field-error" role="alert">{field_error(switch_value, "signup")}</p>
            <p class="field-error" role="alert">{field_error(cancel_value, "signup")}</p>
            <FormError error=form_error(sign_up_value) />
            <FormError error=form_error(switch_value) />
        </div>
        {page.place.clone().map(|place| view! { <MyPlace place cancel /> })}
        <FestivalLive
            locale
            festival_id=page.id
            opens_at=page.opens_at
            opens=page.opens.clone()
            now=page.now
            sessions=page.sessions.clone()
            held
            logged_in=page.logged_in
            login=next
        />
    }
}

#[component]
fn MyPlace(place: FestivalPlace, cancel: ServerAction<CancelPlace>) -> impl IntoView {
    let locale = use_locale();
    let id = place.event_id.to_string();
    let confirmed = place.status == PlaceStatus::Confirmed;
    let (label, confirm): (&'static str, &'static str) = if confirmed {
        (td_string!(locale, festival.cancel_seat), td_string!(locale, festival.confirm_cancel_seat))
    } else {
        (td_string!(locale, festival.leave_waitlist), td_string!(locale, festival.confirm_leave_waitlist))
    };
    view! {
        <section class="card signup festival-place" data-testid="festival-place">
            {if confirmed {
                view! {
                    <h2>{td_string!(locale, festival.your_seat, city = place.city.clone())}</h2>
                    <p class="ticket">{td!(locale, festival.ticket_code)} " " <strong data-testid="ticket-code">{place.ticket_code.clone()}</strong></p>
                    {place.ticket_qr.clone().map(|svg| view! { <div class="qr" inner_html=svg></div> })}
                    <p class="hint">{td!(locale, festival.ticket_hint)}</p>
                }
                .into_any()
            } else {
                view! {
                    <h2 data-testid="waitlisted">
                        {td_string!(locale, festival.your_waitlist, city = place.city.clone(), position = place.position.unwrap_or_default())}
                    </h2>
                    <p class="hint">{td!(locale, festival.waitlist_hint)}</p>
                }
                .into_any()
            }}
            <p><a href=format!("/meetups/{}", place.event_id)>{td!(locale, festival.session_page)}</a></p>
            <ActionForm action=cancel attr:class="form confirm-form">
                <input type="hidden" name="id" value=id />
                {confirm_checkbox("confirm-cancel-festival-place", move || confirm, cancel.value())}
                {submit_button(cancel.pending(), Some("secondary"), move || label, move || td_string!(locale, festival.busy))}
            </ActionForm>
        </section>
    }
}

/// "1 d 02:03:04" until the opening.
fn countdown(locale: Locale, seconds: i64) -> String {
    let (d, h, m, s) = crate::festival::countdown_parts(seconds);
    if d > 0 {
        td_string!(locale, festival.countdown_days, days = d, time = format!("{h:02}:{m:02}:{s:02}")).to_string()
    } else {
        td_string!(locale, festival.countdown, time = format!("{h:02}:{m:02}:{s:02}")).to_string()
    }
}

/// The sessions with live seats left and the opening countdown. Island props cross to
/// the browser as JSON: owned values, text in the explicit `locale`.
#[island]
#[allow(clippy::too_many_arguments)]
fn FestivalLive(
    locale: Locale,
    festival_id: i64,
    opens_at: i64,
    opens: String,
    now: i64,
    sessions: Vec<SessionView>,
    held: Option<i64>,
    logged_in: bool,
    login: String,
) -> impl IntoView {
    // The server's clock in milliseconds, as this page last heard it.
    let clock = RwSignal::new(now * 1000);
    let seats = RwSignal::new(sessions.iter().map(|s| (s.event_id, s.seats_left)).collect::<Vec<(i64, i64)>>());
    // False until the WASM runs: without it every button is a plain post the server judges.
    let enhanced = RwSignal::new(false);
    Effect::new(move |_| {
        enhanced.set(true);
        #[cfg(feature = "hydrate")]
        start_polling(festival_id, clock, seats);
    });
    let open = Memo::new(move |_| clock.get() >= opens_at * 1000);
    let waiting = move || enhanced.get() && !open.get();
    let left = move |id: i64| seats.with(|s| s.iter().find(|(e, _)| *e == id).map_or(0, |(_, l)| *l));
    let rows = sessions
        .into_iter()
        .map(|s| {
            let id = s.event_id;
            let form = if !logged_in {
                view! { <a class="button" href=login.clone()>{td_string!(locale, festival.log_in_to_sign_up)}</a> }.into_any()
            } else if held == Some(id) {
                view! { <p class="badge" data-testid="your-session">{td_string!(locale, festival.your_session)}</p> }.into_any()
            } else if held.is_some() {
                view! {
                    <form method="post" action=SwitchSession::PATH>
                        <input type="hidden" name="festival_id" value=festival_id.to_string() />
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="secondary" disabled=waiting data-testid="switch" data-pending-label=td_string!(locale, festival.busy)>
                            {td_string!(locale, festival.switch_here)}
                        </button>
                    </form>
                }
                .into_any()
            } else {
                view! {
                    <form method="post" action=SignUp::PATH>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" disabled=waiting data-testid="sign-up" data-pending-label=td_string!(locale, festival.busy)>
                            {move || if left(id) > 0 { td_string!(locale, festival.sign_up) } else { td_string!(locale, festival.join_waitlist) }}
                        </button>
                    </form>
                }
                .into_any()
            };
            view! {
                <li class="card festival-session" data-testid="session" data-event=id.to_string()>
                    <h2>{s.city.clone()}</h2>
                    <p class="when">{s.starts.clone()} {(!s.venue.is_empty()).then(|| format!(" · {}", s.venue))}</p>
                    <p class="seats" data-testid="seats-left">
                        {move || match left(id) {
                            0 => td_string!(locale, festival.full).to_string(),
                            n => td_string!(locale, festival.seats_left, left = n, capacity = s.capacity).to_string(),
                        }}
                    </p>
                    {form}
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="countdown" data-testid="countdown" aria-live="polite">
            {move || {
                let until = (opens_at * 1000 - clock.get() + 999) / 1000;
                if open.get() {
                    td_string!(locale, festival.open_now).to_string()
                } else {
                    format!("{} · {}", td_string!(locale, festival.opens_at, time = opens.clone()), countdown(locale, until))
                }
            }}
        </p>
        <ul class="meetup-list festival-sessions">{rows}</ul>
    }
}

/// Every quarter second the countdown moves on; every three seconds seats left and the
/// server's clock are fetched again (from the server's cache, not a count per viewer).
#[cfg(feature = "hydrate")]
fn start_polling(festival_id: i64, clock: RwSignal<i64>, seats: RwSignal<Vec<(i64, i64)>>) {
    use leptos::web_sys::js_sys::Date;
    use std::cell::Cell;
    use std::rc::Rc;
    let offset = Rc::new(Cell::new(clock.get_untracked() as f64 - Date::now()));
    let ticks = Rc::new(Cell::new(0u32));
    set_interval(
        move || {
            clock.set((Date::now() + offset.get()) as i64);
            ticks.set(ticks.get() + 1);
            if ticks.get() % 12 == 0 {
                let offset = offset.clone();
                leptos::task::spawn_local(async move {
                    let asked = Date::now();
                    if let Ok(live) = crate::festival::api::festival_seats(festival_id).await {
                        // Half the round trip later than the server said.
                        let answered = Date::now();
                        offset.set(live.now_ms as f64 + (answered - asked) / 2.0 - answered);
                        seats.set(live.seats);
                    }
                });
            }
        },
        std::time::Duration::from_millis(250),
    );
}
