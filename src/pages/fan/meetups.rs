//! Fan pages: what's on, one meetup (sign up, ticket, cancel), my meetups.
use crate::components::form::{confirm_checkbox, submit_button};
use crate::components::auth::Auth;
use crate::components::form::{error_text, field_error, form_error, FormError};
use crate::components::meetup_card::{seats_label, MeetupCardView};
use crate::gatherings::api::ReportGathering;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::meetups::api::{list_my_meetups, load_meetup, upcoming_meetups, CancelPlace, SignUp};
use crate::meetups::{MeetupPage, PlaceStatus, SignupState};
use crate::pages::fan::admission::{awaits_draw, AdmissionActions, AdmissionRules, ApplyBox, ReconfirmBox};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MeetupsPage() -> impl IntoView {
    let locale = use_locale();
    let cards = OnceResource::new(upcoming_meetups());
    view! {
        <Title text=move || td_string!(locale, fan.meetups.title) />
        <h1>{td!(locale, fan.meetups.heading)}</h1>
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
            {move || Suspend::new(async move {
                match cards.await {
                    Ok(cards) if cards.is_empty() => view! {
                        <div class="empty-state">
                            <p>{td!(locale, fan.meetups.empty)}</p>
                            <ul class="next-steps">
                                <li><a href="/where-next">{td!(locale, fan.meetups.empty_where_next)}</a></li>
                                <li><a href="/organize">{td!(locale, fan.meetups.empty_organize)}</a></li>
                            </ul>
                        </div>
                    }
                    .into_any(),
                    Ok(cards) => view! {
                        <p class="hint">{td!(locale, fan.meetups.intro)}</p>
                        <ul class="meetup-list">{cards.into_iter().map(|card| view! { <MeetupCardView card /> }).collect_view()}</ul>
                    }
                    .into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MeetupDetailPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let sign_up = crate::components::flash::server_action::<SignUp>();
    let cancel = crate::components::flash::server_action::<CancelPlace>();
    let admission = AdmissionActions::new();
    let page = Resource::new(move || (id(), sign_up.version().get(), cancel.version().get(), admission.version()), |(id, ..)| load_meetup(id));
    let conversation = crate::pages::fan::conversation::ConversationData::new(id);
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <MeetupDetail page sign_up cancel admission conversation /> }.into_any(),
                    Err(e) => view! {
                        <Title text=move || td_string!(locale, fan.meetup.fallback_title) />
                        <h1>{td!(locale, fan.meetup.fallback_title)}</h1>
                        {error_text(e)}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MeetupDetail(
    page: MeetupPage,
    sign_up: ServerAction<SignUp>,
    cancel: ServerAction<CancelPlace>,
    admission: AdmissionActions,
    conversation: crate::pages::fan::conversation::ConversationData,
) -> impl IntoView {
    let locale = use_locale();
    let card = page.card.clone();
    let where_ = [page.card.venue.clone(), page.address.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
    let waitlisted = page.waitlisted;
    let title = card.title.clone();
    let card_line = format!("{} · {} · {}", card.starts, card.city, card.venue);
    let shareable = matches!(card.status, crate::meetups::EventStatus::Published | crate::meetups::EventStatus::Postponed);
    view! {
        <Title text=title.clone() />
        <crate::components::share::ShareTags title description=card_line path=format!("/meetups/{}", card.id) image=shareable.then(|| format!("/meetups/{}/poster.png", card.id)) />
        <h1>{card.title.clone()}</h1>
        <p class="when" data-testid="when">{format!("{} – {} ({})", card.starts, page.ends, page.timezone)}</p>
        <p>
            {card.city.clone()} " · "
            {if where_.is_empty() {
                td_string!(locale, fan.meetup.venue_tba).to_string()
            } else {
                where_.join(td_string!(locale, fan.meetup.separator))
            }}
        </p>
        <p class="seats" data-testid="seats">
            {seats_label(&card)}
            {(waitlisted > 0).then(|| view! { " · " {td_string!(locale, fan.meetup.waiting, count = waitlisted)} })}
        </p>
        {page.organizer.clone().map(|name| view! { <p class="badge gathering">{td_string!(locale, fan.meetup.organized_by, name = name)}</p> })}
        <div class="description" inner_html=page.description_html.clone()></div>
        <ReconfirmBox page=page.clone() action=admission.reconfirm />
        <section class="card signup" aria-live="polite">
            {if awaits_draw(&page) {
                view! { <ApplyBox page=page.clone() actions=admission /> }.into_any()
            } else {
                view! { <SignupBox page=page.clone() sign_up cancel /> }.into_any()
            }}
        </section>
        {shareable.then(|| view! {
            <crate::components::share::ShareBox title=card.title.clone() path=format!("/meetups/{}", card.id) poster=Some(format!("/meetups/{}/poster.png", card.id)) />
        })}
        {page.admission.clone().map(|a| view! { <AdmissionRules a capacity=card.capacity /> })}
        <crate::pages::fan::conversation::ConversationSection loaded=conversation />
        {(card.kind == crate::meetups::EventKind::Gathering && page.logged_in).then(|| view! { <ReportForm id=card.id /> })}
    }
}

#[component]
fn ReportForm(id: i64) -> impl IntoView {
    let locale = use_locale();
    let report = crate::components::flash::server_action::<ReportGathering>();
    let value = report.value();
    // Open when the form came back from the server, with thanks or with a mistake.
    let answered = value.with_untracked(Option::is_some);
    view! {
        <details class="report" open=answered>
            <summary>{td!(locale, fan.report.summary)}</summary>
            <Show
                when=move || matches!(value.get(), Some(Ok(())))
                fallback=move || view! {
                    <ActionForm action=report attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="id" value=id.to_string() />
                        {crate::components::report::report_fields(
                            "report",
                            view! { <p class="field-error">{field_error(value, "category")}</p> },
                            view! { <p class="field-error">{field_error(value, "details")}</p> },
                        )}
                        <FormError error=form_error(value) />
                        {submit_button(
                            report.pending(),
                            Some("secondary"),
                            move || td_string!(locale, fan.report.send),
                            move || td_string!(locale, fan.busy.sending),
                        )}
                    </ActionForm>
                }
            >
                <p class="success" role="status" data-testid="reported">{td!(locale, fan.report.thanks)}</p>
            </Show>
        </details>
    }
}

#[component]
fn SignupBox(page: MeetupPage, sign_up: ServerAction<SignUp>, cancel: ServerAction<CancelPlace>) -> impl IntoView {
    let locale = use_locale();
    let id = page.card.id.to_string();
    let sign_up_value = sign_up.value();
    let cancel_value = cancel.value();
    let errors = view! {
        <p class="field-error" role="alert">{field_error(sign_up_value, "signup")}</p>
        <p class="field-error" role="alert">{field_error(cancel_value, "signup")}</p>
        <FormError error=form_error(sign_up_value) />
        <FormError error=form_error(cancel_value) />
    };
    let state = view! {
        <p>{page.signup.message().get(locale).to_string()}</p>
        {page
            .signup_opens
            .clone()
            .filter(|_| page.signup == SignupState::NotOpenYet)
            .map(|time| view! { <p>{td_string!(locale, fan.meetup.signup_opens, time = time)}</p> })}
    };
    if !page.logged_in {
        let next = format!("/login?next=/meetups/{}", page.card.id);
        let open = page.signup == SignupState::Open;
        return view! {
            {(!open).then_some(state)}
            {open.then(|| view! {
                <p><a class="button" href=next>{td!(locale, fan.meetup.log_in_to_sign_up)}</a></p>
                <p class="hint">{td!(locale, fan.meetup.log_in_hint)} " " <a href="/register">{td!(locale, fan.meetup.join)}</a></p>
            })}
        }
        .into_any();
    }
    let cancel_id = id.clone();
    let cancel_form = move |label: &'static str, confirm: &'static str| {
        let id = cancel_id.clone();
        view! {
            <ActionForm action=cancel attr:class="form confirm-form">
                <input type="hidden" name="id" value=id />
                {confirm_checkbox("confirm-cancel-place", move || confirm, cancel_value)}
                {submit_button(cancel.pending(), Some("secondary"), move || label, move || td_string!(locale, fan.busy.cancelling))}
            </ActionForm>
        }
    };
    match page.place.filter(|p| p.status != PlaceStatus::Cancelled) {
        Some(place) if place.status == PlaceStatus::Confirmed => view! {
            <h2>{td!(locale, fan.meetup.confirmed_heading)}</h2>
            <p class="ticket">{td!(locale, fan.meetup.ticket_code)} <strong data-testid="ticket-code">{place.ticket_code.clone()}</strong></p>
            {page.ticket_qr.map(|svg| view! { <div class="qr" inner_html=svg></div> })}
            <p class="hint">{td!(locale, fan.meetup.ticket_hint)}</p>
            <p class="links">
                <a class="button" href=format!("/tickets/{}", page.card.id)>{td!(locale, participation.ticket_page.show_link)}</a>
                " "
                <a class="button secondary" href=format!("/events/{}/play", page.card.id)>{td!(locale, live.phone.link)}</a>
            </p>
            {cancel_form(td_string!(locale, fan.meetup.cancel_seat), td_string!(locale, fan.meetup.confirm_cancel_seat))}
            {errors}
        }
        .into_any(),
        Some(place) => {
            let position = place.position.unwrap_or_default();
            view! {
                <h2 data-testid="waitlisted">{td_string!(locale, fan.meetup.waitlisted_heading, position = position)}</h2>
                <p class="hint">{td!(locale, fan.meetup.waitlist_hint)}</p>
                {cancel_form(td_string!(locale, fan.meetup.leave_waitlist), td_string!(locale, fan.meetup.confirm_leave_waitlist))}
                {errors}
            }
            .into_any()
        }
        None if page.signup == SignupState::Open => {
            let full = page.card.capacity.is_some_and(|c| page.card.confirmed >= c);
            let closes = page.signup_closes.clone();
            view! {
                {full.then(|| view! { <p class="hint">{td!(locale, fan.meetup.full_hint)}</p> })}
                <ActionForm action=sign_up>
                    <input type="hidden" name="id" value=id.clone() />
                    {submit_button(
                        sign_up.pending(),
                        None,
                        move || if full { td_string!(locale, fan.meetup.join_waitlist) } else { td_string!(locale, fan.meetup.sign_up) },
                        move || td_string!(locale, fan.busy.signing_up),
                    )}
                </ActionForm>
                {closes.map(|time| view! { <p class="hint">{td_string!(locale, fan.meetup.signup_closes, time = time)}</p> })}
                {errors}
            }
            .into_any()
        }
        None => state.into_any(),
    }
}

#[component]
pub fn MyMeetupsPage() -> impl IntoView {
    let locale = use_locale();
    let auth = expect_context::<Auth>();
    let mine = Resource::new(move || auth.user.get().map(|u| u.ok().flatten().map(|u| u.id)), |_| list_my_meetups());
    view! {
        <Title text=move || td_string!(locale, fan.mine.title) />
        <h1>{td!(locale, fan.mine.title)}</h1>
        <Suspense fallback=move || view! { <p>{td!(locale, fan.loading)}</p> }>
            {move || Suspend::new(async move {
                match mine.await {
                    Ok(mine) => { let nothing_yet = mine.items.is_empty() && mine.applied.is_empty(); view! {
                        <Suspense>
                            {move || Suspend::new(async move {
                                auth.user.await.ok().flatten().map(|u| view! {
                                    <p class="fan-page-link"><a href=format!("/fans/{}", u.id) data-testid="my-fan-page">{td!(locale, participation.my_meetups.link)}</a></p>
                                })
                            })}
                        </Suspense>
                        {(!mine.applied.is_empty()).then(|| view! {
                            <section data-testid="my-applications">
                                <h2>{td!(locale, fan.mine.applied_heading)}</h2>
                                <p class="hint">{td!(locale, fan.mine.applied_hint)}</p>
                                <ul class="meetup-list">{mine.applied.into_iter().map(|card| view! { <MeetupCardView card /> }).collect_view()}</ul>
                            </section>
                        })}
                        {if nothing_yet {
                            view! {
                                <p class="empty-state">
                                    {td!(locale, fan.mine.empty)} " " <a href="/meetups">{td!(locale, fan.mine.empty_link)}</a>
                                </p>
                            }
                            .into_any()
                        } else if mine.items.is_empty() {
                            ().into_any()
                        } else {
                            view! { <ul class="meetup-list">{mine.items.into_iter().map(|(card, place)| view! { <MeetupCardView card place /> }).collect_view()}</ul> }.into_any()
                        }}
                        <CalendarLink has_feed=mine.calendar_feed />
                    }
                    .into_any() }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// The fan's private calendar feed: its link is shown once, when made (only its hash is
/// kept); making a new one ends the old.
#[component]
fn CalendarLink(has_feed: bool) -> impl IntoView {
    let locale = use_locale();
    let make = crate::components::flash::server_action::<crate::meetups::api::NewCalendarLink>();
    let value = make.value();
    let link = move || value.get().and_then(Result::ok);
    view! {
        <section class="card calendar">
            <h2>{td!(locale, fan.mine.calendar_heading)}</h2>
            <p class="hint">{td!(locale, fan.mine.calendar_hint)}</p>
            <Show
                when=move || link().is_some()
                fallback=move || view! {
                    {has_feed.then(|| view! { <p class="hint" data-testid="calendar-active">{td!(locale, fan.mine.calendar_active)}</p> })}
                    <ActionForm action=make attr:class="form">
                        {submit_button(
                            make.pending(),
                            Some("secondary"),
                            move || if has_feed { td_string!(locale, fan.mine.calendar_replace) } else { td_string!(locale, fan.mine.calendar_make) },
                            move || td_string!(locale, fan.busy.sending),
                        )}
                    </ActionForm>
                    <FormError error=form_error(value) />
                }
            >
                <p><a class="calendar-url" data-testid="calendar-url" href=link().unwrap_or_default()>{link().unwrap_or_default()}</a></p>
                <p class="hint">{td!(locale, fan.mine.calendar_once)}</p>
            </Show>
            <p class="hint">{td!(locale, fan.mine.calendar_private)}</p>
        </section>
    }
}
