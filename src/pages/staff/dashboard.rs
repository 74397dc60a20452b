//! Staff pages: the dashboard, the full ranking, and the host-city planner.
use crate::components::charts::{DensityBars, FanMap};
use crate::components::city_picker::CityPicker;
use crate::components::form::{field_error, form_error, Field, FormError};
use crate::error::AppError;
use crate::staff::api::{city_ranking, host_plan, staff_dashboard, ChooseHostCity, SavePlanningRules};
use crate::staff::ranking::{group_thousands, RankedCity, RankingRules, SortKey};
use crate::staff::{date_label, ProposalView, RankingPage, ScheduleView, WEEKDAYS};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StaffNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Staff">
            <a href="/staff">"Dashboard"</a>
            <a href="/staff/ranking">"Ranking"</a>
            <a href="/staff/planner">"Planner"</a>
            <a href="/staff/meetups">"Meetups"</a>
            <a href="/staff/moderation">"Moderation"</a>
            <a href="/mailbox">"Mailbox"</a>
            <a href="/staff/delivery">"Delivery"</a>
        </nav>
    }
}

fn error_view(error: AppError) -> AnyView {
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
}

fn city_name(city: &RankedCity) -> String {
    format!("{} {}", city.figures.name_zh, city.figures.name_en)
}

#[component]
pub fn StaffDashboardPage() -> impl IntoView {
    let save = ServerAction::<SavePlanningRules>::new();
    let data = Resource::new(move || save.version().get(), |_| staff_dashboard());
    view! {
        <Title text="Staff dashboard — Tongcheng" />
        <h1>"Where are the fans?"</h1>
        <StaffNav />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        view! {
                            <section>
                                <h2>"Densest cities that can host"</h2>
                                <DensityBars cities=d.top_by_density />
                            </section>
                            <section>
                                <h2>"Fans across China"</h2>
                                <FanMap cities=d.map />
                            </section>
                            <RulesForm rules=d.rules schedule=d.schedule action=save />
                        }
                            .into_any()
                    }
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RulesForm(rules: RankingRules, schedule: ScheduleView, action: ServerAction<SavePlanningRules>) -> impl IntoView {
    let value = action.value();
    view! {
        <section class="card">
            <h2>"Planning rules"</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <Field label="Fans a city needs to host" name="min_fans" value=rules.min_fans.to_string() error=field_error(value, "min_fans") hint="Default: twice a meetup's 50 seats." />
                <Field label="Cool-down after hosting (weeks)" name="cooldown_weeks" value=rules.cooldown_weeks.to_string() error=field_error(value, "cooldown_weeks") />
                <div class="field">
                    <label for="field-weekday">"Meetup day"</label>
                    <select id="field-weekday" name="weekday">
                        {WEEKDAYS
                            .iter()
                            .enumerate()
                            .map(|(i, day)| view! { <option value=i.to_string() selected=i as u32 == schedule.weekday>{*day}</option> })
                            .collect_view()}
                    </select>
                </div>
                <Field label="Start time (host city's local time)" name="local_time" value=schedule.local_time.clone() error=field_error(value, "local_time") />
                <FormError error=form_error(value) />
                <button type="submit">"Save rules"</button>
                {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">"Saved."</p> })}
            </ActionForm>
        </section>
    }
}

#[component]
pub fn RankingTablePage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || query.with(|q| (q.get("sort"), q.get("desc"), q.get("province"))),
        |(sort, desc, province)| city_ranking(sort, desc, province),
    );
    view! {
        <Title text="City ranking — Tongcheng staff" />
        <h1>"City ranking"</h1>
        <StaffNav />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <RankingTable page /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RankingTable(page: RankingPage) -> impl IntoView {
    let province = page.province.clone().unwrap_or_default();
    let header = |key: SortKey, label: &'static str| {
        let descending = page.sort == key && !page.descending;
        let mut href = format!("/staff/ranking?sort={}&desc={}", key.as_str(), if descending { 1 } else { 0 });
        if !province.is_empty() {
            href.push_str(&format!("&province={province}"));
        }
        let current = (page.sort == key).then_some(if page.descending { "descending" } else { "ascending" });
        view! { <th aria-sort=current><a href=href>{label}</a></th> }
    };
    view! {
        <p>
            {format!(
                "A city may host when it has at least {} verified fans and has not hosted in the last {} weeks.",
                group_thousands(page.rules.min_fans),
                page.rules.cooldown_weeks,
            )}
        </p>
        <form method="get" action="/staff/ranking" class="inline-form" role="search">
            <input type="hidden" name="sort" value=page.sort.as_str() />
            <input type="hidden" name="desc" value=if page.descending { "1" } else { "0" } />
            <label for="province-filter">"Province"</label>
            <select id="province-filter" name="province">
                <option value="">"All provinces"</option>
                {page
                    .provinces
                    .iter()
                    .map(|p| view! { <option value=p.clone() selected=Some(p) == page.province.as_ref()>{p.clone()}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class="secondary">"Filter"</button>
        </form>
        <div class="table-scroll">
            <table class="ranking" data-testid="ranking">
                <thead>
                    <tr>
                        {header(SortKey::Rank, "#")}
                        {header(SortKey::City, "City")}
                        {header(SortKey::Province, "Province")}
                        {header(SortKey::Fans, "Fans")}
                        {header(SortKey::Population, "Population")}
                        {header(SortKey::Density, "Per 100k")}
                        {header(SortKey::Joined30d, "New (30 days)")}
                        {header(SortKey::UnmetDemand, "Waiting")}
                        {header(SortKey::LastHosted, "Last meetup")}
                        {header(SortKey::NextScheduled, "Next meetup")}
                        <th>"Why"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|c| view! { <RankingRow city=c /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn RankingRow(city: RankedCity) -> impl IntoView {
    let f = &city.figures;
    view! {
        <tr class=format!("standing-{:?}", city.standing).to_lowercase()>
            <td>{city.position.map(|p| p.to_string()).unwrap_or_else(|| "–".into())}</td>
            <td>{city_name(&city)}</td>
            <td>{f.province_en.clone()}</td>
            <td class="num">{group_thousands(f.verified_fans)}</td>
            <td class="num">{group_thousands(f.population)}</td>
            <td class="num">{city.density.map(|d| format!("{d:.1}")).unwrap_or_else(|| "?".into())}</td>
            <td class="num">{group_thousands(f.joined_30d)}</td>
            <td class="num">{group_thousands(f.unmet_demand)}</td>
            <td>{f.last_official_at.map(date_label).unwrap_or_else(|| "never".into())}</td>
            <td>{f.next_official_at.map(date_label).unwrap_or_else(|| "–".into())}</td>
            <td class="why">{city.explanation.clone()}</td>
        </tr>
    }
}

#[component]
pub fn PlannerPage() -> impl IntoView {
    let choose = ServerAction::<ChooseHostCity>::new();
    let plan = Resource::new(move || choose.version().get(), |_| host_plan());
    let value = choose.value();
    view! {
        <Title text="Planner — Tongcheng staff" />
        <h1>"Next host cities"</h1>
        <StaffNav />
        {move || {
            value
                .get()
                .map(|result| match result {
                    Ok(id) => view! {
                        <p class="notice success" role="status" data-testid="draft-created">
                            {format!("Draft meetup #{id} created. ")}
                            <a href=format!("/staff/meetups/{id}")>"Fill in the venue and publish it"</a>
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.field_message("city").or_else(|| e.field_message("date")).unwrap_or_else(|| e.to_string())}</p> }.into_any(),
                })
        }}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match plan.await {
                    Ok(plan) => {
                        let eligible = plan.eligible.clone();
                        view! {
                            <p>
                                {format!(
                                    "Every other {} at {}, in the host city's own time. Accept a proposal, swap in another eligible city, or pick any city by hand.",
                                    WEEKDAYS[plan.schedule.weekday as usize % 7],
                                    plan.schedule.local_time,
                                )}
                            </p>
                            <ol class="proposals">
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
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProposalItem(proposal: ProposalView, eligible: Vec<RankedCity>, action: ServerAction<ChooseHostCity>) -> impl IntoView {
    let (accept_date, swap_date, swap_id) = (proposal.date.clone(), proposal.date.clone(), format!("swap-{}", proposal.date));
    let Some(city) = proposal.city else {
        return view! {
            <li class="card proposal">
                <h2>{proposal.local_start}</h2>
                <p>"No eligible city left for this slot. Pick one by hand below."</p>
            </li>
        }
            .into_any();
    };
    let chosen_id = city.figures.city_id;
    view! {
        <li class="card proposal" data-testid="proposal">
            <h2>{proposal.local_start}</h2>
            <p class="proposed-city">
                <strong>{city_name(&city)}</strong>
                {format!(" · {}", city.figures.province_en)}
            </p>
            <p class="why">{city.explanation.clone()}</p>
            <div class="actions">
                <ActionForm action attr:class="inline">
                    <input type="hidden" name="date" value=accept_date />
                    <input type="hidden" name="city" value=chosen_id.to_string() />
                    <input type="hidden" name="source" value="proposal" />
                    <button type="submit">{format!("Accept {}", city.figures.name_en)}</button>
                </ActionForm>
                <ActionForm action attr:class="swap">
                    <input type="hidden" name="date" value=swap_date />
                    <input type="hidden" name="source" value="swap" />
                    <label class="visually-hidden" for=swap_id.clone()>"Swap in"</label>
                    <select id=swap_id name="city">
                        {eligible
                            .iter()
                            .filter(|c| c.figures.city_id != chosen_id)
                            .map(|c| view! { <option value=c.figures.city_id.to_string()>{format!("{} ({:.1}/100k)", city_name(c), c.density.unwrap_or(0.0))}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" class="secondary">"Swap and accept"</button>
                </ActionForm>
            </div>
        </li>
    }
        .into_any()
}

#[component]
fn ManualPick(action: ServerAction<ChooseHostCity>) -> impl IntoView {
    let value = action.value();
    view! {
        <section class="card">
            <h2>"Pick any city by hand"</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="source" value="manual" />
                <Field label="Date" name="date" kind="date" error=field_error(value, "date") />
                <CityPicker label="City" error=field_error(value, "city") />
                <FormError error=form_error(value) />
                <button type="submit">"Create draft meetup"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Decisions(decisions: Vec<crate::staff::DecisionView>) -> impl IntoView {
    view! {
        <section>
            <h2>"Decisions"</h2>
            {if decisions.is_empty() {
                view! { <p>"No host city chosen yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table data-testid="decisions">
                            <thead>
                                <tr>
                                    <th>"When decided"</th>
                                    <th>"Who"</th>
                                    <th>"City"</th>
                                    <th>"Meetup"</th>
                                    <th>"How"</th>
                                    <th>"Figures then"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {decisions
                                    .into_iter()
                                    .map(|d| {
                                        view! {
                                            <tr>
                                                <td>{d.decided_at}</td>
                                                <td>{d.decided_by}</td>
                                                <td>{d.city}</td>
                                                <td>{d.slot}</td>
                                                <td>{d.source}</td>
                                                <td>{d.figures}</td>
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
