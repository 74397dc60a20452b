//! Forgotten password: ask for a link, then choose a new password.
use crate::accounts::api::{RequestPasswordReset, ResetPassword};
use crate::components::form::{field_error, form_error, Field, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let locale = use_locale();
    let request = crate::components::flash::server_action::<RequestPasswordReset>();
    let value = request.value();
    let query = use_query_map();
    // Without JavaScript the form post comes back to `/forgot-password?sent=1`.
    let sent = move || matches!(value.get(), Some(Ok(()))) || (value.with(Option::is_none) && query.read().get("sent").is_some());
    view! {
        <Title text=move || td_string!(locale, visitor.forgot.title) />
        <h1>{td!(locale, visitor.forgot.heading)}</h1>
        <Show
            when=sent
            fallback=move || {
                view! {
                    <p>{td!(locale, visitor.forgot.intro)}</p>
                    <ActionForm action=request attr:class="form" attr:novalidate=true>
                        <Field label=td_string!(locale, visitor.fields.email) name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                        <FormError error=form_error(value) />
                        <SubmitButton label=td_string!(locale, visitor.forgot.submit) busy=td_string!(locale, visitor.forgot.busy) pending=request.pending() />
                    </ActionForm>
                }
            }
        >
            <p class="notice" role="status" data-testid="reset-requested">{td!(locale, visitor.forgot.sent)}</p>
            <p><a href="/login">{td!(locale, visitor.forgot.back)}</a></p>
        </Show>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let locale = use_locale();
    let reset = crate::components::flash::server_action::<ResetPassword>();
    let value = reset.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text=move || td_string!(locale, visitor.reset.title) />
        <h1>{td!(locale, visitor.reset.heading)}</h1>
        <Show
            when=move || !token().is_empty()
            fallback=move || view! {
                <p class="notice">{td!(locale, visitor.reset.no_token)} " " <a href="/forgot-password">{td!(locale, visitor.reset.ask_again)}</a></p>
            }
        >
            <ActionForm action=reset attr:class="form" attr:novalidate=true>
                <input type="hidden" name="token" value=token />
                <Field
                    label=td_string!(locale, visitor.reset.password)
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    error=field_error(value, "password")
                    hint=td_string!(locale, visitor.fields.password_hint)
                />
                <FormError error=form_error(value) />
                <SubmitButton label=td_string!(locale, visitor.reset.submit) busy=td_string!(locale, visitor.reset.busy) pending=reset.pending() />
            </ActionForm>
        </Show>
    }
}
