//! Form fields that show the server's message for them right beside the input.
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::language::use_locale;
use leptos::prelude::*;

/// The message for `field` from an action's last result.
pub fn field_error<T, S>(value: S, field: &'static str) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let locale = use_locale();
    Signal::derive(move || {
        value.with(|v| v.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.field_text(field)).map(|t| t.get(locale).to_string()))
    })
}

/// The message for the form as a whole (not tied to a field) from an action's last result.
pub fn form_error<T, S>(value: S) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let locale = use_locale();
    Signal::derive(move || {
        value.with(|v| v.as_ref().and_then(|r| r.as_ref().err()).and_then(|e| e.form_message(locale)))
    })
}

/// A text area's text as the server writes it. Leptos writes a `<textarea>`'s children
/// as they are (tachys counts it among the raw-text elements), and the text is what
/// users typed: unescaped, `</textarea>` would end the field and put the rest into the
/// page. Browsers decode the entities, so the field holds the text as typed. After a
/// plain post with a mistake, the text typed comes back (`flash::typed_value`).
/// (`tests/output_safety.rs`)
pub fn textarea_text(name: &str, value: String) -> String {
    let value = crate::components::flash::typed_value(name, value);
    #[cfg(feature = "ssr")]
    let value = crate::text::escape(&value);
    value
}

/// A date or time field's format, in the page's language, for its hint, and an example
/// for its placeholder. These fields are plain text inputs: a native date or time
/// picker shows the browser's locale (mm/dd/yyyy, 07:00 PM), not the page's; the server
/// reads what people type leniently (`infra::dates`) and says so beside the field when
/// it cannot.
fn date_format(kind: &str) -> Option<(&'static str, &'static str)> {
    let locale = use_locale();
    match kind {
        "date" => Some((td_string!(locale, visitor.components.form.date_format), td_string!(locale, visitor.components.form.date_placeholder))),
        "datetime-local" => Some((td_string!(locale, visitor.components.form.datetime_format), td_string!(locale, visitor.components.form.datetime_placeholder))),
        "time" => Some((td_string!(locale, visitor.components.form.time_format), td_string!(locale, visitor.components.form.time_placeholder))),
        _ => None,
    }
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
    // After a plain post with a mistake, the value typed comes back.
    let value = crate::components::flash::typed_value(name, value);
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let date = date_format(kind);
    let (kind, format, placeholder) = match date {
        Some((format, example)) => ("text", Some(format), Some(example)),
        None => (kind, None, None),
    };
    let locale = use_locale();
    let hint = match (hint, format) {
        // Chinese sentences follow each other without a space.
        (Some(hint), Some(format)) if locale == Locale::zh_CN => Some(format!("{hint}{format}")),
        (Some(hint), Some(format)) => Some(format!("{hint} {format}")),
        (hint, format) => hint.or(format.map(str::to_string)),
    };
    let described_by = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                name=name
                autocomplete=autocomplete
                value=value
                placeholder=placeholder
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A form's submit button: disabled, saying `busy` (by default "请稍候…"), while its
/// action runs (the page's small pending script does it for plain posts; see
/// `components::pending`). Without JavaScript it is a plain submit button.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional, into)] busy: Option<String>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let locale = use_locale();
    let busy = busy.unwrap_or_else(|| td_string!(locale, common.busy).to_string());
    let pending_label = busy.clone();
    view! {
        <button type="submit" class=class data-pending-label=pending_label disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { busy.clone() } else { label.clone() }}
        </button>
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
    let locale = use_locale();
    // A page showing an error is nobody's to share (`server::page_cache`).
    #[cfg(feature = "ssr")]
    crate::infra::headers::mark_page_error();
    view! { <p class="form-error" role="alert">{e.message(locale)}</p> }.into_any()
}

/// A section's data, or nothing when it failed to load (the section is left out; the
/// page, missing it, is then nobody's to share).
pub fn loaded<T>(result: Result<T, AppError>) -> Option<T> {
    #[cfg(feature = "ssr")]
    if result.is_err() {
        crate::infra::headers::mark_page_error();
    }
    result.ok()
}

/// `SubmitButton` for forms whose labels are closures over the page's catalogue.
pub fn submit_button(
    pending: Memo<bool>,
    class: Option<&'static str>,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    busy: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl IntoView {
    match class {
        Some(class) => view! { <SubmitButton label=label() pending busy=busy() class /> }.into_any(),
        None => view! { <SubmitButton label=label() pending busy=busy() /> }.into_any(),
    }
}

/// The field a destructive form's confirmation box posts (`confirm_checkbox`); the
/// server function refuses the form without it (`infra::form::confirmed`).
pub const CONFIRM: &str = "confirm";

/// A checkbox the visitor must tick before a destructive form is sent. It posts
/// `confirm=on`; unticked, the server function changes nothing and its message shows
/// beside the box in the page's language (a `required` box showed the browser's own
/// bubble instead, in the browser's language). `value` is the form's action's value,
/// which holds the answer with or without JavaScript.
pub fn confirm_checkbox<T, S>(id: &'static str, label: impl Fn() -> &'static str + Send + Sync + 'static, value: S) -> impl IntoView
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let error = field_error(value, CONFIRM);
    let error_id = format!("{id}-error");
    view! {
        <label class="checkbox confirm" for=id>
            <input
                id=id
                type="checkbox"
                name=CONFIRM
                value="on"
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
            />
            " "
            {label}
        </label>
        <p class="field-error" id=error_id aria-live="polite">
            {move || error.get()}
        </p>
    }
}
