//! A page's share card: Open Graph and Twitter card tags (title, description, canonical
//! URL, language), so a link pasted into a chat shows what it is about. Values are
//! attributes, escaped like every attribute (`tests/it/output_safety.rs`).
use crate::language::use_locale;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};

/// The site's address as browsers see it (`PUBLIC_URL`), for canonical links.
fn public_url() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::infra::state::AppState>() {
        return state.config.public_url.clone();
    }
    String::new()
}

/// A description as a card shows it: one line, at most 200 characters.
pub fn card_text(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The tags of a public page at `path` ("/meetups/12").
#[component]
pub fn ShareTags(#[prop(into)] title: String, #[prop(into)] description: String, path: String) -> impl IntoView {
    let locale = use_locale();
    let url = format!("{}{path}", public_url());
    let description = card_text(&description);
    let og_locale = if locale == crate::i18n::Locale::en { "en_US" } else { "zh_CN" };
    view! {
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content=crate::i18n::td_string!(locale, common.site.title) />
        <Meta property="og:title" content=title.clone() />
        <Meta property="og:description" content=description.clone() />
        <Meta property="og:url" content=url.clone() />
        <Meta property="og:locale" content=og_locale />
        <Meta name="twitter:card" content="summary" />
        <Meta name="twitter:title" content=title />
        <Meta name="twitter:description" content=description />
        <Link rel="canonical" href=url />
    }
}
