//! The page an email-confirmation link opens. Opening it changes nothing (mail scanners
//! open links too); the button posts the token, with or without JavaScript.
use crate::accounts::api::VerifyEmail;
use crate::components::form::{form_error, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let verify = ServerAction::<VerifyEmail>::new();
    let value = verify.value();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || query.read().get("confirmed").is_some() || matches!(value.get(), Some(Ok(_)));
    let thanks = move || match value.get() {
        Some(Ok(name)) => format!("Thank you, {name}. You now count as a fan of your city."),
        _ => "Thank you. You now count as a fan of your city.".to_string(),
    };
    view! {
        <Title text="Confirm email — Tongcheng" />
        <Show
            when=confirmed
            fallback=move || {
                view! {
                    <h1>"Confirm your email"</h1>
                    <p>"Press the button to confirm that this address is yours."</p>
                    <ActionForm action=verify attr:class="form">
                        <input type="hidden" name="token" value=token />
                        <FormError error=form_error(value) />
                        <button type="submit">"Confirm my email"</button>
                    </ActionForm>
                    <p>"If you already confirmed your email, just " <a href="/login">"log in"</a> "."</p>
                }
            }
        >
            <h1>"Email confirmed"</h1>
            <p class="success" data-testid="verified">{thanks}</p>
            <p><a class="button" href="/login">"Log in"</a></p>
        </Show>
    }
}
