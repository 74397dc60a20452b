//! The staff dashboard and its planning rules; and the pieces every staff page shares
//! (tabs, loading, city labels).
use crate::components::charts::{DensityBars, FanMap};
use crate::components::form::{error_text, field_error, form_error, Field, FormError, SubmitButton};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::language::city_name;
use crate::staff::api::{staff_dashboard, SavePlanningRules};
use crate::staff::ranking::{RankedCity, RankingRules, DEFAULT_CAPACITY};
use crate::staff::{weekday_name, ScheduleView};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub fn StaffNav() -> impl IntoView {
    let locale = use_locale();
    let location = use_location();
    // The tab of the page shown (its sub-pages included) is marked for screen readers.
    let current = move |href: &'static str| {
        move || {
            let path = location.pathname.get();
            let here = path == href || (href != "/staff" && path.starts_with(&format!("{href}/")));
            here.then_some("page")
        }
    };
    view! {
        <nav class="tabs" aria-label=move || td_string!(locale, staff.nav.label)>
            <a href="/staff" aria-current=current("/staff")>{td!(locale, staff.nav.dashboard)}</a>
            <a href="/staff/ranking" aria-current=current("/staff/ranking")>{td!(locale, staff.nav.ranking)}</a>
            <a href="/staff/planner" aria-current=current("/staff/planner")>{td!(locale, staff.nav.planner)}</a>
            <a href="/staff/meetups" aria-current=current("/staff/meetups")>{td!(locale, staff.nav.meetups)}</a>
            <a href="/staff/festival" aria-current=current("/staff/festival")>{td!(locale, festival.staff.nav)}</a>
            <a href="/staff/moderation" aria-current=current("/staff/moderation")>{td!(locale, staff.nav.moderation)}</a>
            <a href="/staff/clubs" aria-current=current("/staff/clubs")>{td!(locale, clubs.staff_nav)}</a>
            <a href="/staff/feedback" aria-current=current("/staff/feedback")>{td!(locale, conversation.by_city.nav)}</a>
            <a href="/mailbox" aria-current=current("/mailbox")>{td!(locale, staff.nav.mailbox)}</a>
            <a href="/staff/delivery" aria-current=current("/staff/delivery")>{td!(locale, staff.nav.delivery)}</a>
        </nav>
    }
}

/// While a page's data loads.
pub fn loading() -> impl IntoView {
    let locale = use_locale();
    view! { <p role="status">{td!(locale, staff.loading)}</p> }
}

pub(super) fn city_label(locale: Locale, city: &RankedCity) -> String {
    city_name(locale, &city.figures.name_zh, &city.figures.name_en).to_string()
}

pub(super) fn province_label(locale: Locale, city: &RankedCity) -> String {
    let f = &city.figures;
    // Decisions recorded before the Chinese name was kept have only the English one.
    let zh = if f.province_zh.is_empty() { &f.province_en } else { &f.province_zh };
    city_name(locale, zh, &f.province_en).to_string()
}

#[component]
pub fn StaffDashboardPage() -> impl IntoView {
    let locale = use_locale();
    let save = crate::components::flash::server_action::<SavePlanningRules>();
    let data = Resource::new(move || save.version().get(), |_| staff_dashboard());
    view! {
        <Title text=move || td_string!(locale, staff.dashboard.title) />
        <h1>{td!(locale, staff.dashboard.heading)}</h1>
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let densest = if d.top_by_density.is_empty() {
                            view! { <p>{td!(locale, staff.dashboard.densest_empty)}</p> }.into_any()
                        } else {
                            view! { <DensityBars cities=d.top_by_density /> }.into_any()
                        };
                        view! {
                            <section>
                                <h2>{td!(locale, staff.dashboard.densest)}</h2>
                                {densest}
                            </section>
                            <section>
                                <h2>{td!(locale, staff.dashboard.across_china)}</h2>
                                <FanMap cities=d.map />
                            </section>
                            <RulesForm rules=d.rules schedule=d.schedule action=save />
                        }
                            .into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RulesForm(rules: RankingRules, schedule: ScheduleView, action: ServerAction<SavePlanningRules>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    view! {
        <section class="card" id="rules">
            <h2>{td!(locale, staff.rules.heading)}</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <Field
                    label=td_string!(locale, staff.rules.min_fans)
                    name="min_fans"
                    value=rules.min_fans.to_string()
                    error=field_error(value, "min_fans")
                    hint=td_string!(locale, staff.rules.min_fans_hint, seats = DEFAULT_CAPACITY).to_string()
                />
                <Field
                    label=td_string!(locale, staff.rules.cooldown)
                    name="cooldown_weeks"
                    value=rules.cooldown_weeks.to_string()
                    error=field_error(value, "cooldown_weeks")
                    hint=td_string!(locale, staff.rules.cooldown_hint)
                />
                <div class="field">
                    <label for="field-weekday">{td!(locale, staff.rules.weekday)}</label>
                    <select id="field-weekday" name="weekday">
                        {(0..7u32)
                            .map(|i| view! { <option value=i.to_string() selected=i == schedule.weekday>{weekday_name(locale, i)}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite">{field_error(value, "weekday")}</p>
                </div>
                <Field
                    label=td_string!(locale, staff.rules.local_time)
                    name="local_time"
                    value=schedule.local_time.clone()
                    error=field_error(value, "local_time")
                    hint=td_string!(locale, staff.rules.local_time_hint)
                />
                <FormError error=form_error(value) />
                <SubmitButton label=td_string!(locale, staff.rules.save) pending=action.pending() busy=td_string!(locale, staff.busy.saving) />
                {move || {
                    matches!(value.get(), Some(Ok(())))
                        .then(|| view! { <p class="success" role="status">{td!(locale, staff.rules.saved)}</p> })
                }}
            </ActionForm>
        </section>
    }
}
