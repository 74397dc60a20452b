//! Forgotten password: ask for a link, then choose a new password.
use crate::accounts::api::{RequestPasswordReset, ResetPassword};
use crate::components::form::{field_error, form_error, Field, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let value = request.value();
    view! {
        <Title text="Forgot password — Tongcheng" />
        <h1>"Forgot your password?"</h1>
        <Show
            when=move || matches!(value.get(), Some(Ok(())))
            fallback=move || {
                view! {
                    <p>"Enter your email and we will send you a link to choose a new password."</p>
                    <ActionForm action=request attr:class="form" attr:novalidate=true>
                        <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                        <FormError error=form_error(value) />
                        <button type="submit">"Send me a link"</button>
                    </ActionForm>
                }
            }
        >
            <p class="notice" role="status" data-testid="reset-requested">
                "If an account uses that address, a link to reset its password is on its way. It works for one hour."
            </p>
        </Show>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let value = reset.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="New password — Tongcheng" />
        <h1>"Choose a new password"</h1>
        <ActionForm action=reset attr:class="form" attr:novalidate=true>
            <input type="hidden" name="token" value=token />
            <Field label="New password" name="password" kind="password" autocomplete="new-password" error=field_error(value, "password") hint="At least 8 characters." />
            <FormError error=form_error(value) />
            <button type="submit">"Save password"</button>
        </ActionForm>
    }
}
