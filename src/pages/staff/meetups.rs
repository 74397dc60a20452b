//! Staff pages for official meetups: list, create, manage (publish, postpone, cancel,
//! edit, attendees, export) and check-in at the door.
use crate::pages::staff::dashboard::StaffNav;
use crate::components::form::{field_error, form_error, Field, FormError};
use crate::meetups::api::{load_staff_meetup, staff_meetups, ChangeMeetupStatus, CheckIn, PublishMeetup, SaveMeetup};
use crate::components::event_form::EventFields;
use crate::meetups::{Attendee, EventFormValues, EventKind, EventStatus, StaffMeetup};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn StaffMeetupsPage() -> impl IntoView {
    let list = OnceResource::new(staff_meetups());
    view! {
        <Title text="Meetups — Tongcheng staff" />
        <h1>"Official meetups"</h1>
        <StaffNav />
        <p><a class="button" href="/staff/meetups/new">"New meetup"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(cards) => view! {
                        <div class="table-scroll">
                            <table>
                                <thead><tr><th>"When"</th><th>"Meetup"</th><th>"City"</th><th>"Seats"</th><th>"Status"</th></tr></thead>
                                <tbody>
                                    {cards.into_iter().map(|c| view! {
                                        <tr>
                                            <td>{c.starts.clone()}</td>
                                            <td><a href=format!("/staff/meetups/{}", c.id)>{c.title.clone()}</a></td>
                                            <td>{c.city.clone()}</td>
                                            <td>{crate::components::meetup_card::seats_label(&c)}</td>
                                            <td>{c.status.as_str()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NewMeetupPage() -> impl IntoView {
    let save = ServerAction::<SaveMeetup>::new();
    let blank = EventFormValues::blank(EventKind::Official);
    view! {
        <Title text="New meetup — Tongcheng staff" />
        <h1>"New official meetup"</h1>
        <StaffNav />
        <MeetupForm values=blank id=None action=save />
    }
}

#[component]
fn MeetupForm(values: EventFormValues, id: Option<i64>, action: ServerAction<SaveMeetup>) -> impl IntoView {
    let value = action.value();
    view! {
        <ActionForm action attr:class="form meetup-form" attr:novalidate=true>
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <EventFields kind=EventKind::Official values error=move |field| field_error(value, field) />
            <FormError error=form_error(value) />
            <button type="submit">{if id.is_some() { "Save changes" } else { "Create draft" }}</button>
            {move || matches!(value.get(), Some(Ok(_))).then(|| view! { <p class="success" role="status">"Saved."</p> })}
        </ActionForm>
    }
}

#[component]
pub fn StaffMeetupPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let save = ServerAction::<SaveMeetup>::new();
    let publish = ServerAction::<PublishMeetup>::new();
    let change = ServerAction::<ChangeMeetupStatus>::new();
    let check_in = ServerAction::<CheckIn>::new();
    let meetup = Resource::new(
        move || (id(), save.version().get(), publish.version().get(), change.version().get(), check_in.version().get()),
        |(id, ..)| load_staff_meetup(id),
    );
    view! {
        <Title text="Meetup — Tongcheng staff" />
        <StaffNav />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match meetup.await {
                    Ok(m) => view! { <ManageMeetup m save publish change check_in /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ManageMeetup(
    m: StaffMeetup,
    save: ServerAction<SaveMeetup>,
    publish: ServerAction<PublishMeetup>,
    change: ServerAction<ChangeMeetupStatus>,
    check_in: ServerAction<CheckIn>,
) -> impl IntoView {
    let card = m.page.card.clone();
    let id = card.id.to_string();
    let status = card.status;
    let publish_value = publish.value();
    let change_value = change.value();
    let status_id = id.clone();
    let status_form = move |action_status: &'static str, label: &'static str| {
        let id = status_id.clone();
        view! {
            <ActionForm action=change attr:class="inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="status" value=action_status />
                <button type="submit" class="secondary">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <h1>{card.title.clone()}</h1>
        <p data-testid="meetup-status">
            {format!("{} · {} · {} · status: {}", card.starts, card.city, crate::components::meetup_card::seats_label(&card), status)}
        </p>
        <p><a href=format!("/meetups/{}", card.id)>"Fan page"</a></p>
        <section class="card">
            <h2>"Announce"</h2>
            {matches!(status, EventStatus::Draft | EventStatus::Postponed).then(move || view! {
                <ActionForm action=publish attr:class="form">
                    <input type="hidden" name="id" value=id />
                    <Field label="Also invite fans within (km)" name="radius_km" value="0".to_string() error=field_error(publish_value, "radius_km") />
                    <button type="submit">"Publish and invite the city's fans"</button>
                </ActionForm>
            })}
            {move || publish_value.get().and_then(Result::ok).map(|n| view! { <p class="success" role="status" data-testid="invited">{format!("Published: {n} invitations queued.")}</p> })}
            <p class="field-error">{field_error(publish_value, "publish")}</p>
            <p data-testid="invitations">
                {format!("Invitations: {} queued, {} sent, {} failed.", m.invitations.queued, m.invitations.sent, m.invitations.failed)}
            </p>
            <div class="actions">
                {(status == EventStatus::Published).then(|| status_form("postponed", "Postpone"))}
                {(status != EventStatus::Cancelled).then(|| status_form("cancelled", "Cancel meetup and tell everyone"))}
            </div>
            <p class="field-error">{field_error(change_value, "status")}</p>
        </section>
        <CheckInForm action=check_in initial=String::new() />
        <section>
            <h2>{format!("Confirmed ({}, {} checked in)", m.confirmed.len(), m.checked_in)}</h2>
            <AttendeeTable attendees=m.confirmed testid="confirmed" />
            <h2>{format!("Waiting list ({})", m.waitlist.len())}</h2>
            <AttendeeTable attendees=m.waitlist testid="waitlist" />
            <p><a href=format!("/staff/meetups/{}/attendees.csv", card.id) download>"Export as CSV"</a></p>
        </section>
        <section class="card">
            <h2>"Edit"</h2>
            <MeetupForm values=m.form id=Some(card.id) action=save />
        </section>
    }
}

#[component]
fn AttendeeTable(attendees: Vec<Attendee>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table data-testid=testid>
                <thead><tr><th>"#"</th><th>"Name"</th><th>"Email"</th><th>"Ticket"</th><th>"Checked in"</th></tr></thead>
                <tbody>
                    {attendees.into_iter().enumerate().map(|(i, a)| view! {
                        <tr>
                            <td>{a.position.unwrap_or(i as i64 + 1)}</td>
                            <td>{a.name}</td>
                            <td>{a.email}</td>
                            <td><code>{a.ticket_code}</code></td>
                            <td>{if a.checked_in { "yes" } else { "" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CheckInForm(action: ServerAction<CheckIn>, initial: String) -> impl IntoView {
    let value = action.value();
    view! {
        <section class="card">
            <h2>"Check in at the door"</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <Field label="Ticket code" name="code" value=initial autocomplete="off" error=field_error(value, "code") hint="Type the code, or scan the fan's QR code with your phone's camera." />
                <FormError error=form_error(value) />
                <button type="submit">"Check in"</button>
            </ActionForm>
            {move || value.get().and_then(Result::ok).map(|m| view! { <p class="success" role="status" data-testid="checked-in">{m}</p> })}
        </section>
    }
}

/// Opened by scanning a ticket's QR code: the code is filled in, one press checks in.
#[component]
pub fn CheckInPage() -> impl IntoView {
    let query = use_query_map();
    let code = query.read_untracked().get("code").unwrap_or_default();
    let check_in = ServerAction::<CheckIn>::new();
    view! {
        <Title text="Check in — Tongcheng staff" />
        <h1>"Check in"</h1>
        <CheckInForm action=check_in initial=code />
    }
}
