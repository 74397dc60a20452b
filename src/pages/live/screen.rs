//! The room's screen (`/events/{id}/live`, big type for a projector; opened with its
//! link's key, or by those running the event) and a fan's phone (`/events/{id}/play`).
//! Both are rendered whole on the server (the phone's answers are plain forms), then
//! `/live/live.js`, loaded only by these two pages, follows the event's stream and
//! redraws them as it changes.
use crate::components::form::{error_text, field_error};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::live::api::{load_live_phone, load_live_screen, AnswerLive};
use crate::live::{ItemStatus, LiveItem, LiveState, PhoneView};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::BTreeMap;

/// The live pages' script (`participation::door_files` serves it).
pub const LIVE_SCRIPT: &str = "/live/live.js";

fn event_param() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default()
}

#[component]
pub fn LiveScreenPage() -> impl IntoView {
    let locale = use_locale();
    let event = event_param();
    // The link's key arrives as a cookie (`live::screen_key`): never in the page.
    let state = Resource::new(event, move |event| load_live_screen(event, None));
    view! {
        <Title text=move || td_string!(locale, live.run.title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(state) => view! { <LiveView state mode="screen" /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn LivePhonePage() -> impl IntoView {
    let locale = use_locale();
    let event = event_param();
    let answer = crate::components::flash::server_action::<AnswerLive>();
    let phone = Resource::new(move || (event(), answer.version().get()), |(event, _)| load_live_phone(event));
    view! {
        <Title text=move || td_string!(locale, live.phone.title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match phone.await {
                    Ok(PhoneView { state, me }) => {
                        let event = state.event_id;
                        view! {
                            {(!me.checked_in).then(|| view! { <p class="notice" data-testid="live-not-checked-in">{td!(locale, live.phone.not_checked_in)}</p> })}
                            // The fan's answer right under the question, above the leaderboard.
                            <LiveView state=state.clone() mode="phone">
                                <div id="live-me" data-answered=me.answered.map(|a| a.to_string()) data-checked-in=me.checked_in.to_string()>
                                    {phone_answer(locale, &state, me.answered, me.checked_in, answer)}
                                    <p class="hint" data-testid="live-my-score">
                                        {match me.place {
                                            Some(place) if me.score > 0 => td_string!(locale, live.phone.score, score = me.score, place = place).to_string(),
                                            _ => td_string!(locale, live.phone.no_score).to_string(),
                                        }}
                                    </p>
                                </div>
                            </LiveView>
                            <p><a href=format!("/meetups/{event}#questions")>{td!(locale, live.phone.ask)}</a></p>
                        }.into_any()
                    }
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// The open item's options as buttons (one form each, so they work without a script),
/// or the fan's answer.
fn phone_answer(locale: Locale, state: &LiveState, answered: Option<usize>, checked_in: bool, answer: ServerAction<AnswerLive>) -> impl IntoView {
    let value = answer.value();
    let item = state.current.clone().filter(|i| i.status == ItemStatus::Open);
    match (item, answered) {
        (Some(item), Some(choice)) => {
            let option = item.options.get(choice).cloned().unwrap_or_default();
            view! { <p class="success" data-testid="live-answered">{td_string!(locale, live.phone.answered, option = option).to_string()}</p> }.into_any()
        }
        (Some(item), None) if checked_in => {
            let id = item.id;
            view! {
            <div class="live-choices" data-testid="live-choices">
                {item.options.into_iter().enumerate().map(|(i, option)| view! {
                    <ActionForm action=answer attr:class="live-choice">
                        <input type="hidden" name="item" value=id.to_string() />
                        <input type="hidden" name="choice" value=i.to_string() />
                        <button type="submit" class="button-big">{option}</button>
                    </ActionForm>
                }).collect_view()}
            </div>
            <p class="field-error" role="alert">{field_error(value, "choice")}</p>
            }
            .into_any()
        }
        _ => view! { <p class="hint">{td!(locale, live.phone.waiting)}</p> }.into_any(),
    }
}

/// What a screen and a phone both show, drawn by the server first (a phone's own part,
/// `children`, right under the open question).
#[component]
fn LiveView(state: LiveState, mode: &'static str, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let locale = use_locale();
    let texts = serde_json::to_string(&live_texts(locale)).unwrap_or_default();
    let json = serde_json::to_string(&state).unwrap_or_default();
    let heading = if mode == "screen" { state.title.clone() } else { td_string!(locale, live.phone.heading, title = state.title.clone()).to_string() };
    view! {
        <div class=format!("live live-{mode}") id="live-app" data-event=state.event_id data-mode=mode data-text=texts data-state=json>
            <h1>{heading}</h1>
            <p class="hint" id="live-status" data-testid="live-checked-in">{td_string!(locale, live.screen.checked_in, count = state.checked_in).to_string()}</p>
            <section id="live-current" data-testid="live-current">{state.current.map(|item| current_item(locale, item))}</section>
            {children.map(|mine| mine())}
            <section id="live-board" class="live-board">
                <h2>{td!(locale, live.screen.leaderboard)}</h2>
                <ol data-testid="live-leaderboard">{state.leaderboard.into_iter().map(|s| view! { <li>{s.name} " · " {td_string!(locale, live.screen.score, score = s.score).to_string()}</li> }).collect_view()}</ol>
            </section>
            <section id="live-draw" class="live-draw" data-testid="live-draw">
                {state.draws.first().cloned().map(|d| view! {
                    <h2>{td!(locale, live.screen.draws)}</h2>
                    <p class="live-winner">{td_string!(locale, live.screen.winner, winner = d.winner).to_string()}</p>
                    <p class="hint" data-testid="live-seed">{td_string!(locale, live.screen.seed, seed = d.seed, eligible = d.eligible).to_string()}</p>
                })}
            </section>
            {(mode == "screen").then(|| view! {
                <section id="live-wall" class="live-wall">
                    <h2>{td!(locale, live.screen.wall)}</h2>
                    <ul>{state.questions.into_iter().map(|q| view! { <li class:answered=q.answered>{q.body} " · " {td_string!(locale, live.screen.votes, count = q.votes).to_string()}</li> }).collect_view()}</ul>
                </section>
            })}
            <script type="module" src=LIVE_SCRIPT></script>
        </div>
    }
}

fn current_item(locale: Locale, item: LiveItem) -> impl IntoView {
    let total = item.answers.max(1);
    view! {
        <h2 class="live-question">{item.question.clone()}</h2>
        <ol class="live-options">
            {item.options.iter().enumerate().map(|(i, option)| {
                let count = item.counts.get(i).copied();
                let right = item.correct == Some(i);
                view! {
                    <li class:right=right>
                        <span>{option.clone()}</span>
                        {count.map(|c| view! { <span class="live-count">{format!(" {c} · {}%", c * 100 / total)}</span> })}
                    </li>
                }
            }).collect_view()}
        </ol>
        <p class="hint">{td_string!(locale, live.screen.answers, count = item.answers).to_string()}</p>
    }
}

/// What the script says, in the page's language; variables stay `{name}`.
fn live_texts(locale: Locale) -> BTreeMap<&'static str, String> {
    let v = |name: &str| format!("{{{name}}}");
    BTreeMap::from([
        ("waiting", td_string!(locale, live.screen.waiting).to_string()),
        ("leaderboard", td_string!(locale, live.screen.leaderboard).to_string()),
        ("wall", td_string!(locale, live.screen.wall).to_string()),
        ("wall_empty", td_string!(locale, live.screen.wall_empty).to_string()),
        ("draws", td_string!(locale, live.screen.draws).to_string()),
        ("seed", td_string!(locale, live.screen.seed, seed = v("seed"), eligible = v("eligible")).to_string()),
        ("winner", td_string!(locale, live.screen.winner, winner = v("winner")).to_string()),
        ("seconds_left", td_string!(locale, live.screen.seconds_left, seconds = v("seconds")).to_string()),
        ("time_up", td_string!(locale, live.screen.time_up).to_string()),
        ("checked_in", td_string!(locale, live.screen.checked_in, count = v("count")).to_string()),
        ("answers", td_string!(locale, live.screen.answers, count = v("count")).to_string()),
        ("correct", td_string!(locale, live.screen.correct, option = v("option")).to_string()),
        ("score", td_string!(locale, live.screen.score, score = v("score")).to_string()),
        ("votes", td_string!(locale, live.screen.votes, count = v("count")).to_string()),
        ("offline", td_string!(locale, live.screen.offline).to_string()),
        ("answered", td_string!(locale, live.phone.answered, option = v("option")).to_string()),
        ("my_score", td_string!(locale, live.phone.score, score = v("score"), place = v("place")).to_string()),
        ("no_score", td_string!(locale, live.phone.no_score).to_string()),
        ("phone_waiting", td_string!(locale, live.phone.waiting).to_string()),
        ("closed", td_string!(locale, live.phone.closed).to_string()),
    ])
}
