//! Staff pages: the dashboard, the full ranking, and the host-city planner; and the
//! pieces every staff page shares (tabs, loading).
use crate::components::charts::{DensityBars, FanMap};
use crate::components::city_picker::CityPicker;
use crate::components::form::{error_text, field_error, form_error, Field, FormError, SubmitButton};
use crate::error::AppError;
use crate::i18n::{t, t_string, use_i18n, Locale};
use crate::language::city_name;
use crate::staff::api::{city_ranking, host_plan, staff_dashboard, ChooseHostCity, SavePlanningRules};
use crate::staff::ranking::{group_thousands, RankedCity, RankingRules, SortKey, DEFAULT_CAPACITY};
use crate::staff::{date_label, weekday_name, DecisionView, ProposalView, RankingPage, ScheduleView, RANKING_PAGE_SIZE};
use crate::text::url_encode;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn StaffNav() -> impl IntoView {
    let i18n = use_i18n();
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
        <nav class="tabs" aria-label=move || t_string!(i18n, staff.nav.label)>
            <a href="/staff" aria-current=current("/staff")>{t!(i18n, staff.nav.dashboard)}</a>
            <a href="/staff/ranking" aria-current=current("/staff/ranking")>{t!(i18n, staff.nav.ranking)}</a>
            <a href="/staff/planner" aria-current=current("/staff/planner")>{t!(i18n, staff.nav.planner)}</a>
            <a href="/staff/meetups" aria-current=current("/staff/meetups")>{t!(i18n, staff.nav.meetups)}</a>
            <a href="/staff/moderation" aria-current=current("/staff/moderation")>{t!(i18n, staff.nav.moderation)}</a>
            <a href="/mailbox" aria-current=current("/mailbox")>{t!(i18n, staff.nav.mailbox)}</a>
            <a href="/staff/delivery" aria-current=current("/staff/delivery")>{t!(i18n, staff.nav.delivery)}</a>
        </nav>
    }
}

/// While a page's data loads.
pub fn loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p role="status">{t!(i18n, staff.loading)}</p> }
}

fn city_label(locale: Locale, city: &RankedCity) -> String {
    city_name(locale, &city.figures.name_zh, &city.figures.name_en).to_string()
}

fn province_label(locale: Locale, city: &RankedCity) -> String {
    let f = &city.figures;
    // Decisions recorded before the Chinese name was kept have only the English one.
    let zh = if f.province_zh.is_empty() { &f.province_en } else { &f.province_zh };
    city_name(locale, zh, &f.province_en).to_string()
}

#[component]
pub fn StaffDashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SavePlanningRules>::new();
    let data = Resource::new(move || save.version().get(), |_| staff_dashboard());
    view! {
        <Title text=move || t_string!(i18n, staff.dashboard.title) />
        <h1>{t!(i18n, staff.dashboard.heading)}</h1>
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let densest = if d.top_by_density.is_empty() {
                            view! { <p>{t!(i18n, staff.dashboard.densest_empty)}</p> }.into_any()
                        } else {
                            view! { <DensityBars cities=d.top_by_density /> }.into_any()
                        };
                        view! {
                            <section>
                                <h2>{t!(i18n, staff.dashboard.densest)}</h2>
                                {densest}
                            </section>
                            <section>
                                <h2>{t!(i18n, staff.dashboard.across_china)}</h2>
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
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let value = action.value();
    view! {
        <section class="card" id="rules">
            <h2>{t!(i18n, staff.rules.heading)}</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <Field
                    label=t_string!(i18n, staff.rules.min_fans)
                    name="min_fans"
                    value=rules.min_fans.to_string()
                    error=field_error(value, "min_fans")
                    hint=t_string!(i18n, staff.rules.min_fans_hint, seats = DEFAULT_CAPACITY).to_string()
                />
                <Field
                    label=t_string!(i18n, staff.rules.cooldown)
                    name="cooldown_weeks"
                    value=rules.cooldown_weeks.to_string()
                    error=field_error(value, "cooldown_weeks")
                    hint=t_string!(i18n, staff.rules.cooldown_hint)
                />
                <div class="field">
                    <label for="field-weekday">{t!(i18n, staff.rules.weekday)}</label>
                    <select id="field-weekday" name="weekday">
                        {(0..7u32)
                            .map(|i| view! { <option value=i.to_string() selected=i == schedule.weekday>{weekday_name(locale, i)}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite">{field_error(value, "weekday")}</p>
                </div>
                <Field
                    label=t_string!(i18n, staff.rules.local_time)
                    name="local_time"
                    value=schedule.local_time.clone()
                    error=field_error(value, "local_time")
                    hint=t_string!(i18n, staff.rules.local_time_hint)
                />
                <FormError error=form_error(value) />
                <SubmitButton label=t_string!(i18n, staff.rules.save) pending=action.pending() busy=t_string!(i18n, staff.busy.saving) />
                {move || {
                    matches!(value.get(), Some(Ok(())))
                        .then(|| view! { <p class="success" role="status">{t!(i18n, staff.rules.saved)}</p> })
                }}
            </ActionForm>
        </section>
    }
}

#[component]
pub fn RankingTablePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = Resource::new(
        move || query.with(|q| (q.get("sort"), q.get("desc"), q.get("province"), q.get("page"))),
        // Without `page` in the address the first page shows; `page=all` shows every city.
        |(sort, desc, province, page)| city_ranking(sort, desc, province, Some(page.unwrap_or_else(|| "1".into()))),
    );
    view! {
        <Title text=move || t_string!(i18n, staff.ranking.title) />
        <h1>{t!(i18n, staff.ranking.heading)}</h1>
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <RankingTable page /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// The ranking's address with these settings; `page` is left out for the first page.
fn ranking_href(sort: SortKey, descending: bool, province: &str, page: Option<&str>) -> String {
    let mut href = format!("/staff/ranking?sort={}&desc={}", sort.as_str(), if descending { 1 } else { 0 });
    if !province.is_empty() {
        href.push_str(&format!("&province={}", url_encode(province)));
    }
    if let Some(page) = page {
        href.push_str(&format!("&page={page}"));
    }
    href
}

#[component]
fn RankingTable(page: RankingPage) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    if page.total == 0 && page.province.is_none() {
        return view! { <p class="notice">{t!(i18n, staff.ranking.empty)}</p> }.into_any();
    }
    let province = page.province.clone().unwrap_or_default();
    let showing_all = page.page.is_none();
    // Sorting starts again at the first page, unless every city is shown.
    let header = |key: SortKey, label: &'static str, minor: bool| {
        let descending = page.sort == key && !page.descending;
        let href = ranking_href(key, descending, &province, showing_all.then_some("all"));
        let current = (page.sort == key).then_some(if page.descending { "descending" } else { "ascending" });
        view! { <th scope="col" class=minor.then_some("col-minor") aria-sort=current><a href=href>{label}</a></th> }
    };
    let (from, to) = (page.offset + 1, page.offset + page.rows.len());
    let summary = if showing_all {
        t_string!(i18n, staff.ranking.caption_all, total = page.total).to_string()
    } else {
        t_string!(i18n, staff.ranking.caption, from = from, to = to, total = page.total).to_string()
    };
    let pager = {
        let link = |p: String| ranking_href(page.sort, page.descending, &province, Some(&p));
        let current = page.page.unwrap_or(1);
        let previous = (!showing_all && current > 1).then(|| {
            let href = if current == 2 { ranking_href(page.sort, page.descending, &province, None) } else { link((current - 1).to_string()) };
            view! { <a href=href rel="prev">{t!(i18n, staff.ranking.previous)}</a> }
        });
        let next = (!showing_all && current < page.pages).then(|| view! { <a href=link((current + 1).to_string()) rel="next">{t!(i18n, staff.ranking.next)}</a> });
        let position = (!showing_all && page.pages > 1)
            .then(|| view! { <span>{t_string!(i18n, staff.ranking.page_of, page = current, pages = page.pages).to_string()}</span> });
        let switch = if showing_all {
            (page.total > RANKING_PAGE_SIZE).then(|| {
                view! { <a href=ranking_href(page.sort, page.descending, &province, None)>{t_string!(i18n, staff.ranking.show_pages, size = RANKING_PAGE_SIZE).to_string()}</a> }
                    .into_any()
            })
        } else {
            (page.pages > 1).then(|| view! { <a href=link("all".into())>{t_string!(i18n, staff.ranking.show_all, total = page.total).to_string()}</a> }.into_any())
        };
        view! {
            <nav class="pager actions" aria-label=move || t_string!(i18n, staff.ranking.pages_label)>
                {previous}
                {position}
                {next}
                {switch}
            </nav>
        }
    };
    view! {
        <p>
            {t_string!(i18n, staff.ranking.rule, min = group_thousands(page.rules.min_fans), weeks = page.rules.cooldown_weeks).to_string()}
            " "
            <a href="/staff#rules">{t!(i18n, staff.ranking.change_rules)}</a>
        </p>
        <form method="get" action="/staff/ranking" class="inline-form" role="search">
            <input type="hidden" name="sort" value=page.sort.as_str() />
            <input type="hidden" name="desc" value=if page.descending { "1" } else { "0" } />
            {showing_all.then(|| view! { <input type="hidden" name="page" value="all" /> })}
            <label for="province-filter">{t!(i18n, staff.ranking.province)}</label>
            <select id="province-filter" name="province">
                <option value="">{t!(i18n, staff.ranking.all_provinces)}</option>
                {page
                    .provinces
                    .iter()
                    .map(|p| {
                        let zh = if p.zh.is_empty() { &p.en } else { &p.zh };
                        view! { <option value=p.en.clone() selected=Some(&p.en) == page.province.as_ref()>{city_name(locale, zh, &p.en).to_string()}</option> }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="secondary">{t!(i18n, staff.ranking.filter)}</button>
        </form>
        <p class="hint" id="ranking-summary">{summary.clone()} " " {t!(i18n, staff.ranking.scroll_hint)}</p>
        <div class="table-scroll" role="region" aria-labelledby="ranking-caption" tabindex="0">
            <table class="ranking" data-testid="ranking">
                <caption id="ranking-caption" class="visually-hidden">{summary}</caption>
                <thead>
                    <tr>
                        {header(SortKey::Rank, t_string!(i18n, staff.ranking.col.rank), false)}
                        {header(SortKey::City, t_string!(i18n, staff.ranking.col.city), false)}
                        {header(SortKey::Province, t_string!(i18n, staff.ranking.col.province), true)}
                        {header(SortKey::Fans, t_string!(i18n, staff.ranking.col.fans), false)}
                        {header(SortKey::Population, t_string!(i18n, staff.ranking.col.population), true)}
                        {header(SortKey::Density, t_string!(i18n, staff.ranking.col.density), false)}
                        {header(SortKey::Joined30d, t_string!(i18n, staff.ranking.col.joined), true)}
                        {header(SortKey::UnmetDemand, t_string!(i18n, staff.ranking.col.waiting), true)}
                        {header(SortKey::LastHosted, t_string!(i18n, staff.ranking.col.last), false)}
                        {header(SortKey::NextScheduled, t_string!(i18n, staff.ranking.col.next), true)}
                        <th scope="col">{t!(i18n, staff.ranking.col.why)}</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|c| view! { <RankingRow city=c locale /> }).collect_view()}
                </tbody>
            </table>
        </div>
        {pager}
    }
    .into_any()
}

#[component]
fn RankingRow(city: RankedCity, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let f = &city.figures;
    let never = t_string!(i18n, staff.ranking.never);
    view! {
        <tr class=format!("standing-{:?}", city.standing).to_lowercase()>
            <td>{city.position.map(|p| p.to_string()).unwrap_or_else(|| "–".into())}</td>
            <td>{city_label(locale, &city)}</td>
            <td class="col-minor">{province_label(locale, &city)}</td>
            <td class="num">{group_thousands(f.verified_fans)}</td>
            <td class="num col-minor">{group_thousands(f.population)}</td>
            <td class="num">{city.density.map(|d| format!("{d:.1}")).unwrap_or_else(|| "?".into())}</td>
            <td class="num col-minor">{group_thousands(f.joined_30d)}</td>
            <td class="num col-minor">{group_thousands(f.unmet_demand)}</td>
            <td>{f.last_official_at.map(date_label).unwrap_or_else(|| never.into())}</td>
            <td class="col-minor">{f.next_official_at.map(date_label).unwrap_or_else(|| "–".into())}</td>
            <td class="why">{city.explanation.clone()}</td>
        </tr>
    }
}

/// The planner's message for a refused choice, in the reader's language.
fn choice_error(e: &AppError, locale: Locale) -> String {
    e.field_text("city").or_else(|| e.field_text("date")).map(|t| t.get(locale).to_string()).unwrap_or_else(|| e.message(locale))
}

#[component]
pub fn PlannerPage() -> impl IntoView {
    let i18n = use_i18n();
    let choose = ServerAction::<ChooseHostCity>::new();
    let plan = Resource::new(move || choose.version().get(), |_| host_plan());
    let value = choose.value();
    view! {
        <Title text=move || t_string!(i18n, staff.planner.title) />
        <h1>{t!(i18n, staff.planner.heading)}</h1>
        <StaffNav />
        {move || {
            value
                .get()
                .map(|result| match result {
                    Ok(id) => view! {
                        <p class="notice success" role="status" data-testid="draft-created">
                            {t_string!(i18n, staff.planner.draft_created, id = id).to_string()}
                            " "
                            <a href=format!("/staff/meetups/{id}")>{t!(i18n, staff.planner.fill_in)}</a>
                        </p>
                    }
                        .into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{choice_error(&e, i18n.get_locale())}</p> }.into_any(),
                })
        }}
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match plan.await {
                    Ok(plan) => {
                        let locale = i18n.get_locale_untracked();
                        let eligible = plan.eligible.clone();
                        view! {
                            <p>
                                {t_string!(
                                    i18n,
                                    staff.planner.intro,
                                    weekday = weekday_name(locale, plan.schedule.weekday),
                                    time = plan.schedule.local_time.clone(),
                                )
                                    .to_string()}
                                " "
                                <a href="/staff#rules">{t!(i18n, staff.planner.change_schedule)}</a>
                            </p>
                            <ol class="proposals" aria-label=move || t_string!(i18n, staff.planner.proposals_label)>
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
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let (accept_date, swap_date, swap_id) = (proposal.date.clone(), proposal.date.clone(), format!("swap-{}", proposal.date));
    let Some(city) = proposal.city else {
        return view! {
            <li class="card proposal">
                <h2>{proposal.local_start}</h2>
                <p>{t!(i18n, staff.planner.no_city)}</p>
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
                <label class="visually-hidden" for=swap_id.clone()>{t!(i18n, staff.planner.swap_label)}</label>
                <select id=swap_id name="city">
                    {alternatives
                        .iter()
                        .map(|c| {
                            let label = t_string!(i18n, staff.planner.swap_option, city = city_label(locale, c), density = format!("{:.1}", c.density.unwrap_or(0.0)))
                                .to_string();
                            view! { <option value=c.figures.city_id.to_string()>{label}</option> }
                        })
                        .collect_view()}
                </select>
                <SubmitButton label=t_string!(i18n, staff.planner.swap) pending=busy_swap class="secondary" />
            </ActionForm>
        }
    });
    let name = city_label(locale, &city);
    let accept_label = t_string!(i18n, staff.planner.accept, city = name.clone()).to_string();
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
                    <SubmitButton label=accept_label pending=busy_accept busy=t_string!(i18n, staff.busy.creating) />
                </ActionForm>
                {swap}
            </div>
        </li>
    }
        .into_any()
}

#[component]
fn ManualPick(action: ServerAction<ChooseHostCity>) -> impl IntoView {
    let i18n = use_i18n();
    let value = action.value();
    let input = action.input();
    let busy = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|c| c.source == "manual")));
    view! {
        <section class="card">
            <h2>{t!(i18n, staff.planner.manual.heading)}</h2>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="source" value="manual" />
                <Field label=t_string!(i18n, staff.planner.manual.date) name="date" kind="date" error=field_error(value, "date") />
                <CityPicker label=t_string!(i18n, staff.planner.manual.city) error=field_error(value, "city") />
                <FormError error=form_error(value) />
                <SubmitButton label=t_string!(i18n, staff.planner.manual.submit) pending=busy busy=t_string!(i18n, staff.busy.creating) />
            </ActionForm>
        </section>
    }
}

#[component]
fn Decisions(decisions: Vec<DecisionView>) -> impl IntoView {
    let i18n = use_i18n();
    let source = move |raw: &str| match raw {
        "proposal" => t_string!(i18n, staff.planner.source.proposal).to_string(),
        "swap" => t_string!(i18n, staff.planner.source.swap).to_string(),
        "manual" => t_string!(i18n, staff.planner.source.manual).to_string(),
        other => other.to_string(),
    };
    view! {
        <section>
            <h2>{t!(i18n, staff.planner.decisions.heading)}</h2>
            {if decisions.is_empty() {
                view! { <p>{t!(i18n, staff.planner.decisions.empty)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table data-testid="decisions">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, staff.planner.decisions.when)}</th>
                                    <th scope="col">{t!(i18n, staff.planner.decisions.who)}</th>
                                    <th scope="col">{t!(i18n, staff.planner.decisions.city)}</th>
                                    <th scope="col">{t!(i18n, staff.planner.decisions.slot)}</th>
                                    <th scope="col">{t!(i18n, staff.planner.decisions.how)}</th>
                                    <th scope="col">{t!(i18n, staff.planner.decisions.figures)}</th>
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
