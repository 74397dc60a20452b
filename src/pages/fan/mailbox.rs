//! The local mailbox, for sites run without an SMTP server: staff see every message the
//! site has queued (one-time links hidden), everyone else their own.
use crate::components::auth::Auth;
use crate::components::form::error_text;
use crate::email::api::{mailbox, mailbox_message};
use crate::email::{split_links, MailSummary};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// An outbox status as the reader sees it.
fn status_label(status: &str, locale: Locale) -> String {
    match status {
        "pending" => td_string!(locale, fan.mailbox.statuses.pending).to_string(),
        "sent" => td_string!(locale, fan.mailbox.statuses.sent).to_string(),
        "failed" => td_string!(locale, fan.mailbox.statuses.failed).to_string(),
        other => other.to_string(),
    }
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let locale = use_locale();
    let auth = expect_context::<Auth>();
    let query = use_query_map();
    let recipient = move || query.read().get("to").filter(|to| !to.trim().is_empty());
    let messages = Resource::new(recipient, mailbox);
    view! {
        <Title text=move || td_string!(locale, fan.mailbox.title) />
        <h1>{td!(locale, fan.mailbox.title)}</h1>
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
            {move || Suspend::new(async move {
                let is_staff = matches!(auth.user.await, Ok(Some(user)) if user.role.is_staff());
                let filtered = recipient().is_some();
                view! {
                    <p class="hint">
                        {if is_staff { td_string!(locale, fan.mailbox.intro_staff) } else { td_string!(locale, fan.mailbox.intro_fan) }}
                    </p>
                    // Staff may look at one recipient; a fan only ever sees their own mail.
                    {is_staff.then(|| view! {
                        <form method="get" class="form inline-form" role="search">
                            <label for="mailbox-to">{td!(locale, fan.mailbox.recipient)}</label>
                            <input id="mailbox-to" type="email" name="to" value=move || recipient().unwrap_or_default() />
                            <button type="submit" class="secondary">{td!(locale, fan.mailbox.filter)}</button>
                        </form>
                    })}
                    // Its own suspense: one awaited resource per `Suspend`.
                    <Suspense>
                        {move || Suspend::new(async move {
                            match messages.await {
                                Ok(list) if list.is_empty() => view! {
                                    <div class="empty-state">
                                        <p>{td!(locale, fan.mailbox.empty)}</p>
                                        <p class="hint">
                                            {if is_staff && filtered { td_string!(locale, fan.mailbox.empty_filtered) } else { td_string!(locale, fan.mailbox.empty_hint) }}
                                        </p>
                                    </div>
                                }
                                .into_any(),
                                Ok(list) => view! { <MessageTable list /> }.into_any(),
                                Err(error) => error_text(error),
                            }
                        })}
                    </Suspense>
                }
            })}
        </Suspense>
    }
}

#[component]
fn MessageTable(list: Vec<MailSummary>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="table-scroll">
            <table class="mail-table">
                <thead>
                    <tr>
                        <th>{td!(locale, fan.mailbox.to)}</th>
                        <th>{td!(locale, fan.mailbox.subject)}</th>
                        <th>{td!(locale, fan.mailbox.status)}</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr>
                                    <td>{m.recipient}</td>
                                    <td><a href=format!("/mailbox/{}", m.id)>{m.subject}</a></td>
                                    <td>{status_label(&m.status, locale)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn MailboxMessagePage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let message = Resource::new(id, mailbox_message);
    view! {
        <Title text=move || td_string!(locale, fan.mailbox.message_title) />
        <p><a href="/mailbox">{td!(locale, fan.mailbox.back)}</a></p>
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
            {move || Suspend::new(async move {
                match message.await {
                    Ok(m) => {
                        let body = split_links(&m.body_text)
                            .into_iter()
                            .map(|(is_link, piece)| {
                                let piece = piece.to_string();
                                if is_link {
                                    view! { <a href=piece.clone()>{piece.clone()}</a> }.into_any()
                                } else {
                                    piece.into_any()
                                }
                            })
                            .collect_view();
                        let to = td_string!(locale, fan.mailbox.to_line, to = m.summary.recipient);
                        view! {
                            <h1>{m.summary.subject}</h1>
                            <p>{to} " · " {status_label(&m.summary.status, locale)}</p>
                            {m.last_error.map(|e| view! { <p class="form-error">{e}</p> })}
                            <pre class="mail-body">{body}</pre>
                            {m.body_text.is_empty().then(|| view! { <p class="notice">{td!(locale, fan.mailbox.body_gone)}</p> })}
                        }
                            .into_any()
                    }
                    Err(error) => error_text(error),
                }
            })}
        </Suspense>
    }
}
