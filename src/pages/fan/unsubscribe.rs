//! `/unsubscribe?token=…`: the link at the foot of bulk mail. Opening it changes nothing
//! (mail scanners open links); the button stops invitations and news, logged in or not,
//! with or without JavaScript. Mail apps post to the same URL (`accounts::unsubscribe`).
use crate::accounts::unsubscribe::Unsubscribe;
use crate::components::form::{form_error, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let locale = use_locale();
    let stop = crate::components::flash::server_action::<Unsubscribe>();
    let value = stop.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text=move || td_string!(locale, fan.unsubscribe.title) />
        <Show
            when=move || matches!(value.get(), Some(Ok(())))
            fallback=move || view! {
                <h1>{td!(locale, fan.unsubscribe.heading)}</h1>
                <p>{td!(locale, fan.unsubscribe.intro)}</p>
                <ActionForm action=stop attr:class="form">
                    <input type="hidden" name="token" value=token />
                    <FormError error=form_error(value) />
                    <SubmitButton label=td_string!(locale, fan.unsubscribe.submit) busy=td_string!(locale, common.busy) pending=stop.pending() />
                </ActionForm>
            }
        >
            <h1>{td!(locale, fan.unsubscribe.done_heading)}</h1>
            <p class="success" data-testid="unsubscribed">{td!(locale, fan.unsubscribe.done)}</p>
            <p>{td!(locale, fan.unsubscribe.resubscribe)} " " <a href="/account#email-settings">{td!(locale, fan.unsubscribe.account)}</a></p>
        </Show>
    }
}
