use crate::i18n::{t, t_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, common.not_found.title) />
        <h1>{t!(i18n, common.not_found.title)}</h1>
        <p>{t!(i18n, common.not_found.body)} " " <a href="/">{t!(i18n, common.not_found.home)}</a></p>
    }
}
