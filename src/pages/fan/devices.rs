//! The account page's sign-in section: change the password, log out other devices.
use crate::accounts::devices::{ChangePassword, LogOutOtherDevices};
use crate::components::form::{field_error, form_error, Field, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn SignInSecurity() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let others = ServerAction::<LogOutOtherDevices>::new();
    let change_value = change.value();
    let others_value = others.value();
    view! {
        <section class="card">
            <h2>"Password and devices"</h2>
            <ActionForm action=change attr:class="form" attr:novalidate=true>
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" error=field_error(change_value, "current_password") />
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" error=field_error(change_value, "new_password") />
                <FormError error=form_error(change_value) />
                <button type="submit">"Change password"</button>
                {move || matches!(change_value.get(), Some(Ok(_))).then(|| view! {
                    <p class="success" role="status">"Password changed. Your other devices are logged out."</p>
                })}
            </ActionForm>
            <ActionForm action=others attr:class="form">
                <p class="hint">"Logged in on a phone or computer you no longer use?"</p>
                <FormError error=form_error(others_value) />
                <button type="submit" class="secondary">"Log out my other devices"</button>
                {move || matches!(others_value.get(), Some(Ok(_))).then(|| view! {
                    <p class="success" role="status">"Your other devices are logged out."</p>
                })}
            </ActionForm>
        </section>
    }
}
