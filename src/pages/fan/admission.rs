//! The meetup page's admission parts: the apply form and its status for a meetup that
//! selects by draw, the rules (the draw's weights, the no-show rule) shown before a fan
//! applies or signs up, and the request to reconfirm a seat. Plain form posts: they work
//! before (and without) the WASM.
use crate::admission::api::{ApplyForSeat, ReconfirmSeat, WithdrawApplication};
use crate::admission::{Admission, MeetupAdmission};
use crate::components::form::{confirm_checkbox, field_error, form_error, submit_button, FormError};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::meetups::{MeetupPage, PlaceStatus};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The actions of the admission parts, made by the page so its data reloads after them.
#[derive(Clone, Copy)]
pub struct AdmissionActions {
    pub apply: ServerAction<ApplyForSeat>,
    pub withdraw: ServerAction<WithdrawApplication>,
    pub reconfirm: ServerAction<ReconfirmSeat>,
}

impl AdmissionActions {
    pub fn new() -> AdmissionActions {
        AdmissionActions {
            apply: crate::components::flash::server_action::<ApplyForSeat>(),
            withdraw: crate::components::flash::server_action::<WithdrawApplication>(),
            reconfirm: crate::components::flash::server_action::<ReconfirmSeat>(),
        }
    }

    /// Changes whenever one of them ran.
    pub fn version(&self) -> (usize, usize, usize) {
        (self.apply.version().get(), self.withdraw.version().get(), self.reconfirm.version().get())
    }
}

/// Whether the page takes applications instead of sign-ups.
pub fn awaits_draw(page: &MeetupPage) -> bool {
    page.admission.as_ref().is_some_and(|a| a.admission == Admission::Draw && !a.drawn)
}

/// Apply, change the answer, withdraw; or why applications are not taken.
#[component]
pub fn ApplyBox(page: MeetupPage, actions: AdmissionActions) -> impl IntoView {
    let locale = use_locale();
    let Some(a) = page.admission.clone() else { return ().into_any() };
    let id = page.card.id.to_string();
    let (apply, withdraw) = (actions.apply, actions.withdraw);
    let errors = view! {
        <p class="field-error" role="alert">{field_error(apply.value(), "apply")}</p>
        <p class="field-error" role="alert">{field_error(withdraw.value(), "apply")}</p>
        <FormError error=form_error(apply.value()) />
        <FormError error=form_error(withdraw.value()) />
    };
    let closes = a.closes.clone().map(|time| view! { <p class="hint" data-testid="applications-close">{td_string!(locale, admission.fan.closes, time = time)}</p> });
    let applicants = view! { <p class="hint">{td_string!(locale, admission.fan.applicants, count = a.applicants)}</p> };
    if !a.open {
        return view! {
            <h2>{td!(locale, admission.fan.heading)}</h2>
            <p data-testid="applications-closed">{td!(locale, admission.fan.not_open)}</p>
            {closes}
            {a.mine.is_some().then(|| view! { <p data-testid="applied">{td!(locale, admission.fan.applied)}</p> })}
        }
        .into_any();
    }
    if !page.logged_in {
        let next = format!("/login?next=/meetups/{}", page.card.id);
        return view! {
            <h2>{td!(locale, admission.fan.heading)}</h2>
            <p><a class="button" href=next>{td!(locale, admission.fan.log_in_to_apply)}</a></p>
            {closes}
        }
        .into_any();
    }
    let answer = a.mine.as_ref().map(|m| m.answer.clone()).unwrap_or_default();
    let question = (!a.question.is_empty()).then(|| a.question.clone());
    let applied = a.mine.is_some();
    let withdraw_id = id.clone();
    view! {
        <h2>{if applied { td_string!(locale, admission.fan.applied_heading) } else { td_string!(locale, admission.fan.heading) }}</h2>
        {applied.then(|| view! { <p data-testid="applied">{td!(locale, admission.fan.applied)}</p> })}
        {a.mine.as_ref().filter(|m| m.picked).map(|_| view! { <p class="success">{td!(locale, admission.fan.picked)}</p> })}
        <ActionForm action=apply attr:class="form" attr:novalidate=true>
            <input type="hidden" name="id" value=id />
            {question.map(|q| {
                let answer_error = field_error(apply.value(), "answer");
                view! {
                    <div class="field" class:invalid=move || answer_error.get().is_some()>
                        <label for="field-answer">{td!(locale, admission.fan.question)} " " {q}</label>
                        <textarea id="field-answer" name="answer" rows="3" aria-describedby="field-answer-hint field-answer-error">{crate::components::form::textarea_text("answer", answer.clone())}</textarea>
                        <p class="hint" id="field-answer-hint">{td!(locale, admission.fan.answer_hint)}</p>
                        <p class="field-error" id="field-answer-error" aria-live="polite">{move || answer_error.get()}</p>
                    </div>
                }
            })}
            {submit_button(
                apply.pending(),
                if applied { Some("secondary") } else { None },
                move || if applied { td_string!(locale, admission.fan.update) } else { td_string!(locale, admission.fan.apply) },
                move || td_string!(locale, admission.fan.busy),
            )}
        </ActionForm>
        {applied.then(|| view! {
            <ActionForm action=withdraw attr:class="form confirm-form">
                <input type="hidden" name="id" value=withdraw_id />
                {confirm_checkbox("confirm-withdraw", move || td_string!(locale, admission.fan.confirm_withdraw), withdraw.value())}
                {submit_button(withdraw.pending(), Some("secondary"), move || td_string!(locale, admission.fan.withdraw), move || td_string!(locale, admission.fan.busy))}
            </ActionForm>
        })}
        {closes}
        {applicants}
        {errors}
    }
    .into_any()
}

/// The rules, shown before applying or signing up.
#[component]
pub fn AdmissionRules(a: MeetupAdmission, capacity: Option<i64>) -> impl IntoView {
    let locale = use_locale();
    let w = a.weights;
    let r = a.rule;
    let draw = (a.admission == Admission::Draw).then(|| {
        let seats = capacity.map_or_else(|| td_string!(locale, admission.rules.every).to_string(), |c| c.to_string());
        view! {
            <h3>{td!(locale, admission.rules.draw_heading)}</h3>
            <p>{td_string!(locale, admission.rules.draw, seats = seats)}</p>
            <ul data-testid="draw-weights">
                <li>{td_string!(locale, admission.rules.first_timer, pct = w.first_timer_pct)}</li>
                <li>{td_string!(locale, admission.rules.passed_over, pct = w.passed_over_pct)}</li>
                <li>{td_string!(locale, admission.rules.no_show, pct = w.recent_no_show_pct, days = r.window_days)}</li>
            </ul>
            <p class="hint">{td!(locale, admission.rules.picks_and_seed)}</p>
        }
    });
    let no_shows = a.official.then(|| view! {
        <h3>{td!(locale, admission.rules.no_show_heading)}</h3>
        <p data-testid="no-show-rule">
            {td_string!(locale, admission.rules.reconfirm, count = r.no_shows, days = r.window_days, ask = r.ask_hours, deadline = r.deadline_hours)}
            " "
            {td_string!(locale, admission.rules.free_cancel, hours = r.free_cancel_hours)}
        </p>
    });
    view! {
        <details class="card rules" open=a.admission == Admission::Draw>
            <summary>{td!(locale, admission.rules.summary)}</summary>
            {draw}
            {no_shows}
        </details>
    }
}

/// "Please reconfirm by …" for a fan asked to, with the button; thanks once answered.
#[component]
pub fn ReconfirmBox(page: MeetupPage, action: ServerAction<ReconfirmSeat>) -> impl IntoView {
    let locale = use_locale();
    let holds_seat = page.place.as_ref().is_some_and(|p| p.status == PlaceStatus::Confirmed);
    let Some(request) = page.admission.and_then(|a| a.reconfirm).filter(|_| holds_seat) else { return ().into_any() };
    if request.confirmed {
        return view! { <p class="success" data-testid="reconfirmed">{td!(locale, admission.fan.reconfirmed)}</p> }.into_any();
    }
    view! {
        <section class="card notice" data-testid="reconfirm">
            <h2>{td!(locale, admission.fan.reconfirm_heading)}</h2>
            <p>{td_string!(locale, admission.fan.reconfirm, due = request.due)}</p>
            <ActionForm action attr:class="form">
                <input type="hidden" name="id" value=page.card.id.to_string() />
                {submit_button(action.pending(), None, move || td_string!(locale, admission.fan.reconfirm_button), move || td_string!(locale, admission.fan.busy))}
            </ActionForm>
            <p class="field-error" role="alert">{field_error(action.value(), "reconfirm")}</p>
        </section>
    }
    .into_any()
}
