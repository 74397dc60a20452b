//! "Where next?": a fan's city and what it needs to host an official meetup.
use crate::components::city_picker::CityPicker;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::language::city_name;
use crate::staff::api::where_next;
use crate::staff::ranking::{group_thousands, Standing};
use crate::staff::CityStanding;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn WhereNextPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let standing = Resource::new(move || query.read().get("city"), where_next);
    view! {
        <Title text=move || td_string!(locale, visitor.where_next.title) />
        <crate::components::share::ShareTags title=td_string!(locale, visitor.where_next.title).to_string() description=td_string!(locale, visitor.where_next.title).to_string() path="/where-next".to_string() />
        <h1>{td!(locale, visitor.where_next.heading)}</h1>
        <p>{td!(locale, visitor.where_next.intro)}</p>
        <Suspense fallback=move || view! { <p>{td!(locale, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                match standing.await {
                    Ok(Some(s)) => view! { <Standing s /> }.into_any(),
                    Ok(None) => view! { <p class="hint">{td!(locale, visitor.where_next.pick_city)}</p> }.into_any(),
                    Err(e) => {
                        let message = e.field_text("city").map(|t| t.get(locale).to_string()).unwrap_or_else(|| e.message(locale));
                        view! { <p class="form-error" role="alert">{message}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
        <form method="get" action="/where-next" class="form">
            <CityPicker label=td_string!(locale, visitor.where_next.lookup) error=Signal::derive(|| None::<String>) />
            <button type="submit" class="secondary">{td!(locale, visitor.where_next.show)}</button>
        </form>
    }
}

#[component]
fn Standing(s: CityStanding) -> impl IntoView {
    let locale = use_locale();
    let f = &s.city.figures;
    let name = city_name(locale, &f.name_zh, &f.name_en).to_string();
    let verdict = match (s.city.standing, s.city.position) {
        (Standing::Eligible, Some(p)) => td_string!(locale, visitor.where_next.eligible, city = name.clone(), position = p, total = s.eligible_cities).to_string(),
        (Standing::Scheduled, _) => td_string!(locale, visitor.where_next.scheduled, city = name.clone()).to_string(),
        (Standing::Resting, _) => td_string!(locale, visitor.where_next.resting, city = name.clone()).to_string(),
        _ => td_string!(
            locale,
            visitor.where_next.too_few,
            city = name.clone(),
            needed = group_thousands(s.city.fans_needed),
            min = group_thousands(s.min_fans)
        )
        .to_string(),
    };
    let fans = td_string!(locale, visitor.where_next.fans, count = group_thousands(f.verified_fans)).to_string();
    let density = match s.city.density {
        Some(d) => td_string!(locale, visitor.where_next.density, density = format!("{d:.1}")).to_string(),
        None => td_string!(locale, visitor.where_next.population_unknown).to_string(),
    };
    let city_href = format!("/cities/{}", f.city_id);
    let city_link = td_string!(locale, visitor.where_next.city_page, city = name.clone()).to_string();
    view! {
        <section class="card" data-testid="standing">
            <h2>{name.clone()}</h2>
            <p class="verdict">{verdict}</p>
            <p>{format!("{fans} · {density}")}</p>
            <p>{td!(locale, visitor.where_next.bring_friends)}</p>
            <p><a href=city_href>{city_link}</a></p>
            <CityGoal city=name.clone() verified_fans=f.verified_fans min_fans=s.min_fans />
            <crate::components::share::ShareBox title=name.clone() path=format!("/where-next?city={}", f.city_id) poster=None invite=true />
        </section>
    }
}

/// How many more confirmed fans the city needs to reach the planner's threshold (or
/// that it has): the figure the invite-friends action beside it works on.
#[component]
pub fn CityGoal(city: String, verified_fans: i64, min_fans: i64) -> impl IntoView {
    let locale = use_locale();
    let text = match crate::sharing::fans_to_threshold(verified_fans, min_fans) {
        Some(count) => td_string!(locale, sharing.goal, city = city, count = group_thousands(count)).to_string(),
        None => td_string!(locale, sharing.goal_reached, city = city).to_string(),
    };
    view! { <p class="city-goal" data-testid="city-goal">{text}</p> }
}
