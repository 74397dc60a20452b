//! The account page's sign-in section: change the password, log out other devices.
use crate::components::form::submit_button;
use crate::accounts::devices::{ChangePassword, LogOutOtherDevices};
use crate::accounts::NewPassword;
use crate::components::form::{field_error, form_error, Field, FormError};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn SignInSecurity() -> impl IntoView {
    let locale = use_locale();
    let change = crate::components::flash::server_action::<ChangePassword>();
    let others = crate::components::flash::server_action::<LogOutOtherDevices>();
    let change_value = change.value();
    let others_value = others.value();
    view! {
        <section class="card">
            <h2>{td!(locale, fan.account.security.heading)}</h2>
            <ActionForm action=change attr:class="form" attr:novalidate=true>
                <Field
                    label=td_string!(locale, fan.account.security.current)
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error=field_error(change_value, "current_password")
                />
                <Field
                    label=td_string!(locale, fan.account.security.new)
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    hint=td_string!(locale, fan.account.security.new_hint, min = NewPassword::MIN_CHARS)
                    error=field_error(change_value, "new_password")
                />
                <FormError error=form_error(change_value) />
                {submit_button(change.pending(), None, move || td_string!(locale, fan.account.security.change), move || td_string!(locale, fan.busy.saving))}
                {move || matches!(change_value.get(), Some(Ok(_))).then(|| view! {
                    <p class="success" role="status">{td!(locale, fan.account.security.changed)}</p>
                })}
            </ActionForm>
            <ActionForm action=others attr:class="form">
                <p class="hint">{td!(locale, fan.account.security.others_hint)}</p>
                <FormError error=form_error(others_value) />
                {submit_button(others.pending(), Some("secondary"), move || td_string!(locale, fan.account.security.log_out_others), move || td_string!(locale, common.busy))}
                {move || matches!(others_value.get(), Some(Ok(_))).then(|| view! {
                    <p class="success" role="status">{td!(locale, fan.account.security.logged_out)}</p>
                })}
            </ActionForm>
        </section>
    }
}
