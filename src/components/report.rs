//! The fields every report form has (a gathering, a question, a club's post): what is
//! wrong, from the fixed categories, and optional details, each with its message slot.
use crate::gatherings::{report_category_label, REPORT_CATEGORIES};
use crate::i18n::td;
use crate::language::use_locale;
use leptos::prelude::*;

/// `id_prefix` keeps the labels' ids apart when a page has several report forms; the
/// errors go beside their fields (`()` where the page shows them elsewhere).
pub fn report_fields(id_prefix: &str, category_error: impl IntoView + 'static, details_error: impl IntoView + 'static) -> impl IntoView {
    let locale = use_locale();
    let (category_id, details_id) = (format!("{id_prefix}-category"), format!("{id_prefix}-details"));
    view! {
        <div class="field">
            <label for=category_id.clone()>{td!(locale, conversation.report.category)}</label>
            <select id=category_id name="category">
                {REPORT_CATEGORIES.iter().map(|v| view! { <option value=*v>{report_category_label(v, locale)}</option> }).collect_view()}
            </select>
            {category_error}
        </div>
        <div class="field">
            <label for=details_id.clone()>{td!(locale, conversation.report.details)}</label>
            <textarea id=details_id name="details" rows="3" maxlength="2000">{crate::components::form::textarea_text("details", String::new())}</textarea>
            {details_error}
        </div>
    }
}
