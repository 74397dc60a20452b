//! Form fields that show the server's message for them right beside the input.
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// The message for `field` from an action's last result.
pub fn field_error<T, S>(value: S, field: &'static str) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let i18n = use_i18n();
    Signal::derive(move || {
        let locale = i18n.get_locale();
        value.with(|v| v.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.field_text(field)).map(|t| t.get(locale).to_string()))
    })
}

/// The message for the form as a whole (not tied to a field) from an action's last result.
pub fn form_error<T, S>(value: S) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let i18n = use_i18n();
    Signal::derive(move || {
        let locale = i18n.get_locale();
        value.with(|v| v.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.form_message(locale)))
    })
}

#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                name=name
                autocomplete=autocomplete
                value=value
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
            />
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <p class="form-error" role="alert">
                {move || error.get()}
            </p>
        </Show>
    }
}

/// An error of a page's data, as the page shows it.
pub fn error_text(e: AppError) -> AnyView {
    let locale = use_i18n().get_locale_untracked();
    view! { <p class="form-error" role="alert">{e.message(locale)}</p> }.into_any()
}
