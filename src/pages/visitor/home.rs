//! The home page: your city for fans, an introduction for visitors.
use crate::accounts::api::ResendVerification;
use crate::accounts::CurrentUser;
use crate::components::auth::Auth;
use crate::cities::api::cities_with_most_fans;
use crate::cities::CityFans;
use crate::components::form::{field_error, form_error, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let top = OnceResource::new(cities_with_most_fans());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! { <Welcome user /> }.into_any(),
                    _ => view! { <Intro /> }.into_any(),
                }
            })}
            {move || Suspend::new(async move { view! { <TopCities cities=top.await.unwrap_or_default() /> } })}
        </Suspense>
    }
}

#[component]
fn Intro() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Meet the fans of your city"</h1>
            <p>
                "Tongcheng 同城会 brings fans together: official meetups with the team, held where fans are most numerous, and gatherings run by fans themselves."
            </p>
            <p class="actions">
                <a class="button" href="/register">"Join your city"</a>
                <a href="/login">"I already have an account"</a>
            </p>
        </section>
    }
}

#[component]
fn Welcome(user: CurrentUser) -> impl IntoView {
    let city = user.home_city.clone();
    view! {
        <section class="hero">
            <h1>{format!("你好, {}", user.display_name)}</h1>
            <p class="home-city" data-testid="home-city">
                "Your city: " <strong>{format!("{} {}", city.name_zh, city.name_en)}</strong> {format!(" · {}", city.province_en)}
            </p>
            <p>{format!("{} verified fans live here.", city.verified_fans)}</p>
            {(!user.email_verified).then(|| view! { <VerifyReminder email=user.email.clone() /> })}
        </section>
    }
}

#[component]
fn VerifyReminder(email: String) -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    let value = resend.value();
    view! {
        <div class="notice" role="status">
            <p>
                "Please confirm your email address (" {email}
                ") to count as a fan of your city and to sign up for meetups."
            </p>
            <ActionForm action=resend attr:class="inline">
                <button type="submit" class="secondary">"Send the link again"</button>
            </ActionForm>
            {move || matches!(value.get(), Some(Ok(_))).then(|| view! { <p class="success">"Sent. Check your inbox."</p> })}
            <p class="field-error">{field_error(value, "resend")}</p>
            <FormError error=form_error(value) />
        </div>
    }
}

#[component]
fn TopCities(cities: Vec<CityFans>) -> impl IntoView {
    (!cities.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Cities with the most fans"</h2>
                <ol class="city-list">
                    {cities
                        .into_iter()
                        .map(|c| {
                            view! {
                                <li>
                                    <span class="zh">{c.name_zh}</span>
                                    " "
                                    <span class="en">{c.name_en}</span>
                                    <span class="count">{format!("{} fans", c.verified_fans)}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </section>
        }
    })
}
