//! Log-in.
use crate::components::auth::Auth;
use crate::components::form::{field_error, form_error, Field, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let value = auth.login.value();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let reset_done = move || query.read().get("reset").is_some();
    view! {
        <Title text="Log in — Tongcheng" />
        <h1>"Log in"</h1>
        <Show when=reset_done>
            <p class="notice" role="status">"Your password is changed. Log in with the new one."</p>
        </Show>
        <ActionForm action=auth.login attr:class="form" attr:novalidate=true>
            <input type="hidden" name="next" value=next />
            <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
            <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(value, "password") />
            <FormError error=form_error(value) />
            <button type="submit">"Log in"</button>
        </ActionForm>
        <p>
            <a href="/forgot-password">"Forgot your password?"</a> " · " <a href="/register">"Create an account"</a>
        </p>
    }
}
