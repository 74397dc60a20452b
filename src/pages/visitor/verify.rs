//! The page an email-confirmation link opens. Opening it changes nothing (mail scanners
//! open links too); the button posts the token, with or without JavaScript.
use crate::accounts::api::VerifyEmail;
use crate::components::form::{form_error, FormError, SubmitButton};
use crate::i18n::{t, t_string, td_string, use_i18n};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let verify = crate::components::flash::server_action::<VerifyEmail>();
    let value = verify.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || query.read().get("confirmed").is_some() || matches!(value.get(), Some(Ok(_)));
    let thanks = move || {
        let locale = i18n.get_locale();
        match value.get() {
            Some(Ok(name)) => td_string!(locale, visitor.verify.thanks_name, name = name).to_string(),
            _ => td_string!(locale, visitor.verify.thanks).to_string(),
        }
    };
    view! {
        <Title text=move || t_string!(i18n, visitor.verify.title) />
        <Show
            when=confirmed
            fallback=move || {
                view! {
                    <h1>{t!(i18n, visitor.verify.heading)}</h1>
                    <p>{t!(i18n, visitor.verify.intro)}</p>
                    <ActionForm action=verify attr:class="form">
                        <input type="hidden" name="token" value=token />
                        <FormError error=form_error(value) />
                        <SubmitButton label=t_string!(i18n, visitor.verify.submit) busy=t_string!(i18n, visitor.verify.busy) pending=verify.pending() />
                    </ActionForm>
                    <p>
                        {t!(i18n, visitor.verify.already_before)} <a href="/login">{t!(i18n, visitor.verify.already_link)}</a>
                        {t!(i18n, visitor.verify.already_after)}
                    </p>
                }
            }
        >
            <h1>{t!(i18n, visitor.verify.done_heading)}</h1>
            <p class="success" data-testid="verified">{thanks}</p>
            <p><a class="button" href="/login">{t!(i18n, visitor.verify.log_in)}</a></p>
        </Show>
    }
}
