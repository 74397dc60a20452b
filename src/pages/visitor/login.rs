//! Log-in.
use crate::components::auth::Auth;
use crate::components::form::{field_error, form_error, Field, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let locale = use_locale();
    let auth = expect_context::<Auth>();
    let value = auth.login.value();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let reset_done = move || query.read().get("reset").is_some();
    view! {
        <Title text=move || td_string!(locale, visitor.login.title) />
        <h1>{td!(locale, visitor.login.title)}</h1>
        <Show when=reset_done>
            <p class="notice" role="status">{td!(locale, visitor.login.reset_done)}</p>
        </Show>
        <ActionForm action=auth.login attr:class="form" attr:novalidate=true>
            <input type="hidden" name="next" value=next />
            <Field label=td_string!(locale, visitor.fields.email) name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
            <Field label=td_string!(locale, visitor.fields.password) name="password" kind="password" autocomplete="current-password" error=field_error(value, "password") />
            <FormError error=form_error(value) />
            <SubmitButton label=td_string!(locale, visitor.login.submit) busy=td_string!(locale, visitor.login.busy) pending=auth.login.pending() />
        </ActionForm>
        <p class="links">
            <a href="/forgot-password">{td!(locale, visitor.login.forgot)}</a>
            <a href="/register">{td!(locale, visitor.login.create)}</a>
        </p>
    }
}
