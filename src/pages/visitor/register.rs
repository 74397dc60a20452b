//! Registration: email, display name, password and home city.
use crate::accounts::api::Register;
use crate::components::city_picker::CityPicker;
use crate::components::form::{field_error, form_error, Field, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let locale = use_locale();
    let register = crate::components::flash::server_action::<Register>();
    let value = register.value();
    let query = use_query_map();
    let registered = move || value.get().and_then(Result::ok);
    // Without JavaScript the form post comes back to `/register?sent=1` (the address
    // is not put in the URL).
    let sent_without_js = move || value.with(Option::is_none) && query.read().get("sent").is_some();
    view! {
        <Title text=move || td_string!(locale, visitor.register.title) />
        <h1>{td!(locale, visitor.register.heading)}</h1>
        <Show
            when=move || registered().is_some() || sent_without_js()
            fallback=move || {
                view! {
                    <ActionForm action=register attr:class="form" attr:novalidate=true>
                        <Field label=td_string!(locale, visitor.fields.email) name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                        <Field
                            label=td_string!(locale, visitor.fields.display_name)
                            name="display_name"
                            autocomplete="nickname"
                            error=field_error(value, "display_name")
                            hint=td_string!(locale, visitor.fields.display_name_hint)
                        />
                        <Field
                            label=td_string!(locale, visitor.fields.password)
                            name="password"
                            kind="password"
                            autocomplete="new-password"
                            error=field_error(value, "password")
                            hint=td_string!(locale, visitor.fields.password_hint)
                        />
                        <CityPicker error=field_error(value, "city") />
                        <FormError error=form_error(value) />
                        <SubmitButton label=td_string!(locale, visitor.register.submit) busy=td_string!(locale, visitor.register.busy) pending=register.pending() />
                    </ActionForm>
                    <p>{td!(locale, visitor.register.have_account)} " " <a href="/login">{td!(locale, visitor.register.log_in)}</a></p>
                }
            }
        >
            <div class="notice" role="status" data-testid="registered">
                {move || match registered() {
                    Some(email) => view! {
                        <p>{td!(locale, visitor.register.sent_before)} <strong>{email}</strong> {td!(locale, visitor.register.sent_after)}</p>
                    }.into_any(),
                    None => view! { <p>{td!(locale, visitor.register.sent_generic)}</p> }.into_any(),
                }}
                <p class="hint">{td!(locale, visitor.register.spam)}</p>
            </div>
        </Show>
    }
}
