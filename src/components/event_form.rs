//! The fields of the one event form (official meetup or gathering), each with the
//! server's message beside it. Pages wrap them in their own form and button.
use crate::components::city_picker::CityPicker;
use crate::components::form::Field;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::meetups::{EventFormValues, EventKind};
use leptos::prelude::*;

/// `error(field)` gives the message for a field from the page's action.
#[component]
pub fn EventFields(kind: EventKind, values: EventFormValues, error: impl Fn(&'static str) -> Signal<Option<String>> + 'static) -> impl IntoView {
    let locale = use_locale();
    let rules = kind.form_rules();
    let length_hint = if rules.default_hours == 3 {
        td_string!(locale, visitor.components.event_form.ends_hint_three)
    } else {
        td_string!(locale, visitor.components.event_form.ends_hint_two)
    };
    let seats_hint = rules.default_capacity.is_none().then(|| td_string!(locale, visitor.components.event_form.seats_hint));
    let description_error = error("description");
    let seats = td_string!(locale, visitor.components.event_form.seats);
    let values_admission = values.clone();
    let admission_error = [error("admission"), error("application_closes"), error("question")];
    view! {
        {rules.asks_city.then(|| view! { <CityPicker label=td_string!(locale, visitor.components.event_form.host_city) initial=values.city.clone() error=error("city") /> })}
        <Field label=td_string!(locale, visitor.components.event_form.title) name="title" value=values.title error=error("title") />
        <div class="field" class:invalid=move || description_error.get().is_some()>
            <label for="field-description">{td!(locale, visitor.components.event_form.description)}</label>
            <textarea id="field-description" name="description" rows="5" aria-describedby="field-description-hint field-description-error">{crate::components::form::textarea_text("description", values.description.clone())}</textarea>
            <p class="hint" id="field-description-hint">{td!(locale, visitor.components.event_form.description_hint)}</p>
            <p class="field-error" id="field-description-error" aria-live="polite">{move || description_error.get()}</p>
        </div>
        <Field label=td_string!(locale, visitor.components.event_form.venue) name="venue" value=values.venue error=error("venue") />
        <Field label=td_string!(locale, visitor.components.event_form.address) name="address" value=values.address error=error("address") />
        <Field label=td_string!(locale, visitor.components.event_form.starts) name="starts" kind="datetime-local" value=values.starts error=error("starts") />
        <Field label=td_string!(locale, visitor.components.event_form.ends) name="ends" kind="datetime-local" value=values.ends error=error("ends") hint=length_hint />
        {match seats_hint {
            Some(hint) => view! { <Field label=seats name="capacity" kind="number" value=values.capacity.clone() error=error("capacity") hint /> }.into_any(),
            None => view! { <Field label=seats name="capacity" kind="number" value=values.capacity.clone() error=error("capacity") /> }.into_any(),
        }}
        {rules.asks_signup_opens.then(|| view! {
            <Field label=td_string!(locale, visitor.components.event_form.signup_opens) name="signup_opens" kind="datetime-local" value=values.signup_opens.clone() error=error("signup_opens") hint=td_string!(locale, visitor.components.event_form.signup_opens_hint) />
        })}
        <Field label=td_string!(locale, visitor.components.event_form.signup_closes) name="signup_closes" kind="datetime-local" value=values.signup_closes error=error("signup_closes") hint=td_string!(locale, visitor.components.event_form.signup_closes_hint) />
        <AdmissionFields values=values_admission error=admission_error />
    }
}

/// How the event gives its seats: first come, or apply then a draw (with when
/// applications close and an optional question). Staff choose for official meetups, an
/// organizer for their gathering.
#[component]
fn AdmissionFields(values: EventFormValues, error: [Signal<Option<String>>; 3]) -> impl IntoView {
    let locale = use_locale();
    let [mode_error, closes_error, question_error] = error;
    let mode = crate::components::flash::typed_value("admission", values.admission.clone());
    let draw = mode == crate::admission::Admission::Draw.as_str();
    view! {
        <fieldset class="admission-fields">
            <legend>{td!(locale, admission.form.legend)}</legend>
            <div class="field" class:invalid=move || mode_error.get().is_some()>
                <label for="field-admission">{td!(locale, admission.form.mode)}</label>
                <select id="field-admission" name="admission" aria-describedby="field-admission-hint field-admission-error">
                    <option value="first_come" selected=!draw>{td!(locale, admission.form.first_come)}</option>
                    <option value="draw" selected=draw>{td!(locale, admission.form.draw)}</option>
                </select>
                <p class="hint" id="field-admission-hint">{td!(locale, admission.form.mode_hint)}</p>
                <p class="field-error" id="field-admission-error" aria-live="polite">{move || mode_error.get()}</p>
            </div>
            <Field label=td_string!(locale, admission.form.closes) name="application_closes" kind="datetime-local" value=values.application_closes error=closes_error hint=td_string!(locale, admission.form.closes_hint) />
            <Field label=td_string!(locale, admission.form.question) name="question" value=values.question error=question_error hint=td_string!(locale, admission.form.question_hint) />
        </fieldset>
    }
}
