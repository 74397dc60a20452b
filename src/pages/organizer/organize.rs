//! Organizer pages: apply, list, create, edit, cancel and message one's gatherings.
use crate::components::meetup_card::seats_label;
use crate::components::form::{error_text, field_error, form_error, Field, FormError};
use crate::gatherings::api::{
    load_organizer_status, load_own_gathering, ApplyOrganizer, CancelGathering, MessageAttendees, SaveGathering,
};
use crate::components::event_form::EventFields;
use crate::meetups::{EventFormValues, EventKind};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn OrganizePage() -> impl IntoView {
    let apply = ServerAction::<ApplyOrganizer>::new();
    let status = Resource::new(move || apply.version().get(), |_| load_organizer_status());
    let value = apply.value();
    view! {
        <Title text="Organize — Tongcheng" />
        <h1>"Organize a gathering"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) if s.is_organizer => view! {
                        <p><a class="button" href="/organize/new">"List a new gathering"</a></p>
                        <h2>"Your gatherings"</h2>
                        {if s.gatherings.is_empty() {
                            view! { <p>"None yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="meetup-list" data-testid="my-gatherings">
                                    {s.gatherings.into_iter().map(|card| {
                                        let id = card.id;
                                        view! {
                                            <li class="card">
                                                <h3><a href=format!("/organize/{id}")>{card.title.clone()}</a></h3>
                                                <p>{format!("{} · {} · {}", card.starts, seats_label(&card), card.status)}</p>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                    Ok(s) => {
                        let pending = s.application.as_ref().filter(|a| a.status == "pending").cloned();
                        let declined = s.application.as_ref().filter(|a| a.status != "pending").cloned();
                        view! {
                            <p>"Volunteer organizers list their own gatherings for the fans of their city. Staff review every application."</p>
                            {declined.map(|a| view! {
                                <p class="notice">{format!("Your last application was {}. {}", a.status, a.decision_reason.unwrap_or_default())}</p>
                            })}
                            {match pending {
                                Some(_) => view! { <p class="notice" data-testid="application-pending">"Your application is waiting for staff. We will email you."</p> }.into_any(),
                                None => view! {
                                    <ActionForm action=apply attr:class="form" attr:novalidate=true>
                                        <div class="field">
                                            <label for="field-reason">"Why do you want to organize gatherings?"</label>
                                            <textarea id="field-reason" name="reason" rows="4"></textarea>
                                            <p class="field-error">{field_error(value, "reason")}</p>
                                        </div>
                                        <FormError error=form_error(value) />
                                        <button type="submit">"Apply to organize"</button>
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
    let value = action.value();
    view! {
        <ActionForm action attr:class="form" attr:novalidate=true>
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <EventFields kind=EventKind::Gathering values error=move |field| field_error(value, field) />
            <FormError error=form_error(value) />
            <button type="submit">{if id.is_some() { "Save changes" } else { "Submit for review" }}</button>
            {move || value.get().and_then(Result::ok).map(|id| view! {
                <p class="success" role="status" data-testid="gathering-saved">
                    "Saved. " <a href=format!("/organize/{id}")>"Manage this gathering"</a>
                </p>
            })}
        </ActionForm>
    }
}

#[component]
pub fn NewGatheringPage() -> impl IntoView {
    let save = ServerAction::<SaveGathering>::new();
    let blank = EventFormValues::blank(EventKind::Gathering);
    view! {
        <Title text="New gathering — Tongcheng" />
        <h1>"List a gathering"</h1>
        <GatheringForm values=blank id=None action=save />
    }
}

#[component]
pub fn OwnGatheringPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let save = ServerAction::<SaveGathering>::new();
    let cancel = ServerAction::<CancelGathering>::new();
    let message = ServerAction::<MessageAttendees>::new();
    let data = Resource::new(move || (id(), save.version().get(), cancel.version().get()), |(id, ..)| load_own_gathering(id));
    let message_value = message.value();
    view! {
        <Title text="Your gathering — Tongcheng" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(g) => {
                        let id = g.card.id;
                        view! {
                            <h1>{g.card.title.clone()}</h1>
                            <p data-testid="gathering-status">{format!("{} · {} · status: {}", g.card.starts, seats_label(&g.card), g.card.status)}</p>
                            {g.rejection.map(|r| view! { <p class="notice">{format!("Staff did not approve it: {r}. Edit it to send it for review again.")}</p> })}
                            <p><a href=format!("/meetups/{id}")>"Public page"</a> " · " <a href=format!("/staff/meetups/{id}/attendees.csv")>"Export attendees (CSV)"</a></p>
                            <h2>{format!("Who is coming ({})", g.attendees.len())}</h2>
                            <ul data-testid="gathering-attendees">
                                {g.attendees.into_iter().map(|a| view! { <li>{format!("{} ({:?})", a.name, a.status).to_lowercase().replace(a.name.to_lowercase().as_str(), &a.name)}</li> }).collect_view()}
                            </ul>
                            <section class="card">
                                <h2>"Message everyone coming"</h2>
                                <ActionForm action=message attr:class="form" attr:novalidate=true>
                                    <input type="hidden" name="id" value=id.to_string() />
                                    <Field label="Subject" name="subject" error=field_error(message_value, "subject") />
                                    <div class="field">
                                        <label for="field-body">"Message"</label>
                                        <textarea id="field-body" name="body" rows="4"></textarea>
                                        <p class="field-error">{field_error(message_value, "body")}</p>
                                    </div>
                                    <button type="submit">"Send"</button>
                                    {move || message_value.get().and_then(Result::ok).map(|n| view! { <p class="success">{format!("Sent to {n}.")}</p> })}
                                </ActionForm>
                            </section>
                            <section class="card"><h2>"Edit"</h2><GatheringForm values=g.form id=Some(id) action=save /></section>
                            {(g.card.status != crate::meetups::EventStatus::Cancelled).then(|| view! {
                                <ActionForm action=cancel>
                                    <input type="hidden" name="id" value=id.to_string() />
                                    <button type="submit" class="danger">"Cancel the gathering and tell everyone"</button>
                                </ActionForm>
                            })}
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}
