//! The door of an event: checking tickets in, and closing it afterwards (which records
//! who came). Staff use it for every event, organizers for their own gatherings.
use crate::components::form::{confirm_checkbox, field_error, form_error, submit_button, FormError};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::participation::api::{CheckIn, CloseDoor};
use crate::participation::DoorClosed;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The door check-in: one big field and one big button, usable with one thumb. After
/// each check-in the field empties and takes the focus for the next ticket.
#[component]
pub fn CheckInForm(action: ServerAction<CheckIn>, initial: String, autofocus: bool, event: Option<i64>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let pending = action.pending();
    let error = field_error(value, "code");
    let input = NodeRef::<leptos::html::Input>::new();
    // In the browser only; the field is not bound to a signal, so what is typed before
    // the page is interactive stays.
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            if let Some(field) = input.get() {
                field.set_value("");
                let _ = field.focus();
            }
        }
    });
    // Opened from a ticket's QR code, the code is filled in: the keyboard stays away
    // and one press of the button checks in.
    let focus_field = autofocus && initial.is_empty();
    view! {
        <section class="card check-in">
            <h2>{td!(locale, staff.check_in.section)}</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                {event.map(|id| view! { <input type="hidden" name="event" value=id.to_string() /> })}
                <div class="field" class:invalid=move || error.get().is_some()>
                    <label for="field-code">{td!(locale, staff.check_in.code)}</label>
                    <input
                        id="field-code"
                        class="ticket-code-input"
                        type="text"
                        name="code"
                        value=initial.clone()
                        node_ref=input
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        inputmode="text"
                        enterkeyhint="go"
                        autofocus=focus_field
                        aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                        aria-describedby="field-code-hint field-code-error"
                    />
                    <p class="hint" id="field-code-hint">{td!(locale, staff.check_in.hint)}</p>
                    <p class="field-error" id="field-code-error" aria-live="polite">{move || error.get()}</p>
                </div>
                <FormError error=form_error(value) />
                <button
                    type="submit"
                    class="button-big"
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                >
                    {move || if pending.get() { td_string!(locale, staff.busy.checking_in) } else { td_string!(locale, staff.check_in.submit) }}
                </button>
            </ActionForm>
            {move || {
                value.get().and_then(Result::ok).map(|m| view! {
                    <p class="success" role="status" data-testid="checked-in">{m}</p>
                    <p class="hint">{td!(locale, staff.check_in.next)}</p>
                })
            }}
        </section>
    }
}


/// Closing the door after the event; once closed, what was recorded.
#[component]
pub fn DoorSection(action: ServerAction<CloseDoor>, event: i64, closed: Option<DoorClosed>, grace_minutes: u32) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let said = move |d: DoorClosed| td_string!(locale, participation.door.closed, attended = d.attended, no_shows = d.no_shows).to_string();
    view! {
        <section class="card door" id="door">
            <h2>{td!(locale, participation.door.heading)}</h2>
            {match closed {
                Some(done) => view! { <p class="success" data-testid="door-closed">{said(done)}</p> }.into_any(),
                None => view! {
                    <p class="hint">{td_string!(locale, participation.door.hint, minutes = grace_minutes).to_string()}</p>
                    <ActionForm action attr:class="form">
                        <input type="hidden" name="id" value=event.to_string() />
                        {confirm_checkbox("confirm-close-door", move || td_string!(locale, participation.door.confirm), value)}
                        <p class="field-error" role="alert">{field_error(value, "door")}</p>
                        <FormError error=form_error(value) />
                        {submit_button(action.pending(), Some("secondary"), move || td_string!(locale, participation.door.close), move || td_string!(locale, participation.door.busy))}
                    </ActionForm>
                    {move || value.get().and_then(Result::ok).map(|d| view! { <p class="success" role="status" data-testid="door-closed">{said(d)}</p> })}
                }.into_any(),
            }}
        </section>
    }
}

/// The way to the door on a phone (`/doors/{event}`).
#[component]
pub fn PhoneDoorLink(event: i64) -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="phone-door-link">
            <a class="button" href=format!("/doors/{event}")>{td!(locale, participation.phone_door.open_link)}</a>
            <span class="hint">" " {td!(locale, participation.phone_door.open_hint)}</span>
        </p>
    }
}

/// The way to running the event's live part (`/events/{event}/live/run`).
#[component]
pub fn LiveRunLink(event: i64) -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="phone-door-link">
            <a class="button" href=format!("/events/{event}/live/run")>{td!(locale, live.run.link)}</a>
            <span class="hint">" " {td!(locale, live.run.link_hint)}</span>
        </p>
    }
}

/// What all doors of the event share: how many are in of how many expected, and the
/// latest check-ins at any door (its name, when the door has one).
#[component]
pub fn DoorBoardView(board: crate::participation::door_sync::DoorBoard) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="card door-board" aria-live="polite">
            <h2>{td!(locale, participation.door.board)}</h2>
            <p class="door-count" data-testid="door-count">{td_string!(locale, participation.door.count, checked_in = board.checked_in, expected = board.expected).to_string()}</p>
            {if board.recent.is_empty() {
                view! { <p class="hint">{td!(locale, participation.door.nobody_yet)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list" data-testid="door-recent">
                        {board.recent.into_iter().map(|r| {
                            let door = r.door.map(|d| td_string!(locale, participation.door.at_door, door = d).to_string());
                            view! { <li><strong>{r.name}</strong> " · " {r.time} {door.map(|d| format!(" · {d}"))}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The door's actions and state. Made with the page, outside its `<Suspense>`: a
/// resource created while a suspense renders its children can keep it from ever
/// resolving on the server (leptos-rs/leptos#4866).
#[derive(Clone, Copy)]
pub struct DoorData {
    check_in: ServerAction<CheckIn>,
    close_door: ServerAction<CloseDoor>,
    door: Resource<Result<crate::participation::DoorState, crate::error::AppError>>,
    board: Resource<Result<crate::participation::door_sync::DoorBoard, crate::error::AppError>>,
}

impl DoorData {
    pub fn new(event: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        let check_in = crate::components::flash::server_action::<CheckIn>();
        let close_door = crate::components::flash::server_action::<CloseDoor>();
        let event = std::sync::Arc::new(event);
        let for_door = event.clone();
        let door = Resource::new(move || (for_door(), check_in.version().get(), close_door.version().get()), |(event, ..)| crate::participation::api::door_status(event));
        let board = Resource::new(move || (event(), check_in.version().get()), |(event, _)| crate::participation::door_sync::load_door_board(event));
        DoorData { check_in, close_door, door, board }
    }
}

/// The whole door of one event, on a page that does not otherwise follow check-ins
/// (an organizer's gathering): the check-in form and, once the event is published, the
/// door itself.
#[component]
pub fn EventDoor(event: i64, published: bool, loaded: DoorData) -> impl IntoView {
    let DoorData { check_in, close_door, door, board } = loaded;
    view! {
        <PhoneDoorLink event />
        <LiveRunLink event />
        <CheckInForm action=check_in initial=String::new() autofocus=false event=Some(event) />
        <Suspense>{move || Suspend::new(async move { board.await.ok().map(|board| view! { <DoorBoardView board /> }) })}</Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                door.await.ok().filter(|_| published).map(|d| view! {
                    <DoorSection action=close_door event closed=d.closed grace_minutes=d.grace_minutes />
                })
            })}
        </Suspense>
    }
}
