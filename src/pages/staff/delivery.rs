//! Email delivery problems, for staff: messages that could not be delivered, with the
//! mail server's answer and a button to send them again.
use crate::components::form::{error_text, form_error, FormError, SubmitButton};
use crate::email::api::{failed_mail, RetryMail};
use crate::email::FailedMail;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::pages::staff::dashboard::{loading, StaffNav};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DeliveryPage() -> impl IntoView {
    let locale = use_locale();
    let retry = crate::components::flash::server_action::<RetryMail>();
    let failed = Resource::new(move || retry.version().get(), |_| failed_mail());
    let value = retry.value();
    view! {
        <Title text=move || td_string!(locale, staff.delivery.title) />
        <h1>{td!(locale, staff.delivery.heading)}</h1>
        <StaffNav />
        <p>{td!(locale, staff.delivery.intro)}</p>
        <FormError error=form_error(value) />
        {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">{td!(locale, staff.delivery.requeued)}</p> })}
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match failed.await {
                    Ok(list) if list.is_empty() => view! { <p class="notice">{td!(locale, staff.delivery.all_good)}</p> }.into_any(),
                    Ok(list) => view! { <FailedTable list retry /> }.into_any(),
                    Err(error) => error_text(error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FailedTable(list: Vec<FailedMail>, retry: ServerAction<RetryMail>) -> impl IntoView {
    let locale = use_locale();
    let input = retry.input();
    view! {
        <div class="table-scroll">
            <table class="mail-table">
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, staff.delivery.col.to)}</th>
                        <th scope="col">{td!(locale, staff.delivery.col.subject)}</th>
                        <th scope="col">{td!(locale, staff.delivery.col.attempts)}</th>
                        <th scope="col">{td!(locale, staff.delivery.col.answer)}</th>
                        <th scope="col"><span class="visually-hidden">{td!(locale, staff.delivery.col.action)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|m| {
                            let id = m.id;
                            // Only the row's own button shows that it is working.
                            let pending = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|r| r.id == id)));
                            view! {
                                <tr>
                                    <td>{m.recipient}</td>
                                    <td>{m.subject}</td>
                                    <td class="num">{m.attempts}</td>
                                    <td>{m.last_error}</td>
                                    <td>
                                        <ActionForm action=retry>
                                            <input type="hidden" name="id" value=m.id />
                                            <SubmitButton
                                                label=td_string!(locale, staff.delivery.send_again)
                                                pending
                                                busy=td_string!(locale, staff.busy.sending)
                                                class="secondary"
                                            />
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
