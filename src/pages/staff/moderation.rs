//! Staff moderation pages: the review queue and one organizer's history, where admins
//! also change roles.
use crate::accounts::Role;
use crate::components::form::{error_text, field_error, SubmitButton};
use crate::gatherings::moderation::{load_moderation_queue, load_organizer_history, Moderate, SetRole};
use crate::gatherings::{report_category_label, LogEntry, ReportView};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::pages::staff::dashboard::{loading, StaffNav};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// One decision's button; those that need a reason carry a required reason field.
#[component]
pub fn ModerateButton(action: ServerAction<Moderate>, subject: &'static str, id: i64, verb: &'static str, label: &'static str, with_reason: bool) -> impl IntoView {
    let locale = use_locale();
    // Only the button pressed shows that it is working.
    let input = action.input();
    let pending = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|m| m.subject == subject && m.id == id && m.action == verb)));
    view! {
        <ActionForm action attr:class="moderate">
            <input type="hidden" name="subject" value=subject />
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="action" value=verb />
            {with_reason.then(|| view! {
                <input
                    type="text"
                    name="reason"
                    required
                    maxlength="1000"
                    placeholder=move || td_string!(locale, staff.moderation.reason_placeholder)
                    aria-label=move || td_string!(locale, staff.moderation.reason)
                />
            })}
            <SubmitButton label pending class=if with_reason { "secondary" } else { "" } />
        </ActionForm>
    }
}

fn role_label(locale: Locale, raw: &str) -> String {
    match Role::parse(raw) {
        Some(Role::Fan) => td_string!(locale, staff.roles.fan).to_string(),
        Some(Role::Organizer) => td_string!(locale, staff.roles.organizer).to_string(),
        Some(Role::Staff) => td_string!(locale, staff.roles.staff).to_string(),
        Some(Role::Admin) => td_string!(locale, staff.roles.admin).to_string(),
        None => raw.to_string(),
    }
}

/// "application #3" as the log stores it, in the reader's language.
fn log_subject(locale: Locale, raw: &str) -> String {
    let Some((kind, id)) = raw.split_once(" #") else {
        return raw.to_string();
    };
    let kind = match kind {
        "application" => td_string!(locale, staff.moderation.subject.application),
        "gathering" => td_string!(locale, staff.moderation.subject.gathering),
        "report" => td_string!(locale, staff.moderation.subject.report),
        "organizer" => td_string!(locale, staff.moderation.subject.organizer),
        "officer" => td_string!(locale, staff.moderation.subject.officer),
        "question" => td_string!(locale, conversation.moderation.subject),
        other => other,
    };
    format!("{kind} #{id}")
}

/// A logged action ("approve", "role fan → organizer") in the reader's language.
fn log_action(locale: Locale, raw: &str) -> String {
    if let Some((from, to)) = raw.strip_prefix("role ").and_then(|r| r.split_once(" → ")) {
        return td_string!(locale, staff.moderation.action.role, from = role_label(locale, from), to = role_label(locale, to)).to_string();
    }
    // A club's appointment: "appoint {role} {name}" (the name blanked to "—" once they
    // deleted their account).
    if let Some((role, name)) = raw.strip_prefix("appoint ").map(|rest| rest.split_once(' ').unwrap_or((rest, ""))) {
        let role = crate::clubs::OfficerRole::parse(role).map_or(role, |r| r.label(locale));
        return td_string!(locale, staff.moderation.action.appoint, role = role, name = name).to_string();
    }
    match raw {
        "resign" => td_string!(locale, staff.moderation.action.resign),
        "remove" => td_string!(locale, staff.moderation.action.remove),
        "approve" => td_string!(locale, staff.moderation.action.approve),
        "decline" => td_string!(locale, staff.moderation.action.decline),
        "reject" => td_string!(locale, staff.moderation.action.reject),
        "hide" => td_string!(locale, staff.moderation.action.hide),
        "dismiss" => td_string!(locale, staff.moderation.action.dismiss),
        "revoke" => td_string!(locale, staff.moderation.action.revoke),
        "trust" => td_string!(locale, staff.moderation.action.trust),
        "distrust" => td_string!(locale, staff.moderation.action.distrust),
        "restore" => td_string!(locale, conversation.moderation.restore),
        other => other,
    }
    .to_string()
}

fn report_status(locale: Locale, raw: &str) -> String {
    match raw {
        "open" => td_string!(locale, staff.moderation.report_status.open),
        "resolved" => td_string!(locale, staff.moderation.report_status.resolved),
        other => other,
    }
    .to_string()
}

pub fn log_table(log: Vec<LogEntry>, empty: &'static str) -> AnyView {
    let locale = use_locale();
    if log.is_empty() {
        return view! { <p data-testid="moderation-log">{empty}</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table data-testid="moderation-log">
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, staff.moderation.col.when)}</th>
                        <th scope="col">{td!(locale, staff.moderation.col.who)}</th>
                        <th scope="col">{td!(locale, staff.moderation.col.what)}</th>
                        <th scope="col">{td!(locale, staff.moderation.col.action)}</th>
                        <th scope="col">{td!(locale, staff.moderation.col.reason)}</th>
                    </tr>
                </thead>
                <tbody>
                    {log
                        .into_iter()
                        .map(|l| view! {
                            <tr>
                                <td>{l.when}</td>
                                <td>{l.staff}</td>
                                <td>{log_subject(locale, &l.subject)}</td>
                                <td>{log_action(locale, &l.action)}</td>
                                <td>{l.reason}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

pub fn report_list(reports: Vec<ReportView>, action: Option<ServerAction<Moderate>>, empty: &'static str) -> AnyView {
    let locale = use_locale();
    if reports.is_empty() {
        return view! { <p data-testid="reports">{empty}</p> }.into_any();
    }
    view! {
        <ul class="plain-list" data-testid="reports">
            {reports.into_iter().map(|r| view! {
                <li class="card">
                    <p>
                        <a href=format!("/meetups/{}", r.event_id)>{r.event_title.clone()}</a>
                        {format!(
                            " · {} · {} · {}",
                            report_category_label(&r.category, locale),
                            td_string!(locale, staff.moderation.reported_by, name = r.reporter.clone()),
                            report_status(locale, &r.status),
                        )}
                    </p>
                    {r.question.as_ref().map(|(_, body)| view! {
                        <blockquote class="question" data-testid="reported-question">{td_string!(locale, conversation.moderation.question, body = body.clone()).to_string()}</blockquote>
                    })}
                    <p>{r.details.clone()}</p>
                    {action.map(|a| {
                        let hide = if r.question.is_some() { td_string!(locale, conversation.moderation.hide_question) } else { td_string!(locale, staff.moderation.hide_gathering) };
                        view! {
                            <div class="actions">
                                <ModerateButton action=a subject="report" id=r.id verb="dismiss" label=td_string!(locale, staff.moderation.dismiss) with_reason=false />
                                <ModerateButton action=a subject="report" id=r.id verb="hide" label=hide with_reason=true />
                            </div>
                        }
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn ModerationPage() -> impl IntoView {
    let locale = use_locale();
    let moderate = crate::components::flash::server_action::<Moderate>();
    let queue = Resource::new(move || moderate.version().get(), |_| load_moderation_queue());
    let value = moderate.value();
    view! {
        <Title text=move || td_string!(locale, staff.moderation.title) />
        <h1>{td!(locale, staff.moderation.heading)}</h1>
        <StaffNav />
        <p class="field-error" role="alert">{field_error(value, "reason")}</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(q) => {
                        let all_clear = q.applications.is_empty() && q.gatherings.is_empty() && q.reports.is_empty();
                        let applications = if q.applications.is_empty() {
                            view! { <p data-testid="applications">{td!(locale, staff.moderation.no_applications)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list" data-testid="applications">
                                    {q.applications.iter().map(|a| view! {
                                        <li class="card">
                                            <p><strong>{a.name.clone()}</strong>{format!(" · {} · {}", a.email, a.city)}</p>
                                            <p>{a.reason.clone()}</p>
                                            <div class="actions">
                                                <ModerateButton action=moderate subject="application" id=a.id verb="approve" label=td_string!(locale, staff.moderation.approve) with_reason=false />
                                                <ModerateButton action=moderate subject="application" id=a.id verb="decline" label=td_string!(locale, staff.moderation.decline) with_reason=true />
                                            </div>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }
                                .into_any()
                        };
                        let gatherings = if q.gatherings.is_empty() {
                            view! { <p data-testid="pending-gatherings">{td!(locale, staff.moderation.no_gatherings)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="plain-list" data-testid="pending-gatherings">
                                    {q.gatherings.iter().map(|g| view! {
                                        <li class="card">
                                            <p>
                                                <a href=format!("/meetups/{}", g.card.id)>{g.card.title.clone()}</a>
                                                {format!(" · {} · {} · {}", g.card.starts, g.card.city, td_string!(locale, staff.moderation.by))}
                                                <a href=format!("/staff/organizers/{}", g.organizer_id)>{g.organizer.clone()}</a>
                                            </p>
                                            <div class="description" inner_html=g.description_html.clone()></div>
                                            <div class="actions">
                                                <ModerateButton action=moderate subject="gathering" id=g.card.id verb="approve" label=td_string!(locale, staff.moderation.approve) with_reason=false />
                                                <ModerateButton action=moderate subject="gathering" id=g.card.id verb="reject" label=td_string!(locale, staff.moderation.reject) with_reason=true />
                                                <ModerateButton action=moderate subject="gathering" id=g.card.id verb="hide" label=td_string!(locale, staff.moderation.hide) with_reason=true />
                                            </div>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }
                                .into_any()
                        };
                        view! {
                            {all_clear.then(|| view! { <p class="notice" role="status">{td!(locale, staff.moderation.all_clear)}</p> })}
                            <h2>{td_string!(locale, staff.moderation.applications, count = q.applications.len()).to_string()}</h2>
                            {applications}
                            <h2>{td_string!(locale, staff.moderation.gatherings, count = q.gatherings.len()).to_string()}</h2>
                            {gatherings}
                            <h2>{td_string!(locale, staff.moderation.reports, count = q.reports.len()).to_string()}</h2>
                            {report_list(q.reports, Some(moderate), td_string!(locale, staff.moderation.no_reports))}
                            <crate::pages::staff::news_reports::NewsReportsSection />
                            <h2>{td!(locale, staff.moderation.recent)}</h2>
                            {log_table(q.log, td_string!(locale, staff.moderation.no_log))}
                        }
                            .into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn OrganizerHistoryPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let moderate = crate::components::flash::server_action::<Moderate>();
    let set_role = crate::components::flash::server_action::<SetRole>();
    let data = Resource::new(
        move || (params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default(), moderate.version().get(), set_role.version().get()),
        |(id, _, _)| load_organizer_history(id),
    );
    let value = moderate.value();
    view! {
        <Title text=move || td_string!(locale, staff.organizer.title) />
        <StaffNav />
        <p class="field-error" role="alert">{field_error(value, "reason")}</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(h) => {
                        let standing = format!(
                            "{} · {} · {}",
                            h.email,
                            if h.is_organizer { td_string!(locale, staff.organizer.is_organizer) } else { td_string!(locale, staff.organizer.not_organizer) },
                            if h.trusted { td_string!(locale, staff.organizer.trusted) } else { td_string!(locale, staff.organizer.reviewed) },
                        );
                        let gatherings = if h.gatherings.is_empty() {
                            view! { <p>{td!(locale, staff.organizer.no_gatherings)}</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-scroll">
                                    <table>
                                        <thead>
                                            <tr>
                                                <th scope="col">{td!(locale, staff.organizer.col.when)}</th>
                                                <th scope="col">{td!(locale, staff.organizer.col.gathering)}</th>
                                                <th scope="col">{td!(locale, staff.organizer.col.status)}</th>
                                                <th scope="col">{td!(locale, staff.organizer.col.confirmed)}</th>
                                                <th scope="col">{td!(locale, staff.organizer.col.came)}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {h.gatherings.into_iter().map(|(c, confirmed, came)| view! {
                                                <tr>
                                                    <td>{c.starts.clone()}</td>
                                                    <td><a href=format!("/meetups/{}", c.id)>{c.title.clone()}</a></td>
                                                    <td>{c.status.label(locale)}</td>
                                                    <td class="num">{confirmed}</td>
                                                    <td class="num">{came}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                                .into_any()
                        };
                        view! {
                            <h1>{h.name.clone()}</h1>
                            <p>{standing}</p>
                            <div class="actions">
                                {crate::gatherings::moderatable(h.role).then(|| view! {
                                    {if h.trusted {
                                        view! { <ModerateButton action=moderate subject="organizer" id=h.user_id verb="distrust" label=td_string!(locale, staff.organizer.distrust) with_reason=false /> }.into_any()
                                    } else {
                                        view! { <ModerateButton action=moderate subject="organizer" id=h.user_id verb="trust" label=td_string!(locale, staff.organizer.trust) with_reason=false /> }.into_any()
                                    }}
                                    {h.is_organizer.then(|| view! { <ModerateButton action=moderate subject="organizer" id=h.user_id verb="revoke" label=td_string!(locale, staff.organizer.revoke) with_reason=true /> })}
                                })}
                            </div>
                            {h.viewer_is_admin.then(|| view! { <RoleForm action=set_role user_id=h.user_id role=h.role.as_str() /> })}
                            <h2>{td!(locale, staff.organizer.gatherings)}</h2>
                            {gatherings}
                            <h2>{td!(locale, staff.organizer.reports)}</h2>
                            {report_list(h.reports, None, td_string!(locale, staff.organizer.no_reports))}
                            <h2>{td!(locale, staff.organizer.decisions)}</h2>
                            {log_table(h.log, td_string!(locale, staff.organizer.no_decisions))}
                        }
                            .into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// An admin's form to give an account another role; the change is logged.
#[component]
fn RoleForm(action: ServerAction<SetRole>, user_id: i64, role: &'static str) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let roles = ["fan", "organizer", "staff", "admin"];
    view! {
        <ActionForm action attr:class="form inline-form" attr:aria-label=td_string!(locale, staff.organizer.role.form)>
            <input type="hidden" name="user_id" value=user_id.to_string() />
            <label for="role">{td!(locale, staff.organizer.role.label)}</label>
            <select id="role" name="role">
                {roles.into_iter().map(|v| view! { <option value=v selected=v == role>{role_label(locale, v)}</option> }).collect_view()}
            </select>
            <input
                type="text"
                name="reason"
                maxlength="1000"
                placeholder=move || td_string!(locale, staff.organizer.role.reason_placeholder)
                aria-label=move || td_string!(locale, staff.organizer.role.reason)
            />
            <SubmitButton label=td_string!(locale, staff.organizer.role.submit) pending=action.pending() class="secondary" />
            <p class="field-error" role="alert">{field_error(value, "role")}</p>
            {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">{td!(locale, staff.organizer.role.changed)}</p> })}
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_entries_read_in_both_languages() {
        assert_eq!(log_subject(Locale::zh_CN, "application #3"), "申请 #3");
        assert_eq!(log_subject(Locale::en, "gathering #7"), "gathering #7");
        assert_eq!(log_subject(Locale::zh_CN, "officer #2"), "干事任期 #2");
        assert_eq!(log_action(Locale::zh_CN, "appoint president 郭娟"), "任命郭娟为会长");
        assert_eq!(log_action(Locale::en, "appoint vice_president —"), "appointed — Vice president");
        assert_eq!(log_action(Locale::zh_CN, "resign"), "辞任");
        assert_eq!(log_subject(Locale::en, "something else"), "something else");
        assert_eq!(log_action(Locale::zh_CN, "role fan → organizer"), "角色：粉丝 → 组织者");
        assert_eq!(log_action(Locale::en, "approve"), "approved");
        assert_eq!(log_action(Locale::en, "mystery"), "mystery");
    }
}
