//! Running the live part of an event (`/events/{id}/live/run`), for staff and the
//! gathering's organizer: prepare polls and quiz questions, open and close them, run the
//! lucky draw, decide the quiz's places, and make the room's screen link. Plain forms:
//! they work before any script has loaded.
use crate::components::form::{error_text, field_error, form_error, Field, FormError, SubmitButton};
use crate::i18n::{td, td_string, Locale};
use crate::language::use_locale;
use crate::live::api::{load_live_run, CopyLiveItem, DecideQuiz, LuckyDraw, MakeScreenLink, SaveLiveItem, SwitchLiveItem};
use crate::live::{ItemKind, ItemStatus, LiveItem, RunView};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

pub fn status_label(locale: Locale, status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Draft => td_string!(locale, live.run.status_draft),
        ItemStatus::Open => td_string!(locale, live.run.status_open),
        ItemStatus::Closed => td_string!(locale, live.run.status_closed),
    }
}

#[component]
pub fn LiveRunPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let event = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let save = crate::components::flash::server_action::<SaveLiveItem>();
    let switch = crate::components::flash::server_action::<SwitchLiveItem>();
    let draw = crate::components::flash::server_action::<LuckyDraw>();
    let decide = crate::components::flash::server_action::<DecideQuiz>();
    let screen = crate::components::flash::server_action::<MakeScreenLink>();
    let copy = crate::components::flash::server_action::<CopyLiveItem>();
    let run = Resource::new(
        move || (event(), save.version().get(), switch.version().get(), draw.version().get(), decide.version().get(), screen.version().get(), copy.version().get()),
        |(event, ..)| load_live_run(event),
    );
    let actions = RunActions { save, switch, draw, decide, screen, copy };
    view! {
        <Title text=move || td_string!(locale, live.run.title) />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(run) => view! { <RunBody run actions /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct RunActions {
    save: ServerAction<SaveLiveItem>,
    switch: ServerAction<SwitchLiveItem>,
    draw: ServerAction<LuckyDraw>,
    decide: ServerAction<DecideQuiz>,
    screen: ServerAction<MakeScreenLink>,
    copy: ServerAction<CopyLiveItem>,
}

#[component]
fn RunBody(run: RunView, actions: RunActions) -> impl IntoView {
    let locale = use_locale();
    let event = run.state.event_id;
    let RunActions { save, switch, draw, decide, screen, copy } = actions;
    let saved = save.value();
    let drawn = draw.value();
    let decided = decide.value();
    let link = screen.value();
    view! {
        <h1>{td_string!(locale, live.run.heading, title = run.state.title.clone()).to_string()}</h1>
        <p class="links">
            <a href=format!("/events/{event}/play")>{td!(locale, live.run.phone_page)}</a>
            " · "
            <a href=format!("/events/{event}/live")>{td!(locale, live.run.screen_page)}</a>
        </p>
        <section class="card">
            <h2>{td!(locale, live.run.items)}</h2>
            {if run.items.is_empty() {
                view! { <p class="empty-state">{td!(locale, live.run.none)}</p> }.into_any()
            } else {
                view! { <ol class="live-items" data-testid="live-items">{run.items.into_iter().map(|item| view! { <ItemRow item switch /> }).collect_view()}</ol> }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{td!(locale, live.run.new_item)}</h2>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <input type="hidden" name="event" value=event.to_string() />
                <div class="field">
                    <label for="field-kind">{td!(locale, live.run.kind)}</label>
                    <select id="field-kind" name="kind">
                        <option value="quiz">{td!(locale, live.run.kind_quiz)}</option>
                        <option value="poll">{td!(locale, live.run.kind_poll)}</option>
                    </select>
                </div>
                <Field label=td_string!(locale, live.run.question) name="question" error=field_error(saved, "question") />
                <div class="field" class:invalid=move || field_error(saved, "options").get().is_some()>
                    <label for="field-options">{td!(locale, live.run.options)}</label>
                    <textarea id="field-options" name="options" rows="4" aria-describedby="field-options-error">{crate::components::form::textarea_text("options", String::new())}</textarea>
                    <p class="field-error" id="field-options-error">{field_error(saved, "options")}</p>
                </div>
                <Field label=td_string!(locale, live.run.correct) name="correct" kind="number" error=field_error(saved, "correct") />
                <Field label=td_string!(locale, live.run.seconds) name="seconds" kind="number" error=field_error(saved, "seconds") />
                <FormError error=form_error(saved) />
                <SubmitButton label=td_string!(locale, live.run.save) pending=save.pending() />
                {move || saved.get().and_then(Result::ok).map(|_| view! { <p class="success" role="status">{td!(locale, live.run.saved)}</p> })}
            </ActionForm>
        </section>
        <section class="card">
            <h2>{td!(locale, live.run.bank)}</h2>
            <p class="hint">{td!(locale, live.run.bank_hint)}</p>
            {if run.bank.is_empty() {
                view! { <p class="empty-state">{td!(locale, live.run.bank_none)}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list" data-testid="live-bank">
                        {run.bank.into_iter().map(|b| view! {
                            <li>
                                <strong>{b.question}</strong> " · " {td_string!(locale, live.run.from, title = b.event_title).to_string()}
                                <ActionForm action=copy attr:class="inline">
                                    <input type="hidden" name="item" value=b.id.to_string() />
                                    <input type="hidden" name="event" value=event.to_string() />
                                    <button type="submit" class="secondary">{td!(locale, live.run.copy)}</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{td!(locale, live.run.draw_heading)}</h2>
            <p class="hint">{td!(locale, live.run.draw_hint)}</p>
            <ActionForm action=draw attr:class="form">
                <input type="hidden" name="event" value=event.to_string() />
                <label class="check"><input type="checkbox" name="team" value="exclude" checked=true /> " " {td!(locale, live.run.draw_team)}</label>
                <p class="field-error" role="alert">{field_error(drawn, "draw")}</p>
                <FormError error=form_error(drawn) />
                <SubmitButton label=td_string!(locale, live.run.draw) pending=draw.pending() />
            </ActionForm>
            <ul class="plain-list" data-testid="live-draws">
                {run.state.draws.into_iter().map(|d| view! {
                    <li>{td_string!(locale, live.run.drawn, round = d.round, winner = d.winner, seed = d.seed, eligible = d.eligible).to_string()}</li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>{td!(locale, live.run.quiz_heading)}</h2>
            <p class="hint">{td!(locale, live.run.quiz_hint)}</p>
            {run.quiz_decided.then(|| view! { <p class="success" data-testid="quiz-decided">{td!(locale, live.run.decided)}</p> })}
            <ActionForm action=decide attr:class="form">
                <input type="hidden" name="event" value=event.to_string() />
                <p class="field-error" role="alert">{field_error(decided, "quiz")}</p>
                <FormError error=form_error(decided) />
                <SubmitButton label=td_string!(locale, live.run.decide) pending=decide.pending() class="secondary" />
            </ActionForm>
        </section>
        <section class="card">
            <h2>{td!(locale, live.run.screen_heading)}</h2>
            {run.has_screen.then(|| view! { <p class="hint">{td!(locale, live.run.screen_has)}</p> })}
            <ActionForm action=screen attr:class="form">
                <input type="hidden" name="event" value=event.to_string() />
                <FormError error=form_error(link) />
                <p class="field-error" role="alert">{field_error(link, "screen")}</p>
                <SubmitButton label=td_string!(locale, live.run.screen_make) pending=screen.pending() class="secondary" />
            </ActionForm>
            {move || link.get().and_then(Result::ok).map(|url| view! {
                <p>{td!(locale, live.run.screen_made, hours = crate::live::SCREEN_LINK_AFTER_END_SECS / 3600)}</p>
                <p><a href=url.clone() data-testid="screen-link" class="screen-link">{url.clone()}</a></p>
            })}
        </section>
    }
}

#[component]
fn ItemRow(item: LiveItem, switch: ServerAction<SwitchLiveItem>) -> impl IntoView {
    let locale = use_locale();
    let (next, label) = match item.status {
        ItemStatus::Open => ("close", td_string!(locale, live.run.close)),
        _ => ("open", td_string!(locale, live.run.open)),
    };
    let kind = if item.kind == ItemKind::Quiz { td_string!(locale, live.run.kind_quiz) } else { td_string!(locale, live.run.kind_poll) };
    let options = item.options.iter().enumerate().map(|(i, o)| {
        let right = item.correct == Some(i);
        let count = item.counts.get(i).copied().unwrap_or(0);
        format!("{}{}. {o} ({count})", if right { "✓ " } else { "" }, i + 1)
    });
    view! {
        <li class="live-item" data-status=item.status.as_str()>
            <p><strong>{item.question.clone()}</strong> " · " {kind} " · " {status_label(locale, item.status)} " · " {td_string!(locale, live.run.answers, count = item.answers).to_string()}</p>
            <p class="hint">{options.collect::<Vec<_>>().join(" · ")}</p>
            <ActionForm action=switch attr:class="inline">
                <input type="hidden" name="item" value=item.id.to_string() />
                <input type="hidden" name="action" value=next />
                <button type="submit" class=if next == "open" { "button" } else { "secondary" }>{label}</button>
            </ActionForm>
        </li>
    }
}
