//! The door on a phone (`/doors/{event}`), for staff and an event's organizer: the
//! camera scans ticket after ticket, the page keeps working offline, and what it scanned
//! is sent when the network returns. The page is server-rendered with the typed code as
//! its form (which works without JavaScript); `/door/door.js`, loaded only here, runs
//! the camera, the offline list and the queue (see `web/door.js`).
use crate::components::door::{CheckInForm, DoorBoardView};
use crate::components::form::error_text;
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::participation::api::CheckIn;
use crate::participation::door_sync::{load_phone_door, PhoneDoor};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::BTreeMap;

/// Where the door's script and QR reader are served (`participation::door_files`).
pub const DOOR_SCRIPT: &str = "/door/door.js";
pub const QR_DECODER: &str = "/door/qr-decoder.wasm";

#[component]
pub fn PhoneDoorPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let event = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    // Made outside the `<Suspense>` (leptos-rs/leptos#4866).
    let check_in = crate::components::flash::server_action::<CheckIn>();
    let door = Resource::new(event, load_phone_door);
    view! {
        <Title text=move || td_string!(locale, participation.phone_door.title) />
        <Suspense fallback=move || view! { <p>{td!(locale, participation.phone_door.loading)}</p> }>
            {move || Suspend::new(async move {
                match door.await {
                    Ok(door) => view! { <PhoneDoorView door check_in /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PhoneDoorView(door: PhoneDoor, check_in: ServerAction<CheckIn>) -> impl IntoView {
    let locale = use_locale();
    let texts = serde_json::to_string(&door_texts(locale, &door)).unwrap_or_default();
    #[cfg(feature = "ssr")]
    crate::infra::headers::keep_offline();
    view! {
        <Title text=door.title.clone() />
        <div class="phone-door" id="door-app" data-event=door.event_id data-timezone=door.timezone.clone() data-decoder=QR_DECODER data-text=texts>
            <h1>{td_string!(locale, participation.phone_door.heading, title = door.title.clone()).to_string()}</h1>
            <p class="hint">{door.starts.clone()} " · " <a href=door.back.clone()>{td!(locale, participation.phone_door.back)}</a></p>
            <p class="door-status" id="door-status" role="status" data-testid="door-status">
                <noscript>{td!(locale, participation.phone_door.needs_script)}</noscript>
            </p>
            <div class="field">
                <label for="door-name">{td!(locale, participation.phone_door.door_name)}</label>
                <input id="door-name" type="text" maxlength=crate::participation::door_sync::DOOR_NAME_MAX value="A" autocomplete="off" aria-describedby="door-name-hint" />
                <p class="hint" id="door-name-hint">{td!(locale, participation.phone_door.door_name_hint)}</p>
            </div>
            <section class="door-scanner" aria-labelledby="door-camera">
                <video id="door-video" playsinline=true muted=true hidden=true></video>
                <button type="button" id="door-camera" class="button-big" hidden=true>{td!(locale, participation.phone_door.camera_start)}</button>
                <p class="hint" id="door-camera-note" aria-live="polite"></p>
            </section>
            <div class="door-result" id="door-result" data-testid="door-result" role="status" aria-live="assertive" hidden=true></div>
            <CheckInForm action=check_in initial=String::new() autofocus=false event=Some(door.event_id) />
            <section class="card door-refused" id="door-refused" hidden=true>
                <h2>{td!(locale, participation.phone_door.refused_later)}</h2>
                <p class="hint">{td!(locale, participation.phone_door.refused_later_hint)}</p>
                <ul class="plain-list" data-testid="door-refused"></ul>
            </section>
            <div id="door-board"><DoorBoardView board=door.board.clone() /></div>
            <script type="module" src=DOOR_SCRIPT></script>
        </div>
    }
}

/// Everything the script says, in the page's language. Variables stay as `{name}` for
/// the script to fill in.
fn door_texts(locale: Locale, door: &PhoneDoor) -> BTreeMap<&'static str, String> {
    let v = |name: &str| format!("{{{name}}}");
    let texts: [(&'static str, String); 22] = [
        ("camera_start", td_string!(locale, participation.phone_door.camera_start).to_string()),
        ("camera_stop", td_string!(locale, participation.phone_door.camera_stop).to_string()),
        ("camera_refused", td_string!(locale, participation.phone_door.camera_refused).to_string()),
        ("camera_no_reader", td_string!(locale, participation.phone_door.camera_no_reader).to_string()),
        ("camera_on", td_string!(locale, participation.phone_door.camera_on).to_string()),
        ("loading", td_string!(locale, participation.phone_door.loading).to_string()),
        ("online", td_string!(locale, participation.phone_door.online, tickets = v("tickets")).to_string()),
        ("online_waiting", td_string!(locale, participation.phone_door.online_waiting, waiting = v("waiting")).to_string()),
        ("offline", td_string!(locale, participation.phone_door.offline, waiting = v("waiting")).to_string()),
        ("no_manifest", td_string!(locale, participation.phone_door.no_manifest).to_string()),
        ("signed_out", td_string!(locale, participation.phone_door.signed_out).to_string()),
        ("other_event", td_string!(locale, participation.phone_door.other_event).to_string()),
        ("not_a_ticket", td_string!(locale, participation.phone_door.not_a_ticket).to_string()),
        ("decided_here", td_string!(locale, participation.phone_door.decided_here).to_string()),
        ("welcome", td_string!(locale, participation.door.welcome, name = v("name")).to_string()),
        ("already_at_door", td_string!(locale, errors.already_in_at_door, name = v("name"), when = v("when"), door = v("door")).to_string()),
        ("unknown", td_string!(locale, errors.ticket_unknown).to_string()),
        ("not_confirmed", td_string!(locale, errors.ticket_not_confirmed).to_string()),
        ("over", td_string!(locale, errors.ticket_check_in_over).to_string()),
        ("not_yet", door.not_yet.clone()),
        ("count", td_string!(locale, participation.door.count, checked_in = v("checked_in"), expected = v("expected")).to_string()),
        ("at_door", td_string!(locale, participation.door.at_door, door = v("door")).to_string()),
    ];
    let mut all: BTreeMap<&'static str, String> = texts.into_iter().collect();
    all.insert("nobody_yet", td_string!(locale, participation.door.nobody_yet).to_string());
    all.insert("ok", td_string!(locale, participation.phone_door.ok).to_string());
    all.insert("refused", td_string!(locale, participation.phone_door.refused).to_string());
    all.insert("not_allowed", td_string!(locale, participation.phone_door.not_allowed).to_string());
    all.insert("refused_batch", td_string!(locale, participation.phone_door.refused_batch).to_string());
    all.insert("logout_waiting", td_string!(locale, participation.phone_door.logout_waiting, waiting = v("waiting")).to_string());
    all
}
