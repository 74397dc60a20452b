//! Fan pages: what's on, one meetup (sign up, ticket, cancel), my meetups.
use crate::components::auth::Auth;
use crate::components::form::{field_error, form_error, FormError};
use crate::gatherings::api::ReportGathering;
use crate::gatherings::REPORT_CATEGORIES;
use crate::meetups::api::{list_my_meetups, load_meetup, upcoming_meetups, CancelPlace, SignUp};
use crate::meetups::{MeetupPage, PlaceStatus, SignupState};
use leptos::form::ActionForm;
use crate::components::meetup_card::{seats_label, MeetupCardView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MeetupsPage() -> impl IntoView {
    let cards = OnceResource::new(upcoming_meetups());
    view! {
        <Title text="Meetups — Tongcheng" />
        <h1>"What's on"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match cards.await {
                    Ok(cards) if cards.is_empty() => view! { <p>"No meetups are announced yet. " <a href="/where-next">"Where will the next one be?"</a></p> }.into_any(),
                    Ok(cards) => view! { <ul class="meetup-list">{cards.into_iter().map(|card| view! { <MeetupCardView card /> }).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MeetupDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let sign_up = ServerAction::<SignUp>::new();
    let cancel = ServerAction::<CancelPlace>::new();
    let page = Resource::new(move || (id(), sign_up.version().get(), cancel.version().get()), |(id, _, _)| load_meetup(id));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <MeetupDetail page sign_up cancel /> }.into_any(),
                    Err(e) => view! { <h1>"Meetup"</h1><p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MeetupDetail(page: MeetupPage, sign_up: ServerAction<SignUp>, cancel: ServerAction<CancelPlace>) -> impl IntoView {
    let card = page.card.clone();
    let where_ = [page.card.venue.clone(), page.address.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
    view! {
        <Title text=format!("{} — Tongcheng", card.title) />
        <h1>{card.title.clone()}</h1>
        <p class="when" data-testid="when">{format!("{} – {} ({})", card.starts, page.ends, page.timezone)}</p>
        <p>{format!("{} · {}", card.city, if where_.is_empty() { "venue to be announced".to_string() } else { where_ })}</p>
        <p class="seats" data-testid="seats">
            {seats_label(&card)}
            {(page.waitlisted > 0).then(|| format!(" · {} waiting", page.waitlisted))}
        </p>
        {page.organizer.clone().map(|name| view! { <p class="badge gathering">{format!("Gathering organized by {name}")}</p> })}
        <div class="description" inner_html=page.description_html.clone()></div>
        <section class="card signup" aria-live="polite">
            <SignupBox page=page.clone() sign_up cancel />
        </section>
        {(card.kind == crate::meetups::EventKind::Gathering && page.logged_in).then(|| view! { <ReportForm id=card.id /> })}
    }
}

#[component]
fn ReportForm(id: i64) -> impl IntoView {
    let report = ServerAction::<ReportGathering>::new();
    let value = report.value();
    view! {
        <details class="report">
            <summary>"Report this gathering"</summary>
            <Show
                when=move || matches!(value.get(), Some(Ok(())))
                fallback=move || view! {
                    <ActionForm action=report attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="id" value=id.to_string() />
                        <div class="field">
                            <label for="report-category">"What is wrong?"</label>
                            <select id="report-category" name="category">
                                {REPORT_CATEGORIES.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                            </select>
                            <p class="field-error">{field_error(value, "category")}</p>
                        </div>
                        <div class="field">
                            <label for="report-details">"Details"</label>
                            <textarea id="report-details" name="details" rows="3"></textarea>
                            <p class="field-error">{field_error(value, "details")}</p>
                        </div>
                        <FormError error=form_error(value) />
                        <button type="submit" class="secondary">"Send report"</button>
                    </ActionForm>
                }
            >
                <p class="success" role="status" data-testid="reported">"Thank you. Staff will look at it."</p>
            </Show>
        </details>
    }
}

#[component]
fn SignupBox(page: MeetupPage, sign_up: ServerAction<SignUp>, cancel: ServerAction<CancelPlace>) -> impl IntoView {
    let id = page.card.id.to_string();
    let sign_up_value = sign_up.value();
    let cancel_value = cancel.value();
    let errors = view! {
        <p class="field-error" role="alert">{field_error(sign_up_value, "signup")}</p>
        <p class="field-error" role="alert">{field_error(cancel_value, "signup")}</p>
        <FormError error=form_error(sign_up_value) />
    };
    if !page.logged_in {
        let next = format!("/login?next=/meetups/{}", page.card.id);
        return view! { <p><a class="button" href=next>"Log in to sign up"</a></p> }.into_any();
    }
    let cancel_id = id.clone();
    let cancel_form = move |label: &'static str| {
        let id = cancel_id.clone();
        view! {
            <ActionForm action=cancel attr:class="inline">
                <input type="hidden" name="id" value=id />
                <button type="submit" class="secondary">{label}</button>
            </ActionForm>
        }
    };
    match page.place.filter(|p| p.status != PlaceStatus::Cancelled) {
        Some(place) if place.status == PlaceStatus::Confirmed => view! {
            <h2>"Your seat is confirmed"</h2>
            <p class="ticket">"Ticket code: " <strong data-testid="ticket-code">{place.ticket_code.clone()}</strong></p>
            {page.ticket_qr.map(|svg| view! { <div class="qr" inner_html=svg></div> })}
            <p class="hint">"Show the code or the QR code at the door. Can't come? Cancel, so the next fan waiting gets your seat."</p>
            {cancel_form("Cancel my seat")}
            {errors}
        }
        .into_any(),
        Some(place) => view! {
            <h2 data-testid="waitlisted">{format!("You are number {} on the waiting list", place.position.unwrap_or_default())}</h2>
            <p class="hint">"When someone cancels, the first fan waiting gets the seat at once and is emailed the ticket."</p>
            {cancel_form("Leave the waiting list")}
            {errors}
        }
        .into_any(),
        None if page.signup == SignupState::Open => {
            let full = page.card.capacity.is_some_and(|c| page.card.confirmed >= c);
            view! {
                <ActionForm action=sign_up>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" disabled=move || sign_up.pending().get()>
                        {move || if sign_up.pending().get() { "Signing up…" } else if full { "Join the waiting list" } else { "Sign up" }}
                    </button>
                </ActionForm>
                {errors}
            }
            .into_any()
        }
        None => view! { <p>{page.signup.message().get(crate::i18n::use_i18n().get_locale_untracked()).to_string()}</p> {page.signup_opens.map(|t| format!("Sign-up opens {t}."))} }.into_any(),
    }
}

#[component]
pub fn MyMeetupsPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let mine = Resource::new(move || auth.user.get().map(|u| u.ok().flatten().map(|u| u.id)), |_| list_my_meetups());
    view! {
        <Title text="My meetups — Tongcheng" />
        <h1>"My meetups"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match mine.await {
                    Ok(mine) => view! {
                        {if mine.items.is_empty() {
                            view! { <p>"You have not signed up for a meetup yet. " <a href="/meetups">"See what's on"</a></p> }.into_any()
                        } else {
                            view! { <ul class="meetup-list">{mine.items.into_iter().map(|(card, place)| view! { <MeetupCardView card place /> }).collect_view()}</ul> }.into_any()
                        }}
                        <p class="hint">
                            "Add your meetups to your calendar app with this private link: "
                            <a href=mine.calendar_url.clone()>{mine.calendar_url.clone()}</a>
                        </p>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
