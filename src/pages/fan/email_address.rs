//! Changing the account's email address: the account page's form (new address and
//! password; a link goes to the new address) and the page that link opens, whose button
//! makes the switch (opening the link alone changes nothing: mail scanners open links).
use crate::accounts::email_change::{ConfirmEmailChange, RequestEmailChange};
use crate::components::form::{field_error, form_error, submit_button, Field, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The account page's section: the address in use, a change waiting for its link, the form.
#[component]
pub fn EmailAddress(current: String, pending: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let change = crate::components::flash::server_action::<RequestEmailChange>();
    let value = change.value();
    let sent = move || value.get().and_then(Result::ok);
    let current_now = current.clone();
    view! {
        <section class="card" id="email-address">
            <h2>{td!(locale, fan.account.address.heading)}</h2>
            <p>{td_string!(locale, fan.account.address.now, email = current.clone())}</p>
            <Show when=move || sent().is_none()>
                {pending.clone().map(|email| view! {
                    <p class="hint" data-testid="pending-email">
                        {td_string!(locale, fan.account.address.pending, email = email, current = current_now.clone())}
                    </p>
                })}
            </Show>
            <ActionForm action=change attr:class="form" attr:novalidate=true>
                <Field
                    label=td_string!(locale, fan.account.address.new)
                    name="new_email"
                    kind="email"
                    autocomplete="email"
                    error=field_error(value, "new_email")
                />
                <Field
                    label=td_string!(locale, fan.account.address.password)
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error=field_error(value, "password")
                />
                <FormError error=form_error(value) />
                {submit_button(change.pending(), Some("secondary"), move || td_string!(locale, fan.account.address.submit), move || td_string!(locale, common.busy))}
                {move || sent().map(|email| view! {
                    <p class="success" role="status">{td_string!(locale, fan.account.address.sent, email = email, current = current.clone())}</p>
                })}
            </ActionForm>
            <p class="hint">{td!(locale, fan.account.address.hint)}</p>
        </section>
    }
}

/// `/confirm-email?token=…`: the link sent to the new address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let locale = use_locale();
    let confirm = crate::components::flash::server_action::<ConfirmEmailChange>();
    let value = confirm.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done = move || value.get().and_then(Result::ok);
    view! {
        <Title text=move || td_string!(locale, fan.confirm_email.title) />
        <Show
            when=move || done().is_some()
            fallback=move || view! {
                <h1>{td!(locale, fan.confirm_email.heading)}</h1>
                <p>{td!(locale, fan.confirm_email.intro)}</p>
                <ActionForm action=confirm attr:class="form">
                    <input type="hidden" name="token" value=token />
                    <FormError error=field_error(value, "new_email") />
                    <FormError error=form_error(value) />
                    <SubmitButton label=td_string!(locale, fan.confirm_email.submit) busy=td_string!(locale, common.busy) pending=confirm.pending() />
                </ActionForm>
            }
        >
            <h1>{td!(locale, fan.confirm_email.done_heading)}</h1>
            <p class="success" data-testid="email-changed">{move || done().map(|email| td_string!(locale, fan.confirm_email.done, email = email).to_string())}</p>
            <p><a class="button" href="/account">{td!(locale, fan.confirm_email.account)}</a></p>
        </Show>
    }
}
