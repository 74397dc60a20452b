//! Staff pages for official meetups: list, create, manage (publish, postpone, cancel,
//! edit, attendees, export) and check-in at the door.
use crate::components::event_form::EventFields;
use crate::components::form::{confirm_checkbox, error_text, field_error, form_error, Field, FormError, SubmitButton};
use crate::components::meetup_card::seats_label;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::meetups::api::{load_staff_meetup, staff_meetups, ChangeMeetupStatus, PublishMeetup, SaveMeetup};
use crate::components::door::{CheckInForm, DoorBoardView, DoorSection, LiveRunLink, PhoneDoorLink};
use crate::participation::api::{door_status, CheckIn, CloseDoor};
use crate::meetups::{Attendee, EventFormValues, EventKind, EventStatus, StaffMeetup};
use crate::pages::staff::dashboard::{loading, StaffNav};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn StaffMeetupsPage() -> impl IntoView {
    let locale = use_locale();
    let list = OnceResource::new(staff_meetups());
    view! {
        <Title text=move || td_string!(locale, staff.meetups.title) />
        <h1>{td!(locale, staff.meetups.heading)}</h1>
        <StaffNav />
        <p><a class="button" href="/staff/meetups/new">{td!(locale, staff.meetups.new)}</a></p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(cards) if cards.is_empty() => view! {
                        <div class="notice">
                            <p>{td!(locale, staff.meetups.empty)}</p>
                            <p>
                                {td!(locale, staff.meetups.empty_next)}
                                " "
                                <a href="/staff/planner">{td!(locale, staff.meetups.to_planner)}</a>
                            </p>
                        </div>
                    }
                        .into_any(),
                    Ok(cards) => view! {
                        <div class="table-scroll">
                            <table>
                                <thead>
                                    <tr>
                                        <th scope="col">{td!(locale, staff.meetups.col.when)}</th>
                                        <th scope="col">{td!(locale, staff.meetups.col.meetup)}</th>
                                        <th scope="col">{td!(locale, staff.meetups.col.city)}</th>
                                        <th scope="col">{td!(locale, staff.meetups.col.seats)}</th>
                                        <th scope="col">{td!(locale, staff.meetups.col.status)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {cards.into_iter().map(|c| view! {
                                        <tr>
                                            <td>{c.starts.clone()}</td>
                                            <td><a href=format!("/staff/meetups/{}", c.id)>{c.title.clone()}</a></td>
                                            <td>{c.city.clone()}</td>
                                            <td>{seats_label(&c)}</td>
                                            <td>{c.status.label(locale)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NewMeetupPage() -> impl IntoView {
    let locale = use_locale();
    let save = crate::components::flash::server_action::<SaveMeetup>();
    let blank = EventFormValues::blank(EventKind::Official);
    view! {
        <Title text=move || td_string!(locale, staff.new_meetup.title) />
        <h1>{td!(locale, staff.new_meetup.heading)}</h1>
        <StaffNav />
        <MeetupForm values=blank id=None action=save />
    }
}

#[component]
fn MeetupForm(values: EventFormValues, id: Option<i64>, action: ServerAction<SaveMeetup>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let (label, busy) = if id.is_some() {
        (td_string!(locale, staff.meetup_form.save), td_string!(locale, staff.busy.saving))
    } else {
        (td_string!(locale, staff.meetup_form.create), td_string!(locale, staff.busy.creating))
    };
    view! {
        <ActionForm action attr:class="form meetup-form" attr:novalidate=true>
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <EventFields kind=EventKind::Official values error=move |field| field_error(value, field) />
            <FormError error=form_error(value) />
            <SubmitButton label pending=action.pending() busy />
            {move || matches!(value.get(), Some(Ok(_))).then(|| view! { <p class="success" role="status">{td!(locale, staff.meetup_form.saved)}</p> })}
        </ActionForm>
    }
}

#[component]
pub fn StaffMeetupPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let save = crate::components::flash::server_action::<SaveMeetup>();
    let publish = crate::components::flash::server_action::<PublishMeetup>();
    let change = crate::components::flash::server_action::<ChangeMeetupStatus>();
    let check_in = crate::components::flash::server_action::<CheckIn>();
    let close_door = crate::components::flash::server_action::<CloseDoor>();
    let door = Resource::new(move || (id(), check_in.version().get(), close_door.version().get()), |(id, ..)| door_status(id));
    let board = Resource::new(move || (id(), check_in.version().get()), |(id, _)| crate::participation::door_sync::load_door_board(id));
    // Every section's data is made here, outside the `<Suspense>` (see `AdmissionData`).
    let admission = crate::pages::staff::admission::AdmissionData::new(id);
    let conversation = crate::pages::staff::conversation::EventConversationData::new(id);
    let meetup = Resource::new(
        move || (id(), save.version().get(), publish.version().get(), change.version().get(), check_in.version().get()),
        |(id, ..)| load_staff_meetup(id),
    );
    view! {
        <Title text=move || td_string!(locale, staff.manage.title) />
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match meetup.await {
                    Ok(m) => view! { <ManageMeetup m save publish change check_in close_door door board admission conversation /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// Postponing or cancelling: the box must be ticked first (the server refuses without
/// it, beside the box), so a slip of the thumb does not email everyone.
#[component]
fn StatusChangeForm(
    action: ServerAction<ChangeMeetupStatus>,
    id: String,
    status: &'static str,
    label: &'static str,
    confirm: &'static str,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let input = action.input();
    let pending = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|c| c.status == status)));
    view! {
        <ActionForm action attr:class="form confirm-action">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="status" value=status />
            {confirm_checkbox(if status == "postponed" { "confirm-postpone-meetup" } else { "confirm-cancel-meetup" }, move || confirm, action.value())}
            <SubmitButton label pending class=class.unwrap_or("secondary") />
        </ActionForm>
    }
}

#[component]
fn ManageMeetup(
    m: StaffMeetup,
    save: ServerAction<SaveMeetup>,
    publish: ServerAction<PublishMeetup>,
    change: ServerAction<ChangeMeetupStatus>,
    check_in: ServerAction<CheckIn>,
    close_door: ServerAction<CloseDoor>,
    door: Resource<Result<crate::participation::DoorState, crate::error::AppError>>,
    board: Resource<Result<crate::participation::door_sync::DoorBoard, crate::error::AppError>>,
    admission: crate::pages::staff::admission::AdmissionData,
    conversation: crate::pages::staff::conversation::EventConversationData,
) -> impl IntoView {
    let locale = use_locale();
    let card = m.page.card.clone();
    let id = card.id.to_string();
    let status = card.status;
    let publish_value = publish.value();
    let change_value = change.value();
    let publish_id = id.clone();
    let publish_form = matches!(status, EventStatus::Draft | EventStatus::Postponed).then(move || {
        let draft = status == EventStatus::Draft;
        let label = if draft { td_string!(locale, staff.manage.publish) } else { td_string!(locale, staff.manage.republish) };
        view! {
            <ActionForm action=publish attr:class="form">
                <input type="hidden" name="id" value=publish_id />
                {draft.then(|| view! {
                    <Field
                        label=td_string!(locale, staff.manage.radius)
                        name="radius_km"
                        value="0".to_string()
                        error=field_error(publish_value, "radius_km")
                        hint=td_string!(locale, staff.manage.radius_hint)
                    />
                })}
                <SubmitButton label pending=publish.pending() busy=td_string!(locale, staff.busy.publishing) />
            </ActionForm>
        }
    });
    let status_forms = (status != EventStatus::Cancelled).then(|| {
        view! {
            <section class="card danger">
                <h2>{td!(locale, staff.manage.change)}</h2>
                <p class="hint">{td!(locale, staff.manage.change_hint)}</p>
                {(status == EventStatus::Published).then(|| view! {
                    <StatusChangeForm
                        action=change
                        id=id.clone()
                        status="postponed"
                        label=td_string!(locale, staff.manage.postpone)
                        confirm=td_string!(locale, staff.manage.postpone_confirm)
                    />
                })}
                <StatusChangeForm
                    action=change
                    id=id.clone()
                    status="cancelled"
                    label=td_string!(locale, staff.manage.cancel)
                    confirm=td_string!(locale, staff.manage.cancel_confirm)
                    class="danger"
                />
                <p class="field-error" role="alert">{field_error(change_value, "status")}</p>
            </section>
        }
    });
    let draw = (m.form.admission == crate::admission::Admission::Draw.as_str()).then(|| view! { <crate::pages::staff::admission::AdmissionSection id=card.id loaded=admission /> });
    view! {
        <h1>{card.title.clone()}</h1>
        <p data-testid="meetup-status">
            {format!(
                "{} · {} · {} · {}",
                card.starts,
                card.city,
                seats_label(&card),
                td_string!(locale, staff.manage.status, status = status.label(locale)),
            )}
        </p>
        <p><a href=format!("/meetups/{}", card.id)>{td!(locale, staff.manage.fan_page)}</a></p>
        <section class="card">
            <h2>{td!(locale, staff.manage.announce)}</h2>
            {publish_form}
            {move || {
                publish_value.get().and_then(Result::ok).map(|n| view! {
                    <p class="success" role="status" data-testid="invited">{td_string!(locale, staff.manage.published, count = n).to_string()}</p>
                })
            }}
            <p class="field-error" role="alert">{field_error(publish_value, "publish")}</p>
            <crate::pages::staff::invitations::InvitationProgress locale event_id=card.id initial=m.invitations />
            {(status == EventStatus::Cancelled).then(|| view! { <p class="notice">{td!(locale, staff.manage.cancelled_note)}</p> })}
        </section>
        {draw}
        {status_forms}
        <PhoneDoorLink event=card.id />
        <LiveRunLink event=card.id />
        <CheckInForm action=check_in initial=String::new() autofocus=false event=Some(card.id) />
        <Suspense>{move || Suspend::new(async move { board.await.ok().map(|board| view! { <DoorBoardView board /> }) })}</Suspense>
        // Its own suspense: one awaited resource per `Suspend`.
        <Suspense>
            {move || Suspend::new(async move {
                door.await.ok().filter(|_| status == EventStatus::Published).map(|d| view! {
                    <DoorSection action=close_door event=card.id closed=d.closed grace_minutes=d.grace_minutes />
                })
            })}
        </Suspense>
        <crate::pages::staff::conversation::EventConversationSection loaded=conversation />
        <section>
            <h2>{td_string!(locale, staff.manage.confirmed, count = m.confirmed.len(), checked_in = m.checked_in).to_string()}</h2>
            {if m.confirmed.is_empty() {
                view! { <p data-testid="confirmed">{td!(locale, staff.manage.no_confirmed)}</p> }.into_any()
            } else {
                view! { <AttendeeTable attendees=m.confirmed testid="confirmed" /> }.into_any()
            }}
            <h2>{td_string!(locale, staff.manage.waitlist, count = m.waitlist.len()).to_string()}</h2>
            {if m.waitlist.is_empty() {
                view! { <p data-testid="waitlist">{td!(locale, staff.manage.no_waitlist)}</p> }.into_any()
            } else {
                view! { <AttendeeTable attendees=m.waitlist testid="waitlist" /> }.into_any()
            }}
            <p><a href=format!("/staff/meetups/{}/attendees.csv", card.id) download>{td!(locale, staff.manage.export)}</a></p>
        </section>
        <section class="card">
            <h2>{td!(locale, staff.manage.edit)}</h2>
            <MeetupForm values=m.form id=Some(card.id) action=save />
        </section>
    }
}

#[component]
fn AttendeeTable(attendees: Vec<Attendee>, testid: &'static str) -> impl IntoView {
    let locale = use_locale();
    let yes = td_string!(locale, staff.manage.yes);
    view! {
        <div class="table-scroll">
            <table data-testid=testid>
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, staff.manage.col.number)}</th>
                        <th scope="col">{td!(locale, staff.manage.col.name)}</th>
                        <th scope="col">{td!(locale, staff.manage.col.email)}</th>
                        <th scope="col">{td!(locale, staff.manage.col.ticket)}</th>
                        <th scope="col">{td!(locale, staff.manage.col.checked_in)}</th>
                        <th scope="col">{td!(locale, admission.staff.col.record)}</th>
                    </tr>
                </thead>
                <tbody>
                    {attendees.into_iter().enumerate().map(|(i, a)| view! {
                        <tr>
                            <td>{a.position.unwrap_or(i as i64 + 1)}</td>
                            <td>{a.name}</td>
                            <td>{a.email}</td>
                            <td><code>{a.ticket_code}</code></td>
                            <td>{if a.checked_in { yes } else { "" }}</td>
                            <td data-testid="record">{td_string!(locale, admission.staff.record, attended = a.attended, no_shows = a.no_shows).to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Opened by scanning a ticket's QR code: the code is filled in, one press checks in.
#[component]
pub fn CheckInPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let code = query.read_untracked().get("code").unwrap_or_default();
    let event = query.read_untracked().get("event").and_then(|e| e.parse::<i64>().ok());
    let check_in = crate::components::flash::server_action::<CheckIn>();
    view! {
        <Title text=move || td_string!(locale, staff.check_in.title) />
        <h1>{td!(locale, staff.check_in.heading)}</h1>
        <CheckInForm action=check_in initial=code autofocus=true event />
    }
}
