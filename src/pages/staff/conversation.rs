//! The conversation as staff (and a gathering's organizer) see it: questions ranked by
//! votes, to mark answered (staff also hide and restore them), and the feedback; and
//! the staff page of ratings per city and month.
use crate::components::form::{error_text, field_error, form_error, FormError, SubmitButton};
use crate::conversation::api::{feedback_by_city, load_event_conversation, MarkAnswered};
use crate::conversation::{EventConversation, FeedbackSummary, QuestionView};
use crate::gatherings::moderation::Moderate;
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::pages::staff::dashboard::{loading, StaffNav};
use crate::pages::staff::moderation::ModerateButton;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// The conversation's actions and data. Made with the page, outside its `<Suspense>`:
/// a resource created while a suspense renders its children can keep it from ever
/// resolving on the server (leptos-rs/leptos#4866).
#[derive(Clone, Copy)]
pub struct EventConversationData {
    mark: ServerAction<MarkAnswered>,
    moderate: ServerAction<Moderate>,
    data: Resource<Result<EventConversation, crate::error::AppError>>,
}

impl EventConversationData {
    pub fn new(event: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        let mark = crate::components::flash::server_action::<MarkAnswered>();
        let moderate = crate::components::flash::server_action::<Moderate>();
        let data = Resource::new(move || (event(), mark.version().get(), moderate.version().get()), |(event, ..)| load_event_conversation(event));
        EventConversationData { mark, moderate, data }
    }
}

/// Questions and feedback of an event, on the staff meetup page and the organizer's
/// gathering page.
#[component]
pub fn EventConversationSection(loaded: EventConversationData) -> impl IntoView {
    let EventConversationData { mark, moderate, data } = loaded;
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! { <ConversationView c mark moderate /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ConversationView(c: EventConversation, mark: ServerAction<MarkAnswered>, moderate: ServerAction<Moderate>) -> impl IntoView {
    let locale = use_locale();
    let (mark_value, moderate_value) = (mark.value(), moderate.value());
    let staff = c.staff;
    let count = c.questions.len();
    let questions = if c.questions.is_empty() {
        view! { <p data-testid="staff-questions">{td!(locale, conversation.staff.none)}</p> }.into_any()
    } else {
        view! {
            <ol class="plain-list questions" data-testid="staff-questions">
                {c.questions.into_iter().map(|q| view! { <StaffQuestion q staff mark moderate /> }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section class="card conversation" id="questions">
            <h2>{td_string!(locale, conversation.staff.questions, count = count).to_string()}</h2>
            <FormError error=form_error(mark_value) />
            <p class="field-error" role="alert">{field_error(moderate_value, "reason")}</p>
            <FormError error=form_error(moderate_value) />
            {questions}
        </section>
        <FeedbackView f=c.feedback />
    }
}

#[component]
fn StaffQuestion(q: QuestionView, staff: bool, mark: ServerAction<MarkAnswered>, moderate: ServerAction<Moderate>) -> impl IntoView {
    let locale = use_locale();
    let id = q.id;
    let input = mark.input();
    let marking = Signal::derive(move || input.with(|i| i.as_ref().is_some_and(|m| m.id == id)));
    let status = [
        Some(td_string!(locale, conversation.questions.votes, count = q.votes).to_string()),
        q.asker.clone().map(|name| td_string!(locale, conversation.staff.asked_by, name = name).to_string()),
        q.answered.then(|| td_string!(locale, conversation.questions.answered).to_string()),
        q.hidden.then(|| td_string!(locale, conversation.staff.hidden).to_string()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let (label, answered) = if q.answered {
        (td_string!(locale, conversation.staff.unmark), None)
    } else {
        (td_string!(locale, conversation.staff.mark_answered), Some("yes"))
    };
    view! {
        <li class="card question" data-testid="staff-question" class:answered=q.answered class:hidden-question=q.hidden>
            <p class="question-body">{q.body.clone()}</p>
            <p class="hint" data-testid="staff-question-status">{status}</p>
            <div class="actions">
                <ActionForm action=mark>
                    <input type="hidden" name="id" value=id.to_string() />
                    {answered.map(|v| view! { <input type="hidden" name="answered" value=v /> })}
                    <SubmitButton label pending=marking class=if q.answered { "secondary" } else { "" } />
                </ActionForm>
                {staff.then(|| if q.hidden {
                    view! { <ModerateButton action=moderate subject="question" id verb="restore" label=td_string!(locale, conversation.staff.restore) with_reason=false /> }.into_any()
                } else {
                    view! { <ModerateButton action=moderate subject="question" id verb="hide" label=td_string!(locale, conversation.staff.hide) with_reason=true /> }.into_any()
                })}
            </div>
        </li>
    }
}

#[component]
fn FeedbackView(f: FeedbackSummary) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="card feedback" id="feedback">
            <h2>{td!(locale, conversation.staff.feedback)}</h2>
            {match f.average {
                None => view! { <p data-testid="feedback-average">{td!(locale, conversation.staff.no_feedback)}</p> }.into_any(),
                Some(average) => view! {
                    <p data-testid="feedback-average">
                        <strong>{td_string!(locale, conversation.staff.average, average = format!("{average:.1}"), count = f.count).to_string()}</strong>
                    </p>
                    <ul class="plain-list" data-testid="feedback-comments">
                        {f.comments.into_iter().map(|(rating, comment)| view! {
                            <li class="card">
                                <p class="hint">{td_string!(locale, conversation.staff.rated, rating = rating).to_string()}</p>
                                <p>{comment}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Ratings per city and month, for staff.
#[component]
pub fn FeedbackByCityPage() -> impl IntoView {
    let locale = use_locale();
    let data = OnceResource::new(feedback_by_city());
    view! {
        <Title text=move || td_string!(locale, conversation.by_city.title) />
        <h1>{td!(locale, conversation.by_city.heading)}</h1>
        <StaffNav />
        <p class="hint">{td!(locale, conversation.by_city.intro)}</p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(rows) if rows.is_empty() => view! { <p data-testid="feedback-by-city">{td!(locale, conversation.by_city.empty)}</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="table-scroll">
                            <table data-testid="feedback-by-city">
                                <thead>
                                    <tr>
                                        <th scope="col">{td!(locale, conversation.by_city.city)}</th>
                                        <th scope="col">{td!(locale, conversation.by_city.month)}</th>
                                        <th scope="col">{td!(locale, conversation.by_city.meetups)}</th>
                                        <th scope="col">{td!(locale, conversation.by_city.count)}</th>
                                        <th scope="col">{td!(locale, conversation.by_city.average)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td><a href=format!("/cities/{}", r.city_id)>{r.city}</a></td>
                                            <td>{r.month}</td>
                                            <td>{r.meetups}</td>
                                            <td>{r.count}</td>
                                            <td>{format!("{:.1}", r.average)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}
