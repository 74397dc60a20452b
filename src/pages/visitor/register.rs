//! Registration: email, display name, password and home city.
use crate::accounts::api::Register;
use crate::components::city_picker::CityPicker;
use crate::components::form::{field_error, form_error, Field, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let value = register.value();
    let registered = move || value.get().and_then(Result::ok);
    view! {
        <Title text="Join — Tongcheng" />
        <h1>"Join your city's fans"</h1>
        <Show
            when=move || registered().is_some()
            fallback=move || {
                view! {
                    <ActionForm action=register attr:class="form" attr:novalidate=true>
                        <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(value, "email") />
                        <Field label="Display name" name="display_name" autocomplete="nickname" error=field_error(value, "display_name") hint="Shown to other fans at meetups." />
                        <Field label="Password" name="password" kind="password" autocomplete="new-password" error=field_error(value, "password") hint="At least 8 characters." />
                        <CityPicker error=field_error(value, "city") />
                        <FormError error=form_error(value) />
                        <button type="submit">"Create account"</button>
                    </ActionForm>
                    <p>"Already a member? " <a href="/login">"Log in"</a></p>
                }
            }
        >
            <div class="notice" role="status" data-testid="registered">
                <p>
                    "Almost there! We sent a confirmation link to " <strong>{registered}</strong>
                    ". Open it to confirm your email, then log in."
                </p>
            </div>
        </Show>
    }
}
