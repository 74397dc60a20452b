//! The fields of the one event form (official meetup or gathering), each with the
//! server's message beside it. Pages wrap them in their own form and button.
use crate::components::city_picker::CityPicker;
use crate::components::form::Field;
use crate::meetups::{EventFormValues, EventKind};
use leptos::prelude::*;

/// `error(field)` gives the message for a field from the page's action.
#[component]
pub fn EventFields(kind: EventKind, values: EventFormValues, error: impl Fn(&'static str) -> Signal<Option<String>> + 'static) -> impl IntoView {
    let rules = kind.form_rules();
    let length_hint = if rules.default_hours == 3 { "Empty: three hours after the start." } else { "Empty: two hours after the start." };
    let seats_hint = rules.default_capacity.is_none().then_some("Empty: no limit.");
    let description_error = error("description");
    view! {
        {rules.asks_city.then(|| view! { <CityPicker label="Host city" initial=values.city.clone() error=error("city") /> })}
        <Field label="Title" name="title" value=values.title error=error("title") />
        <div class="field">
            <label for="field-description">"Description"</label>
            <textarea id="field-description" name="description" rows="5">{values.description}</textarea>
            <p class="hint">"Blank lines make paragraphs; **bold**, *italic*, lines starting with “- ” make a list; links work."</p>
            <p class="field-error">{move || description_error.get()}</p>
        </div>
        <Field label="Venue" name="venue" value=values.venue error=error("venue") />
        <Field label="Address" name="address" value=values.address error=error("address") />
        <Field label="Starts (host city's local time)" name="starts" kind="datetime-local" value=values.starts error=error("starts") />
        <Field label="Ends" name="ends" kind="datetime-local" value=values.ends error=error("ends") hint=length_hint />
        {match seats_hint {
            Some(hint) => view! { <Field label="Seats" name="capacity" value=values.capacity.clone() error=error("capacity") hint /> }.into_any(),
            None => view! { <Field label="Seats" name="capacity" value=values.capacity.clone() error=error("capacity") /> }.into_any(),
        }}
        {rules.asks_signup_opens.then(|| view! {
            <Field label="Sign-up opens" name="signup_opens" kind="datetime-local" value=values.signup_opens.clone() error=error("signup_opens") hint="Empty: as soon as it is published." />
        })}
        <Field label="Sign-up closes" name="signup_closes" kind="datetime-local" value=values.signup_closes error=error("signup_closes") hint="Empty: at the start." />
    }
}
