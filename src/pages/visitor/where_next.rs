//! "Where next?": a fan's city and what it needs to host an official meetup.
use crate::components::city_picker::CityPicker;
use crate::staff::api::where_next;
use crate::staff::ranking::{group_thousands, Standing};
use crate::staff::CityStanding;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn WhereNextPage() -> impl IntoView {
    let query = use_query_map();
    let standing = Resource::new(move || query.read().get("city"), where_next);
    view! {
        <Title text="Where next? — Tongcheng" />
        <h1>"Where will the next meetup be?"</h1>
        <p>
            "Every two weeks the team holds an official meetup in the city where registered fans are densest, among cities with enough fans to fill it."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match standing.await {
                    Ok(Some(s)) => view! { <Standing s /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <p class="form-error">{e.field_message("city").unwrap_or_else(|| e.to_string())}</p> }.into_any(),
                }
            })}
        </Suspense>
        <form method="get" action="/where-next" class="form">
            <CityPicker label="Look up a city" error=Signal::derive(|| None::<String>) />
            <button type="submit" class="secondary">"Show"</button>
        </form>
    }
}

#[component]
fn Standing(s: CityStanding) -> impl IntoView {
    let f = &s.city.figures;
    let name = format!("{} {}", f.name_zh, f.name_en);
    let verdict = match (s.city.standing, s.city.position) {
        (Standing::Eligible, Some(p)) => format!("{name} is number {p} of {} cities that can host.", s.eligible_cities),
        (Standing::Scheduled, _) => format!("{name} already has an official meetup coming up!"),
        (Standing::Resting, _) => format!("{name} hosted recently and is resting before its next turn."),
        _ => format!(
            "{name} needs {} more verified fans to be able to host ({} needed).",
            group_thousands(s.city.fans_needed),
            group_thousands(s.min_fans)
        ),
    };
    let share = s.share_url.clone();
    let copied = RwSignal::new(false);
    view! {
        <section class="card" data-testid="standing">
            <h2>{name.clone()}</h2>
            <p class="verdict">{verdict}</p>
            <p>
                {format!(
                    "{} verified fans · {}",
                    group_thousands(f.verified_fans),
                    s.city.density.map(|d| format!("{d:.1} fans per 100,000 residents")).unwrap_or_else(|| "population unknown".into()),
                )}
            </p>
            <p>"Bring your friends: the more fans register in your city, the sooner it hosts."</p>
            <div class="share">
                <label for="share-link">"Share this page"</label>
                <input id="share-link" type="text" readonly value=share.clone() />
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        #[cfg(feature = "hydrate")]
                        {
                            let clipboard = window().navigator().clipboard();
                            let _ = clipboard.write_text(&share);
                        }
                        copied.set(true);
                    }
                >
                    {move || if copied.get() { "Copied!" } else { "Copy link" }}
                </button>
            </div>
        </section>
    }
}
