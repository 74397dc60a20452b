//! The host-city planner: the next slots, proposed cities, and the decisions taken.
use crate::components::city_picker::CityPicker;
use crate::components::form::{error_text, field_error, form_error, Field, FormError, SubmitButton};
use crate::error::AppError;
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::staff::api::{host_plan, ChooseHostCity};
use crate::staff::ranking::RankedCity;
use crate::staff::{weekday_name, DecisionView, ProposalView};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use super::dashboard::{city_label, loading, province_label, StaffNav};

/// The planner's message for a refused choice, in the reader's language.
fn choice_error(e: &AppError, locale: Locale) -> String {
    e.field_text("city").or_else(|| e.field_text("date")).map(|t| t.get(locale).to_string()).unwrap_or_else(|| e.message(locale))
}

#[component]
pub fn PlannerPage() -> impl IntoView {
    let locale = use_locale();
    let choose = crate::components::flash::server_action::<ChooseHostCity>();
    let plan = Resource::new(move || choose.version().get(), |_| host_plan());
    let value = choose.value();
    view! {
        <Title text=move || td_string!(locale, staff.planner.title) />
        <h1>{td!(locale, staff.planner.heading)}</h1>
        <StaffNav />
        {move || {
            value
                .get()
                .map(|result| match result {
                    Ok(id) => view! {
                        <p class="notice success" role="status" data-testid="draft-created">
                            {td_string!(locale, staff.planner.draft_created, id = id).to_string()}
                            " "
                            <a href=format!("/staff/meetups/{id}")>{td!(locale, staff.planner.fill_in)}</a>
                        </p>
                    }
                        .into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{choice_error(&e, locale)}</p> }.into_any(),
                })
        }}
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match plan.await {
                    Ok(plan) => {
                        let eligible = plan.eligible.clone();
                        view! {
                            <p>
                                {td_string!(locale,
                                    staff.planner.intro,
                                    weekday = weekday_name(locale, plan.schedule.weekday),
                                    time = plan.schedule.local_time.clone(),
                                )
                                    .to_string()}
                                " "
                                <a href="/staff#rules">{td!(locale, staff.planner.change_schedule)}</a>
                            </p>
                            <ol class="proposals" aria-label=move || td_string!(locale, staff.planner.proposals_label)>
                                {plan
                                    .proposals
                                    .into_iter()
                                    .map(|p| view! { <ProposalItem proposal=p eligible=eligible.clone() action=choose /> })
                                    .collect_view()}
                            </ol>
                            <ManualPick action=choose />
                            <Decisions decisions=plan.decisions />
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
fn ProposalItem(proposal: ProposalView, eligible: Vec<RankedCity>, action: ServerAction<ChooseHostCity>) -> impl IntoView {
    let locale = use_locale();
    let (accept_date, swap_date, swap_id) = (proposal.date.clone(), proposal.date.clone(), format!("swap-{}", proposal.date));
    let Some(city) = proposal.city else {
        return view! {
            <li class="card proposal">
                <h2>{proposal.local_start}</h2>
                <p>{td!(locale, staff.planner.no_city)}</p>
            </li>
        }
            .into_any();
    };
    let chosen_id = city.figures.city_id;
    // Only the button pressed shows that it is working.
    let input = action.input();
    let date = proposal.date.clone();
    let busy_with = move |source: &'static str| -> Signal<bool> {
        let date = date.clone();
        Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|c| c.source == source && c.date == date)))
    };
    let alternatives: Vec<RankedCity> = eligible.into_iter().filter(|c| c.figures.city_id != chosen_id).collect();
    let (busy_swap, busy_accept) = (busy_with("swap"), busy_with("proposal"));
    let swap = (!alternatives.is_empty()).then(|| {
        view! {
            <ActionForm action attr:class="swap">
                <input type="hidden" name="date" value=swap_date />
                <input type="hidden" name="source" value="swap" />
                <label class="visually-hidden" for=swap_id.clone()>{td!(locale, staff.planner.swap_label)}</label>
                <select id=swap_id name="city">
                    {alternatives
                        .iter()
                        .map(|c| {
                            let label = td_string!(locale, staff.planner.swap_option, city = city_label(locale, c), density = format!("{:.1}", c.density.unwrap_or(0.0)))
                                .to_string();
                            view! { <option value=c.figures.city_id.to_string()>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <SubmitButton label=td_string!(locale, staff.planner.swap) pending=busy_swap class="secondary" />
            </ActionForm>
        }
    });
    let name = city_label(locale, &city);
    let accept_label = td_string!(locale, staff.planner.accept, city = name.clone()).to_string();
    view! {
        <li class="card proposal" data-testid="proposal">
            <h2>{proposal.local_start}</h2>
            <p class="proposed-city">
                <strong>{name}</strong>
                {format!(" · {}", province_label(locale, &city))}
            </p>
            <p class="why">{city.explanation.clone()}</p>
            <div class="actions">
                <ActionForm action attr:class="inline">
                    <input type="hidden" name="date" value=accept_date />
                    <input type="hidden" name="city" value=chosen_id.to_string() />
                    <input type="hidden" name="source" value="proposal" />
                    <SubmitButton label=accept_label pending=busy_accept busy=td_string!(locale, staff.busy.creating) />
                </ActionForm>
                {swap}
            </div>
        </li>
    }
        .into_any()
}

#[component]
fn ManualPick(action: ServerAction<ChooseHostCity>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let input = action.input();
    let busy = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|c| c.source == "manual")));
    view! {
        <section class="card">
            <h2>{td!(locale, staff.planner.manual.heading)}</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="source" value="manual" />
                <Field label=td_string!(locale, staff.planner.manual.date) name="date" kind="date" error=field_error(value, "date") />
                <CityPicker label=td_string!(locale, staff.planner.manual.city) error=field_error(value, "city") />
                <FormError error=form_error(value) />
                <SubmitButton label=td_string!(locale, staff.planner.manual.submit) pending=busy busy=td_string!(locale, staff.busy.creating) />
            </ActionForm>
        </section>
    }
}

#[component]
fn Decisions(decisions: Vec<DecisionView>) -> impl IntoView {
    let locale = use_locale();
    let source = move |raw: &str| match raw {
        "proposal" => td_string!(locale, staff.planner.source.proposal).to_string(),
        "swap" => td_string!(locale, staff.planner.source.swap).to_string(),
        "manual" => td_string!(locale, staff.planner.source.manual).to_string(),
        other => other.to_string(),
    };
    view! {
        <section>
            <h2>{td!(locale, staff.planner.decisions.heading)}</h2>
            {if decisions.is_empty() {
                view! { <p>{td!(locale, staff.planner.decisions.empty)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table data-testid="decisions">
                            <thead>
                                <tr>
                                    <th scope="col">{td!(locale, staff.planner.decisions.when)}</th>
                                    <th scope="col">{td!(locale, staff.planner.decisions.who)}</th>
                                    <th scope="col">{td!(locale, staff.planner.decisions.city)}</th>
                                    <th scope="col">{td!(locale, staff.planner.decisions.slot)}</th>
                                    <th scope="col">{td!(locale, staff.planner.decisions.how)}</th>
                                    <th scope="col">{td!(locale, staff.planner.decisions.figures)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {decisions
                                    .into_iter()
                                    .map(|d| {
                                        let slot = match d.event_id {
                                            Some(id) => view! { <a href=format!("/staff/meetups/{id}")>{d.slot.clone()}</a> }.into_any(),
                                            None => d.slot.clone().into_any(),
                                        };
                                        view! {
                                            <tr>
                                                <td>{d.decided_at}</td>
                                                <td>{d.decided_by}</td>
                                                <td>{d.city}</td>
                                                <td>{slot}</td>
                                                <td>{source(&d.source)}</td>
                                                <td class="why">{d.figures}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}
