//! The fan's own account: display name, home city, email address and settings, sign-in
//! security, their data (download), deletion.
use crate::components::form::{confirm_checkbox, submit_button};
use crate::accounts::api::SetInvitationPreference;
use crate::accounts::CurrentUser;
use crate::components::auth::Auth;
use crate::components::city_picker::CityPicker;
use crate::components::form::{field_error, form_error, Field, FormError};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn AccountPage() -> impl IntoView {
    let locale = use_locale();
    let auth = expect_context::<Auth>();
    view! {
        <Title text=move || td_string!(locale, fan.account.title) />
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
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
    let locale = use_locale();
    let auth = expect_context::<Auth>();
    let name_value = auth.update_name.value();
    let city_value = auth.change_city.value();
    let delete_value = auth.delete_account.value();
    let city = user.home_city.clone();
    // The picker's own label, so the form resolves it like any other choice.
    let city_label = format!("{} {} · {}", city.name_zh, city.name_en, city.province_en);
    let city_now = match locale {
        crate::i18n::Locale::zh_CN => city.name_zh.clone(),
        crate::i18n::Locale::en => format!("{}, {}", city.name_en, city.province_en),
    };
    view! {
        <h1>{td!(locale, fan.account.title)}</h1>
        <p class="account-email">
            {user.email.clone()} " · "
            {if user.email_verified { td_string!(locale, fan.account.email_confirmed) } else { td_string!(locale, fan.account.email_unconfirmed) }}
        </p>

        <section class="card">
            <h2>{td!(locale, fan.account.name.heading)}</h2>
            <ActionForm action=auth.update_name attr:class="form" attr:novalidate=true>
                <Field label=td_string!(locale, fan.account.name.label) name="display_name" value=user.display_name.clone() error=field_error(name_value, "display_name") />
                <FormError error=form_error(name_value) />
                {submit_button(auth.update_name.pending(), None, move || td_string!(locale, fan.account.name.save), move || td_string!(locale, fan.busy.saving))}
                {move || matches!(name_value.get(), Some(Ok(_))).then(|| view! { <p class="success" role="status">{td!(locale, fan.account.name.saved)}</p> })}
            </ActionForm>
        </section>

        <section class="card">
            <h2>{td!(locale, fan.account.city.heading)}</h2>
            <p data-testid="account-city">{td!(locale, fan.account.city.now)} {city_now}</p>
            <ActionForm action=auth.change_city attr:class="form" attr:novalidate=true>
                <CityPicker label=td_string!(locale, fan.account.city.new) initial=city_label error=field_error(city_value, "city") />
                <FormError error=form_error(city_value) />
                {submit_button(auth.change_city.pending(), None, move || td_string!(locale, fan.account.city.change), move || td_string!(locale, fan.busy.saving))}
            </ActionForm>
        </section>

        <super::email_address::EmailAddress current=user.email.clone() pending=user.pending_email.clone() />
        <FanPageSetting user_id=user.id public=user.public_profile />
        <EmailPreferences wants=user.wants_invitations />
        <super::devices::SignInSecurity />

        <section class="card" id="your-data">
            <h2>{td!(locale, fan.account.data.heading)}</h2>
            <p>{td!(locale, fan.account.data.body)}</p>
            <p><a class="button secondary" href=crate::privacy::EXPORT_PATH download>{td!(locale, fan.account.data.download)}</a></p>
        </section>

        <section class="card danger">
            <h2>{td!(locale, fan.account.delete.heading)}</h2>
            <p>{td!(locale, fan.account.delete.body)}</p>
            <ActionForm action=auth.delete_account attr:class="form" attr:novalidate=true>
                <Field
                    label=td_string!(locale, fan.account.delete.password)
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error=field_error(delete_value, "delete_password")
                />
                {confirm_checkbox("confirm-delete-account", move || td_string!(locale, fan.account.delete.confirm), delete_value)}
                <FormError error=form_error(delete_value) />
                {submit_button(
                    auth.delete_account.pending(),
                    Some("danger"),
                    move || td_string!(locale, fan.account.delete.button),
                    move || td_string!(locale, fan.busy.deleting),
                )}
            </ActionForm>
        </section>
    }
}

#[component]
fn EmailPreferences(wants: bool) -> impl IntoView {
    let locale = use_locale();
    let save = crate::components::flash::server_action::<SetInvitationPreference>();
    let value = save.value();
    view! {
        <section class="card" id="email-settings">
            <h2>{td!(locale, fan.account.email.heading)}</h2>
            <ActionForm action=save attr:class="form">
                <label class="checkbox">
                    <input type="checkbox" name="wants_invitations" value="yes" checked=wants />
                    " "
                    {td!(locale, fan.account.email.invitations)}
                </label>
                {submit_button(save.pending(), Some("secondary"), move || td_string!(locale, fan.account.email.save), move || td_string!(locale, fan.busy.saving))}
                {move || value.get().and_then(Result::ok).map(|on| view! {
                    <p class="success" role="status">
                        {if on { td_string!(locale, fan.account.email.on) } else { td_string!(locale, fan.account.email.off) }}
                    </p>
                })}
            </ActionForm>
            <p class="hint">{td!(locale, fan.account.email.hint)}</p>
        </section>
    }
}

/// Whether the fan's page and their name in the honour lists are public.
#[component]
fn FanPageSetting(user_id: i64, public: bool) -> impl IntoView {
    let locale = use_locale();
    let save = crate::components::flash::server_action::<crate::participation::api::SetPublicProfile>();
    let value = save.value();
    view! {
        <section class="card" id="fan-page">
            <h2>{td!(locale, participation.account.heading)}</h2>
            <p><a href=format!("/fans/{user_id}")>{td!(locale, participation.account.my_page)}</a></p>
            <ActionForm action=save attr:class="form">
                <label class="checkbox">
                    <input type="checkbox" name="public" value="yes" checked=public />
                    " "
                    {td!(locale, participation.account.public_label)}
                </label>
                <p class="hint">{td!(locale, participation.account.public_hint)}</p>
                {submit_button(save.pending(), Some("secondary"), move || td_string!(locale, participation.account.save), move || td_string!(locale, participation.account.saving))}
                {move || value.get().and_then(Result::ok).map(|on| view! {
                    <p class="success" role="status">
                        {if on { td_string!(locale, participation.account.saved_public) } else { td_string!(locale, participation.account.saved_private) }}
                    </p>
                })}
            </ActionForm>
        </section>
    }
}
