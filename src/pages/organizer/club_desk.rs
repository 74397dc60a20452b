//! A club's desk: what waits for its officers (applications to organize in the city,
//! gatherings to review, reports about its gatherings), writing to members, and every
//! decision made for the club. Staff see it too, with reports about the club's news and
//! what was hidden, to put back.
use crate::clubs::desk::load_club_desk;
use crate::clubs::messages::MessageClubMembers;
use crate::clubs::reports::{AnswerNewsReport, RestoreClubNews};
use crate::clubs::{ClubMessageView, HiddenItem};
use crate::components::flash::server_action;
use crate::components::form::{error_text, field_error, form_error, FormError, SubmitButton};
use crate::gatherings::moderation::Moderate;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::pages::staff::moderation::{log_table, report_list, ModerateButton};
use crate::pages::staff::news_reports::news_report_list;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ClubDeskPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default();
    let moderate = server_action::<Moderate>();
    let message = server_action::<MessageClubMembers>();
    let answer = server_action::<AnswerNewsReport>();
    let restore = server_action::<RestoreClubNews>();
    let versions = move || (moderate.version().get(), message.version().get(), answer.version().get(), restore.version().get());
    let desk = Resource::new(move || (id(), versions()), |(id, _)| load_club_desk(id));
    view! {
        <Title text=move || td_string!(locale, clubs.officer_desk) />
        <Suspense fallback=move || view! { <p>{td!(locale, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                let d = match desk.await {
                    Ok(d) => d,
                    Err(e) => return error_text(e),
                };
                let nothing = d.applications.is_empty() && d.gatherings.is_empty() && d.reports.is_empty() && d.news_reports.is_empty();
                view! {
                    <h1>{td_string!(locale, clubs.title, city = d.city.clone())} " · " {td!(locale, clubs.officer_desk)}</h1>
                    <p><a href=format!("/clubs/{}", d.city_id)>{td_string!(locale, clubs.title, city = d.city.clone())}</a></p>
                    <h2>{td!(locale, clubs.waiting)}</h2>
                    {nothing.then(|| view! { <p class="hint" data-testid="desk-empty">{td!(locale, clubs.nothing_waiting)}</p> })}
                    {(!d.applications.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.applications)}</h3>
                        <ul class="queue" data-testid="desk-applications">
                            {d.applications.into_iter().map(|a| view! {
                                <li>
                                    <p><strong>{a.name}</strong></p>
                                    <p class="description">{a.reason}</p>
                                    <ModerateButton action=moderate subject="application" id=a.id verb="approve" label=td_string!(locale, clubs.approve) with_reason=false />
                                    <ModerateButton action=moderate subject="application" id=a.id verb="decline" label=td_string!(locale, clubs.decline) with_reason=true />
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    {(!d.gatherings.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.gatherings_to_review)}</h3>
                        <ul class="queue" data-testid="desk-gatherings">
                            {d.gatherings.into_iter().map(|g| view! {
                                <li>
                                    <p><a href=format!("/meetups/{}", g.card.id)>{g.card.title.clone()}</a> " · " {g.organizer}</p>
                                    <div class="description" inner_html=g.description_html></div>
                                    <ModerateButton action=moderate subject="gathering" id=g.card.id verb="approve" label=td_string!(locale, clubs.publish_gathering) with_reason=false />
                                    <ModerateButton action=moderate subject="gathering" id=g.card.id verb="reject" label=td_string!(locale, clubs.send_back) with_reason=true />
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    {(!d.reports.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.reports)}</h3>
                        {report_list(d.reports, Some(moderate), "")}
                    })}
                    {(!d.news_reports.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.news_reports)}</h3>
                        {news_report_list(d.news_reports, answer)}
                    })}
                    {(!d.hidden.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.hidden)}</h3>
                        {hidden_list(d.hidden, moderate, restore)}
                    })}
                    <MessageForm city_id=d.city_id left=d.messages_left action=message />
                    {message_history(d.messages)}
                    <h2>{td!(locale, clubs.log)}</h2>
                    {log_table(d.log, td_string!(locale, clubs.no_decisions))}
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// Hidden news and hidden or sent-back gatherings, each with staff's "put back".
fn hidden_list(items: Vec<HiddenItem>, moderate: ServerAction<Moderate>, restore: ServerAction<RestoreClubNews>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ul class="plain-list" data-testid="desk-hidden">
            {items.into_iter().map(|h| {
                let news = h.subject == "news";
                let kind = if news { td_string!(locale, clubs.hidden_news) } else { td_string!(locale, clubs.hidden_gathering) };
                view! {
                    <li>
                        <p>{kind} " · " <strong>{h.title.clone()}</strong></p>
                        {if news {
                            view! {
                                <ActionForm action=restore attr:class="moderate">
                                    <input type="hidden" name="id" value=h.id.to_string() />
                                    <input type="text" name="reason" required maxlength="500" placeholder=td_string!(locale, clubs.restore_reason) aria-label=td_string!(locale, clubs.restore_reason) />
                                    <SubmitButton label=td_string!(locale, clubs.restore) pending=restore.pending() class="secondary" />
                                </ActionForm>
                            }.into_any()
                        } else {
                            view! { <ModerateButton action=moderate subject="gathering" id=h.id verb="restore" label=td_string!(locale, clubs.restore) with_reason=true /> }.into_any()
                        }}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn MessageForm(city_id: i64, left: i64, action: ServerAction<MessageClubMembers>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    view! {
        <section class="card">
            <h2>{td!(locale, clubs.message.heading)}</h2>
            {if left == 0 {
                view! { <p class="hint" data-testid="messages-used-up">{td!(locale, clubs.message.none_left)}</p> }.into_any()
            } else {
                view! {
                    <p class="hint">{td_string!(locale, clubs.message.hint, count = left)}</p>
                    <ActionForm action attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="city" value=city_id.to_string() />
                        <div class="field">
                            <label for="message-subject">{td!(locale, clubs.message.subject)}</label>
                            <input id="message-subject" type="text" name="subject" maxlength="120" />
                            <p class="field-error">{field_error(value, "subject")}</p>
                        </div>
                        <div class="field">
                            <label for="message-body">{td!(locale, clubs.message.body)}</label>
                            <textarea id="message-body" name="body" rows="5" maxlength="5000"></textarea>
                            <p class="field-error">{field_error(value, "body")}</p>
                        </div>
                        <FormError error=form_error(value) />
                        <SubmitButton label=td_string!(locale, clubs.message.send) pending=action.pending() busy=td_string!(locale, clubs.message.sending) />
                    </ActionForm>
                }.into_any()
            }}
            {move || value.get().and_then(Result::ok).map(|count| view! {
                <p class="success" role="status" data-testid="message-sent">{td_string!(locale, clubs.message.sent, count = count)}</p>
            })}
        </section>
    }
}

fn message_history(messages: Vec<ClubMessageView>) -> impl IntoView {
    let locale = use_locale();
    (!messages.is_empty()).then(|| view! {
        <h3>{td!(locale, clubs.message.history)}</h3>
        <ul class="plain-list" data-testid="desk-messages">
            {messages.into_iter().map(|m| view! {
                <li>
                    <details>
                        <summary>
                            <strong>{m.subject.clone()}</strong>
                            <span class="hint">" · " {td_string!(locale, clubs.message.line, author = m.author.clone(), when = m.sent.clone(), count = m.recipients)}</span>
                        </summary>
                        <p class="message-body">{m.body.clone()}</p>
                    </details>
                </li>
            }).collect_view()}
        </ul>
    })
}
