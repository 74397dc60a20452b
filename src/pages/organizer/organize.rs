//! Organizer pages: apply, list, create, edit, cancel and message one's gatherings.
use crate::components::event_form::EventFields;
use crate::components::form::{error_text, field_error, form_error, Field, FormError};
use crate::components::meetup_card::seats_label;
use crate::gatherings::api::{
    load_organizer_status, load_own_gathering, ApplyOrganizer, CancelGathering, MessageAttendees, SaveGathering,
};
use crate::gatherings::MESSAGES_PER_DAY;
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::meetups::{Attendee, EventFormValues, EventKind, EventStatus, PlaceStatus};
use crate::components::form::{confirm_checkbox, submit_button};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn OrganizePage() -> impl IntoView {
    let locale = use_locale();
    let apply = crate::components::flash::server_action::<ApplyOrganizer>();
    let status = Resource::new(move || apply.version().get(), |_| load_organizer_status());
    let value = apply.value();
    view! {
        <Title text=move || td_string!(locale, organizer.organize.title) />
        <h1>{td!(locale, organizer.organize.heading)}</h1>
        <Suspense fallback=move || view! { <p>{td!(locale, organizer.loading)}</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) if s.is_organizer => view! {
                        <p><a class="button" href="/organize/new">{td!(locale, organizer.organize.new_link)}</a></p>
                        <h2>{td!(locale, organizer.organize.yours)}</h2>
                        {if s.gatherings.is_empty() {
                            view! {
                                <p class="empty-state">
                                    {td!(locale, organizer.organize.none)} " " <a href="/organize/new">{td!(locale, organizer.organize.none_link)}</a>
                                </p>
                            }
                            .into_any()
                        } else {
                            view! {
                                <ul class="meetup-list" data-testid="my-gatherings">
                                    {s.gatherings.into_iter().map(|card| {
                                        let id = card.id;
                                        view! {
                                            <li class="card">
                                                <h3><a href=format!("/organize/{id}")>{card.title.clone()}</a></h3>
                                                <p>{format!("{} · {} · {}", card.starts, seats_label(&card), card.status.label(locale))}</p>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                    Ok(s) => {
                        let pending = s.application.as_ref().filter(|a| a.status == "pending").cloned();
                        let decided = s.application.as_ref().filter(|a| a.status != "pending").cloned();
                        view! {
                            <p>{td!(locale, organizer.organize.intro)}</p>
                            {decided.map(|a| {
                                let outcome = match a.status.as_str() {
                                    "approved" => td_string!(locale, organizer.organize.application.approved),
                                    "declined" => td_string!(locale, organizer.organize.application.declined),
                                    "revoked" => td_string!(locale, organizer.organize.application.revoked),
                                    _ => td_string!(locale, organizer.organize.application.other),
                                };
                                let reason = a
                                    .decision_reason
                                    .filter(|r| !r.trim().is_empty())
                                    .map(|r| td_string!(locale, organizer.organize.application.reason, reason = r));
                                view! { <p class="notice">{outcome} {reason.map(|r| view! { " " {r} })}</p> }
                            })}
                            {(!s.verified).then(|| view! { <p class="notice">{td!(locale, organizer.organize.unverified)}</p> })}
                            {match pending {
                                Some(_) => view! { <p class="notice" data-testid="application-pending">{td!(locale, organizer.organize.pending)}</p> }.into_any(),
                                None => view! {
                                    <ActionForm action=apply attr:class="form" attr:novalidate=true>
                                        <div class="field">
                                            <label for="field-reason">{td!(locale, organizer.organize.reason_label)}</label>
                                            <textarea id="field-reason" name="reason" rows="4" aria-describedby="field-reason-hint">{crate::components::form::textarea_text("reason", String::new())}</textarea>
                                            <p class="hint" id="field-reason-hint">{td!(locale, organizer.organize.reason_hint)}</p>
                                            <p class="field-error">{field_error(value, "reason")}</p>
                                        </div>
                                        <FormError error=form_error(value) />
                                        {submit_button(
                                            apply.pending(),
                                            None,
                                            move || td_string!(locale, organizer.organize.apply),
                                            move || td_string!(locale, organizer.busy.sending),
                                        )}
                                    </ActionForm>
                                }.into_any(),
                            }}
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GatheringForm(values: EventFormValues, id: Option<i64>, action: ServerAction<SaveGathering>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let editing = id.is_some();
    view! {
        <ActionForm action attr:class="form" attr:novalidate=true>
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <EventFields kind=EventKind::Gathering values error=move |field| field_error(value, field) />
            <FormError error=form_error(value) />
            {submit_button(
                action.pending(),
                None,
                move || if editing { td_string!(locale, organizer.gathering.save_changes) } else { td_string!(locale, organizer.gathering.submit) },
                move || td_string!(locale, organizer.busy.saving),
            )}
            {move || value.get().and_then(Result::ok).map(|id| view! {
                <p class="success" role="status" data-testid="gathering-saved">
                    {td!(locale, organizer.gathering.saved)} " " <a href=format!("/organize/{id}")>{td!(locale, organizer.gathering.manage)}</a>
                </p>
            })}
        </ActionForm>
    }
}

#[component]
pub fn NewGatheringPage() -> impl IntoView {
    let locale = use_locale();
    let save = crate::components::flash::server_action::<SaveGathering>();
    let blank = EventFormValues::blank(EventKind::Gathering);
    view! {
        <Title text=move || td_string!(locale, organizer.gathering.new_title) />
        <h1>{td!(locale, organizer.gathering.new_heading)}</h1>
        <p class="hint">{td!(locale, organizer.gathering.review_note)}</p>
        <GatheringForm values=blank id=None action=save />
    }
}

/// "Li (confirmed)", "Wang (waiting list, number 2)".
fn attendee_line(a: &Attendee, locale: Locale) -> String {
    match a.status {
        PlaceStatus::Waitlisted => td_string!(locale, organizer.gathering.attendee_waitlisted, name = &a.name, position = a.position.unwrap_or_default()),
        _ => td_string!(locale, organizer.gathering.attendee_confirmed, name = &a.name),
    }
}

/// Where applications and the draw stand, when the gathering's seats are drawn.
fn draw_line(admission: Option<&crate::admission::MeetupAdmission>, locale: Locale) -> Option<impl IntoView> {
    let a = admission.filter(|a| a.admission == crate::admission::Admission::Draw)?;
    let line = if a.drawn {
        td_string!(locale, organizer.gathering.draw_done).to_string()
    } else {
        td_string!(locale, organizer.gathering.draw_open, count = a.applicants, closes = a.closes.clone().unwrap_or_default()).to_string()
    };
    Some(view! { <p class="notice" data-testid="gathering-draw">{line}</p> })
}

#[component]
pub fn OwnGatheringPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let save = crate::components::flash::server_action::<SaveGathering>();
    let cancel = crate::components::flash::server_action::<CancelGathering>();
    let message = crate::components::flash::server_action::<MessageAttendees>();
    let data = Resource::new(move || (id(), save.version().get(), cancel.version().get()), |(id, ..)| load_own_gathering(id));
    // Made here, outside the `<Suspense>` (see `DoorData`).
    let door = crate::components::door::DoorData::new(id);
    let conversation = crate::pages::staff::conversation::EventConversationData::new(id);
    let message_value = message.value();
    let cancel_value = cancel.value();
    view! {
        <Title text=move || td_string!(locale, organizer.gathering.manage_title) />
        <Suspense fallback=move || view! { <p>{td!(locale, organizer.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(g) => {
                        let id = g.card.id;
                        let status = td_string!(locale, organizer.gathering.status, status = g.card.status.label(locale));
                        let coming = td_string!(locale, organizer.gathering.coming, count = g.attendees.len());
                        let cancelled = g.card.status == EventStatus::Cancelled;
                        view! {
                            <Title text=g.card.title.clone() />
                            <h1>{g.card.title.clone()}</h1>
                            <p data-testid="gathering-status">{format!("{} · {} · {}", g.card.starts, seats_label(&g.card), status)}</p>
                            {g.rejection.map(|r| view! { <p class="notice">{td_string!(locale, organizer.gathering.rejected, reason = r)}</p> })}
                            <p class="links">
                                <a href=format!("/meetups/{id}")>{td!(locale, organizer.gathering.public_page)}</a>
                                " · "
                                <a href=format!("/staff/meetups/{id}/attendees.csv")>{td!(locale, organizer.gathering.export)}</a>
                            </p>
                            {draw_line(g.admission.as_ref(), locale)}
                            <h2>{coming}</h2>
                            {if g.attendees.is_empty() {
                                view! { <p class="empty-state" data-testid="gathering-attendees">{td!(locale, organizer.gathering.nobody)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul data-testid="gathering-attendees">
                                        {g.attendees.iter().map(|a| view! { <li>{attendee_line(a, locale)}</li> }).collect_view()}
                                    </ul>
                                }
                                .into_any()
                            }}
                            <crate::components::door::EventDoor event=id published=g.card.status == EventStatus::Published loaded=door />
                            <crate::pages::staff::conversation::EventConversationSection loaded=conversation />
                            <section class="card">
                                <h2>{td!(locale, organizer.gathering.message.heading)}</h2>
                                <ActionForm action=message attr:class="form" attr:novalidate=true>
                                    <input type="hidden" name="id" value=id.to_string() />
                                    <Field label=td_string!(locale, organizer.gathering.message.subject) name="subject" error=field_error(message_value, "subject") />
                                    <div class="field">
                                        <label for="field-body">{td!(locale, organizer.gathering.message.body)}</label>
                                        <textarea id="field-body" name="body" rows="4" aria-describedby="field-body-hint">{crate::components::form::textarea_text("body", String::new())}</textarea>
                                        <p class="hint" id="field-body-hint">{td_string!(locale, organizer.gathering.message.hint, count = MESSAGES_PER_DAY)}</p>
                                        <p class="field-error">{field_error(message_value, "body")}</p>
                                    </div>
                                    <FormError error=form_error(message_value) />
                                    {submit_button(
                                        message.pending(),
                                        None,
                                        move || td_string!(locale, organizer.gathering.message.send),
                                        move || td_string!(locale, organizer.busy.sending),
                                    )}
                                    {move || message_value.get().and_then(Result::ok).map(|n| view! {
                                        <p class="success" role="status">{td_string!(locale, organizer.gathering.message.sent, count = n)}</p>
                                    })}
                                </ActionForm>
                            </section>
                            <section class="card">
                                <h2>{td!(locale, organizer.gathering.edit)}</h2>
                                <GatheringForm values=g.form id=Some(id) action=save />
                            </section>
                            {if cancelled {
                                view! { <p class="notice">{td!(locale, organizer.gathering.cancelled)}</p> }.into_any()
                            } else {
                                view! {
                                    <section class="card danger">
                                        <h2>{td!(locale, organizer.gathering.cancel.heading)}</h2>
                                        <p>{td!(locale, organizer.gathering.cancel.body)}</p>
                                        <ActionForm action=cancel attr:class="form confirm-form">
                                            <input type="hidden" name="id" value=id.to_string() />
                                            {confirm_checkbox("confirm-cancel-gathering", move || td_string!(locale, organizer.gathering.cancel.confirm), cancel_value)}
                                            <p class="field-error" role="alert">{field_error(cancel_value, "status")}</p>
                                            <FormError error=form_error(cancel_value) />
                                            {submit_button(
                                                cancel.pending(),
                                                Some("danger"),
                                                move || td_string!(locale, organizer.gathering.cancel.button),
                                                move || td_string!(locale, organizer.busy.cancelling),
                                            )}
                                        </ActionForm>
                                    </section>
                                }
                                .into_any()
                            }}
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}
