//! The site header: brand, the main links for who is logged in, and the language switch.
use crate::components::auth::Auth;
use crate::i18n::{td, td_string, I18nLocaleTrait as _, Locale};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Nav() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let locale = use_locale();
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-zh">"同城会"</span>
                <span class="brand-en" lang="en">" Tongcheng"</span>
            </a>
            <nav class="site-nav" aria-label=move || td_string!(locale, common.nav.label)>
                <Suspense>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => {
                                view! {
                                    // What a fan looks for most stays in the row; the rest is
                                    // one press away in "More" (a <details>: no JavaScript
                                    // needed), so nothing is off screen at 360 px.
                                    <a href="/meetups">{td!(locale, common.nav.meetups)}</a>
                                    <a href="/my-meetups">{td!(locale, common.nav.my_meetups)}</a>
                                    <a href=format!("/clubs/{}", user.home_city.id)>{td!(locale, common.nav.my_club)}</a>
                                    <details class="more">
                                        <summary>{td!(locale, common.nav.more)}</summary>
                                        <div class="more-links">
                                            <a href="/where-next">{td!(locale, common.nav.where_next)}</a>
                                            <a href="/organize">{td!(locale, common.nav.organize)}</a>
                                            {user.role.is_staff().then(|| view! { <a href="/staff">{td!(locale, common.nav.staff)}</a> })}
                                            <a href="/account" class="who" title=move || td_string!(locale, common.nav.account)>{user.display_name}</a>
                                            <ActionForm action=auth.logout attr:class="inline">
                                                <button type="submit" class="link">{td!(locale, common.nav.log_out)}</button>
                                            </ActionForm>
                                        </div>
                                    </details>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/meetups">{td!(locale, common.nav.meetups)}</a>
                                    <a href="/where-next">{td!(locale, common.nav.where_next)}</a>
                                    <a href="/login">{td!(locale, common.nav.log_in)}</a>
                                    <a href="/register" class="button">{td!(locale, common.nav.join)}</a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </nav>
            <LanguageSwitch />
        </header>
    }
}

/// 中文 / EN: plain links to `/lang` (`rel="external"` keeps the router out of it), so
/// switching is a full page load in the new language, with or without JavaScript.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let locale = use_locale();
    let location = use_location();
    let href = move |to: Locale| {
        let (path, search) = (location.pathname.get(), location.search.get());
        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
        format!("/lang?to={}&next={}", to.as_str(), crate::text::url_encode(&here))
    };
    let current = move |l: Locale| (locale == l).then_some("true");
    view! {
        <nav class="lang-switch" aria-label=move || td_string!(locale, common.lang.label)>
            <a href=move || href(Locale::zh_CN) rel="external" hreflang="zh-CN" lang="zh-CN" aria-current=move || current(Locale::zh_CN)>"中文"</a>
            <a href=move || href(Locale::en) rel="external" hreflang="en" lang="en" aria-current=move || current(Locale::en)>"EN"</a>
        </nav>
    }
}
