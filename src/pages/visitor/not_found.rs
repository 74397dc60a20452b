use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let locale = use_locale();
    view! {
        <Title text=move || td_string!(locale, common.not_found.title) />
        <h1>{td!(locale, common.not_found.title)}</h1>
        <p>{td!(locale, common.not_found.body)} " " <a href="/">{td!(locale, common.not_found.home)}</a></p>
    }
}
