//! Email delivery problems, for staff: messages that could not be delivered, with the
//! mail server's answer and a button to send them again.
use crate::email::api::{failed_mail, RetryMail};
use crate::email::FailedMail;
use crate::pages::staff::dashboard::StaffNav;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DeliveryPage() -> impl IntoView {
    let retry = ServerAction::<RetryMail>::new();
    let failed = Resource::new(move || retry.version().get(), |_| failed_mail());
    view! {
        <Title text="Email delivery — Tongcheng staff" />
        <h1>"Email delivery"</h1>
        <StaffNav />
        <p>"Messages the mail server refused, or that failed too often. Fix the cause, then send them again."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match failed.await {
                    Ok(list) if list.is_empty() => view! { <p>"Every message has been delivered or is on its way."</p> }.into_any(),
                    Ok(list) => view! { <FailedTable list retry /> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FailedTable(list: Vec<FailedMail>, retry: ServerAction<RetryMail>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="mail-table">
                <thead>
                    <tr>
                        <th>"To"</th>
                        <th>"Subject"</th>
                        <th>"Attempts"</th>
                        <th>"Mail server's answer"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr>
                                    <td>{m.recipient}</td>
                                    <td>{m.subject}</td>
                                    <td>{m.attempts}</td>
                                    <td>{m.last_error}</td>
                                    <td>
                                        <ActionForm action=retry>
                                            <input type="hidden" name="id" value=m.id />
                                            <button type="submit" class="secondary">"Send again"</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
