//! A page's share card: Open Graph and Twitter card tags (title, description, image,
//! canonical URL, language), so a link pasted into a chat shows what it is about. Values are
//! attributes, escaped like every attribute (`tests/it/output_safety.rs`).
use crate::i18n::{td, td_string};
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
pub fn ShareTags(#[prop(into)] title: String, #[prop(into)] description: String, path: String, #[prop(default = None)] image: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let url = format!("{}{path}", public_url());
    let image = image.map(|image| format!("{}{image}", public_url()));
    let card = if image.is_some() { "summary_large_image" } else { "summary" };
    let description = card_text(&description);
    let og_locale = if locale == crate::i18n::Locale::en { "en_US" } else { "zh_CN" };
    view! {
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content=crate::i18n::td_string!(locale, common.site.title) />
        <Meta property="og:title" content=title.clone() />
        <Meta property="og:description" content=description.clone() />
        <Meta property="og:url" content=url.clone() />
        <Meta property="og:locale" content=og_locale />
        {image.map(|image| view! {
            <Meta property="og:image" content=image.clone() />
            <Meta name="twitter:image" content=image />
        })}
        <Meta name="twitter:card" content=card />
        <Meta name="twitter:title" content=title />
        <Meta name="twitter:description" content=description />
        <Link rel="canonical" href=url />
    }
}

/// The share button's script (`web/share.js`), loaded only by pages with a share box.
pub const SHARE_SCRIPT: &str = "/share/share.js";

/// The share button: the system's share sheet (poster and link) where the browser has
/// one; otherwise, and without JavaScript, a box with the poster to long-press and
/// save (WeChat Moments takes pictures, not links) and the link, carrying the reader's
/// referral code when they are logged in. `path` is the page's ("/meetups/12"),
/// `poster` its poster's, if it has one.
#[component]
pub fn ShareBox(#[prop(into)] title: String, path: String, poster: Option<String>, #[prop(optional)] invite: bool) -> impl IntoView {
    let locale = use_locale();
    let code = Resource::new(|| (), |_| crate::sharing::api::load_referral_code());
    let base = public_url();
    let label = if invite { td_string!(locale, sharing.invite) } else { td_string!(locale, sharing.share) };
    view! {
        <Suspense>
            {move || {
                let (title, path, poster, base) = (title.clone(), path.clone(), poster.clone(), base.clone());
                Suspend::new(async move {
                    let code = code.await.ok().flatten();
                    let url = crate::sharing::with_ref(&format!("{base}{path}"), code.as_deref());
                    let alt = td_string!(locale, sharing.poster_alt, title = title.clone()).to_string();
                    let poster_attr = poster.clone();
                    view! {
                        <details class="share-box" data-share="" data-title=title.clone() data-poster=poster_attr data-testid="share-box">
                            <summary class="button secondary">{label}</summary>
                            <div class="share-body">
                                {poster.map(|src| view! {
                                    <img class="poster" src=src alt=alt loading="lazy" width="750" height="1334" data-testid="poster" />
                                    <p class="hint">{td!(locale, sharing.share_hint)}</p>
                                })}
                                <label>
                                    {td!(locale, sharing.link_label)}
                                    <input type="text" readonly value=url data-share-link="" data-testid="share-link" />
                                </label>
                                <button type="button" class="secondary" data-copy="" data-copied=td_string!(locale, sharing.copied) hidden>
                                    {td!(locale, sharing.copy)}
                                </button>
                                {code.is_some().then(|| view! { <p class="hint">{td!(locale, sharing.ref_hint)}</p> })}
                            </div>
                        </details>
                        <script type="module" src=SHARE_SCRIPT></script>
                    }
                })
            }}
        </Suspense>
    }
}
