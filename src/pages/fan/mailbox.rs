//! The local mailbox, for sites run without an SMTP server: staff see every message the
//! site has queued (one-time links hidden), everyone else their own.
use crate::email::api::{mailbox, mailbox_message};
use crate::email::{split_links, MailSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn MailboxPage() -> impl IntoView {
    let query = use_query_map();
    let recipient = move || query.read().get("to");
    let messages = Resource::new(recipient, mailbox);
    view! {
        <Title text="Mailbox — Tongcheng" />
        <h1>"Mailbox"</h1>
        <form method="get" class="form inline-form" role="search">
            <label for="mailbox-to">"Recipient"</label>
            <input id="mailbox-to" type="email" name="to" value=move || recipient().unwrap_or_default() />
            <button type="submit" class="secondary">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(list) if list.is_empty() => view! { <p>"No messages."</p> }.into_any(),
                    Ok(list) => view! { <MessageTable list /> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MessageTable(list: Vec<MailSummary>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="mail-table">
                <thead>
                    <tr>
                        <th>"To"</th>
                        <th>"Subject"</th>
                        <th>"Status"</th>
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
                                    <td>{m.status}</td>
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
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let message = Resource::new(id, mailbox_message);
    view! {
        <Title text="Message — Tongcheng" />
        <p><a href="/mailbox">"← Mailbox"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
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
                        view! {
                            <h1>{m.summary.subject}</h1>
                            <p>"To " {m.summary.recipient} " · " {m.summary.status}</p>
                            {m.last_error.map(|e| view! { <p class="form-error">{e}</p> })}
                            <pre class="mail-body">{body}</pre>
                            {m.body_text.is_empty().then(|| view! { <p class="notice">"The text of this message is no longer kept."</p> })}
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
