//! The home page: your city for fans, an introduction for visitors.
use crate::accounts::api::ResendVerification;
use crate::accounts::CurrentUser;
use crate::cities::api::cities_with_most_fans;
use crate::cities::CityFans;
use crate::components::auth::Auth;
use crate::components::form::{field_error, form_error, FormError, SubmitButton};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::language::city_name;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let locale = use_locale();
    let top = OnceResource::new(cities_with_most_fans());
    view! {
        // No page name: the site's own title.
        <Title text="" />
        <Suspense fallback=move || view! { <p>{td!(locale, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! { <Welcome user /> }.into_any(),
                    _ => view! { <Intro /> }.into_any(),
                }
            })}
            {move || Suspend::new(async move { view! { <TopCities cities=crate::components::form::loaded(top.await).unwrap_or_default() /> } })}
        </Suspense>
    }
}

#[component]
fn Intro() -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="hero">
            <h1>{td!(locale, visitor.home.intro_heading)}</h1>
            <p class="lead">{td!(locale, visitor.home.intro_body)}</p>
            <p class="actions">
                <a class="button" href="/register">{td!(locale, visitor.home.join)}</a>
                <a class="button secondary" href="/login">{td!(locale, visitor.home.have_account)}</a>
            </p>
            <p><a href="/where-next">{td!(locale, visitor.home.where_next)}</a></p>
        </section>
    }
}

/// The home city as the greeting shows it: its name in Chinese, and in English also
/// the Chinese name (which the city goes by) before the English one.
fn home_city_label(locale: Locale, zh: &str, en: &str, province_en: &str) -> String {
    match locale {
        Locale::zh_CN => zh.to_string(),
        Locale::en => format!("{zh} {en} · {province_en}"),
    }
}

#[component]
fn Welcome(user: CurrentUser) -> impl IntoView {
    let locale = use_locale();
    let city = user.home_city.clone();
    let city_href = format!("/cities/{}", city.id);
    view! {
        <section class="hero">
            <h1>{td_string!(locale, visitor.home.greeting, name = user.display_name.clone()).to_string()}</h1>
            <p class="home-city" data-testid="home-city">
                {td!(locale, visitor.home.your_city)} <strong>{home_city_label(locale, &city.name_zh, &city.name_en, &city.province_en)}</strong>
            </p>
            <p>{td_string!(locale, visitor.home.verified_here, count = city.verified_fans).to_string()}</p>
            {(!user.email_verified).then(|| view! { <VerifyReminder email=user.email.clone() /> })}
            <p class="actions">
                <a class="button" href=city_href>{td!(locale, visitor.home.city_link)}</a>
                <a class="button secondary" href=format!("/where-next?city={}", city.id)>{td!(locale, visitor.home.where_next_link)}</a>
            </p>
        </section>
    }
}

#[component]
fn VerifyReminder(email: String) -> impl IntoView {
    let locale = use_locale();
    let resend = crate::components::flash::server_action::<ResendVerification>();
    let value = resend.value();
    let query = use_query_map();
    // Without JavaScript the form post comes back to `/?resent=1`.
    let sent = move || matches!(value.get(), Some(Ok(_))) || (value.with(Option::is_none) && query.read().get("resent").is_some());
    view! {
        <div class="notice" role="status">
            <p>{td_string!(locale, visitor.home.verify_reminder, email = email).to_string()}</p>
            <ActionForm action=resend attr:class="inline">
                <SubmitButton
                    label=td_string!(locale, visitor.home.resend)
                    busy=td_string!(locale, visitor.home.resend_busy)
                    pending=resend.pending()
                    class="secondary"
                />
            </ActionForm>
            {move || sent().then(|| view! { <p class="success">{td!(locale, visitor.home.resent)}</p> })}
            <p class="field-error">{field_error(value, "resend")}</p>
            <FormError error=form_error(value) />
        </div>
    }
}

#[component]
fn TopCities(cities: Vec<CityFans>) -> impl IntoView {
    let locale = use_locale();
    (!cities.is_empty()).then(|| {
        view! {
            <section>
                <h2>{td!(locale, visitor.home.top_cities)}</h2>
                <ol class="city-list">
                    {cities
                        .into_iter()
                        .map(|c| {
                            view! {
                                <li>
                                    <a href=format!("/cities/{}", c.id)>
                                        <span class="name">{city_name(locale, &c.name_zh, &c.name_en).to_string()}</span>
                                        <span class="count">{td_string!(locale, visitor.home.fans_count, count = c.verified_fans).to_string()}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </section>
        }
    })
}
