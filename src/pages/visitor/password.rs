//! Forgotten password: ask for a link, then choose a new password.
use crate::accounts::api::{RequestPasswordReset, ResetPassword};
use crate::components::form::{field_error, form_error, Field, FormError, SubmitButton};
use crate::i18n::{t, t_string, use_i18n};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let request = crate::components::flash::server_action::<RequestPasswordReset>();
    let value = request.value();
    let query = use_query_map();
    // Without JavaScript the form post comes back to `/forgot-password?sent=1`.
    let sent = move || matches!(value.get(), Some(Ok(()))) || (value.with(Option::is_none) && query.read().get("sent").is_some());
    view! {
        <Title text=move || t_string!(i18n, visitor.forgot.title) />
        <h1>{t!(i18n, visitor.forgot.heading)}</h1>
        <Show
            when=sent
            fallback=move || {
                view! {
                    <p>{t!(i18n, visitor.forgot.intro)}</p>
                    <ActionForm action=request attr:class="form" attr:novalidate=true>
                        <Field label=t_string!(i18n, visitor.fields.email) name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                        <FormError error=form_error(value) />
                        <SubmitButton label=t_string!(i18n, visitor.forgot.submit) busy=t_string!(i18n, visitor.forgot.busy) pending=request.pending() />
                    </ActionForm>
                }
            }
        >
            <p class="notice" role="status" data-testid="reset-requested">{t!(i18n, visitor.forgot.sent)}</p>
            <p><a href="/login">{t!(i18n, visitor.forgot.back)}</a></p>
        </Show>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let reset = crate::components::flash::server_action::<ResetPassword>();
    let value = reset.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text=move || t_string!(i18n, visitor.reset.title) />
        <h1>{t!(i18n, visitor.reset.heading)}</h1>
        <Show
            when=move || !token().is_empty()
            fallback=move || view! {
                <p class="notice">{t!(i18n, visitor.reset.no_token)} " " <a href="/forgot-password">{t!(i18n, visitor.reset.ask_again)}</a></p>
            }
        >
            <ActionForm action=reset attr:class="form" attr:novalidate=true>
                <input type="hidden" name="token" value=token />
                <Field
                    label=t_string!(i18n, visitor.reset.password)
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    error=field_error(value, "password")
                    hint=t_string!(i18n, visitor.fields.password_hint)
                />
                <FormError error=form_error(value) />
                <SubmitButton label=t_string!(i18n, visitor.reset.submit) busy=t_string!(i18n, visitor.reset.busy) pending=reset.pending() />
            </ActionForm>
        </Show>
    }
}
