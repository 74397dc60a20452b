//! Staff moderation pages: the review queue and one organizer's history, where admins
//! also change roles.
use crate::pages::staff::dashboard::StaffNav;
use crate::components::form::field_error;
use crate::gatherings::moderation::{load_moderation_queue, load_organizer_history, Moderate, SetRole};
use crate::gatherings::{LogEntry, ReportView};
use leptos::form::ActionForm;
use crate::components::form::error_text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
fn ModerateButton(action: ServerAction<Moderate>, subject: &'static str, id: i64, verb: &'static str, label: &'static str, with_reason: bool) -> impl IntoView {
    view! {
        <ActionForm action attr:class="moderate">
            <input type="hidden" name="subject" value=subject />
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="action" value=verb />
            {with_reason.then(|| view! { <input type="text" name="reason" placeholder="Reason (sent to the organizer)" aria-label="Reason" /> })}
            <button type="submit" class=if with_reason { "secondary" } else { "" }>{label}</button>
        </ActionForm>
    }
}

fn log_table(log: Vec<LogEntry>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table data-testid="moderation-log">
                <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Action"</th><th>"Reason"</th></tr></thead>
                <tbody>
                    {log.into_iter().map(|l| view! { <tr><td>{l.when}</td><td>{l.staff}</td><td>{l.subject}</td><td>{l.action}</td><td>{l.reason}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn report_list(reports: Vec<ReportView>, action: Option<ServerAction<Moderate>>) -> impl IntoView {
    view! {
        <ul data-testid="reports">
            {reports.into_iter().map(|r| view! {
                <li class="card">
                    <p><a href=format!("/meetups/{}", r.event_id)>{r.event_title.clone()}</a>{format!(" · {} · reported by {} · {}", r.category, r.reporter, r.status)}</p>
                    <p>{r.details.clone()}</p>
                    {action.map(|a| view! {
                        <div class="actions">
                            <ModerateButton action=a subject="report" id=r.id verb="dismiss" label="Dismiss" with_reason=false />
                            <ModerateButton action=a subject="report" id=r.id verb="hide" label="Hide the gathering" with_reason=true />
                        </div>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn ModerationPage() -> impl IntoView {
    let moderate = ServerAction::<Moderate>::new();
    let queue = Resource::new(move || moderate.version().get(), |_| load_moderation_queue());
    let value = moderate.value();
    view! {
        <Title text="Moderation — Tongcheng staff" />
        <h1>"Moderation"</h1>
        <StaffNav />
        <p class="field-error" role="alert">{field_error(value, "reason")}</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(q) => view! {
                        <h2>{format!("Organizer applications ({})", q.applications.len())}</h2>
                        <ul data-testid="applications">
                            {q.applications.into_iter().map(|a| view! {
                                <li class="card">
                                    <p><strong>{a.name.clone()}</strong>{format!(" · {} · {}", a.email, a.city)}</p>
                                    <p>{a.reason.clone()}</p>
                                    <div class="actions">
                                        <ModerateButton action=moderate subject="application" id=a.id verb="approve" label="Approve" with_reason=false />
                                        <ModerateButton action=moderate subject="application" id=a.id verb="decline" label="Decline" with_reason=true />
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                        <h2>{format!("Gatherings waiting for review ({})", q.gatherings.len())}</h2>
                        <ul data-testid="pending-gatherings">
                            {q.gatherings.into_iter().map(|g| view! {
                                <li class="card">
                                    <p><a href=format!("/meetups/{}", g.card.id)>{g.card.title.clone()}</a>{format!(" · {} · {} · by ", g.card.starts, g.card.city)}<a href=format!("/staff/organizers/{}", g.organizer_id)>{g.organizer.clone()}</a></p>
                                    <div class="description" inner_html=g.description_html.clone()></div>
                                    <div class="actions">
                                        <ModerateButton action=moderate subject="gathering" id=g.card.id verb="approve" label="Approve" with_reason=false />
                                        <ModerateButton action=moderate subject="gathering" id=g.card.id verb="reject" label="Reject" with_reason=true />
                                        <ModerateButton action=moderate subject="gathering" id=g.card.id verb="hide" label="Hide" with_reason=true />
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                        <h2>{format!("Reports ({})", q.reports.len())}</h2>
                        {report_list(q.reports, Some(moderate))}
                        <h2>"Recent decisions"</h2>
                        {log_table(q.log)}
                    }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn OrganizerHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let moderate = ServerAction::<Moderate>::new();
    let set_role = ServerAction::<SetRole>::new();
    let data = Resource::new(
        move || (params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default(), moderate.version().get(), set_role.version().get()),
        |(id, _, _)| load_organizer_history(id),
    );
    view! {
        <Title text="Organizer — Tongcheng staff" />
        <StaffNav />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(h) => view! {
                        <h1>{h.name.clone()}</h1>
                        <p>{format!("{} · {} · {}", h.email, if h.is_organizer { "organizer" } else { "not an organizer" }, if h.trusted { "trusted: gatherings publish directly" } else { "gatherings are reviewed" })}</p>
                        <div class="actions">
                            {crate::gatherings::moderatable(h.role).then(|| view! {
                            {if h.trusted {
                                view! { <ModerateButton action=moderate subject="organizer" id=h.user_id verb="distrust" label="Review their gatherings again" with_reason=false /> }.into_any()
                            } else {
                                view! { <ModerateButton action=moderate subject="organizer" id=h.user_id verb="trust" label="Trust: publish directly" with_reason=false /> }.into_any()
                            }}
                            {h.is_organizer.then(|| view! { <ModerateButton action=moderate subject="organizer" id=h.user_id verb="revoke" label="Revoke organizer role" with_reason=true /> })}
                            })}
                        </div>
                        {h.viewer_is_admin.then(|| view! { <RoleForm action=set_role user_id=h.user_id role=h.role.as_str() /> })}
                        <h2>"Gatherings"</h2>
                        <table>
                            <thead><tr><th>"When"</th><th>"Gathering"</th><th>"Status"</th><th>"Confirmed"</th><th>"Came"</th></tr></thead>
                            <tbody>
                                {h.gatherings.into_iter().map(|(c, confirmed, came)| view! {
                                    <tr><td>{c.starts.clone()}</td><td><a href=format!("/meetups/{}", c.id)>{c.title.clone()}</a></td><td>{c.status.as_str()}</td><td>{confirmed}</td><td>{came}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h2>"Reports"</h2>
                        {report_list(h.reports, None)}
                        <h2>"Decisions"</h2>
                        {log_table(h.log)}
                    }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// An admin's form to give an account another role; the change is logged.
#[component]
fn RoleForm(action: ServerAction<SetRole>, user_id: i64, role: &'static str) -> impl IntoView {
    let value = action.value();
    let roles = [("fan", "Fan"), ("organizer", "Organizer"), ("staff", "Staff"), ("admin", "Admin")];
    view! {
        <ActionForm action attr:class="form inline-form" attr:aria-label="Role">
            <input type="hidden" name="user_id" value=user_id.to_string() />
            <label for="role">"Role"</label>
            <select id="role" name="role">
                {roles.into_iter().map(|(v, label)| view! { <option value=v selected=v == role>{label}</option> }).collect_view()}
            </select>
            <input type="text" name="reason" placeholder="Reason (logged)" aria-label="Reason for the role change" />
            <button type="submit" class="secondary">"Change role"</button>
            <p class="field-error" role="alert">{field_error(value, "role")}</p>
        </ActionForm>
    }
}
