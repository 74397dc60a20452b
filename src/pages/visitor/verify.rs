//! The page an email-confirmation link opens. Opening it changes nothing (mail scanners
//! open links too); the button posts the token, with or without JavaScript.
use crate::accounts::api::VerifyEmail;
use crate::components::form::{form_error, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let locale = use_locale();
    let verify = crate::components::flash::server_action::<VerifyEmail>();
    let value = verify.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || query.read().get("confirmed").is_some() || matches!(value.get(), Some(Ok(_)));
    let thanks = move || {
        match value.get() {
            Some(Ok(name)) => td_string!(locale, visitor.verify.thanks_name, name = name).to_string(),
            _ => td_string!(locale, visitor.verify.thanks).to_string(),
        }
    };
    view! {
        <Title text=move || td_string!(locale, visitor.verify.title) />
        <Show
            when=confirmed
            fallback=move || {
                view! {
                    <h1>{td!(locale, visitor.verify.heading)}</h1>
                    <p>{td!(locale, visitor.verify.intro)}</p>
                    <ActionForm action=verify attr:class="form">
                        <input type="hidden" name="token" value=token />
                        <FormError error=form_error(value) />
                        <SubmitButton label=td_string!(locale, visitor.verify.submit) busy=td_string!(locale, visitor.verify.busy) pending=verify.pending() />
                    </ActionForm>
                    <p>
                        {td!(locale, visitor.verify.already_before)} <a href="/login">{td!(locale, visitor.verify.already_link)}</a>
                        {td!(locale, visitor.verify.already_after)}
                    </p>
                }
            }
        >
            <h1>{td!(locale, visitor.verify.done_heading)}</h1>
            <p class="success" data-testid="verified">{thanks}</p>
            <p><a class="button" href="/login">{td!(locale, visitor.verify.log_in)}</a></p>
        </Show>
    }
}
