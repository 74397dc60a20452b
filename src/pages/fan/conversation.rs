//! The conversation on a meetup's page: questions for the team (ask, up-vote, report)
//! before, the attendee's feedback after. Plain forms: they work before the WASM.
use crate::components::form::{error_text, field_error, form_error, submit_button, FormError, SubmitButton};
use crate::conversation::api::{load_conversation, AskQuestion, LeaveFeedback, ReportQuestion, VoteQuestion};
use crate::conversation::{AskRule, Conversation, FeedbackState, QuestionView, COMMENT_MAX_CHARS, QUESTIONS_PER_FAN, QUESTION_MAX_CHARS, QUESTION_MIN_CHARS};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Actions {
    ask: ServerAction<AskQuestion>,
    vote: ServerAction<VoteQuestion>,
    report: ServerAction<ReportQuestion>,
    feedback: ServerAction<LeaveFeedback>,
}

/// The conversation's actions and data. Made with the page, outside its `<Suspense>`:
/// a resource created while a suspense renders its children can keep it from ever
/// resolving on the server (leptos-rs/leptos#4866).
#[derive(Clone, Copy)]
pub struct ConversationData {
    actions: Actions,
    data: Resource<Result<Conversation, crate::error::AppError>>,
}

impl ConversationData {
    pub fn new(event: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        let actions = Actions {
            ask: crate::components::flash::server_action::<AskQuestion>(),
            vote: crate::components::flash::server_action::<VoteQuestion>(),
            report: crate::components::flash::server_action::<ReportQuestion>(),
            feedback: crate::components::flash::server_action::<LeaveFeedback>(),
        };
        let data = Resource::new(
            move || (event(), actions.ask.version().get(), actions.vote.version().get(), actions.report.version().get(), actions.feedback.version().get()),
            |(event, ..)| load_conversation(event),
        );
        ConversationData { actions, data }
    }
}

/// Questions and feedback of a meetup, with their own loading (one awaited resource
/// per `Suspend`).
#[component]
pub fn ConversationSection(loaded: ConversationData) -> impl IntoView {
    let ConversationData { actions, data } = loaded;
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! {
                        <FeedbackBox c=c.clone() action=actions.feedback />
                        <Questions c actions />
                    }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Questions(c: Conversation, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let (vote_value, report_value) = (actions.vote.value(), actions.report.value());
    let ask = ask_box(&c, actions.ask);
    let rule = c.ask;
    let list = if c.questions.is_empty() {
        view! { <p class="empty-state" data-testid="questions">{td!(locale, conversation.questions.empty)}</p> }.into_any()
    } else {
        view! {
            <ol class="plain-list questions" data-testid="questions">
                {c.questions.into_iter().map(|q| view! { <QuestionItem q rule actions /> }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section class="card conversation" id="questions">
            <h2>{td!(locale, conversation.questions.heading)}</h2>
            <p class="hint">{td!(locale, conversation.questions.intro)}</p>
            <p class="field-error" role="alert">{field_error(vote_value, "vote")}</p>
            <FormError error=form_error(vote_value) />
            <p class="field-error" role="alert">{field_error(report_value, "category")}</p>
            <p class="field-error" role="alert">{field_error(report_value, "details")}</p>
            <FormError error=form_error(report_value) />
            {move || matches!(report_value.get(), Some(Ok(()))).then(|| view! {
                <p class="success" role="status" data-testid="question-reported">{td!(locale, conversation.report.thanks)}</p>
            })}
            {list}
            {ask}
        </section>
    }
}

#[component]
fn QuestionItem(q: QuestionView, rule: AskRule, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let id = q.id;
    let input = actions.vote.input();
    let voting = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|v| v.id == id)));
    let may_vote = crate::conversation::may_vote(rule, q.mine, q.hidden);
    let status = [
        Some(td_string!(locale, conversation.questions.votes, count = q.votes).to_string()),
        q.answered.then(|| td_string!(locale, conversation.questions.answered).to_string()),
        q.mine.then(|| td_string!(locale, conversation.questions.yours).to_string()),
        (q.voted).then(|| td_string!(locale, conversation.questions.voted).to_string()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li class="card question" data-testid="question" class:answered=q.answered>
            <p class="question-body">{q.body.clone()}</p>
            <p class="hint" data-testid="question-status">{status}</p>
            <div class="actions">
                {(may_vote && !q.voted).then(|| view! {
                    <ActionForm action=actions.vote>
                        <input type="hidden" name="id" value=id.to_string() />
                        <SubmitButton label=td_string!(locale, conversation.questions.vote) pending=voting busy=td_string!(locale, conversation.questions.voting) class="secondary" />
                    </ActionForm>
                })}
                {(rule != AskRule::LogIn && !q.mine).then(|| view! { <ReportQuestionForm id action=actions.report /> })}
            </div>
        </li>
    }
}

#[component]
fn ReportQuestionForm(id: i64, action: ServerAction<ReportQuestion>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <details class="report">
            <summary>{td!(locale, conversation.report.summary)}</summary>
            <ActionForm action attr:class="form" attr:novalidate=true>
                <input type="hidden" name="id" value=id.to_string() />
                // Its answer shows at the top of the questions (one for all of them).
                {crate::components::report::report_fields(&format!("report-question-{id}"), (), ())}
                {submit_button(action.pending(), Some("secondary"), move || td_string!(locale, conversation.report.send), move || td_string!(locale, conversation.report.sending))}
            </ActionForm>
        </details>
    }
}

/// The form to ask, or why the viewer cannot.
fn ask_box(c: &Conversation, action: ServerAction<AskQuestion>) -> AnyView {
    let locale = use_locale();
    let value = action.value();
    let id = c.event_id;
    match c.ask {
        AskRule::LogIn => view! {
            <p><a class="button secondary" href=format!("/login?next=/meetups/{id}")>{td!(locale, conversation.questions.log_in)}</a></p>
        }
        .into_any(),
        AskRule::NeedPlace => view! { <p class="hint" data-testid="ask-closed">{td!(locale, conversation.questions.need_place)}</p> }.into_any(),
        AskRule::Closed => view! { <p class="hint" data-testid="ask-closed">{td!(locale, conversation.questions.closed)}</p> }.into_any(),
        AskRule::Open if c.questions_left == 0 => view! {
            <p class="hint" data-testid="ask-closed">{td_string!(locale, conversation.questions.none_left, count = QUESTIONS_PER_FAN).to_string()}</p>
            {move || matches!(value.get(), Some(Ok(_))).then(|| view! { <p class="success" role="status" data-testid="asked">{td!(locale, conversation.questions.asked)}</p> })}
        }
        .into_any(),
        AskRule::Open => {
            let hint = td_string!(locale, conversation.questions.ask_hint, min = QUESTION_MIN_CHARS, max = QUESTION_MAX_CHARS, left = c.questions_left).to_string();
            let error = field_error(value, "body");
            view! {
                <ActionForm action attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id.to_string() />
                    <div class="field" class:invalid=move || error.get().is_some()>
                        <label for="field-question">{td!(locale, conversation.questions.ask_label)}</label>
                        <textarea
                            id="field-question"
                            name="body"
                            rows="3"
                            maxlength=QUESTION_MAX_CHARS.to_string()
                            aria-describedby="field-question-hint field-question-error"
                        >{crate::components::form::textarea_text("body", String::new())}</textarea>
                        <p class="hint" id="field-question-hint">{hint}</p>
                        <p class="field-error" id="field-question-error" aria-live="polite">{move || error.get()}</p>
                    </div>
                    <FormError error=form_error(value) />
                    {submit_button(action.pending(), None, move || td_string!(locale, conversation.questions.ask), move || td_string!(locale, conversation.questions.asking))}
                    {move || matches!(value.get(), Some(Ok(_))).then(|| view! { <p class="success" role="status" data-testid="asked">{td!(locale, conversation.questions.asked)}</p> })}
                </ActionForm>
            }
            .into_any()
        }
    }
}

/// After the meetup: the attendee's rating form, or what they gave.
#[component]
fn FeedbackBox(c: Conversation, action: ServerAction<LeaveFeedback>) -> impl IntoView {
    let locale = use_locale();
    let value = action.value();
    let id = c.event_id;
    let body = match c.feedback {
        FeedbackState::NotYet => return None,
        FeedbackState::NotAttendee => view! { <p class="hint" data-testid="feedback-closed">{td!(locale, conversation.feedback.not_attendee)}</p> }.into_any(),
        FeedbackState::Given { rating, comment } => view! {
            {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">{td!(locale, conversation.feedback.thanks)}</p> })}
            <p class="field-error" role="alert">{field_error(value, "rating")}</p>
            <p data-testid="feedback-given">{td_string!(locale, conversation.feedback.given, rating = rating).to_string()}</p>
            {(!comment.is_empty()).then(|| view! { <blockquote>{comment}</blockquote> })}
        }
        .into_any(),
        FeedbackState::Open => {
            let stars = [
                (1, td_string!(locale, conversation.feedback.star_1)),
                (2, td_string!(locale, conversation.feedback.star_2)),
                (3, td_string!(locale, conversation.feedback.star_3)),
                (4, td_string!(locale, conversation.feedback.star_4)),
                (5, td_string!(locale, conversation.feedback.star_5)),
            ];
            let typed = crate::components::flash::typed_value("rating", String::new());
            let rating_error = field_error(value, "rating");
            let comment_error = field_error(value, "comment");
            view! {
                <p class="hint">{td!(locale, conversation.feedback.intro)}</p>
                <ActionForm action attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id.to_string() />
                    <fieldset class="field rating" class:invalid=move || rating_error.get().is_some() aria-describedby="field-rating-error">
                        <legend>{td!(locale, conversation.feedback.rating)}</legend>
                        {stars.into_iter().map(|(n, label)| {
                            let input_id = format!("rating-{n}");
                            let checked = typed == n.to_string();
                            let label_for = input_id.clone();
                            view! {
                                <label class="checkbox" for=label_for>
                                    <input id=input_id type="radio" name="rating" value=n.to_string() checked=checked />
                                    " " {label}
                                </label>
                            }
                        }).collect_view()}
                        <p class="field-error" id="field-rating-error" aria-live="polite">{move || rating_error.get()}</p>
                    </fieldset>
                    <div class="field" class:invalid=move || comment_error.get().is_some()>
                        <label for="field-comment">{td!(locale, conversation.feedback.comment)}</label>
                        <textarea id="field-comment" name="comment" rows="3" aria-describedby="field-comment-hint field-comment-error">{crate::components::form::textarea_text("comment", String::new())}</textarea>
                        <p class="hint" id="field-comment-hint">{td_string!(locale, conversation.feedback.comment_hint, max = COMMENT_MAX_CHARS).to_string()}</p>
                        <p class="field-error" id="field-comment-error" aria-live="polite">{move || comment_error.get()}</p>
                    </div>
                    <FormError error=form_error(value) />
                    {submit_button(action.pending(), None, move || td_string!(locale, conversation.feedback.send), move || td_string!(locale, conversation.feedback.sending))}
                </ActionForm>
            }
            .into_any()
        }
    };
    Some(view! {
        <section class="card feedback" id="feedback" data-testid="feedback">
            <h2>{td!(locale, conversation.feedback.heading)}</h2>
            {body}
        </section>
    })
}
