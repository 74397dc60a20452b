//! The fan's own account: display name, home city, email confirmation, deletion.
use crate::accounts::api::SetInvitationPreference;
use crate::accounts::CurrentUser;
use crate::components::auth::Auth;
use crate::components::city_picker::CityPicker;
use crate::components::form::{field_error, form_error, Field, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <Title text="Your account — Tongcheng" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! { <AccountForms user /> }.into_any(),
                    _ => view! { <Redirect path="/login?next=/account" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountForms(user: CurrentUser) -> impl IntoView {
    let auth = expect_context::<Auth>();
    let name_value = auth.update_name.value();
    let city_value = auth.change_city.value();
    let delete_value = auth.delete_account.value();
    let city = user.home_city.clone();
    let city_label = format!("{} {} · {}", city.name_zh, city.name_en, city.province_en);
    view! {
        <h1>"Your account"</h1>
        <p>
            {user.email.clone()} " · "
            {if user.email_verified { "email confirmed" } else { "email not confirmed yet" }}
        </p>

        <section class="card">
            <h2>"Display name"</h2>
            <ActionForm action=auth.update_name attr:class="form" attr:novalidate=true>
                <Field label="Display name" name="display_name" value=user.display_name.clone() error=field_error(name_value, "display_name") />
                <FormError error=form_error(name_value) />
                <button type="submit">"Save name"</button>
                {move || matches!(name_value.get(), Some(Ok(_))).then(|| view! { <p class="success" role="status">"Saved."</p> })}
            </ActionForm>
        </section>

        <section class="card">
            <h2>"Home city"</h2>
            <p data-testid="account-city">"Now: " {city_label.clone()}</p>
            <ActionForm action=auth.change_city attr:class="form" attr:novalidate=true>
                <CityPicker label="New home city" initial=city_label error=field_error(city_value, "city") />
                <FormError error=form_error(city_value) />
                <button type="submit">"Change city"</button>
            </ActionForm>
        </section>

        <EmailPreferences wants=user.wants_invitations />
        <super::devices::SignInSecurity />

        <section class="card danger">
            <h2>"Delete account"</h2>
            <p>"This removes your account and your sign-ups. It cannot be undone."</p>
            <ActionForm action=auth.delete_account attr:class="form" attr:novalidate=true>
                <Field label="Your password" name="password" kind="password" autocomplete="current-password" error=field_error(delete_value, "delete_password") />
                <FormError error=form_error(delete_value) />
                <button type="submit" class="danger">"Delete my account"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EmailPreferences(wants: bool) -> impl IntoView {
    let save = ServerAction::<SetInvitationPreference>::new();
    let value = save.value();
    view! {
        <section class="card">
            <h2>"Email"</h2>
            <ActionForm action=save attr:class="form">
                <label class="checkbox">
                    <input type="checkbox" name="wants_invitations" value="yes" checked=wants />
                    " Email me invitations to official meetups in my city"
                </label>
                <button type="submit" class="secondary">"Save email settings"</button>
                {move || value.get().and_then(Result::ok).map(|on| view! {
                    <p class="success" role="status">{if on { "You will get invitations." } else { "No more invitations." }}</p>
                })}
            </ActionForm>
            <p class="hint">"Tickets, reminders and changes to meetups you signed up for always come by email."</p>
        </section>
    }
}
