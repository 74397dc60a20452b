//! A club's desk: what waits for its officers (applications to organize in the city,
//! gatherings to review) and every decision made for the club. Staff see it too.
use crate::clubs::api::load_club_desk;
use crate::components::form::error_text;
use crate::gatherings::moderation::Moderate;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::pages::staff::moderation::{log_table, ModerateButton};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ClubDeskPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default();
    let moderate = crate::components::flash::server_action::<Moderate>();
    let desk = Resource::new(move || (id(), moderate.version().get()), |(id, _)| load_club_desk(id));
    view! {
        <Title text=move || td_string!(locale, clubs.officer_desk) />
        <Suspense fallback=move || view! { <p>{td!(locale, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                let d = match desk.await {
                    Ok(d) => d,
                    Err(e) => return error_text(e),
                };
                let nothing = d.applications.is_empty() && d.gatherings.is_empty();
                view! {
                    <h1>{td_string!(locale, clubs.title, city = d.city.clone())} " · " {td!(locale, clubs.officer_desk)}</h1>
                    <p><a href=format!("/clubs/{}", d.city_id)>{td_string!(locale, clubs.title, city = d.city.clone())}</a></p>
                    <h2>{td!(locale, clubs.waiting)}</h2>
                    {nothing.then(|| view! { <p class="hint" data-testid="desk-empty">{td!(locale, clubs.nothing_waiting)}</p> })}
                    {(!d.applications.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.applications)}</h3>
                        <ul class="queue" data-testid="desk-applications">
                            {d.applications.into_iter().map(|a| view! {
                                <li>
                                    <p><strong>{a.name}</strong></p>
                                    <p class="description">{a.reason}</p>
                                    <ModerateButton action=moderate subject="application" id=a.id verb="approve" label=td_string!(locale, clubs.approve) with_reason=false />
                                    <ModerateButton action=moderate subject="application" id=a.id verb="decline" label=td_string!(locale, clubs.decline) with_reason=true />
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    {(!d.gatherings.is_empty()).then(|| view! {
                        <h3>{td!(locale, clubs.gatherings_to_review)}</h3>
                        <ul class="queue" data-testid="desk-gatherings">
                            {d.gatherings.into_iter().map(|g| view! {
                                <li>
                                    <p><a href=format!("/meetups/{}", g.card.id)>{g.card.title.clone()}</a> " · " {g.organizer}</p>
                                    <div class="description" inner_html=g.description_html></div>
                                    <ModerateButton action=moderate subject="gathering" id=g.card.id verb="approve" label=td_string!(locale, clubs.publish_gathering) with_reason=false />
                                    <ModerateButton action=moderate subject="gathering" id=g.card.id verb="reject" label=td_string!(locale, clubs.send_back) with_reason=true />
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                    <h2>{td!(locale, clubs.log)}</h2>
                    {log_table(d.log, td_string!(locale, clubs.nothing_waiting))}
                }
                .into_any()
            })}
        </Suspense>
    }
}
