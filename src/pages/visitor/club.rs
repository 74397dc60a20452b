//! A city's club (同城会): its officers, members, events to come and past, news, and the
//! city's standing; members follow it, officers post news, staff appoint officers.
//! Every form is a plain form first (it works before the WASM has loaded).
use crate::clubs::api::{load_club, AppointOfficer, EndOfficerTerm, FollowClub, HideClubNews, PostClubNews, UnfollowClub};
use crate::clubs::reports::ReportClubNews;
use crate::clubs::{ClubPage as Club, NewsView, OfficerRole, OfficerView, PastEvent, MAX_FOLLOWS};
use crate::components::flash::{server_action, typed_value};
use crate::components::form::{error_text, field_error, form_error, FormError, SubmitButton};
use crate::components::meetup_card::MeetupCardView;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ClubPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or_default();
    let follow = server_action::<FollowClub>();
    let unfollow = server_action::<UnfollowClub>();
    let post = server_action::<PostClubNews>();
    let hide = server_action::<HideClubNews>();
    let appoint = server_action::<AppointOfficer>();
    let end = server_action::<EndOfficerTerm>();
    let report = server_action::<ReportClubNews>();
    // After any of them, the page reads the club again (with JavaScript; without, the
    // post's redirect renders it afresh).
    let versions = move || (follow.version().get(), unfollow.version().get(), post.version().get(), hide.version().get(), appoint.version().get(), end.version().get());
    let club = Resource::new(move || (id(), versions()), |(id, _)| load_club(id));
    let actions = ClubActions { follow, unfollow, post, hide, appoint, end, report };
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, visitor.loading)}</p> }>
            {move || Suspend::new(async move {
                match club.await {
                    Ok(c) => view! { <ClubView c actions /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct ClubActions {
    follow: ServerAction<FollowClub>,
    unfollow: ServerAction<UnfollowClub>,
    post: ServerAction<PostClubNews>,
    hide: ServerAction<HideClubNews>,
    appoint: ServerAction<AppointOfficer>,
    end: ServerAction<EndOfficerTerm>,
    report: ServerAction<ReportClubNews>,
}

#[component]
fn ClubView(c: Club, actions: ClubActions) -> impl IntoView {
    let locale = use_locale();
    let title = td_string!(locale, clubs.title, city = c.city.clone()).to_string();
    let officer = c.me.as_ref().and_then(|m| m.officer);
    let moderator = officer.is_some() || c.staff;
    // Signed-in fans who are not its officers may report a post (officers hide them).
    let reporter = c.me.is_some() && !moderator;
    let city_id = c.city_id;
    let standing = c.standing.clone().map(|s| match s.position {
        Some(position) => td_string!(locale, clubs.standing_position, city = c.city.clone(), position = position).to_string(),
        None if s.fans_needed > 0 => td_string!(locale, clubs.standing_needed, count = s.fans_needed, city = c.city.clone()).to_string(),
        None => s.explanation,
    });
    let card_line = standing.clone().unwrap_or_else(|| title.clone());
    let title_for_share = title.clone();
    view! {
        <Title text=title.clone() />
        <crate::components::share::ShareTags title=title.clone() description=card_line path=format!("/clubs/{}", c.city_id) />
        <h1>{title}</h1>
        <p class="hint">
            {td_string!(locale, clubs.province, province = c.province.clone())} " · "
            <span data-testid="club-members">{td_string!(locale, clubs.members, count = c.members)}</span> " · "
            {td_string!(locale, clubs.followers, count = c.followers)}
        </p>
        {standing.map(|s| view! { <p class="standing" data-testid="club-standing">{s}</p> })}
        <crate::components::share::ShareBox title=title_for_share path=format!("/clubs/{}", c.city_id) poster=None invite=true />
        <Membership c=c.clone() actions />
        <section class="card">
            <h2>{td!(locale, clubs.officers)}</h2>
            {if c.officers.is_empty() {
                view! { <p class="hint">{td!(locale, clubs.no_officers)}</p> }.into_any()
            } else {
                let me = c.me.as_ref().map(|m| m.user_id);
                view! {
                    <ul class="officers" data-testid="club-officers">
                        {c.officers.iter().cloned().map(|o| view! { <OfficerItem staff=c.staff mine=me.is_some() && me == o.user_id o action=actions.end /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {officer.map(|role| view! { <p class="hint" data-testid="you-are-officer">{td_string!(locale, clubs.you_are, role = role.label(locale))}</p> })}
            {moderator.then(|| view! { <p><a href=format!("/clubs/{city_id}/desk")>{td!(locale, clubs.officer_desk)}</a></p> })}
            {c.staff.then(|| view! { <AppointForm city_id action=actions.appoint /> })}
        </section>
        <section class="card">
            <h2>{td!(locale, clubs.news)}</h2>
            {officer.map(|_| view! { <PostNewsForm city_id action=actions.post /> })}
            {if c.news.is_empty() {
                view! { <p class="hint">{td!(locale, clubs.no_news)}</p> }.into_any()
            } else {
                view! {
                    <ul class="club-news" data-testid="club-news">
                        {c.news.iter().cloned().map(|n| view! { <NewsItem n moderator reporter action=actions.hide report=actions.report /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{td!(locale, sharing.top_bringers)}</h2>
            {if c.top_bringers.is_empty() {
                view! { <p class="hint" data-testid="top-bringers">{td!(locale, sharing.top_bringers_none)}</p> }.into_any()
            } else {
                view! {
                    <ol class="honour-list" data-testid="top-bringers">
                        {c.top_bringers.iter().cloned().map(|p| view! {
                            <li><a href=format!("/fans/{}", p.id)>{p.name}</a> <span class="hint">" · " {td_string!(locale, sharing.top_bringer_count, count = p.figure)}</span></li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
        <section>
            <h2>{td!(locale, clubs.upcoming)}</h2>
            {if c.upcoming.is_empty() {
                view! { <p class="hint">{td!(locale, clubs.no_upcoming)}</p> }.into_any()
            } else {
                view! { <ul class="meetup-list" data-testid="club-upcoming">{c.upcoming.iter().cloned().map(|card| view! { <MeetupCardView card /> }).collect_view()}</ul> }.into_any()
            }}
            <p><a href=format!("/cities/{city_id}")>{td!(locale, clubs.city_events)}</a></p>
        </section>
        {(!c.past.is_empty()).then(|| view! {
            <section>
                <h2>{td!(locale, clubs.past)}</h2>
                <ul class="meetup-list" data-testid="club-past">{c.past.iter().cloned().map(|p| view! { <PastItem p /> }).collect_view()}</ul>
            </section>
        })}
    }
}

#[component]
fn Membership(c: Club, actions: ClubActions) -> impl IntoView {
    let locale = use_locale();
    let city = c.city_id.to_string();
    match c.me {
        None => view! { <p class="hint"><a href=format!("/login?next=/clubs/{}", c.city_id)>{td!(locale, clubs.log_in_to_follow)}</a></p> }.into_any(),
        Some(m) if m.home => view! { <p class="success" data-testid="club-home">{td!(locale, clubs.your_club)}</p> }.into_any(),
        Some(m) if m.following => view! {
            <p class="success" data-testid="club-following">{td!(locale, clubs.following)}</p>
            <ActionForm action=actions.unfollow attr:class="inline">
                <input type="hidden" name="city" value=city />
                <SubmitButton label=td_string!(locale, clubs.unfollow) pending=actions.unfollow.pending() class="secondary" />
            </ActionForm>
        }.into_any(),
        Some(m) => view! {
            <ActionForm action=actions.follow attr:class="inline">
                <input type="hidden" name="city" value=city />
                <SubmitButton label=td_string!(locale, clubs.follow) pending=actions.follow.pending() />
                <p class="field-error" data-testid="follow-error">{field_error(actions.follow.value(), "follow")}</p>
            </ActionForm>
            <p class="hint">{td_string!(locale, clubs.follow_hint, max = MAX_FOLLOWS)} {(m.follows > 0).then(|| format!(" ({}/{MAX_FOLLOWS})", m.follows))}</p>
        }.into_any(),
    }
}

#[component]
fn OfficerItem(o: OfficerView, staff: bool, mine: bool, action: ServerAction<EndOfficerTerm>) -> impl IntoView {
    let locale = use_locale();
    let name = match o.user_id {
        Some(id) => view! { <a href=format!("/fans/{id}")>{o.name.clone()}</a> }.into_any(),
        None => view! { <span>{o.name.clone()}</span> }.into_any(),
    };
    let (label, reason) = if staff { (td_string!(locale, clubs.remove), td_string!(locale, clubs.remove_reason)) } else { (td_string!(locale, clubs.resign), td_string!(locale, clubs.resign_reason)) };
    view! {
        <li>
            {name} " · " {td_string!(locale, clubs.officer_since, role = o.role.label(locale), since = o.since.clone(), until = o.until.clone())}
            {(staff || mine).then(|| view! {
                <ActionForm action attr:class="moderate">
                    <input type="hidden" name="term" value=o.term_id.to_string() />
                    <input type="text" name="reason" maxlength="500" placeholder=reason aria-label=reason />
                    <SubmitButton label pending=action.pending() class="secondary" />
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn NewsItem(n: NewsView, moderator: bool, reporter: bool, action: ServerAction<HideClubNews>, report: ServerAction<ReportClubNews>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <li class="news">
            <h3>{n.title.clone()}</h3>
            <div class="description" inner_html=n.body_html.clone()></div>
            <p class="hint">{td_string!(locale, clubs.posted_by, author = n.author.clone(), when = n.posted.clone())}</p>
            {moderator.then(|| view! {
                <ActionForm action attr:class="moderate">
                    <input type="hidden" name="id" value=n.id.to_string() />
                    <input type="text" name="reason" maxlength="500" placeholder=td_string!(locale, clubs.hide_reason) aria-label=td_string!(locale, clubs.hide_reason) />
                    <SubmitButton label=td_string!(locale, clubs.hide_news) pending=action.pending() class="secondary" />
                </ActionForm>
            })}
            {reporter.then(|| view! { <ReportNewsForm id=n.id action=report /> })}
        </li>
    }
}

/// A fan's report about a post (only the form opened shows its answer).
#[component]
fn ReportNewsForm(id: i64, action: ServerAction<ReportClubNews>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    view! {
        <details class="report">
            <summary>{td!(locale, clubs.report_news)}</summary>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="id" value=id.to_string() />
                {crate::components::report::report_fields(
                    &format!("report-news-{id}"),
                    view! { <p class="field-error">{field_error(value, "category")}</p> },
                    view! { <p class="field-error">{field_error(value, "details")}</p> },
                )}
                <SubmitButton label=td_string!(locale, clubs.report_send) pending=action.pending() class="secondary" />
            </ActionForm>
            <Show when=move || matches!(value.get(), Some(Ok(_)))>
                <p class="success" role="status" data-testid="news-reported">{td!(locale, clubs.reported)}</p>
            </Show>
        </details>
    }
}

#[component]
fn PastItem(p: PastEvent) -> impl IntoView {
    let locale = use_locale();
    let outcome = match p.rating {
        Some((rating, count)) => format!("{} · {}", td_string!(locale, clubs.attended, count = p.attended), td_string!(locale, clubs.rating, rating = format!("{rating:.1}"), count = count)),
        None => td_string!(locale, clubs.attended, count = p.attended).to_string(),
    };
    view! {
        <MeetupCardView card=p.card />
        <p class="hint past-outcome">{outcome}</p>
    }
}

#[component]
fn PostNewsForm(city_id: i64, action: ServerAction<PostClubNews>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    view! {
        <details class="post-news" open=move || value.with(|v| v.as_ref().is_some_and(Result::is_err))>
            <summary>{td!(locale, clubs.post_news)}</summary>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="city" value=city_id.to_string() />
                <div class="field">
                    <label for="news-title">{td!(locale, clubs.news_title)}</label>
                    <input id="news-title" type="text" name="title" maxlength="120" value=typed_value("title", String::new()) />
                    <p class="field-error">{field_error(value, "title")}</p>
                </div>
                <div class="field">
                    <label for="news-body">{td!(locale, clubs.news_body)}</label>
                    <textarea id="news-body" name="body" rows="5" maxlength="5000">{typed_value("body", String::new())}</textarea>
                    <p class="hint">{td!(locale, clubs.news_body_hint)}</p>
                    <p class="field-error">{field_error(value, "body")}</p>
                </div>
                <FormError error=form_error(value) />
                <SubmitButton label=td_string!(locale, clubs.publish) pending=action.pending() busy=td_string!(locale, clubs.posting) />
            </ActionForm>
        </details>
        <Show when=move || matches!(value.get(), Some(Ok(_)))>
            <p class="success" role="status" data-testid="news-posted">{td!(locale, clubs.posted)}</p>
        </Show>
    }
}

#[component]
fn AppointForm(city_id: i64, action: ServerAction<AppointOfficer>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    view! {
        <details class="appoint" open=move || value.with(|v| v.as_ref().is_some_and(Result::is_err))>
            <summary>{td!(locale, clubs.appoint)}</summary>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="city" value=city_id.to_string() />
                <div class="field">
                    <label for="appoint-email">{td!(locale, clubs.appoint_email)}</label>
                    <input id="appoint-email" type="email" name="email" value=typed_value("email", String::new()) />
                    <p class="field-error">{field_error(value, "email")}</p>
                </div>
                <div class="field">
                    <label for="appoint-role">{td!(locale, clubs.appoint_role)}</label>
                    <select id="appoint-role" name="role">
                        {OfficerRole::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=typed_value("role", String::new()) == r.as_str()>{r.label(locale)}</option> }).collect_view()}
                    </select>
                    <p class="field-error">{field_error(value, "role")}</p>
                </div>
                <div class="field">
                    <label for="appoint-until">{td!(locale, clubs.appoint_until)}</label>
                    <input id="appoint-until" type="text" name="until" placeholder="2027-12-31" value=typed_value("until", String::new()) />
                    <p class="field-error">{field_error(value, "until")}</p>
                </div>
                <div class="field">
                    <label for="appoint-reason">{td!(locale, clubs.appoint_reason)}</label>
                    <input id="appoint-reason" type="text" name="reason" maxlength="500" value=typed_value("reason", String::new()) />
                    <p class="field-error">{field_error(value, "reason")}</p>
                </div>
                <FormError error=form_error(value) />
                <SubmitButton label=td_string!(locale, clubs.appoint_button) pending=action.pending() busy=td_string!(locale, clubs.appointing) />
            </ActionForm>
            <Show when=move || matches!(value.get(), Some(Ok(_)))>
                <p class="success" role="status">{td!(locale, clubs.appointed)}</p>
            </Show>
        </details>
    }
}
