//! Reports about club news, answered by staff (officers write the news): on the
//! moderation queue for every club and on a club's desk for one.
use crate::clubs::reports::{load_news_reports, AnswerNewsReport};
use crate::clubs::NewsReportView;
use crate::components::form::{error_text, field_error, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// Every club's open news reports, for the moderation queue.
#[component]
pub fn NewsReportsSection() -> impl IntoView {
    let locale = use_locale();
    let answer = crate::components::flash::server_action::<AnswerNewsReport>();
    let reports = Resource::new(move || answer.version().get(), |_| load_news_reports());
    view! {
        <h2>{td!(locale, clubs.news_reports)}</h2>
        <p class="field-error" role="alert">{field_error(answer.value(), "reason")}</p>
        <Suspense>
            {move || Suspend::new(async move {
                match reports.await {
                    Ok(r) if r.is_empty() => view! { <p data-testid="news-reports">{td!(locale, staff.moderation.no_reports)}</p> }.into_any(),
                    Ok(r) => news_report_list(r, answer).into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

/// Reports about news, with staff's two answers (dismiss, or hide with a reason).
pub fn news_report_list(reports: Vec<NewsReportView>, action: ServerAction<AnswerNewsReport>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ul class="plain-list" data-testid="news-reports">
            {reports.into_iter().map(|r| view! {
                <li class="card">
                    <p>
                        <a href=format!("/clubs/{}", r.city_id)>{r.club.clone()}</a> " · " <strong>{r.title.clone()}</strong> " · " {r.author.clone()}
                    </p>
                    <p class="hint">
                        {format!(
                            "{} · {}",
                            crate::gatherings::report_category_label(&r.category, locale),
                            td_string!(locale, staff.moderation.reported_by, name = r.reporter.clone()),
                        )}
                    </p>
                    <p>{r.details.clone()}</p>
                    <div class="actions">
                        <ActionForm action attr:class="moderate">
                            <input type="hidden" name="id" value=r.id.to_string() />
                            <input type="hidden" name="action" value="dismiss" />
                            <SubmitButton label=td_string!(locale, clubs.dismiss) pending=action.pending() />
                        </ActionForm>
                        <ActionForm action attr:class="moderate">
                            <input type="hidden" name="id" value=r.id.to_string() />
                            <input type="hidden" name="action" value="hide" />
                            <input type="text" name="reason" required maxlength="500" placeholder=td_string!(locale, clubs.hide_reason) aria-label=td_string!(locale, clubs.hide_reason) />
                            <SubmitButton label=td_string!(locale, clubs.hide_post) pending=action.pending() class="secondary" />
                        </ActionForm>
                    </div>
                </li>
            }).collect_view()}
        </ul>
    }
}

